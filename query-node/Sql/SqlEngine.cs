using Log.QueryNode.Execution;

namespace Log.QueryNode.Sql;

/// <summary>
/// The SQL engine of a query node: lexer -> parser -> binder -> planner -> executor over one transaction's
/// key-value view (<see cref="ITransactionStore"/>). Each stage lives in its own folder and consumes only the
/// previous one's output: tokens (Lexer/), PostgreSQL-named parse nodes (Parser/Ast), typed bound trees (Binder/),
/// an access path (Planner/), rows (Executor/).
/// Key space (Encoding/KeyEncoder, an order-preserving tuple encoding): (0, 1, name) table descriptor,
/// (0, 2, id) table name, (0, 3) table id counter, (table id, 1, primary key...) row, where a row value is a
/// MessagePack map column id -> value (Encoding/RowEncoder).
/// It holds no per-session state, only a cache of parsed catalog descriptors that is checked against the store on
/// every use, so one instance serves every session, from any thread.
/// </summary>
public sealed partial class SqlEngine
{
    public SqlEngine()
    {
    }

    /// <summary>Where sequences commit the blocks of values they hand out (the node's adjudicator and storage); without
    /// it (an engine over an in-memory store in tests) blocks are taken in the statement's own transaction.</summary>
    public Execution.ISeparateTransactions? SeparateTransactions
    {
        get => _separateTransactions;
        init
        {
            _separateTransactions = value;
            _sequenceGenerator = new Executor.SequenceGenerator(value);
        }
    }

    private readonly Execution.ISeparateTransactions? _separateTransactions;
    private readonly Executor.SequenceGenerator _sequenceGenerator = new(null);

    /// <summary>currval and lastval of statements run without a session (tests): one memory for the whole engine.</summary>
    private readonly Executor.SessionSequenceValues _sequencesWithoutSession = new();

    private Executor.SequenceAccess SequenceAccessFor(Execution.ITransactionStore store, Executor.ISessionEnvironment? session,
        Catalog.RelationResolver? relations) =>
        new(_sequenceGenerator, _catalog, store, session?.Sequences ?? _sequencesWithoutSession, relations);

    /// <summary>Aurora DSQL's transaction rules for schema changes: a transaction holds at most one DDL statement and
    /// never DDL and DML together. Off by default: PostgreSQL mixes them freely, and Log's DDL is an ordinary
    /// transaction over the catalog keys, so nothing in the design needs the restriction; turning it on lets an
    /// application check on Log that it will run on DSQL.</summary>
    public bool DsqlCompatibility { get; init; }

    /// <summary>Memory one statement may hold in sorts and hash tables before it fails with 53200 (DSQL's 128 MiB by default).</summary>
    public long QueryMemoryBytesMax { get; init; } = SqlLimits.QueryMemoryBytesDefault;

    /// <summary>Splits and parses a simple-protocol query string; syntax errors throw <see cref="SqlException"/> 42601
    /// with the 1-based position of the offending token. Empty statements produce no entry. Notices of the parse
    /// (PostgreSQL's scanner sends them before anything runs: identifiers truncated, 42622) are added to
    /// <paramref name="notices"/> when given, also when the parse then fails.</summary>
    public IReadOnlyList<ParsedStatement> Parse(string queryText, List<string>? notices = null)
    {
        ArgumentNullException.ThrowIfNull(queryText);
        var parsed = queryText.Length < SqlLimits.ParseOnCallerStackLengthMax && queryText.AsSpan().Count('(') < SqlLimits.ParseOnCallerStackParenthesesMax
            ? Parser.SqlParser.ParseAll(queryText, notices)
            : ParseOnLargeStack(queryText, notices);
        var statements = new ParsedStatement[parsed.Count];
        for (int index = 0; index < parsed.Count; index++)
        {
            statements[index] = new ParsedStatement(parsed[index].Statement, parsed[index].Text, parsed[index].ParameterCount);
        }
        return statements;
    }

    /// <summary>
    /// A long text, or one with many parentheses, may nest deeply: the recursive-descent parser then needs more stack than a pool thread has (about
    /// 18 frames per level of parentheses, and the depth limit allows 1,000 levels). It runs on a thread of its own
    /// with <see cref="SqlLimits.ParserStackBytes"/> of stack, which is only worth its start-up cost for long texts.
    /// </summary>
    private static List<(Parser.Ast.Statement Statement, string Text, int ParameterCount)> ParseOnLargeStack(string queryText, List<string>? notices)
    {
        List<(Parser.Ast.Statement, string, int)>? result = null;
        System.Runtime.ExceptionServices.ExceptionDispatchInfo? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                result = Parser.SqlParser.ParseAll(queryText, notices);
            }
            catch (Exception exception)
            {
                failure = System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(exception);
            }
        }, SqlLimits.ParserStackBytes)
        { Name = "sql parser", IsBackground = true };
        thread.Start();
        thread.Join();
        failure?.Throw();
        return result!;
    }
}
