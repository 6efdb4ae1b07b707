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
