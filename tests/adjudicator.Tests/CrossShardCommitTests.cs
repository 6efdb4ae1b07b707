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

    private sealed class TwoShards : IAsyncDisposable
    {
        private TwoShards(MemoryJournal journal) => Journal = journal;

        public MemoryJournal Journal { get; }
        public HybridClock Clock { get; } = new();
        public AdjudicatorShard[] Shards { get; } = new AdjudicatorShard[2];
        public ShardedAdjudicator Adjudicator { get; private set; } = null!;

        public static async Task<TwoShards> StartAsync(TimeSpan decisionTimeout, MemoryJournal? journal = null)
        {
            var shards = new TwoShards(journal ?? new MemoryJournal());
            for (var shard = 0; shard < 2; shard++)
            {
                var options = new AdjudicatorOptions
                {
                    Shard = shard,
                    Partition = shard,
                    HeartbeatInterval = TimeSpan.FromMilliseconds(20),
                    PreparedDecisionTimeout = decisionTimeout,
                    CoordinatorOf = coordinator => shards.Shards[coordinator],
                };
                shards.Shards[shard] = new AdjudicatorShard(options, shards.Journal, shards.Journal, shards.Clock);
                await shards.Shards[shard].StartAsync(CancellationToken.None);
            }
            shards.Adjudicator = new ShardedAdjudicator(shards.Shards, new FirstLetterRouter());
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
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Random_transfers_with_abandoned_coordinators_are_all_or_nothing_and_never_overlap(int seed)
    {
        await using var shards = await TwoShards.StartAsync(TimeSpan.FromMilliseconds(100));
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
                    await shards.Shards[shard].PrepareAsync(new PrepareRequest(request.TransactionId, start, part.Writes, part.Checks,
                        parts.Keys.ToArray()), cancellationToken);
                }
                told[request.TransactionId] = (new CommitResult(CommitOutcome.OutcomeUnknown, default, -1, null), start, plan.Keys);
                return;
            }
            var result = await shards.Adjudicator.CommitAsync(request, cancellationToken);
            told[request.TransactionId] = (result, start, plan.Keys);
        });
        await WaitUntilAsync(() => shards.Shards[0].PreparedCount == 0 && shards.Shards[1].PreparedCount == 0);

        // The model: replay what a replica applies, grouping writes by commit timestamp (one per transaction).
        var (commits, tracker) = await shards.ReplayAsync();
        Assert.Equal(0, tracker.PendingPrepareCount);
        var byTimestamp = commits.Where(commit => commit.Writes.Count > 0).GroupBy(commit => commit.CommitTimestamp)
            .ToDictionary(group => group.Key, group => group.SelectMany(commit => commit.Writes.Select(write => System.Text.Encoding.UTF8.GetString(write.Key))).ToHashSet());
        foreach (var (_, (result, start, keys)) in told)
        {
            if (result.Outcome == CommitOutcome.Committed)
            {
                Assert.True(byTimestamp.TryGetValue(result.CommitTimestamp, out var applied), "an acknowledged commit is missing");
                Assert.True(applied.SetEquals(keys), "a transaction was applied in part");
            }
        }
        // All or nothing for every transaction, told or not: each applied group is exactly one plan's key set.
        var committedTransactions = byTimestamp.Select(pair =>
        {
            var match = told.Values.Where(entry => entry.Keys.ToHashSet().SetEquals(pair.Value)).ToList();
            Assert.NotEmpty(match);
            return (Commit: pair.Key, Keys: pair.Value, Start: match.Where(entry => entry.Result.Outcome is CommitOutcome.Committed
                    ? entry.Result.CommitTimestamp == pair.Key : entry.Result.Outcome == CommitOutcome.OutcomeUnknown)
                .Select(entry => entry.Start).DefaultIfEmpty(HybridTimestamp.Zero).Max());
        }).OrderBy(entry => entry.Commit).ToList();
        // No two committed writers of one account overlap: the later one started at or after the earlier one's commit.
        foreach (var account in accounts)
        {
            var writers = committedTransactions.Where(entry => entry.Keys.Contains(account)).ToList();
            for (var index = 1; index < writers.Count; index++)
            {
                if (writers[index].Start != HybridTimestamp.Zero)
                {
                    Assert.True(writers[index].Start >= writers[index - 1].Commit,
                        $"two committed transactions wrote {account} concurrently");
                }
            }
        }
        Assert.Contains(told.Values, entry => entry.Result.Outcome == CommitOutcome.Committed);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Prepares_left_undecided_by_a_crash_are_decided_after_the_restart_as_the_coordinator_wrote(bool coordinatorDecidedCommit)
    {
        var journal = new MemoryJournal();
        var transactionId = Guid.NewGuid();
        HybridTimestamp decided = default;
        await using (var before = await TwoShards.StartAsync(TimeSpan.FromHours(1), journal))
        {
            var start = before.Clock.Now();
            await before.Shards[0].PrepareAsync(new PrepareRequest(transactionId, start, [Keys.Write("a1")], [], [0, 1]), CancellationToken.None)
                .WaitAsync(TestTimeout);
            var proposal = await before.Shards[1].PrepareAsync(new PrepareRequest(transactionId, start, [Keys.Write("b1")], [], [0, 1]), CancellationToken.None)
                .WaitAsync(TestTimeout);
            if (coordinatorDecidedCommit)
            {
                var decision = await before.Shards[0].DecideAsync(new DecideRequest(transactionId, proposal.CommitTimestamp, [0, 1]), CancellationToken.None)
                    .WaitAsync(TestTimeout);
                Assert.Equal(CommitOutcome.Committed, decision.Outcome);
                decided = decision.CommitTimestamp;
            }
            // The query node (and then both shards) die here: shard 1 never hears the decision.
        }

        await using var after = await TwoShards.StartAsync(TimeSpan.FromMilliseconds(100), journal);
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
