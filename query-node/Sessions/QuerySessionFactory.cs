using Log.Adjudicator;
using Log.Journal.Time;
using Log.QueryNode.Auth;
using Log.QueryNode.Execution;
using Log.QueryNode.Sql;
using Log.StorageNode;
using Log.Wire;
using Microsoft.Extensions.Logging;

namespace Log.QueryNode.Sessions;

/// <summary>Creates a <see cref="QuerySession"/> for each connection that completes its startup and passes the
/// login decision (<see cref="ILoginAuthenticator"/>; with authentication on, the server asked for the token as a
/// cleartext password first).</summary>
public sealed class QuerySessionFactory(
    SqlEngine engine,
    IAdjudicator adjudicator,
    IStorageReader storage,
    HybridClock clock,
    ILogger<QuerySession> logger,
    ILoginAuthenticator? authenticator = null,
    ISnapshotSource? snapshots = null) : IPgSessionFactory
{
    private readonly TransactionLimits limits = new();

    /// <summary>The sessions this factory made that are still connected (pg_stat_activity).</summary>
    public SessionRegistry Sessions { get; } = new();

    /// <summary>The first writers of keys among these sessions' open transactions (see <see cref="LocalWriters"/>).</summary>
    private readonly LocalWriters localWriters = new();
    private readonly ILoginAuthenticator authenticator = authenticator ?? TrustAuthenticator.Instance;

    public async ValueTask<IPgSession> CreateSessionAsync(PgStartup startup, CancellationToken cancellationToken)
    {
        var login = await authenticator.AuthenticateAsync(
            new LoginAttempt(startup.User, startup.Password, startup.ClientEndPoint?.Address), cancellationToken);
        if (!login.Accepted)
        {
            logger.LogInformation("Login of role {Role} from {Client} refused: {SqlState} {Message}",
                startup.User, startup.ClientEndPoint?.Address, login.SqlState, login.Message);
            throw new PgException(PgError.Fatal(login.SqlState!, login.Message!));
        }
        try
        {
            var session = new QuerySession(startup, engine, adjudicator, storage, clock, limits, logger, snapshots)
            {
                Principal = login.Principal,
                Registry = Sessions,
                LocalWriters = localWriters,
            };
            Sessions.Add(session);
            return session;
        }
        catch (SqlException exception)
        {
            // A bad setting in the startup packet (options, TimeZone ...) refuses the connection, as in PostgreSQL.
            throw new PgException(new PgError("FATAL", exception.SqlState, exception.Message, null, exception.Detail, exception.Hint));
        }
    }
}
