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

    /// <summary>Splits and parses a simple-protocol query string; syntax errors throw <see cref="SqlException"/> 42601
    /// with the 1-based position of the offending token. Empty statements produce no entry. Notices of the parse
    /// (PostgreSQL's scanner sends them before anything runs: identifiers truncated, 42622) are added to
    /// <paramref name="notices"/> when given, also when the parse then fails.</summary>
    public IReadOnlyList<ParsedStatement> Parse(string queryText, List<string>? notices = null)
    {
        ArgumentNullException.ThrowIfNull(queryText);
        var parsed = Parser.SqlParser.ParseAll(queryText, notices);
        var statements = new ParsedStatement[parsed.Count];
        for (int index = 0; index < parsed.Count; index++)
        {
            statements[index] = new ParsedStatement(parsed[index].Statement, parsed[index].Text, parsed[index].ParameterCount);
        }
        return statements;
    }
}
