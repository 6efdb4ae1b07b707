namespace Log.Wire;

/// <summary>
/// Provided by the query node. The server calls it once per connection, after the startup
/// packet (and after the password exchange when <see cref="PgServerOptions.RequirePassword"/> is set).
/// </summary>
public interface IPgSessionFactory
{
    /// <summary>
    /// Returns the session for a new connection, or throws <see cref="PgException"/> to refuse it:
    /// the server sends the error as a FATAL ErrorResponse and closes the connection
    /// (for example 3D000 unknown database, 28P01 wrong password, 53300 too many connections).
    /// When a password was requested, <see cref="PgStartup.Password"/> holds what the client sent.
    /// </summary>
    ValueTask<IPgSession> CreateSessionAsync(PgStartup startup, CancellationToken cancellationToken);
}
