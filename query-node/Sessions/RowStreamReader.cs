using Log.QueryNode.Execution;
using Log.QueryNode.Sql;
using Log.Wire;

namespace Log.QueryNode.Sessions;

/// <summary>
/// Reads a statement's streamed rows to the client, some at a time: all of them for a simple query, up to the row
/// limit of each Execute for a portal (which then suspends, keeping the operator tree where it stopped). The rows are
/// computed as they are read, so the statement's cancellation covers each read: a CancelRequest, and statement_timeout
/// counted afresh for each read as PostgreSQL counts it per message. Output is flushed as it fills, so a large result
/// never sits whole in memory and a client that reads slowly slows the query instead.
/// </summary>
internal sealed class RowStreamReader : IAsyncDisposable
{
    private readonly CancellationTokenSource cancellation;
    private readonly IAsyncEnumerator<object?[]> rows;
    private readonly IReadOnlyList<ResultColumn> columns;

    private RowStreamReader(StatementResult result, CancellationTokenSource cancellation)
    {
        this.cancellation = cancellation;
        columns = result.Columns!;
        rows = result.RowStream!.GetAsyncEnumerator(cancellation.Token);
    }

    /// <summary>The source whose token a streamed statement runs under; it lives as long as the reader.</summary>
    public static CancellationTokenSource NewCancellation() => new();

    public static RowStreamReader Open(StatementResult result, CancellationTokenSource cancellation) => new(result, cancellation);

    /// <summary>Rows read so far.</summary>
    public long RowsRead { get; private set; }

    public bool Finished { get; private set; }

    /// <summary>Writes up to <paramref name="maxRows"/> rows (0: all). Returns false when rows remain. A timeout is
    /// 57014 "canceling statement due to statement timeout"; a cancel request surfaces as the caller's cancellation.</summary>
    public async ValueTask<bool> ReadAsync(int maxRows, IPgResponseWriter writer, TimeSpan? statementTimeout, CancellationToken requestCancellation)
    {
        using CancellationTokenRegistration link = requestCancellation.Register(static state => ((CancellationTokenSource)state!).Cancel(), cancellation);
        if (statementTimeout is { } timeout) cancellation.CancelAfter(timeout);
        try
        {
            long written = 0;
            while (maxRows <= 0 || written < maxRows)
            {
                if (!await rows.MoveNextAsync())
                {
                    Finished = true;
                    return true;
                }
                QuerySession.WriteRow(writer, columns, rows.Current);
                written++;
                RowsRead++;
                if ((written & (SessionLimits.StreamFlushRows - 1)) == 0) await writer.FlushAsync(cancellation.Token);
            }
            return false;
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested && !requestCancellation.IsCancellationRequested)
        {
            throw new SqlException(SqlState.QueryCanceled, "canceling statement due to statement timeout");
        }
        finally
        {
            if (!cancellation.IsCancellationRequested) cancellation.CancelAfter(Timeout.InfiniteTimeSpan);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await rows.DisposeAsync();
        cancellation.Dispose();
    }
}

/// <summary>Named limits of a session.</summary>
internal static class SessionLimits
{
    /// <summary>Streamed rows between flushes of the output (a power of two).</summary>
    public const int StreamFlushRows = 256;
}
