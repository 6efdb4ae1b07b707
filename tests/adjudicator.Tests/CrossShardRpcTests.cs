using System.Buffers;
using Log.Adjudicator.Hosting;
using Log.Adjudicator.Rpc;
using Log.Journal.Client;
using Log.Journal.Records;
using Log.Journal.Time;

namespace Log.Adjudicator.Tests;

/// <summary>The cross-shard steps over the adjudicator's RPC: their frames, and retries that get the first outcome.</summary>
public sealed class CrossShardRpcTests
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(20);

    [Fact]
    public void Prepare_decide_and_resolve_frames_round_trip()
    {
        var transactionId = Guid.NewGuid();
        var prepare = new PrepareRequest(transactionId, new HybridTimestamp(777), [Keys.Write("a"), Keys.Write("gone", null)],
            [new ConflictCheck(Keys.Of("s"), ConflictCheckKind.Schema)], [0, 2, 5]);
        var decision = new DecideRequest(transactionId, new HybridTimestamp(888), [0, 2, 5]);
        RpcMessage[] messages =
        [
            new PrepareCall(1, TimeSpan.FromSeconds(2), prepare) { Clock = new HybridTimestamp(5) },
            new DecideCall(2, TimeSpan.FromMilliseconds(300), decision),
            new ResolveCall(3, TimeSpan.FromSeconds(1), decision with { CommitTimestamp = HybridTimestamp.Zero }),
        ];
        var buffer = new ReadOnlySequence<byte>(messages.SelectMany(message => RpcCodec.EncodeFrame(message).ToArray()).ToArray());
        var decoded = new List<RpcMessage>();
        while (RpcCodec.TryReadFrame(ref buffer, 1 << 20, out var message)) decoded.Add(message);

        Assert.Equal(3, decoded.Count);
        var prepareCall = Assert.IsType<PrepareCall>(decoded[0]);
        Assert.Equal(new HybridTimestamp(5), prepareCall.Clock);
        Assert.Equal(TimeSpan.FromSeconds(2), prepareCall.Deadline);
        Assert.Equal(transactionId, prepareCall.Request.TransactionId);
        Assert.Equal(prepare.StartTimestamp, prepareCall.Request.StartTimestamp);
        Assert.Equal(["a", "gone"], prepareCall.Request.Writes.Select(write => System.Text.Encoding.UTF8.GetString(write.Key)));
        Assert.Null(prepareCall.Request.Writes[1].Value);
        Assert.Equal(ConflictCheckKind.Schema, Assert.Single(prepareCall.Request.Checks).Kind);
        Assert.Equal([0, 2, 5], prepareCall.Request.Participants);
        var decideCall = Assert.IsType<DecideCall>(decoded[1]);
        Assert.Equal(decision.CommitTimestamp, decideCall.Request.CommitTimestamp);
        Assert.True(decideCall.Request.IsCommit);
        Assert.Equal([0, 2, 5], decideCall.Request.Participants);
        var resolveCall = Assert.IsType<ResolveCall>(decoded[2]);
        Assert.False(resolveCall.Request.IsCommit);
        Assert.Equal(transactionId, resolveCall.Request.TransactionId);
    }

    [Fact]
    public void A_participant_list_longer_than_its_frame_is_malformed()
    {
        var frame = RpcCodec.EncodeFrame(new DecideCall(1, TimeSpan.FromSeconds(1), new DecideRequest(Guid.NewGuid(), new HybridTimestamp(9), [0, 1])))
            .ToArray();
        // The last three bytes are the participants: an array header of 2, then 0 and 1. Claim 15 entries instead.
        frame[^3] = 0x9F;
        var buffer = new ReadOnlySequence<byte>(frame);
        Assert.Throws<InvalidDataException>(() => RpcCodec.TryReadFrame(ref buffer, 1 << 20, out _));
    }

    [Fact]
    public async Task Retried_prepares_and_decisions_over_the_rpc_get_their_first_outcome_and_write_once()
    {
        var journal = new MemoryJournal();
        var clock = new HybridClock();
        await using var coordinator = new AdjudicatorShard(new AdjudicatorOptions { Shard = 0, Partition = 0, HeartbeatInterval = TimeSpan.FromHours(1) },
            journal, journal, clock);
        await coordinator.StartAsync(CancellationToken.None).WaitAsync(TestTimeout);
        await using var server = new AdjudicatorRpcServer(coordinator, clock, new AdjudicatorRpcOptions { Port = 0 });
        await server.StartAsync(CancellationToken.None);
        await using var client = new RemoteAdjudicator("127.0.0.1", server.Port, new AdjudicatorRpcOptions { CallTimeout = TestTimeout });

        var transactionId = Guid.NewGuid();
        var prepare = new PrepareRequest(transactionId, clock.Now(), [Keys.Write("a1")], [], [0, 1]);
        var first = await client.PrepareAsync(prepare, CancellationToken.None).WaitAsync(TestTimeout);
        var again = await client.PrepareAsync(prepare, CancellationToken.None).WaitAsync(TestTimeout);
        Assert.Equal(CommitOutcome.Committed, first.Outcome);
        Assert.Equal(first, again);

        var decided = await client.DecideAsync(new DecideRequest(transactionId, first.CommitTimestamp, [0, 1]), CancellationToken.None).WaitAsync(TestTimeout);
        // A participant that waited too long asks to abort afterwards: it hears the commit that is already the truth.
        var asked = await client.DecideAsync(new DecideRequest(transactionId, HybridTimestamp.Zero, [0, 1]), CancellationToken.None).WaitAsync(TestTimeout);
        Assert.Equal(CommitOutcome.Committed, decided.Outcome);
        Assert.Equal(decided.CommitTimestamp, asked.CommitTimestamp);
        Assert.True(decided.CommitTimestamp >= first.CommitTimestamp);

        var records = (await Keys.ReadAllAsync(journal, 0)).Select(entry => entry.Record).ToList();
        Assert.Single(records, record => record.Kind == JournalRecordKind.Prepare);
        Assert.Single(records, record => record.Kind == JournalRecordKind.Decision);
        Assert.Equal(0, coordinator.PreparedCount);
    }

    [Fact]
    public async Task A_shard_that_is_not_a_participant_of_the_transaction_refuses_it_as_a_bad_request()
    {
        var journal = new MemoryJournal();
        var clock = new HybridClock();
        await using var shard = new AdjudicatorShard(new AdjudicatorOptions { Shard = 3, Partition = 0, HeartbeatInterval = TimeSpan.FromHours(1) },
            journal, journal, clock);
        await shard.StartAsync(CancellationToken.None).WaitAsync(TestTimeout);
        await using var server = new AdjudicatorRpcServer(shard, clock, new AdjudicatorRpcOptions { Port = 0 });
        await server.StartAsync(CancellationToken.None);
        await using var client = new RemoteAdjudicator("127.0.0.1", server.Port, new AdjudicatorRpcOptions { CallTimeout = TestTimeout });

        await Assert.ThrowsAsync<ArgumentException>(() => client.PrepareAsync(
            new PrepareRequest(Guid.NewGuid(), clock.Now(), [Keys.Write("a1")], [], [0, 1]), CancellationToken.None));
        Assert.DoesNotContain(await Keys.ReadAllAsync(journal, 0), entry => entry.Record.Kind == JournalRecordKind.Prepare);
    }

    /// <summary>A participant whose prepare answer was lost: the transaction is aborted, so the client hears "not
    /// committed" (retryable), never "unknown", and the coordinator is asked to abort.</summary>
    [Fact]
    public async Task A_prepare_whose_answer_was_lost_makes_the_transaction_certainly_not_committed()
    {
        var lost = new ScriptedParticipant(new CommitResult(CommitOutcome.OutcomeUnknown, HybridTimestamp.Zero, -1, null, "reply lost"));
        var coordinator = new ScriptedParticipant(new CommitResult(CommitOutcome.Committed, new HybridTimestamp(10), 1, null));
        var sharded = new ShardedAdjudicator([coordinator, lost], new ByFirstLetter());

        var result = await sharded.CommitAsync(Keys.Request(new HybridTimestamp(5), "a1", "b1"), CancellationToken.None).WaitAsync(TestTimeout);

        Assert.Equal(CommitOutcome.NotCommitted, result.Outcome);
        var decision = Assert.Single(coordinator.Decisions);
        Assert.False(decision.IsCommit);
    }

    [Theory]
    [InlineData(0, null, "", null)]
    [InlineData(1, 2, "127.0.0.1:7400,127.0.0.1:7401", null)]
    [InlineData(1, null, "127.0.0.1:7400,127.0.0.1:7401", null)]
    [InlineData(2, 2, "", "--shards 2 must be 1 to 256 and above --shard 2")]
    [InlineData(0, 3, "127.0.0.1:7400,127.0.0.1:7401", "--peers names 2 shards; it must name every one of the 3 shards, shard 0 among them")]
    [InlineData(0, null, "127.0.0.1:7400,nowhere", "--peers '127.0.0.1:7400,nowhere' must be HOST:PORT of every shard, in shard order, separated by commas")]
    public void Peers_name_every_shard_in_order(int shard, int? shards, string peers, string? problem)
    {
        var options = new AdjudicatorHostOptions { Journal = "127.0.0.1:9092", Shard = shard, Shards = shards, Peers = peers };
        Assert.Equal(problem, options.Validate(out _));
        if (problem is null)
        {
            Assert.Equal(shards ?? (peers.Length > 0 ? 2 : shard + 1), options.ShardCount);
        }
    }

    [Fact]
    public async Task A_query_node_whose_clock_is_behind_closes_on_every_shard_a_timestamp_at_or_above_every_acknowledged_commit()
    {
        // Shard 1's clock runs 300 ms ahead, shard 0's is right, the reading query node's 300 ms behind (all within the
        // maximum offset of 500 ms). A commit acknowledged on shard 1 is stamped by shard 1's clock.
        var journal = new MemoryJournal();
        HybridClock[] shardClocks = [new(), new(new ShiftedTime(TimeSpan.FromMilliseconds(300)))];
        var shards = new AdjudicatorShard[2];
        var servers = new AdjudicatorRpcServer[2];
        var writer = new List<RemoteAdjudicator>();
        var reader = new List<RemoteAdjudicator>();
        var readerClock = new HybridClock(new ShiftedTime(TimeSpan.FromMilliseconds(-300)));
        try
        {
            for (var shard = 0; shard < 2; shard++)
            {
                shards[shard] = new AdjudicatorShard(new AdjudicatorOptions { Shard = shard, Partition = shard, HeartbeatInterval = TimeSpan.FromHours(1) },
                    journal, journal, shardClocks[shard]);
                await shards[shard].StartAsync(CancellationToken.None).WaitAsync(TestTimeout);
                servers[shard] = new AdjudicatorRpcServer(shards[shard], shardClocks[shard], new AdjudicatorRpcOptions { Port = 0 });
                await servers[shard].StartAsync(CancellationToken.None);
                writer.Add(new RemoteAdjudicator("127.0.0.1", servers[shard].Port, new AdjudicatorRpcOptions { CallTimeout = TestTimeout },
                    clock: new HybridClock()));
                reader.Add(new RemoteAdjudicator("127.0.0.1", servers[shard].Port, new AdjudicatorRpcOptions { CallTimeout = TestTimeout },
                    clock: readerClock));
            }
            var acknowledged = await new ShardedAdjudicator(writer, new ByFirstLetter())
                .CommitAsync(Keys.Request(shardClocks[1].Now(), "b1"), CancellationToken.None).WaitAsync(TestTimeout);
            Assert.Equal(CommitOutcome.Committed, acknowledged.Outcome);

            var start = readerClock.Now();
            Assert.True(start < acknowledged.CommitTimestamp, "the reading node's clock is behind the commit");
            var (closed, fences) = await new ShardedAdjudicator(reader, new ByFirstLetter())
                .CloseOneTimestampOnEveryShardAsync(start, CancellationToken.None).WaitAsync(TestTimeout);

            Assert.True(closed >= acknowledged.CommitTimestamp, "a snapshot at the closed timestamp holds the acknowledged commit");
            Assert.All(fences, fence => Assert.True(fence.Timestamp >= closed));
            Assert.True(fences[1].EndOffset > acknowledged.JournalOffset);
            // Shard 0, whose clock is behind shard 1's, closed that timestamp too: nothing commits at or below it there later.
            var later = await shards[0].CommitAsync(Keys.Request(shardClocks[0].Now(), "a1"), CancellationToken.None).WaitAsync(TestTimeout);
            Assert.Equal(CommitOutcome.Committed, later.Outcome);
            Assert.True(later.CommitTimestamp > closed, "shard 0 committed at or below a timestamp it was asked to close");
        }
        finally
        {
            foreach (var client in writer.Concat(reader)) await client.DisposeAsync();
            foreach (var server in servers.Where(server => server is not null)) await server.DisposeAsync();
            foreach (var shard in shards.Where(shard => shard is not null)) await shard.DisposeAsync();
        }
    }

    private sealed class ShiftedTime(TimeSpan shift) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => TimeProvider.System.GetUtcNow() + shift;
    }

    private sealed class ByFirstLetter : IKeyRouter
    {
        public int ShardOf(ReadOnlySpan<byte> key, int shardCount) => key[0] == (byte)'a' ? 0 : 1;
    }

    /// <summary>A shard that answers every prepare with one result and records the decisions it is asked for.</summary>
    private sealed class ScriptedParticipant(CommitResult prepareResult) : IAdjudicator, ICrossShardParticipant
    {
        public System.Collections.Concurrent.ConcurrentQueue<DecideRequest> Decisions { get; } = new();

        public Task<CommitResult> PrepareAsync(PrepareRequest request, CancellationToken cancellationToken) => Task.FromResult(prepareResult);

        public Task<CommitResult> DecideAsync(DecideRequest request, CancellationToken cancellationToken)
        {
            Decisions.Enqueue(request);
            return Task.FromResult(request.IsCommit
                ? new CommitResult(CommitOutcome.Committed, request.CommitTimestamp, 2, null)
                : new CommitResult(CommitOutcome.NotCommitted, HybridTimestamp.Zero, -1, null, "aborted"));
        }

        public Task ResolveAsync(DecideRequest request, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task<CommitResult> CommitAsync(CommitRequest request, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("a cross-shard transaction is not committed on one shard");

        public Task<ReadFence> CloseTimestampAsync(HybridTimestamp timestamp, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("not used");
    }
}
