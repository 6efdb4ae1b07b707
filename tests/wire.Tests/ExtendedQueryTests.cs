namespace Log.Wire.Tests;

/// <summary>Extended-protocol behaviour that PostgreSQL scripts cannot show: what the session sees.</summary>
public sealed class ExtendedQueryTests : IAsyncLifetime
{
    private readonly FakeSessionFactory factory = new();
    private PgServer server = null!;

    public async Task InitializeAsync()
    {
        server = new PgServer(new PgServerOptions { Port = 0, MaxPreparedStatements = 2 }, factory);
        await server.StartAsync(CancellationToken.None);
    }

    public async Task DisposeAsync() => await server.DisposeAsync();

    private static string Types(IEnumerable<BackendMessage> messages) => new(messages.Select(message => message.Type).ToArray());

    [Fact]
    public async Task PortalsAreDisposedAtSyncWhenNoTransactionIsOpenAndSyncReportsFailures()
    {
        var (client, _) = await RawClient.ConnectAndStartAsync(server.Port);
        await using var _1 = client;
        await client.SendAsync(Frontend.Concat(
            Frontend.Parse("", "SELECT generate_series(1,3)"), Frontend.Bind("a", "", []), Frontend.Bind("b", "", []),
            Frontend.Execute("a", 1), Frontend.Sync()));
        Assert.Equal("122DsZ", Types(await client.ReadUntilReadyForQueryAsync()));
        FakeSession session = Assert.Single(factory.Sessions);
        Assert.Equal(2, session.PortalsDisposed);
        await client.SendAsync(Frontend.Concat(Frontend.Execute("a"), Frontend.Sync()));
        Assert.Equal("EZ", Types(await client.ReadUntilReadyForQueryAsync()));
        Assert.Equal([false, true], session.SyncFailures);
    }

    [Fact]
    public async Task SessionBugIsAnInternalErrorThenSkipToSync()
    {
        var (client, _) = await RawClient.ConnectAndStartAsync(server.Port);
        await using var _1 = client;
        await client.SendAsync(Frontend.Concat(
            Frontend.Parse("", "throw"), Frontend.Bind("", "", []), Frontend.Execute(""), Frontend.Execute(""), Frontend.Sync(),
            Bytes.Query("select 1")));
        List<BackendMessage> messages = await client.ReadUntilReadyForQueryAsync();
        Assert.Equal("12EZ", Types(messages));
        Assert.Equal("XX000", messages[2].SqlState);
        Assert.Equal("TDCZ", Types(await client.ReadUntilReadyForQueryAsync()));
    }

    /// <summary>As PostgreSQL: DISCARD ALL drops the named statements and every portal but the one running it; the unnamed statement stays.</summary>
    [Fact]
    public async Task DiscardAllDropsPreparedStatementsAndPortals()
    {
        var (client, _) = await RawClient.ConnectAndStartAsync(server.Port);
        await using var _1 = client;
        await client.SendAsync(Frontend.Concat(Frontend.Parse("a", "SELECT 1"), Frontend.Sync(), Bytes.Query("discard all"),
            Frontend.Parse("a", "SELECT 1"), Frontend.Sync()));
        Assert.Equal("1Z", Types(await client.ReadUntilReadyForQueryAsync()));
        Assert.Equal("CZ", Types(await client.ReadUntilReadyForQueryAsync()));
        // Without the hook, the second Parse of "a" is 42P05.
        Assert.Equal("1Z", Types(await client.ReadUntilReadyForQueryAsync()));

        await client.SendAsync(Frontend.Concat(
            Frontend.Parse("", "SELECT generate_series(1,3)"), Frontend.Bind("p", "", []),
            Frontend.Bind("b", "a", []), Frontend.Close('S', "a"), Frontend.Parse("d", "discard all"), Frontend.Bind("", "d", []),
            Frontend.Execute(""), Frontend.Describe('P', ""), Frontend.Bind("q", "", []), Frontend.Execute("p"), Frontend.Sync(),
            Frontend.Parse("d", "discard all"), Frontend.Sync()));
        List<BackendMessage> messages = await client.ReadUntilReadyForQueryAsync();
        // Parse, Bind p, Bind, Close, Parse d, Bind, DISCARD ALL, NoData for the running portal, Bind of the
        // unnamed statement (kept), then portal "p" is gone.
        Assert.Equal("122312Cn2EZ", Types(messages));
        Assert.Equal("34000", messages[^2].SqlState);
        Assert.Equal("1Z", Types(await client.ReadUntilReadyForQueryAsync()));
        FakeSession session = Assert.Single(factory.Sessions);
        Assert.Equal(4, session.PortalsDisposed);
    }

