using Log.Adjudicator;
using Log.Journal.Client;
using Log.Journal.Records;
using Log.Journal.Time;
using Log.QueryNode.Execution;
using Log.StorageNode;

namespace Log.QueryNode.Tests.Execution;

public sealed class JournalSnapshotSourceTests
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(10);

    /// <summary>A replica that applies only when told to: each record moves the resolved timestamp to its own.</summary>
    private sealed class ManualReplica(MemoryJournal journal) : IReplicaProgress
    {
        private readonly Lock gate = new();
        private readonly List<(long Offset, TaskCompletionSource Reached)> waiters = [];
        private long applied;
        private HybridTimestamp resolved;

        public int Partition => 0;

        public HybridTimestamp ResolvedTimestamp { get { lock (gate) return resolved; } }

        public async Task ApplyAllAsync()
        {
            await foreach (var entry in journal.ReadAsync(0, applied, CancellationToken.None))
            {
                List<TaskCompletionSource> reached = [];
                lock (gate)
                {
                    resolved = HybridTimestamp.Max(resolved, entry.Record.Kind == JournalRecordKind.Heartbeat ? entry.Record.Closed : entry.Record.Commit);
                    applied = entry.Offset + 1;
                    foreach (var waiter in waiters.Where(waiter => waiter.Offset <= applied)) reached.Add(waiter.Reached);
                    waiters.RemoveAll(waiter => waiter.Offset <= applied);
                }
                reached.ForEach(waiter => waiter.SetResult());
                if (applied == journal.EndOffset(0)) return;
            }
        }

        public Task WaitForReadPointAsync(ReadPoint at, CancellationToken cancellationToken)
        {
            Assert.True(at.IsFenced, "a snapshot waits for an offset, not for a timestamp");
            lock (gate)
            {
                if (applied >= at.RequiredOffset) return Task.CompletedTask;
                var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                waiters.Add((at.RequiredOffset, reached));
                return reached.Task.WaitAsync(cancellationToken);
            }
        }
    }

    [Fact]
    public async Task A_snapshot_waits_for_the_replica_to_apply_every_acknowledged_commit_and_reads_at_its_resolved_timestamp()
    {
        var journal = new MemoryJournal();
        var adjudicatorClock = new HybridClock();
        var replica = new ManualReplica(journal);
        // This node's clock is far behind the adjudicator's: the snapshot must not depend on it.
        var queryNodeClock = new HybridClock(new ShiftedTime(TimeSpan.FromMinutes(-10)));
        var snapshots = new JournalSnapshotSource(journal, replica, queryNodeClock, new UnreachableAdjudicator());

        var first = adjudicatorClock.Now();
        await journal.AppendAsync(0, Commit(first, "a"), CancellationToken.None);
        var acknowledged = adjudicatorClock.Now();
        await journal.AppendAsync(0, Commit(acknowledged, "b"), CancellationToken.None);

        var taking = snapshots.TakeAsync(CancellationToken.None).AsTask();
        await Task.Delay(50);
        Assert.False(taking.IsCompleted, "the replica has not applied the acknowledged commits yet");
        await replica.ApplyAllAsync().WaitAsync(TestTimeout);
        var snapshot = await taking.WaitAsync(TestTimeout);

        Assert.Equal(2, snapshot.JournalEndOffset);
        Assert.Equal(acknowledged, snapshot.ReadPoint.Timestamp);
        Assert.False(snapshot.ReadPoint.IsFenced);
        // Its clock moved past the snapshot, so its next commits and snapshots are later.
        Assert.True(queryNodeClock.Now() > acknowledged);

        // A heartbeat closes a later timestamp: the next snapshot is there.
        var closed = adjudicatorClock.Now();
        await journal.AppendAsync(0, JournalRecord.ForHeartbeat(closed, 0, 1), CancellationToken.None);
        await replica.ApplyAllAsync().WaitAsync(TestTimeout);
        Assert.Equal(closed, (await snapshots.TakeAsync(CancellationToken.None)).ReadPoint.Timestamp);
    }

    /// <summary>Heartbeats held back (an hour apart), as on a loaded machine where the first one comes late: the
    /// partition holds only the shard's EpochStart, so the replica's resolved timestamp is zero, below the shard's
    /// window. The first write after the start and a sequence allocation's separate transaction must still commit.</summary>
    [Fact]
    public async Task A_fresh_journals_first_snapshot_is_never_below_the_shards_window()
    {
        var clock = new HybridClock();
        var (shard, replica, snapshots) = await StartQuietShardAsync(new MemoryJournal(), clock);
        await using var stopping = shard;
        Assert.Equal(HybridTimestamp.Zero, replica.ResolvedTimestamp);

        var snapshot = await snapshots.TakeAsync(CancellationToken.None).AsTask().WaitAsync(TestTimeout);

        Assert.True(snapshot.ReadPoint.Timestamp >= shard.Horizon, $"snapshot {snapshot.ReadPoint.Timestamp} below the window's horizon {shard.Horizon}");
        Assert.True(snapshot.ReadPoint.IsFenced, "a snapshot at the adjudicator's clock must wait for its fence's offset");
        // A sequence allocation (its own snapshot, its own commit) at the start, then the first write from the snapshot
        // taken above (the separate transaction would retry a too-old refusal; the assertions above are what fail
        // without the fix).
        var runner = new SeparateTransactionRunner(shard, snapshots, new NoStorage(), clock, new TransactionLimits());
        var allocated = await runner.RunAsync(store =>
        {
            store.Put("sequence"u8.ToArray(), [1]);
            return ValueTask.FromResult(1);
        }, CancellationToken.None).AsTask().WaitAsync(TestTimeout);
        Assert.Equal(1, allocated);
        var first = await shard.CommitAsync(Request(snapshot.ReadPoint.Timestamp, "first"), CancellationToken.None).WaitAsync(TestTimeout);
        Assert.Equal(CommitOutcome.Committed, first.Outcome);
    }

    /// <summary>The shard was down longer than its window: the partition's last heartbeat, written by its earlier life,
    /// is ten minutes old, and its new life's heartbeats are held back. A snapshot at that heartbeat would be refused as
    /// too old; the snapshot is taken at the adjudicator instead.</summary>
    [Fact]
    public async Task A_snapshot_after_a_long_outage_of_the_shard_is_not_below_its_window()
    {
        var (journal, earlierLife) = await JournalOfAnOldHeartbeatAsync();
        var clock = new HybridClock();
        var (shard, replica, snapshots) = await StartQuietShardAsync(journal, clock);
        await using var stopping = shard;
        Assert.Equal(earlierLife, replica.ResolvedTimestamp);
        Assert.True(earlierLife < shard.Horizon, "the earlier life's last heartbeat is below the new life's window");

        var snapshot = await snapshots.TakeAsync(CancellationToken.None).AsTask().WaitAsync(TestTimeout);

        var commit = await shard.CommitAsync(Request(snapshot.ReadPoint.Timestamp, "after-outage"), CancellationToken.None).WaitAsync(TestTimeout);
        Assert.Equal(CommitOutcome.Committed, commit.Outcome);
    }

    /// <summary>An adjudicator that cannot be reached decides nothing: the stale snapshot from the journal is still a
    /// snapshot holding every acknowledged commit, and reads go on from it.</summary>
    [Fact]
    public async Task A_stale_snapshot_is_handed_out_as_before_when_the_adjudicator_cannot_be_reached()
    {
        var (journal, stale) = await JournalOfAnOldHeartbeatAsync();
        var clock = new HybridClock();
        var replica = new ManualReplica(journal);
        await replica.ApplyAllAsync().WaitAsync(TestTimeout);
        var adjudicator = new FaultedAdjudicator();
        var snapshots = new JournalSnapshotSource(journal, replica, clock, adjudicator);

        var snapshot = await snapshots.TakeAsync(CancellationToken.None).AsTask().WaitAsync(TestTimeout);

        Assert.Equal(1, adjudicator.Fences);
        Assert.Equal(stale, snapshot.ReadPoint.Timestamp);
        Assert.Equal(1, snapshot.JournalEndOffset);
        Assert.False(snapshot.ReadPoint.IsFenced);
    }

    /// <summary>A partition whose only record is a heartbeat of ten minutes ago (twice the window), and its timestamp.</summary>
    private static async Task<(MemoryJournal Journal, HybridTimestamp Heartbeat)> JournalOfAnOldHeartbeatAsync()
    {
        var journal = new MemoryJournal();
        var heartbeat = HybridTimestamp.From(DateTimeOffset.UtcNow.AddMinutes(-10).ToUnixTimeMilliseconds(), 0);
        await journal.AppendAsync(0, JournalRecord.ForHeartbeat(heartbeat, 0, 1), CancellationToken.None);
        return (journal, heartbeat);
    }

    /// <summary>A shard on <paramref name="journal"/> whose heartbeats are held back (an hour apart), a replica that has
    /// applied up to its EpochStart, and snapshots over both.</summary>
    private static async Task<(AdjudicatorShard Shard, ManualReplica Replica, JournalSnapshotSource Snapshots)> StartQuietShardAsync(
        MemoryJournal journal, HybridClock clock)
    {
        var shard = new AdjudicatorShard(new AdjudicatorOptions
        {
            HeartbeatInterval = TimeSpan.FromHours(1),
            IdleHeartbeatInterval = TimeSpan.FromHours(1),
        }, journal, journal, clock);
        using var timeout = new CancellationTokenSource(TestTimeout);
        await shard.StartAsync(timeout.Token);
        var replica = new ManualReplica(journal);
        await replica.ApplyAllAsync().WaitAsync(TestTimeout);
        return (shard, replica, new JournalSnapshotSource(journal, replica, clock, shard));
    }

    private static CommitRequest Request(HybridTimestamp start, string key) =>
        new(Guid.NewGuid(), start, [new JournalWrite(System.Text.Encoding.UTF8.GetBytes(key), [1])], []);

    /// <summary>An adjudicator whose process is down: every fence fails as the remote client's does.</summary>
    private sealed class FaultedAdjudicator : IAdjudicator
    {
        public int Fences { get; private set; }

        public Task<CommitResult> CommitAsync(CommitRequest request, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("a snapshot called the adjudicator's commit");

        public Task<ReadFence> CloseTimestampAsync(HybridTimestamp timestamp, CancellationToken cancellationToken)
        {
            Fences++;
            return Task.FromException<ReadFence>(new AdjudicatorFaultedException("the adjudicator could not be reached", new IOException("refused")));
        }
    }

    /// <summary>The separate transaction above only writes: a read would be a fault of the test.</summary>
    private sealed class NoStorage : IStorageReader
    {
        public ValueTask<byte[]?> GetAsync(byte[] key, ReadPoint at, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("the transaction read storage");

        public ValueTask<IReadOnlyList<KeyValue>> ScanAsync(byte[] startInclusive, byte[]? endExclusive, ReadPoint at, int limit,
            CancellationToken cancellationToken) =>
            throw new InvalidOperationException("the transaction read storage");
    }

    private static JournalRecord Commit(HybridTimestamp at, string key) =>
        JournalRecord.ForCommit(Guid.NewGuid(), HybridTimestamp.Zero, at, 0, 1, [new JournalWrite(System.Text.Encoding.UTF8.GetBytes(key), [1])]);

    /// <summary>Taking a snapshot must not call it.</summary>
    private sealed class UnreachableAdjudicator : IAdjudicator
    {
        public Task<CommitResult> CommitAsync(CommitRequest request, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("a snapshot called the adjudicator");

        public Task<ReadFence> CloseTimestampAsync(HybridTimestamp timestamp, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("a snapshot called the adjudicator");
    }

    private sealed class ShiftedTime(TimeSpan shift) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => TimeProvider.System.GetUtcNow() + shift;
    }
}
