namespace Log.Wire.Tests;

/// <summary>A connection that has answered waits briefly in poll() for its client's next message
/// (<see cref="PgServerOptions.InputPollWindow"/>): the answers are the same whether the message comes within the
/// window, after it (and once the connection stopped waiting for a client that was slow), pipelined behind another, or
/// while other connections hold every waiting place.</summary>
public sealed class InputPollTests
{
    private static string Types(IEnumerable<BackendMessage> messages) => new(messages.Select(message => message.Type).ToArray());

    private static async Task AssertSelectOneAsync(RawClient client)
    {
        await client.SendAsync(Bytes.Query("select 1"));
        Assert.Equal("TDCZ", Types(await client.ReadUntilReadyForQueryAsync()));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(200)]
    public async Task Queries_are_answered_within_the_window_after_it_and_pipelined(int windowMilliseconds)
    {
        var factory = new FakeSessionFactory();
        await using var server = new PgServer(new PgServerOptions
        {
            Port = 0,
            InputPollWindow = TimeSpan.FromMilliseconds(windowMilliseconds),
            // One place for three clients: the others read asynchronously meanwhile.
            InputPollingConnectionsMax = 1,
        }, factory);
        await server.StartAsync(CancellationToken.None);
        var clients = new List<RawClient>();
        try
        {
            for (int index = 0; index < 3; index++) clients.Add((await RawClient.ConnectAndStartAsync(server.Port)).Client);
            // Each client sends its next query as soon as it has the answer, all three at once.
            await Task.WhenAll(clients.Select(async client =>
            {
                for (int round = 0; round < 20; round++) await AssertSelectOneAsync(client);
            }));
            // A client quiet for longer than the window is read asynchronously; after a few such reads it is no longer
            // waited for but at one read in InputPollProbeReads, and it is answered all the same, quick or quiet.
            for (int round = 0; round < 6; round++)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(2 * windowMilliseconds + 50));
                await AssertSelectOneAsync(clients[0]);
            }
            for (int round = 0; round < 40; round++) await AssertSelectOneAsync(clients[0]);
            // Two queries in one write: the second is already in the buffer, no wait for it.
            await clients[1].SendAsync([.. Bytes.Query("select 1"), .. Bytes.Query("count")]);
            Assert.Equal("TDCZ", Types(await clients[1].ReadUntilReadyForQueryAsync()));
            List<BackendMessage> counted = await clients[1].ReadUntilReadyForQueryAsync();
            Assert.Equal("TDCZ", Types(counted));
            // The fake session counts the statements it ran: 20 rounds, then the pipelined select 1 and count itself.
            Assert.Equal("22", System.Text.Encoding.UTF8.GetString(counted[1].Body.AsSpan(6)));
        }
        finally
        {
            foreach (RawClient client in clients) await client.DisposeAsync();
        }
    }
}
