namespace Log.Wire.Tests;

/// <summary>The new-connection rate limit (a token bucket, 53400 beyond it) and the connection lifetime (57P05).</summary>
public sealed class ConnectionLimitTests
{
    private readonly FakeSessionFactory factory = new();

    /// <summary>A clock that moves only when told to.</summary>
    private sealed class ManualTime : TimeProvider
    {
        private long ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => Interlocked.Read(ref ticks);

        public void Advance(TimeSpan by) => Interlocked.Add(ref ticks, by.Ticks);
    }

    [Fact]
    public void TokenBucketAllowsTheBurstThenTheRate()
    {
        var time = new ManualTime();
        var limit = new ConnectionRateLimit(perSecond: 10, burst: 5, time);
        Assert.Equal(5, Enumerable.Range(0, 8).Count(_ => limit.TryTake()));
        time.Advance(TimeSpan.FromMilliseconds(250)); // 2.5 tokens
        Assert.Equal(2, Enumerable.Range(0, 5).Count(_ => limit.TryTake()));
        time.Advance(TimeSpan.FromHours(1)); // never more than the burst
        Assert.Equal(5, Enumerable.Range(0, 8).Count(_ => limit.TryTake()));
        var off = new ConnectionRateLimit(perSecond: 0, burst: 0, time);
        Assert.True(Enumerable.Range(0, 10_000).All(_ => off.TryTake()));
    }

    [Fact]
    public async Task ConnectionsBeyondTheRateGet53400()
    {
        var time = new ManualTime();
        await using var server = new PgServer(new PgServerOptions { Port = 0, NewConnectionsPerSecond = 1, NewConnectionsBurst = 2, TimeProvider = time, ConnectionLifetime = TimeSpan.Zero }, factory);
        await server.StartAsync(CancellationToken.None);
        var open = new List<RawClient>();
        try
        {
            for (int index = 0; index < 2; index++)
            {
                (RawClient client, List<BackendMessage> startup) = await RawClient.ConnectAndStartAsync(server.Port);
                open.Add(client);
                Assert.Equal('Z', startup[^1].Type);
            }
            (RawClient refused, List<BackendMessage> answer) = await RawClient.ConnectAndStartAsync(server.Port);
            await using (refused)
            {
                BackendMessage error = Assert.Single(answer);
                Assert.Equal(("FATAL", "53400", "Unable to accept connection, rate exceeded."), (error.Severity, error.SqlState, error.Fields()['M']));
                Assert.Contains("1 new connections per second", error.Fields()['D'], StringComparison.Ordinal);
                Assert.True(await refused.IsClosedByServerAsync());
            }
            time.Advance(TimeSpan.FromSeconds(1));
            (RawClient later, List<BackendMessage> accepted) = await RawClient.ConnectAndStartAsync(server.Port);
            open.Add(later);
            Assert.Equal('Z', accepted[^1].Type);
            Assert.Equal(3, factory.Sessions.Count);
        }
        finally
        {
            foreach (RawClient client in open)
            {
                await client.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task IdleConnectionIsClosedWhenItsLifetimeIsOver()
    {
        await using var server = new PgServer(new PgServerOptions { Port = 0, ConnectionLifetime = TimeSpan.FromSeconds(1) }, factory);
        await server.StartAsync(CancellationToken.None);
        (RawClient client, _) = await RawClient.ConnectAndStartAsync(server.Port);
        await using (client)
        {
            await client.SendAsync(Bytes.Query("select 1"));
            Assert.Equal('Z', (await client.ReadUntilReadyForQueryAsync())[^1].Type);
            // Nothing sent: the server speaks first once the second is over.
            BackendMessage message = await client.ReadMessageAsync();
            Assert.Equal(("FATAL", "57P05"), (message.Severity, message.SqlState));
            Assert.Equal("terminating connection because it reached the connection lifetime of 1 second", message.Fields()['M']);
            Assert.True(await client.IsClosedByServerAsync());
        }
    }

    [Fact]
    public async Task OpenTransactionFinishesBeforeTheLifetimeClosesTheConnection()
    {
        await using var server = new PgServer(new PgServerOptions { Port = 0, ConnectionLifetime = TimeSpan.FromSeconds(1) }, factory);
        await server.StartAsync(CancellationToken.None);
        (RawClient client, _) = await RawClient.ConnectAndStartAsync(server.Port);
        await using (client)
        {
            await client.SendAsync(Bytes.Query("begin"));
            Assert.Equal('Z', (await client.ReadUntilReadyForQueryAsync())[^1].Type);
            await Task.Delay(TimeSpan.FromSeconds(1.5));
            await client.SendAsync(Bytes.Query("select 1"));
            List<BackendMessage> inTransaction = await client.ReadUntilReadyForQueryAsync();
            Assert.Equal("TDCZ", new string(inTransaction.Select(message => message.Type).ToArray()));
            await client.SendAsync(Bytes.Query("commit"));
            List<BackendMessage> committed = await client.ReadUntilReadyForQueryAsync();
            Assert.Equal("CZ", new string(committed.Select(message => message.Type).ToArray()));
            BackendMessage message = await client.ReadMessageAsync();
            Assert.Equal(("FATAL", "57P05"), (message.Severity, message.SqlState));
        }
    }
}
