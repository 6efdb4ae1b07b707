using Log.Wire.Types;

namespace Log.Wire;

/// <summary>
/// A session that also speaks the extended query protocol (Parse, Bind, Describe, Execute,
/// Close, Sync). The server keeps the names: it owns the tables of prepared statements and
/// portals, answers Describe and Close, checks formats and counts, decodes Bind parameters
/// with <see cref="Types.PgTypes"/>, applies Execute's row limit, and skips to Sync after an
/// error. The session only prepares, binds, runs, and ends the implicit transaction at Sync.
/// A session that does not implement this interface gets ERROR 0A000 for extended messages.
/// Every call comes from the connection's loop, one at a time; a thrown <see cref="PgException"/>
/// is sent as that error (and the server then skips to Sync); <c>cancellationToken</c> is
/// cancelled by a CancelRequest (sent as 57014) or by shutdown.
/// </summary>
public interface IPgExtendedQuerySession : IPgSession
{
    /// <summary>
    /// How values are written and read in text format (TimeZone, DateStyle, extra_float_digits ...).
    /// Read by the server before each Bind and Execute and before each simple Query; return the
    /// same instance while nothing changes.
    /// </summary>
    PgTypeSettings TypeSettings { get; }

    /// <summary>
    /// Parse: analyses one statement. <paramref name="parameterTypeOids"/> holds the types the
    /// client gave (possibly fewer than the statement uses; 0 means "infer it"). The result must
    /// list a real type for every parameter ($1..$n, so at least as many as the client gave) and
    /// the result columns (null when the statement returns no rows).
    /// Throw for a syntax error (42601), several statements (42601 "cannot insert multiple
    /// commands into a prepared statement"), or an aborted transaction (25P02).
    /// </summary>
    ValueTask<IPgPreparedStatement> PrepareAsync(string queryText, IReadOnlyList<int> parameterTypeOids, CancellationToken cancellationToken);

    /// <summary>
    /// Bind: makes a portal of <paramref name="statement"/> (an object this session returned)
    /// with <paramref name="parameterValues"/>, already decoded by the server from the client's
    /// text or binary format into the CLR values of <see cref="Types.PgTypes"/> (null for SQL NULL;
    /// a string for text parameters of types without a codec). The list is made for this call: the
    /// session may keep it.
    /// </summary>
    ValueTask<IPgPortal> BindAsync(IPgPreparedStatement statement, IReadOnlyList<object?> parameterValues, CancellationToken cancellationToken);

    /// <summary>
    /// Sync: ends the implicit transaction of the messages since the last Sync (commit it, or
    /// roll it back when <paramref name="failed"/>: an error was reported since the last Sync,
    /// by the session or by the server). Inside an explicit transaction block, a failure leaves
    /// the block failed (25P02 until ROLLBACK). May write an error (a commit conflict, 40001)
    /// through <paramref name="writer"/> or throw it. The server then drops every portal if
    /// <see cref="IPgSession.TransactionStatus"/> is Idle, and writes ReadyForQuery.
    /// </summary>
    ValueTask SyncAsync(bool failed, IPgResponseWriter writer, CancellationToken cancellationToken);

    /// <summary>
    /// The session's table of prepared statements by name (the unnamed one under ""), which the server then uses for
    /// Parse, Bind, Describe and Close instead of its own, so that statements the session prepares itself (SQL
    /// PREPARE) and those prepared through the protocol are one namespace. Null: the server keeps its own table.
    /// </summary>
    IDictionary<string, IPgPreparedStatement>? PreparedStatements => null;
}

/// <summary>What Parse produced: the session's own object, with what Describe reports.</summary>
public interface IPgPreparedStatement
{
    /// <summary>The type OID of each parameter ($1 first), none of them 0: ParameterDescription.</summary>
    IReadOnlyList<int> ParameterTypeOids { get; }

    /// <summary>The result columns (their FormatCode is ignored), or null when the statement returns no rows (NoData).</summary>
    IReadOnlyList<PgField>? ResultFields { get; }

    /// <summary>NoticeResponses that go out before ParseComplete (PostgreSQL's scanner warns while it parses, of an
    /// identifier it truncates, for example).</summary>
    IReadOnlyList<PgError> Notices => [];
}

/// <summary>A bound statement ready to run, possibly in several Executes. Disposed when closed, replaced, or dropped at the end of its transaction.</summary>
public interface IPgPortal : IAsyncDisposable
{
    /// <summary>The result columns (FormatCode ignored: the server applies Bind's result formats), or null for no rows.</summary>
    IReadOnlyList<PgField>? ResultFields { get; }

    /// <summary>
    /// Whether an Execute may read more input (COPY FROM STDIN): the server then gives the input buffer back before it
    /// runs. False lets the messages pipelined behind the Execute (Sync) be handled from the same read.
    /// </summary>
    bool MayReadInput => true;

    /// <summary>
    /// Execute: runs the statement, or resumes it where the last Execute stopped. Writes at most
    /// <paramref name="maxRows"/> rows (0: no limit) with <see cref="IPgResponseWriter.DataRow(IReadOnlyList{object})"/>
    /// (or the text DataRow), never RowDescription, and returns <see cref="PgExecuteResult.Suspended"/>
    /// when rows are left, else the command tag (<see cref="PgExecuteResult.Completed"/>) or
    /// <see cref="PgExecuteResult.EmptyQuery"/>. Executing a drained SELECT again completes with
    /// "SELECT 0", as in PostgreSQL.
    /// </summary>
    ValueTask<PgExecuteResult> ExecuteAsync(int maxRows, IPgResponseWriter writer, CancellationToken cancellationToken);
}

public enum PgExecuteOutcome : byte
{
    /// <summary>CommandComplete with the tag.</summary>
    Completed,
    /// <summary>PortalSuspended: the row limit was reached and rows are left.</summary>
    Suspended,
    /// <summary>EmptyQueryResponse: the statement was empty.</summary>
    EmptyQuery,
}

/// <summary>How an Execute ended.</summary>
public readonly record struct PgExecuteResult(PgExecuteOutcome Outcome, string? CommandTag)
{
    public static PgExecuteResult Suspended => new(PgExecuteOutcome.Suspended, null);

    public static PgExecuteResult EmptyQuery => new(PgExecuteOutcome.EmptyQuery, null);

    public static PgExecuteResult Completed(string commandTag)
    {
        ArgumentNullException.ThrowIfNull(commandTag);
        return new(PgExecuteOutcome.Completed, commandTag);
    }
}