    [Fact]
    public async Task PreparedStatementLimitIsEnforced()
    {
        var (client, _) = await RawClient.ConnectAndStartAsync(server.Port);
        await using var _1 = client;
        await client.SendAsync(Frontend.Concat(Frontend.Parse("a", "SELECT 1"), Frontend.Parse("b", "SELECT 1"), Frontend.Parse("c", "SELECT 1"), Frontend.Sync()));
        List<BackendMessage> messages = await client.ReadUntilReadyForQueryAsync();
        Assert.Equal("11EZ", Types(messages));
        Assert.Equal("54000", messages[2].SqlState);
    }

    [Fact]
    public async Task ChangedParameterIsReportedBeforeReadyForQueryInTheExtendedProtocol()
    {
        var (client, _) = await RawClient.ConnectAndStartAsync(server.Port);
        await using var _1 = client;
        await client.SendAsync(Frontend.Concat(Frontend.Parse("", "set application_name = 'x'"), Frontend.Bind("", "", []), Frontend.Execute(""), Frontend.Sync()));
        List<BackendMessage> messages = await client.ReadUntilReadyForQueryAsync();
        Assert.Equal("12CSZ", Types(messages));
        Assert.Equal("application_name\0x\0", System.Text.Encoding.UTF8.GetString(messages[3].Body));
    }

    [Fact]
    public async Task CancelRequestCancelsAnExecute()
    {
        var (client, startup) = await RawClient.ConnectAndStartAsync(server.Port);
        await using var _1 = client;
        BackendMessage key = startup.Single(message => message.Type == 'K');
        await client.SendAsync(Frontend.Concat(Frontend.Parse("", "sleep"), Frontend.Bind("", "", []), Frontend.Execute(""), Frontend.Sync()));
        await Assert.Single(factory.Sessions).SleepStarted.Task.WaitAsync(TimeSpan.FromSeconds(5));
        await using (RawClient canceller = await RawClient.ConnectAsync(server.Port))
        {
            await canceller.SendAsync(new Bytes().Int32(16).Int32(80877102).Int32(key.Int32At(0)).Int32(key.Int32At(4)).ToArray());
        }
        List<BackendMessage> messages = await client.ReadUntilReadyForQueryAsync();
        Assert.Equal("12EZ", Types(messages));
        Assert.Equal("57014", messages[2].SqlState);
    }
    /// <summary>A query's portal reads no input, so the server keeps the read's buffer while it runs and answers the Sync
    /// behind it from the same read: several transactions pipelined in one write are each answered whole, in order,
    /// with the values of their own Bind, and an error in one skips to its own Sync only.</summary>
    [Fact]
    public async Task PipelinedBindExecuteSyncOfAQueryAreAnsweredInOrder()
    {
        var (client, _) = await RawClient.ConnectAndStartAsync(server.Port);
        await using var _1 = client;
        await client.SendAsync(Frontend.Concat(Frontend.Parse("s", "select $1::int4"), Frontend.Sync()));
        Assert.Equal("1Z", Types(await client.ReadUntilReadyForQueryAsync()));
        byte[] Transaction(string? value) => Frontend.Concat(
            Frontend.Bind("", "s", value is null ? [] : [value]), Frontend.Describe('P', ""), Frontend.Execute(""), Frontend.Sync());
        await client.SendAsync(Frontend.Concat(Transaction("1"), Transaction("2"), Transaction(null), Transaction("x"), Transaction("5")));
        List<BackendMessage> first = await client.ReadUntilReadyForQueryAsync();
        Assert.Equal("2TDCZ", Types(first));
        Assert.Equal("1", System.Text.Encoding.UTF8.GetString(first[2].Body[6..]));
        List<BackendMessage> second = await client.ReadUntilReadyForQueryAsync();
        Assert.Equal("2TDCZ", Types(second));
        Assert.Equal("2", System.Text.Encoding.UTF8.GetString(second[2].Body[6..]));
        // No value for the one parameter: 08P01 at Bind, Describe and Execute skipped, then Sync.
        List<BackendMessage> missing = await client.ReadUntilReadyForQueryAsync();
        Assert.Equal("EZ", Types(missing));
        Assert.Equal("08P01", missing[0].SqlState);
        List<BackendMessage> bad = await client.ReadUntilReadyForQueryAsync();
        Assert.Equal("EZ", Types(bad));
        Assert.Equal("22P02", bad[0].SqlState);
        List<BackendMessage> last = await client.ReadUntilReadyForQueryAsync();
        Assert.Equal("2TDCZ", Types(last));
        Assert.Equal("5", System.Text.Encoding.UTF8.GetString(last[2].Body[6..]));
        FakeSession session = Assert.Single(factory.Sessions);
        Assert.Equal([false, false, false, true, true, false], session.SyncFailures);
    }
}
