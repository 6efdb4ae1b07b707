using Log.Journal.Time;

namespace Log.StorageNode;

/// <summary>
/// Where a read is taken: the snapshot timestamp, and how the replica knows it has every commit
/// at or below it. With a fence from the adjudicator (<see cref="RequiredOffset"/> &gt;= 0) the
/// replica is ready once it has applied every record of partition 0 below RequiredOffset, and, with
/// several partitions fenced (<see cref="RequiredOffsets"/>), every record of each partition below its
/// own fence. Without one (<see cref="Unfenced"/>, RequiredOffset = -1) it is ready once its resolved
/// timestamp (the closed timestamps in the journal's heartbeats and commits) is at or above Timestamp.
/// </summary>
public readonly record struct ReadPoint(HybridTimestamp Timestamp, long RequiredOffset)
{
    public static ReadPoint Unfenced(HybridTimestamp timestamp) => new(timestamp, -1);

    /// <summary>A snapshot fenced on every shard: the replica must have applied each partition p below
    /// <paramref name="endOffsets"/>[p] (a replica of several partitions; partition 0's is <see cref="RequiredOffset"/>).</summary>
    public static ReadPoint FencedOnEveryPartition(HybridTimestamp timestamp, IReadOnlyList<long> endOffsets) =>
        new(timestamp, endOffsets[0]) { RequiredOffsets = endOffsets };

    /// <summary>Each partition's fence when a snapshot was fenced on several shards (index = partition), else null. A
    /// replica that another one failed over to must reach every one of them, not partition 0's alone: the snapshot's
    /// commits on the other shards lie below their own fences.</summary>
    public IReadOnlyList<long>? RequiredOffsets { get; init; }

    public bool IsFenced => RequiredOffset >= 0;
}

/// <summary>One key and its value as of a read point.</summary>
public readonly record struct KeyValue(byte[] Key, byte[] Value);

/// <summary>Receives the pairs of a visiting scan (<see cref="IStorageReader.VisitAsync"/>) in key order. The spans are
/// valid only during the call (they may point into the replica's memory); returns false to stop the scan.</summary>
public interface IKeyValueVisitor
{
    bool Visit(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value);
}

/// <summary>What a visiting scan went through: how many visible pairs it handed over, the last key it handed over (a
/// copy, null when none: the next page starts after it) and whether the visitor stopped it.</summary>
public readonly record struct VisitedRange(int Count, byte[]? LastKey, bool Stopped);

/// <summary>
/// Reads from one storage replica. A read at a point waits until the replica has applied every
/// commit at or below it (see <see cref="ReadPoint"/>), for a bounded time, then fails with
/// <see cref="StorageUnavailableException"/>.
/// </summary>
public interface IStorageReader
{
    /// <summary>The newest value of <paramref name="key"/> committed at or below the read point, or null.</summary>
    ValueTask<byte[]?> GetAsync(byte[] key, ReadPoint at, CancellationToken cancellationToken);

    /// <summary>The values of several keys at one read point, in the order of <paramref name="keys"/> (null where a key
    /// has no visible value): one wait for the read point and one read session for the whole batch, which is what a
    /// join that looks rows up by key needs.
    /// The default reads the keys one by one.</summary>
    async ValueTask<byte[]?[]> GetManyAsync(IReadOnlyList<byte[]> keys, ReadPoint at, CancellationToken cancellationToken)
    {
        var values = new byte[]?[keys.Count];
        for (var index = 0; index < keys.Count; index++)
        {
            values[index] = await GetAsync(keys[index], at, cancellationToken);
        }
        return values;
    }

    /// <summary>Up to <paramref name="limit"/> visible keys in [start, end) in byte order, with their values.
    /// A null end means "to the end of the key space". Callers page by starting again after the last key.</summary>
    ValueTask<IReadOnlyList<KeyValue>> ScanAsync(byte[] startInclusive, byte[]? endExclusive, ReadPoint at, int limit,
        CancellationToken cancellationToken);

    /// <summary>The pairs <see cref="ScanAsync"/> returns, handed to <paramref name="visitor"/> one by one instead of
    /// copied into a list: a replica in the same process hands over its stored bytes in place, so a reader that keeps
    /// little of what it reads (a filter, an aggregate, the columns a query uses) copies and allocates nothing for the
    /// rest. The visitor runs synchronously inside the call. The default visits the list of <see cref="ScanAsync"/>.</summary>
    async ValueTask<VisitedRange> VisitAsync(byte[] startInclusive, byte[]? endExclusive, ReadPoint at, int limit, IKeyValueVisitor visitor,
        CancellationToken cancellationToken)
    {
        var page = await ScanAsync(startInclusive, endExclusive, at, limit, cancellationToken);
        for (var index = 0; index < page.Count; index++)
        {
            if (!visitor.Visit(page[index].Key, page[index].Value))
            {
                return new VisitedRange(index + 1, page[index].Key, Stopped: true);
            }
        }
        return new VisitedRange(page.Count, page.Count > 0 ? page[^1].Key : null, Stopped: false);
    }

