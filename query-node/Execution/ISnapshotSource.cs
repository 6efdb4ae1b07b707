using Log.StorageNode;

namespace Log.QueryNode.Execution;

/// <summary>
/// Where a transaction's snapshot comes from at BEGIN. A snapshot holds every commit acknowledged (to any client,
/// through any query node) before the transaction began, and its read point is one the storage replica can serve.
/// </summary>
public interface ISnapshotSource
{
    ValueTask<Snapshot> TakeAsync(CancellationToken cancellationToken);

    /// <summary>A snapshot that also holds every commit the adjudicator has decided so far, even one whose record is
    /// not durable yet: for a transaction retried after its commit was refused, which would otherwise conflict again
    /// with the commit that refused it until that commit's record lands. One adjudicator call, on the write path only.</summary>
    ValueTask<Snapshot> TakeAfterConflictAsync(CancellationToken cancellationToken);
}

/// <summary>A transaction's snapshot: where it reads, and the journal offset below which every commit it may see lies
/// (a query node that follows other nodes' DDL waits for its catalog feed to pass it).</summary>
public readonly record struct Snapshot(ReadPoint ReadPoint, long JournalEndOffset);
