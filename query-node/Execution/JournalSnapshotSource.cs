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
///
/// <para>A snapshot the adjudicator could not judge is never handed out, though. Where the partition's last commit or
/// heartbeat is older than <see cref="MaxAge"/> (none yet on a fresh journal, whose first snapshot would be at zero;
/// or the last one of an earlier life of the shard, written before the adjudicator was down for a while), a commit
/// from that snapshot would start below the shard's conflict window (its horizon is now minus the longest transaction,
/// and after a restart at least the earlier life's last timestamp) and be refused as too old before it did anything.
/// Such a snapshot is closed at the adjudicator instead, as after a conflict: the fence's timestamp is the shard's
/// present clock, above both horizons. Heartbeats of a serving shard come at most every idle interval (5 s), far
/// inside <see cref="MaxAge"/>, so in steady state no snapshot takes the fence. When the adjudicator cannot be reached
/// the journal's snapshot is handed out as before: it is still a snapshot holding every acknowledged commit, reads go
/// on, and a commit from it is refused anyway while the adjudicator is away.</para>
/// </summary>
public sealed class JournalSnapshotSource(IJournalEndOffsets journal, IReplicaProgress replica, HybridClock clock, IAdjudicator adjudicator,
    TimeSpan? maxTransactionDuration = null) : ISnapshotSource
{
    /// <summary>How far behind this node's clock a snapshot from the journal's end may lie before it is closed at the
    /// adjudicator instead: a tenth of the conflict window (30 s at DSQL's five minutes), so a transaction begun from
    /// such a snapshot has nine tenths of the window left, and far above the idle heartbeat interval (5 s) plus the
    /// clock offset between nodes, so a serving shard's heartbeats keep every snapshot below it.</summary>
    public TimeSpan MaxAge { get; } = (maxTransactionDuration ?? new AdjudicatorOptions().MaxTransactionDuration) / MaxAgeFractionOfWindow;

    /// <summary>What fraction of the conflict window <see cref="MaxAge"/> is.</summary>
    public const int MaxAgeFractionOfWindow = 10;

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
        if (IsTooOldToJudge(at) && await TryTakeFencedAsync(cancellationToken) is { } fenced)
        {
            TransactionMetrics.RecordSnapshot(startedAt);
            return fenced;
        }
        // Later snapshots and commits of this node are then above it, as they would be after a fence.
        clock.Observe(at);
        TransactionMetrics.RecordSnapshot(startedAt);
        return new Snapshot(ReadPoint.Unfenced(at), end);
    }

    /// <summary>Whether <paramref name="at"/> lies more than <see cref="MaxAge"/> behind this node's physical time (zero, on
    /// a fresh journal, always does). Read without moving the clock: this is on every BEGIN.</summary>
    private bool IsTooOldToJudge(HybridTimestamp at) => clock.AheadOfPhysicalTime(at) < -MaxAge;

    /// <summary>A snapshot closed at the adjudicator, or null when it cannot be reached (it decided nothing then).</summary>
    private async ValueTask<Snapshot?> TryTakeFencedAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await afterConflict.TakeAsync(cancellationToken);
        }
        catch (AdjudicatorFaultedException)
        {
            return null;
        }
    }
}
