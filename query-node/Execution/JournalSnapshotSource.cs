using Confluent.Kafka;
using Log.Adjudicator;
using Log.Journal.Client;
using Log.Journal.Time;
using Log.StorageNode;

namespace Log.QueryNode.Execution;

/// <summary>
/// Snapshots that never reach the adjudicator: the journal says where its partition ends now, the local replica
/// applies up to there, and the transaction reads at the replica's resolved timestamp.
///
/// Why it holds every acknowledged commit: the append is the commit, and a commit is acknowledged only once its record
/// is durable, so every commit acknowledged before BEGIN lies below the end offset read after BEGIN began. Commit and
/// closed timestamps grow with the offset in the partition (one adjudicator loop assigns and appends them in order), so
/// once the replica has applied everything below that offset its resolved timestamp is at or above each of those commit
/// timestamps, and nothing still to come can commit at or below it. Neither clocks nor the adjudicator take part: a
/// query node whose clock is behind, or an adjudicator that is stopped, changes nothing (the snapshot is merely as old
/// as the last record in the partition, which heartbeats keep recent).
/// </summary>
public sealed class JournalSnapshotSource(IJournalEndOffsets journal, IReplicaProgress replica, HybridClock clock, IAdjudicator adjudicator)
    : ISnapshotSource
{
    private readonly AdjudicatorFenceSnapshotSource afterConflict = new(adjudicator, clock);

    public ValueTask<Snapshot> TakeAfterConflictAsync(CancellationToken cancellationToken) => afterConflict.TakeAsync(cancellationToken);

    public async ValueTask<Snapshot> TakeAsync(CancellationToken cancellationToken)
    {
        var startedAt = System.Diagnostics.Stopwatch.GetTimestamp();
        long end;
        try
        {
            end = await journal.GetEndOffsetAsync(replica.Partition, cancellationToken);
        }
        catch (KafkaException exception)
        {
            throw new StorageUnavailableException($"the journal did not say where partition {replica.Partition} ends: {exception.Message}");
        }
        await replica.WaitForReadPointAsync(new ReadPoint(HybridTimestamp.Zero, end), cancellationToken);
        var at = replica.ResolvedTimestamp;
        // Later snapshots and commits of this node are then above it, as they would be after a fence.
        clock.Observe(at);
        TransactionMetrics.RecordSnapshot(startedAt);
        return new Snapshot(ReadPoint.Unfenced(at), end);
    }
}
