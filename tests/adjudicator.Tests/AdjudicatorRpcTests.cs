using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Log.Adjudicator.Rpc;
using Log.Journal.Client;
using Log.Journal.Records;
using Log.Journal.Time;

namespace Log.Adjudicator.Tests;

public sealed class AdjudicatorRpcTests
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(20);

    private static AdjudicatorRpcOptions ServerOptions(int port = 0) => new() { Port = port };

    private static AdjudicatorRpcOptions ClientOptions(TimeSpan? callTimeout = null) => new()
    {
        CallTimeout = callTimeout ?? TimeSpan.FromSeconds(10),
        ReconnectDelay = TimeSpan.FromMilliseconds(10),
        MaxReconnectDelay = TimeSpan.FromMilliseconds(100),
    };

    private static async Task<AdjudicatorShard> StartShardAsync(IJournalWriter writer, MemoryJournal journal, HybridClock clock)
    {
        var shard = new AdjudicatorShard(new AdjudicatorOptions { HeartbeatInterval = TimeSpan.FromHours(1) }, writer, journal, clock);
        await shard.StartAsync(CancellationToken.None).WaitAsync(TestTimeout);
        return shard;
    }

    private static async Task<AdjudicatorRpcServer> StartServerAsync(IAdjudicator adjudicator, HybridClock clock, int port = 0)
    {
        var server = new AdjudicatorRpcServer(adjudicator, clock, ServerOptions(port));
        await server.StartAsync(CancellationToken.None);
        return server;
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    [Fact]
    public void Frames_round_trip_and_a_partial_frame_needs_more()
    {
        var request = new CommitRequest(Guid.NewGuid(), new HybridTimestamp(12345),
            [Keys.Write("a"), Keys.Write("deleted", null)],
            [new ConflictCheck(Keys.Of("s"), ConflictCheckKind.Schema), new ConflictCheck(Keys.Of("d"), ConflictCheckKind.Data)]);
        RpcMessage[] messages =
        [
            new CommitCall(1, TimeSpan.FromSeconds(3), request),
            new CloseCall(2, TimeSpan.FromMilliseconds(250), new HybridTimestamp(99)),
            new CancelCall(3),
            new CommitAnswer(4, new CommitResult(CommitOutcome.DataConflict, HybridTimestamp.Zero, -1, Keys.Of("a"), "why")),
            new FenceAnswer(5, new ReadFence(new HybridTimestamp(7), 0, 42)),
            new ErrorAnswer(6, RpcErrorCode.Unavailable, "rebuilding"),
        ];
        var stream = messages.SelectMany(message => RpcCodec.EncodeFrame(message).ToArray()).ToArray();

        var partial = new ReadOnlySequence<byte>(stream, 0, 10);
        Assert.False(RpcCodec.TryReadFrame(ref partial, 1 << 20, out _));
        Assert.Equal(10, partial.Length);

        var buffer = new ReadOnlySequence<byte>(stream);
        var decoded = new List<RpcMessage>();
        while (RpcCodec.TryReadFrame(ref buffer, 1 << 20, out var message)) decoded.Add(message);
        Assert.Equal(0, buffer.Length);
        Assert.Equal(messages.Length, decoded.Count);

        var call = Assert.IsType<CommitCall>(decoded[0]);
        Assert.Equal(request.TransactionId, call.Request.TransactionId);
        Assert.Equal(request.StartTimestamp, call.Request.StartTimestamp);
        Assert.Equal(TimeSpan.FromSeconds(3), call.Deadline);
        Assert.Equal(["a", "deleted"], call.Request.Writes.Select(write => System.Text.Encoding.UTF8.GetString(write.Key)));
        Assert.Null(call.Request.Writes[1].Value);
        Assert.Equal([ConflictCheckKind.Schema, ConflictCheckKind.Data], call.Request.Checks.Select(check => check.Kind));
        var answer = Assert.IsType<CommitAnswer>(decoded[3]);
        Assert.Equal(CommitOutcome.DataConflict, answer.Result.Outcome);
        Assert.Equal(Keys.Of("a"), answer.Result.ConflictingKey);
        Assert.Equal("why", answer.Result.FailureReason);
        Assert.Equal(new ReadFence(new HybridTimestamp(7), 0, 42), Assert.IsType<FenceAnswer>(decoded[4]).Fence);
        Assert.Equal(decoded.Select(message => message.RequestId), messages.Select(message => message.RequestId));
    }

    [Fact]
    public void Every_message_carries_its_senders_clock()
    {
        var sent = new ErrorAnswer(9, RpcErrorCode.ClockOffset, "ahead") { Clock = HybridTimestamp.From(1_700_000_000_000, 3) };
        var buffer = new ReadOnlySequence<byte>(RpcCodec.EncodeFrame(sent));
        Assert.True(RpcCodec.TryReadFrame(ref buffer, 1 << 20, out var received));
        Assert.Equal(sent, received);
        Assert.Equal(sent.Clock, received.Clock);
    }

    [Fact]
    public async Task The_query_nodes_clock_moves_past_the_adjudicators_and_a_clock_too_far_ahead_is_refused_undecided()
    {
        var journal = new MemoryJournal();
        var adjudicatorTime = new ShiftedTime(TimeSpan.FromMilliseconds(400));
        var adjudicatorClock = new HybridClock(adjudicatorTime);
        await using var shard = await StartShardAsync(journal, journal, adjudicatorClock);
        await using var server = await StartServerAsync(shard, adjudicatorClock);
        var queryNodeClock = new HybridClock();
        await using var client = new RemoteAdjudicator("127.0.0.1", server.Port, ClientOptions(), clock: queryNodeClock);

        // The adjudicator's clock runs 400 ms ahead (within the 500 ms bound): after one call, this node's is past it, so
        // its next timestamps are above the commit's although its own physical clock is behind it.
        var committed = await client.CommitAsync(Keys.Request(queryNodeClock.Now(), "k1"), CancellationToken.None).WaitAsync(TestTimeout);
        Assert.Equal(CommitOutcome.Committed, committed.Outcome);
        Assert.True(queryNodeClock.Now() > committed.CommitTimestamp);

        // Now the adjudicator's clock is behind the node's by more than the bound: refused before any decision.
        var behind = new HybridClock(new ShiftedTime(TimeSpan.FromSeconds(-5)));
        await using var laggingServer = await StartServerAsync(shard, behind);
        await using var laggingClient = new RemoteAdjudicator("127.0.0.1", laggingServer.Port, ClientOptions(), clock: queryNodeClock);
        var before = journal.EndOffset(0);
        var refused = await laggingClient.CommitAsync(Keys.Request(queryNodeClock.Now(), "k2"), CancellationToken.None).WaitAsync(TestTimeout);
        Assert.Equal(CommitOutcome.Unavailable, refused.Outcome);
        Assert.Contains("maximum clock offset", refused.FailureReason);
        Assert.Equal(before, journal.EndOffset(0));
        Assert.True(behind.Last < HybridTimestamp.From(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 1_000, 0));
    }

    /// <summary>The system clock moved by a fixed amount: another machine's clock.</summary>
    private sealed class ShiftedTime(TimeSpan shift) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => TimeProvider.System.GetUtcNow() + shift;
    }

    [Fact]
    public void A_frame_above_the_limit_or_with_garbage_is_refused()
    {
        var frame = RpcCodec.EncodeFrame(new CloseCall(1, TimeSpan.FromSeconds(1), new HybridTimestamp(1))).ToArray();
        var tooBig = new ReadOnlySequence<byte>(frame);
        Assert.Throws<InvalidDataException>(() => RpcCodec.TryReadFrame(ref tooBig, 4, out _));

        byte[] garbage = [0, 0, 0, 3, 0xc1, 0xc1, 0xc1];
        var bad = new ReadOnlySequence<byte>(garbage);
        Assert.Throws<InvalidDataException>(() => RpcCodec.TryReadFrame(ref bad, 1 << 20, out _));
    }

    [Fact]
    public async Task Commits_and_fences_go_through_one_connection_many_at_once()
    {
        var journal = new MemoryJournal();
        var clock = new HybridClock();
        await using var shard = await StartShardAsync(journal, journal, clock);
        await using var server = await StartServerAsync(shard, clock);
        await using var client = new RemoteAdjudicator("127.0.0.1", server.Port, ClientOptions());

        var start = clock.Now();
        var commits = Enumerable.Range(0, 200)
            .Select(index => client.CommitAsync(Keys.Request(start, $"key{index}"), CancellationToken.None))
            .ToArray();
        var results = await Task.WhenAll(commits).WaitAsync(TestTimeout);
        var conflict = await client.CommitAsync(Keys.Request(start, "key7"), CancellationToken.None).WaitAsync(TestTimeout);
        var fence = await client.CloseTimestampAsync(start, CancellationToken.None).WaitAsync(TestTimeout);

        Assert.All(results, result => Assert.Equal(CommitOutcome.Committed, result.Outcome));
        Assert.Equal(200, results.Select(result => result.CommitTimestamp).Distinct().Count());
        Assert.Equal(CommitOutcome.DataConflict, conflict.Outcome);
        Assert.Equal(Keys.Of("key7"), conflict.ConflictingKey);
        // The fence is taken at the adjudicator's clock, not the (older) requested time, and covers every commit.
        Assert.True(fence.Timestamp >= results.Max(result => result.CommitTimestamp));
        Assert.True(fence.EndOffset > results.Max(result => result.JournalOffset));
        Assert.Equal(1, client.ConnectionCount);
    }

    [Fact]
    public async Task Bad_input_is_refused_as_the_shard_refuses_it()
    {
        var journal = new MemoryJournal();
        var clock = new HybridClock();
        await using var shard = await StartShardAsync(journal, journal, clock);
        await using var server = await StartServerAsync(shard, clock);
        await using var client = new RemoteAdjudicator("127.0.0.1", server.Port, ClientOptions());

        var empty = new CommitRequest(Guid.NewGuid(), clock.Now(), [new JournalWrite([], null)], []);
        await Assert.ThrowsAsync<ArgumentException>(() => client.CommitAsync(empty, CancellationToken.None).WaitAsync(TestTimeout));
    }

    [Fact]
    public async Task An_unreachable_adjudicator_is_unavailable_not_committed()
    {
        var port = FreePort();
        await using var client = new RemoteAdjudicator("127.0.0.1", port, ClientOptions(TimeSpan.FromMilliseconds(300)));

        var result = await client.CommitAsync(Keys.Request(new HybridTimestamp(1), "a"), CancellationToken.None).WaitAsync(TestTimeout);
        var close = await Assert.ThrowsAsync<AdjudicatorFaultedException>(
            () => client.CloseTimestampAsync(new HybridTimestamp(1), CancellationToken.None).WaitAsync(TestTimeout));

        Assert.Equal(CommitOutcome.Unavailable, result.Outcome);
        Assert.Contains($"127.0.0.1:{port}", result.FailureReason);
        Assert.Contains($"127.0.0.1:{port}", close.Message);
    }

    [Fact]
    public async Task A_caller_that_cancels_stops_waiting_and_the_commit_is_dropped_undecided()
    {
        var journal = new MemoryJournal();
        var writer = new GatedJournalWriter(journal);
        var clock = new HybridClock();
        await using var shard = await StartShardAsync(writer, journal, clock);
        await using var server = await StartServerAsync(shard, clock);
        await using var client = new RemoteAdjudicator("127.0.0.1", server.Port, ClientOptions());
        writer.Close();
        // The first commit holds the loop's append slot open; the second waits behind it in the queue.
        var holding = client.CommitAsync(Keys.Request(clock.Now(), "held"), CancellationToken.None);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        var cancelled = client.CommitAsync(Keys.Request(clock.Now(), "cancelled"), cancel.Token);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.WaitAsync(TestTimeout));
        writer.Open();
        Assert.Equal(CommitOutcome.Committed, (await holding.WaitAsync(TestTimeout)).Outcome);
        Assert.Equal(1, client.ConnectionCount);
    }

    [Fact]
    public async Task A_commit_whose_connection_broke_is_sent_again_and_gets_its_first_outcome()
    {
        var journal = new MemoryJournal();
        var writer = new GatedJournalWriter(journal);
        var clock = new HybridClock();
        await using var shard = await StartShardAsync(writer, journal, clock);
        var server = await StartServerAsync(shard, clock);
        var port = server.Port;
        await using var client = new RemoteAdjudicator("127.0.0.1", port, ClientOptions());
        var request = Keys.Request(clock.Now(), "a");
        writer.Close();

        var commit = client.CommitAsync(request, CancellationToken.None);
        while (writer.HeldCount == 0) await Task.Delay(5);
        // The server goes away after the shard decided, before the reply: the client reconnects to a new one.
        await server.DisposeAsync();
        await using var replacement = await StartServerAsync(shard, clock, port);
        writer.Open();
        var result = await commit.WaitAsync(TestTimeout);

        Assert.Equal(CommitOutcome.Committed, result.Outcome);
        Assert.True(client.ConnectionCount >= 2);
        var records = await Keys.ReadAllAsync(journal, 0);
        Assert.Single(records, entry => entry.Record.Kind == JournalRecordKind.Commit && entry.Record.TransactionId == request.TransactionId);
    }
}
