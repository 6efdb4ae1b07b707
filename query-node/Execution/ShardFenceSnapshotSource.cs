using Log.Adjudicator;
using Log.Journal.Time;
using Log.StorageNode;

namespace Log.QueryNode.Execution;

/// <summary>
/// Snapshots of a database with several shards: close a timestamp from this node's clock on every shard (or the later
/// one a shard's clock asks for, see <see cref="ShardedAdjudicator.CloseOneTimestampOnEveryShardAsync"/>), wait until
/// the replica has applied each partition below its shard's fence, and read at that timestamp.
/// <para>
/// Why not the journal's ends, as with one shard: the resolved timestamp over several partitions is their minimum, and a
/// partition with no recent record holds it below a commit just acknowledged on another shard until its next heartbeat,
/// so a snapshot from the journal's ends could miss a commit its own client made. Closing every shard promises that
/// nothing commits at or below the timestamp afterwards, and each fence's offset bounds every commit (and every
/// prepare and decision of a cross-shard one) at or below it. The price is one call per shard at BEGIN, read-only
/// transactions included (in process, a lock each).
/// </para>
/// </summary>
public sealed class ShardFenceSnapshotSource(ShardedAdjudicator adjudicator, IPartitionsProgress replica, HybridClock clock) : ISnapshotSource
{
    public async ValueTask<Snapshot> TakeAsync(CancellationToken cancellationToken)
    {
        // Shards in other processes may close later timestamps than this node's clock asked for (their clocks are
        // ahead): the snapshot is taken at the one every shard closed, so that it holds every commit acknowledged
        // before it began, through any query node, however far behind this node's clock is.
        HybridTimestamp start;
        ReadFence[] fences;
        try
        {
            (start, fences) = await adjudicator.CloseOneTimestampOnEveryShardAsync(clock.Now(), cancellationToken);
        }
        catch (AdjudicatorFaultedException exception)
        {
            // A shard that cannot be reached (its process down or restarting) decided nothing: the transaction may be
            // tried again once it is back, as with a storage replica that cannot be reached.
            throw new SqlException(SqlState.CannotConnectNow, $"could not take a snapshot: {exception.Message}");
        }
        clock.Observe(start);
        var ends = new long[fences.Length];
        for (var shard = 0; shard < fences.Length; shard++)
        {
            ends[shard] = fences[shard].EndOffset;
        }
        await replica.WaitForOffsetsAsync(ends, cancellationToken);
        // Partition 0 holds every catalog change (TableShardRouter), which is what the snapshot's offset is for; every
        // partition's fence goes with the read point, for a remote replica a read fails over to.
        return new Snapshot(ReadPoint.FencedOnEveryPartition(start, ends), ends[0]);
    }

    public ValueTask<Snapshot> TakeAfterConflictAsync(CancellationToken cancellationToken) => TakeAsync(cancellationToken);
}
