using Log.Integration.Tests.Support;
using Log.Wire.Tests;

namespace Log.Integration.Tests.Scripts;

/// <summary>
/// The real database process the scripts run against, started once for the class. When
/// PostgreSQL cannot be reached every script is skipped (with RealPostgres's reason), so the
/// process is not started at all.
/// </summary>
public sealed class ScriptServer : IAsyncLifetime
{
    private LogProcess? server;

    public LogProcess Server => server ?? throw new InvalidOperationException("server not started");

    public async Task InitializeAsync()
    {
        if (RealPostgres.SkipReason is null)
        {
            server = await LogProcess.StartAsync();
        }
    }

    public async Task DisposeAsync()
    {
        if (server is not null)
        {
            await server.DisposeAsync();
        }
    }

    /// <summary>Connects to Log as PostgreSQL clients do (Log has no authentication yet); returns once ReadyForQuery arrived.</summary>
    internal async Task<RawClient> ConnectAsync()
    {
        RawClient client = await RawClient.ConnectAsync(Server.Port);
        try
        {
            await client.SendAsync(Bytes.Startup(("user", "admin"), ("database", "postgres"), ("application_name", "wire-tests")));
            List<BackendMessage> messages = await client.ReadUntilReadyForQueryAsync();
            if (messages[^1].Type != 'Z')
            {
                throw new InvalidOperationException(messages[^1].Fields()['M']);
            }
            return client;
        }
        catch
        {
            await client.DisposeAsync();
            throw;
        }
    }
}
