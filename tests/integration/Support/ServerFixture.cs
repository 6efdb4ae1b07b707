namespace Log.Integration.Tests.Support;

/// <summary>One database process shared by the tests of a collection.</summary>
public sealed class ServerFixture : IAsyncLifetime
{
    private LogProcess? server;

    public LogProcess Server => server ?? throw new InvalidOperationException("server not started");

    public async Task InitializeAsync() => server = await LogProcess.StartAsync();

    public async Task DisposeAsync()
    {
        if (server is not null)
        {
            await server.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ServerCollection : ICollectionFixture<ServerFixture>
{
    public const string Name = "one server";
}
