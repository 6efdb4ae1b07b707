using Log.Journal.Time;
using Log.StorageNode;

namespace Log.QueryNode.Execution;

/// <summary>
/// Snapshots in multi-region mode (adjudicator/README.md, "Regions"): the transaction reads at this node's clock, and
/// the storage replica serves the read once its resolved timestamp (the merge's released timestamp over every region's
/// topic) is at or above it. No journal offset is involved: the replica's offsets count the merged stream, not a
/// region topic's records.
/// <para>Why it holds every acknowledged commit, from either region: a commit is acknowledged only once every clock has
/// passed its timestamp (commit wait), so a snapshot taken after it is above it, and a replica whose released timestamp
/// covers the snapshot has decided and applied everything at or below it. In steady state the released timestamp runs
/// ahead of every clock by the lead less the delay between regions, so the read does not wait.</para>
/// </summary>
public sealed class RegionSnapshotSource(HybridClock clock) : ISnapshotSource
{
    public ValueTask<Snapshot> TakeAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(new Snapshot(ReadPoint.Unfenced(clock.Now()), 0));
    }

    /// <summary>A refused commit's rival is at or below the refusing shard's view; a snapshot taken now is as late as
    /// any this node can take, and a retry that conflicts again is refused again, never wrongly committed.</summary>
    public ValueTask<Snapshot> TakeAfterConflictAsync(CancellationToken cancellationToken) => TakeAsync(cancellationToken);
}