    /// <summary>Up to <paramref name="limit"/> visible keys in [start, end) in descending byte order, with their values
    /// (a null end: from the last key). Callers page by ending the next call at the last key returned. The default
    /// reads the range forwards and keeps its last keys, which is correct but reads the whole range per page: a
    /// reader that can seek backwards overrides it.</summary>
    async ValueTask<IReadOnlyList<KeyValue>> ScanBackwardAsync(byte[] startInclusive, byte[]? endExclusive, ReadPoint at, int limit,
        CancellationToken cancellationToken)
    {
        const int forwardPageRowsMin = 64;
        var last = new Queue<KeyValue>();
        if (limit == 0)
        {
            return [];
        }
        var pageRows = Math.Max(limit, forwardPageRowsMin);
        var from = startInclusive;
        while (true)
        {
            var page = await ScanAsync(from, endExclusive, at, pageRows, cancellationToken);
            foreach (var entry in page)
            {
                last.Enqueue(entry);
                if (last.Count > limit)
                {
                    last.Dequeue();
                }
            }
            if (page.Count < pageRows)
            {
                break;
            }
            from = [.. page[^1].Key, 0];
        }
        var result = last.ToList();
        result.Reverse();
        return result;
    }
}

/// <summary>How far a replica has applied its journal partition: what a query node needs to take a snapshot from it
/// without asking the adjudicator.</summary>
public interface IReplicaProgress
{
    /// <summary>The journal partition the replica applies.</summary>
    int Partition { get; }

    /// <summary>Every commit at or below it has been applied, and no commit below it can still come: commit and
    /// closed timestamps only grow along the partition, and this is the greatest one applied.</summary>
    HybridTimestamp ResolvedTimestamp { get; }

    /// <summary>Completes once the replica is ready for <paramref name="at"/>; past the replica's read wait bound it
    /// fails with <see cref="StorageUnavailableException"/>, as a read would.</summary>
    Task WaitForReadPointAsync(ReadPoint at, CancellationToken cancellationToken);
}

/// <summary>A replica of several partitions (one per adjudicator shard): what a snapshot over all of them waits for.</summary>
public interface IPartitionsProgress
{
    /// <summary>How many partitions the replica applies (0 to PartitionCount - 1).</summary>
    int PartitionCount { get; }

    /// <summary>Completes once every record below <c>endOffsets[p]</c> of every partition p is applied; bounded as a read is.</summary>
    Task WaitForOffsetsAsync(IReadOnlyList<long> endOffsets, CancellationToken cancellationToken);
}

/// <summary>What an operator or a recovery test asks of a replica beside reads.</summary>
public interface IStorageMaintenance
{
    /// <summary>A SHA-256 over every key visible at <paramref name="at"/> and its value, in key order: equal on every
    /// replica (and every replay of the journal) that reached that point. Waits as a read does.</summary>
    Task<byte[]> ComputeStateDigestAsync(ReadPoint at, CancellationToken cancellationToken);

    /// <summary>Takes a checkpoint now; null when none can be taken at the moment.</summary>
    Task<StorageCheckpoint?> CheckpointAsync(CancellationToken cancellationToken);
}

/// <summary>The replica could not reach the read point in time (journal unreachable or far behind). Retryable;
/// <see cref="SqlState"/> is what a client is told.</summary>
public class StorageUnavailableException(string message) : Exception(message)
{
    /// <summary>PostgreSQL's cannot_connect_now: the replica cannot answer now, a retry later may.</summary>
    public virtual string SqlState => "57P03";
}

/// <summary>
/// The read asked for a snapshot older than the replica's trim horizon (the longest transaction behind its resolved
/// timestamp), whose versions garbage collection may have removed: refused rather than answered from newer versions or
/// with rows missing. Retryable with a new snapshot; PostgreSQL's snapshot_too_old (72000).
/// </summary>
public sealed class SnapshotTooOldException(HybridTimestamp at, HybridTimestamp horizon)
    : StorageUnavailableException("snapshot too old")
{
    public HybridTimestamp At { get; } = at;

    public HybridTimestamp Horizon { get; } = horizon;

    public override string SqlState => "72000";
}

/// <summary>A replica that can say at once (in memory or one local lookup, no wait and no round trip) when the newest
/// version of a key it has applied was committed. A transaction that is about to write a key committed after its
/// snapshot will be refused at COMMIT, so it can fail the statement now instead (DSQL's early OC000).</summary>
public interface INewestVersionLookup
{
    /// <summary>The commit timestamp of the newest version of <paramref name="key"/> this replica has applied, whatever
    /// the read point (a tombstone counts); <see cref="HybridTimestamp.Zero"/> when it has none or cannot tell now.
    /// The replica may be behind the journal: a newer commit it has not applied yet is the adjudicator's to find.</summary>
    HybridTimestamp NewestCommitTimestamp(byte[] key);
}
