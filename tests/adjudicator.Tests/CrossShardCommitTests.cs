using Log.Adjudicator.Rpc;
using Log.Journal.Client;
using Log.Journal.Records;
using Log.Journal.Time;

namespace Log.Adjudicator.Tests;

/// <summary>Cross-shard commits over two shards on one memory journal, checked against what a replica of both
/// partitions (<see cref="CrossShardTracker"/>) makes of the journal.</summary>
public sealed class CrossShardCommitTests
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(20);

    /// <summary>Keys starting with 'a' belong to shard 0, 'b' to shard 1, '*' to every shard.</summary>
    private sealed class FirstLetterRouter : IKeyRouter
    {
        public int ShardOf(ReadOnlySpan<byte> key, int shardCount) =>
            key[0] == (byte)'*' ? IKeyRouter.EveryShard : key[0] == (byte)'a' ? 0 : 1;
    }

    /// <summary>Two shards on one journal, called in process or, <paramref name="overRpc"/>, as separate processes see
    /// each other: each shard behind its own RPC server, the query node's <see cref="ShardedAdjudicator"/> and each
    /// shard's coordinator lookup over <see cref="RemoteAdjudicator"/> clients.</summary>
    private sealed class TwoShards : IAsyncDisposable
    {
        private TwoShards(MemoryJournal journal) => Journal = journal;

        public MemoryJournal Journal { get; }
        public HybridClock Clock { get; } = new();
        public AdjudicatorShard[] Shards { get; } = new AdjudicatorShard[2];
        public ShardedAdjudicator Adjudicator { get; private set; } = null!;

        /// <summary>How the query node reaches each shard's cross-shard steps: the shard, or its RPC client.</summary>
        public ICrossShardParticipant[] Participants { get; } = new ICrossShardParticipant[2];

        private readonly List<IAsyncDisposable> network = [];

        /// <param name="askCoordinators">False: a shard holding an old prepare has no coordinator to ask, so the prepare
        /// stays held (as when every other shard is down).</param>
        public static async Task<TwoShards> StartAsync(TimeSpan decisionTimeout, MemoryJournal? journal = null, bool overRpc = false,
            bool askCoordinators = true)
        {
            var shards = new TwoShards(journal ?? new MemoryJournal());
            // Each shard asks the coordinator the way it would from its own process; the array is filled below.
            var coordinators = new ICrossShardParticipant[2];
            // Over the RPC every shard has its own clock, as separate processes do, which its server shares.
            var clocks = new[] { overRpc ? new HybridClock() : shards.Clock, overRpc ? new HybridClock() : shards.Clock };
            for (var shard = 0; shard < 2; shard++)
            {
                var options = new AdjudicatorOptions
                {
                    Shard = shard,
                    Partition = shard,
                    HeartbeatInterval = TimeSpan.FromMilliseconds(20),
                    PreparedDecisionTimeout = decisionTimeout,
                    CoordinatorOf = coordinator => askCoordinators ? coordinators[coordinator] : null,
                };
                shards.Shards[shard] = new AdjudicatorShard(options, shards.Journal, shards.Journal, clocks[shard]);
                await shards.Shards[shard].StartAsync(CancellationToken.None);
            }
            var adjudicators = new IAdjudicator[2];
            for (var shard = 0; shard < 2; shard++)
            {
                if (!overRpc)
                {
                    adjudicators[shard] = shards.Shards[shard];
                    coordinators[shard] = shards.Participants[shard] = shards.Shards[shard];
                    continue;
                }
                var server = new AdjudicatorRpcServer(shards.Shards[shard], clocks[shard], new AdjudicatorRpcOptions { Port = 0 });
                await server.StartAsync(CancellationToken.None);
                shards.network.Add(server);
                var clientOptions = new AdjudicatorRpcOptions
                {
                    CallTimeout = TimeSpan.FromSeconds(10),
                    ReconnectDelay = TimeSpan.FromMilliseconds(10),
                    MaxReconnectDelay = TimeSpan.FromMilliseconds(100),
                };
                var queryNodeClient = new RemoteAdjudicator("127.0.0.1", server.Port, clientOptions, clock: shards.Clock);
                var peerClient = new RemoteAdjudicator("127.0.0.1", server.Port, clientOptions);
                shards.network.Add(queryNodeClient);
                shards.network.Add(peerClient);
                adjudicators[shard] = queryNodeClient;
                shards.Participants[shard] = queryNodeClient;
                coordinators[shard] = peerClient;
            }
            shards.Adjudicator = new ShardedAdjudicator(adjudicators, new FirstLetterRouter());
            return shards;
        }

        /// <summary>Every commit a replica of both partitions applies, by transaction-visible timestamp.</summary>
        public async Task<(List<ReadyCommit> Commits, CrossShardTracker Tracker)> ReplayAsync()
        {
            var tracker = new CrossShardTracker(2);
            var ready = new List<ReadyCommit>();
            var entries = new[] { await Keys.ReadAllAsync(Journal, 0), await Keys.ReadAllAsync(Journal, 1) };
            // Interleave the partitions one way and the other: the result must not depend on it.
            var positions = new int[2];
            var random = new Random(entries[0].Count * 31 + entries[1].Count);
            while (positions[0] < entries[0].Count || positions[1] < entries[1].Count)
            {
                var partition = positions[0] >= entries[0].Count ? 1 : positions[1] >= entries[1].Count ? 0 : random.Next(2);
                tracker.Accept(partition, entries[partition][positions[partition]++].Record, ready);
            }
            return (ready, tracker);
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var shard in Shards)
            {
                await shard.DisposeAsync();
            }
            foreach (var connection in network)
            {
                await connection.DisposeAsync();
            }
        }
    }

    private static CommitRequest Transfer(HybridTimestamp start, params string[] keys) => Keys.Request(start, keys);

    [Fact]
    public async Task A_transaction_over_two_shards_commits_once_at_one_timestamp_in_both_partitions()
    {
        await using var shards = await TwoShards.StartAsync(TimeSpan.FromSeconds(30));
        var start = shards.Clock.Now();

        var result = await shards.Adjudicator.CommitAsync(Transfer(start, "a1", "b1"), CancellationToken.None).WaitAsync(TestTimeout);

        Assert.Equal(CommitOutcome.Committed, result.Outcome);
        await WaitUntilAsync(() => shards.Shards[1].PreparedCount == 0);
        var (commits, tracker) = await shards.ReplayAsync();
        Assert.Equal(0, tracker.PendingPrepareCount);
        var written = commits.Where(commit => commit.Writes.Count > 0).ToList();
        Assert.Equal(2, written.Count);
        Assert.All(written, commit => Assert.Equal(result.CommitTimestamp, commit.CommitTimestamp));
        Assert.Equal(1, shards.Adjudicator.CrossShardCommitCount);
    }

    [Fact]
    public async Task A_prepared_key_refuses_a_conflicting_transaction_instead_of_waiting()
    {
        await using var shards = await TwoShards.StartAsync(TimeSpan.FromSeconds(30));
        var start = shards.Clock.Now();
        var prepared = await shards.Shards[1].PrepareAsync(
            new PrepareRequest(Guid.NewGuid(), start, [Keys.Write("b1")], [], [0, 1]), CancellationToken.None).WaitAsync(TestTimeout);
        Assert.Equal(CommitOutcome.Committed, prepared.Outcome);

        // A later start would pass the window alone; the held key refuses it.
        var later = shards.Clock.Now();
        var refused = await shards.Adjudicator.CommitAsync(Transfer(later, "b1"), CancellationToken.None).WaitAsync(TestTimeout);

        Assert.Equal(CommitOutcome.DataConflict, refused.Outcome);
        var (_, tracker) = await shards.ReplayAsync();
        Assert.Equal(1, tracker.PendingPrepareCount);
        Assert.True(tracker.Resolved < prepared.CommitTimestamp, "a replica must not resolve past an undecided prepare");
    }

    [Fact]
    public async Task A_prepare_whose_decision_never_comes_is_aborted_by_its_coordinator_and_releases_readers()
    {
        await using var shards = await TwoShards.StartAsync(TimeSpan.FromMilliseconds(100));
        var start = shards.Clock.Now();
        var transactionId = Guid.NewGuid();
        // The query node prepared both parts and then died before asking for the decision.
        foreach (var shard in shards.Shards)
        {
            var key = shard == shards.Shards[0] ? "a1" : "b1";
            var prepared = await shard.PrepareAsync(new PrepareRequest(transactionId, start, [Keys.Write(key)], [], [0, 1]),
                CancellationToken.None).WaitAsync(TestTimeout);
            Assert.Equal(CommitOutcome.Committed, prepared.Outcome);
        }

        await WaitUntilAsync(() => shards.Shards[0].PreparedCount == 0 && shards.Shards[1].PreparedCount == 0);
        // Its late decision request gets the abort that is already the truth.
        var late = await shards.Shards[0].DecideAsync(new DecideRequest(transactionId, shards.Clock.Now(), [0, 1]), CancellationToken.None)
            .WaitAsync(TestTimeout);
        Assert.Equal(CommitOutcome.NotCommitted, late.Outcome);
        var (commits, tracker) = await shards.ReplayAsync();
        Assert.Equal(0, tracker.PendingPrepareCount);
        Assert.DoesNotContain(commits, commit => commit.Writes.Count > 0);
        // And the keys are free again.
        var again = await shards.Adjudicator.CommitAsync(Transfer(shards.Clock.Now(), "a1", "b1"), CancellationToken.None).WaitAsync(TestTimeout);
        Assert.Equal(CommitOutcome.Committed, again.Outcome);
    }

    /// <summary>
    /// Random transfers between accounts on both shards, from many concurrent callers, some of which die between their
    /// prepares and the decision (a coordinator crash as the participants see it). Checked against a reference model of
    /// snapshot isolation on the journal as a replica reads it: every transaction is in every partition it touched or in
    /// none, at one timestamp; what the callers were told committed did; and no two committed transactions that wrote
    /// the same account overlap (each started at or after the other's commit).
    /// </summary>
    [Theory]
    [InlineData(1, false)]
    [InlineData(2, false)]
    [InlineData(3, false)]
    [InlineData(4, true)]
    [InlineData(5, true)]
    [InlineData(6, true)]
    public async Task Random_transfers_with_abandoned_coordinators_are_all_or_nothing_and_never_overlap(int seed, bool overRpc)
    {
        await using var shards = await TwoShards.StartAsync(TimeSpan.FromMilliseconds(100), overRpc: overRpc);
        var random = new Random(seed);
        string[] accounts = ["a1", "a2", "a3", "b1", "b2", "b3"];
        var told = new System.Collections.Concurrent.ConcurrentDictionary<Guid, (CommitResult Result, HybridTimestamp Start, string[] Keys)>();
        var plans = Enumerable.Range(0, 200).Select(_ =>
        {
            var from = accounts[random.Next(accounts.Length)];
            var to = accounts[random.Next(accounts.Length)];
            return (Keys: from == to ? [from] : new[] { from, to }, Abandon: random.Next(10) == 0, Delay: random.Next(3));
        }).ToList();
        await Parallel.ForEachAsync(plans, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (plan, cancellationToken) =>
        {
            var start = shards.Clock.Now();
            await Task.Delay(plan.Delay, cancellationToken);
            var request = Transfer(start, plan.Keys);
            if (plan.Abandon)
            {
                // Prepare wherever the keys live, then vanish: the participants must get it decided by themselves.
                var parts = shards.Adjudicator.Split(request);
                if (parts.Count < 2) return;
                foreach (var (shard, part) in parts)
                {
                    await shards.Participants[shard].PrepareAsync(new PrepareRequest(request.TransactionId, start, part.Writes, part.Checks,
                        parts.Keys.ToArray()), cancellationToken);
                }
                told[request.TransactionId] = (new CommitResult(CommitOutcome.OutcomeUnknown, default, -1, null), start, plan.Keys);
                return;
            }
            var result = await shards.Adjudicator.CommitAsync(request, cancellationToken);
            told[request.TransactionId] = (result, start, plan.Keys);
        });
        await WaitUntilAsync(() => shards.Shards[0].PreparedCount == 0 && shards.Shards[1].PreparedCount == 0);

        // The model: replay what a replica applies, grouping writes by transaction (shards on their own clocks may give
        // two unrelated transactions one commit timestamp, so the timestamp alone does not tell transactions apart).
        var (commits, tracker) = await shards.ReplayAsync();
        Assert.Equal(0, tracker.PendingPrepareCount);
        var byTransaction = commits.Where(commit => commit.Writes.Count > 0).GroupBy(commit => commit.TransactionId)
            .ToDictionary(group => group.Key, group =>
            {
                var timestamps = group.Select(commit => commit.CommitTimestamp).Distinct().ToList();
                Assert.True(timestamps.Count == 1, "a transaction was applied at more than one timestamp");
                return (Commit: timestamps[0], Keys: group.SelectMany(commit => commit.Writes.Select(write => System.Text.Encoding.UTF8.GetString(write.Key))).ToHashSet());
            });
        foreach (var (transactionId, (result, start, keys)) in told)
        {
            if (result.Outcome == CommitOutcome.Committed)
            {
                Assert.True(byTransaction.TryGetValue(transactionId, out var applied), "an acknowledged commit is missing");
                Assert.Equal(result.CommitTimestamp, applied.Commit);
            }
            if (byTransaction.TryGetValue(transactionId, out var present))
            {
                Assert.True(present.Keys.SetEquals(keys), "a transaction was applied in part");
            }
        }
        // All or nothing for every transaction, told or not: each applied transaction is one the callers sent.
        var committedTransactions = byTransaction.Select(pair =>
        {
            Assert.True(told.TryGetValue(pair.Key, out var entry), "a transaction nobody sent was applied");
            return (Commit: pair.Value.Commit, Keys: pair.Value.Keys, Start: entry.Start);
        }).OrderBy(entry => entry.Commit).ToList();
        // No two committed writers of one account overlap: the later one started at or after the earlier one's commit.
        foreach (var account in accounts)
        {
            var writers = committedTransactions.Where(entry => entry.Keys.Contains(account)).ToList();
            for (var index = 1; index < writers.Count; index++)
            {
                Assert.True(writers[index].Start >= writers[index - 1].Commit,
                    $"two committed transactions wrote {account} concurrently");
            }
        }
        Assert.Contains(told.Values, entry => entry.Result.Outcome == CommitOutcome.Committed);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public async Task Prepares_left_undecided_by_a_crash_are_decided_after_the_restart_as_the_coordinator_wrote(bool coordinatorDecidedCommit, bool overRpc)
    {
        var journal = new MemoryJournal();
        var transactionId = Guid.NewGuid();
        HybridTimestamp decided = default;
        await using (var before = await TwoShards.StartAsync(TimeSpan.FromHours(1), journal, overRpc))
        {
            var start = before.Clock.Now();
            await before.Participants[0].PrepareAsync(new PrepareRequest(transactionId, start, [Keys.Write("a1")], [], [0, 1]), CancellationToken.None)
                .WaitAsync(TestTimeout);
            var proposal = await before.Participants[1].PrepareAsync(new PrepareRequest(transactionId, start, [Keys.Write("b1")], [], [0, 1]), CancellationToken.None)
                .WaitAsync(TestTimeout);
            if (coordinatorDecidedCommit)
            {
                var decision = await before.Participants[0].DecideAsync(new DecideRequest(transactionId, proposal.CommitTimestamp, [0, 1]), CancellationToken.None)
                    .WaitAsync(TestTimeout);
                Assert.Equal(CommitOutcome.Committed, decision.Outcome);
                decided = decision.CommitTimestamp;
            }
            // The query node (and then both shards) die here: shard 1 never hears the decision.
        }

        await using var after = await TwoShards.StartAsync(TimeSpan.FromMilliseconds(100), journal, overRpc);
        // Shard 1 takes its prepare back, asks the coordinator, and copies the answer into its own partition.
        await WaitUntilAsync(() => Keys.ReadAllAsync(journal, 1).GetAwaiter().GetResult()
            .Any(entry => entry.Record.Kind == JournalRecordKind.Decision && entry.Record.TransactionId == transactionId));
        await WaitUntilAsync(() => after.Shards[0].PreparedCount == 0 && after.Shards[1].PreparedCount == 0 && ReplayIsSettled(after));

        var (commits, tracker) = await after.ReplayAsync();
        Assert.Equal(0, tracker.PendingPrepareCount);
        var written = commits.Where(commit => commit.Writes.Count > 0).ToList();
        if (coordinatorDecidedCommit)
        {
            Assert.Equal(2, written.Count);
            Assert.All(written, commit => Assert.Equal(decided, commit.CommitTimestamp));
        }
        else
        {
            Assert.Empty(written);
        }
    }

    /// <summary>
    /// The gap a restart used to leave: a restarted participant found its undecided prepares only by a background read
    /// of the whole partition, and a commit of a prepared key made meanwhile was not refused. Records now name where
    /// undecided prepares begin, and the start reads from there before it serves, even when the prepare lies far
    /// beyond the tail the start reads for its timestamps.
    /// </summary>
    [Fact]
    public async Task A_restarted_participant_holds_its_undecided_prepare_before_it_serves_anything()
    {
        var journal = new MemoryJournal();
        var transactionId = Guid.NewGuid();
        long prepareOffset;
        await using (var before = await TwoShards.StartAsync(TimeSpan.FromHours(1), journal, askCoordinators: false))
        {
            var prepared = await before.Shards[1].PrepareAsync(new PrepareRequest(transactionId, before.Clock.Now(), [Keys.Write("b1")], [], [0, 1]),
                CancellationToken.None).WaitAsync(TestTimeout);
            Assert.Equal(CommitOutcome.Committed, prepared.Outcome);
            prepareOffset = prepared.JournalOffset;
            // More than the first tail step of later commits, so the prepare is not in what the start reads for its clock.
            for (var index = 0; index < 100; index++)
            {
                var other = await before.Shards[1].CommitAsync(Keys.Request(before.Clock.Now(), $"b-other-{index}"), CancellationToken.None)
                    .WaitAsync(TestTimeout);
                Assert.Equal(CommitOutcome.Committed, other.Outcome);
            }
            // The coordinator never decides (the query node died), and no one can ask it.
        }
        var partition = await Keys.ReadAllAsync(journal, 1);
        var last = partition.Last(entry => entry.Record.Kind is JournalRecordKind.Commit or JournalRecordKind.Heartbeat);
        // At or below the prepare's offset (a bound while it was in flight), never 0.
        Assert.InRange(last.Record.PreparesFromOffset, 1, prepareOffset);

        await using var after = await TwoShards.StartAsync(TimeSpan.FromHours(1), journal, askCoordinators: false);

        // Held once the start returns, not after a background read.
        Assert.Equal(1, after.Shards[1].PreparedCount);
        var conflicting = await after.Shards[1].CommitAsync(Keys.Request(after.Clock.Now(), "b1"), CancellationToken.None).WaitAsync(TestTimeout);
        Assert.Equal(CommitOutcome.DataConflict, conflicting.Outcome);
        var unrelated = await after.Shards[1].CommitAsync(Keys.Request(after.Clock.Now(), "b2"), CancellationToken.None).WaitAsync(TestTimeout);
        Assert.Equal(CommitOutcome.Committed, unrelated.Outcome);
        Assert.Equal(prepareOffset, (await Keys.ReadAllAsync(journal, 1)).Last().Record.PreparesFromOffset);

        // Once decided (an abort, as the coordinator has no decision), the key is free.
        var aborted = await after.Shards[0].DecideAsync(new DecideRequest(transactionId, HybridTimestamp.Zero, [0, 1]), CancellationToken.None)
            .WaitAsync(TestTimeout);
        Assert.Equal(CommitOutcome.NotCommitted, aborted.Outcome);
        await after.Shards[1].ResolveAsync(new DecideRequest(transactionId, HybridTimestamp.Zero, [0, 1]), CancellationToken.None).WaitAsync(TestTimeout);
        Assert.Equal(0, after.Shards[1].PreparedCount);
        var free = await after.Shards[1].CommitAsync(Keys.Request(after.Clock.Now(), "b1"), CancellationToken.None).WaitAsync(TestTimeout);
        Assert.Equal(CommitOutcome.Committed, free.Outcome);
        var settled = (await Keys.ReadAllAsync(journal, 1)).Last().Record;
        Assert.Equal(0, settled.PreparesFromOffset);
    }

    private static bool ReplayIsSettled(TwoShards shards)
    {
        var (_, tracker) = shards.ReplayAsync().GetAwaiter().GetResult();
        return tracker.PendingPrepareCount == 0;
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TestTimeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition did not hold in time");
            await Task.Delay(10);
        }
    }
}
