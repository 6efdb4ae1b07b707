using Log.Adjudicator;
using Log.Journal.Time;
using Log.QueryNode.Execution;
using Log.QueryNode.Sql;
using Log.StorageNode;
using Log.Wire;
using Microsoft.Extensions.Logging;

namespace Log.QueryNode.Sessions;

/// <summary>Creates a <see cref="QuerySession"/> for each connection that completes its startup.</summary>
public sealed class QuerySessionFactory(
    SqlEngine engine,
    IAdjudicator adjudicator,
    IStorageReader storage,
    HybridClock clock,
    ILogger<QuerySession> logger,
    ISnapshotSource? snapshots = null) : IPgSessionFactory
{
    private readonly TransactionLimits limits = new();

    public ValueTask<IPgSession> CreateSessionAsync(PgStartup startup, CancellationToken cancellationToken)
    {
        try
        {
            return ValueTask.FromResult<IPgSession>(new QuerySession(startup, engine, adjudicator, storage, clock, limits, logger, snapshots));
        }
        catch (SqlException exception)
        {
            // A bad setting in the startup packet (options, TimeZone ...) refuses the connection, as in PostgreSQL.
            throw new PgException(new PgError("FATAL", exception.SqlState, exception.Message, null, exception.Detail, exception.Hint));
        }
    }
}
