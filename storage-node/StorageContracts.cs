using Log.Journal.Time;

namespace Log.StorageNode;

/// <summary>
/// Where a read is taken: the snapshot timestamp, and the journal position (partition 0 of the
/// region's topic for now) that the replica must have applied before it answers. A RequiredOffset
/// of 0 means "no requirement beyond the resolved timestamp".
/// </summary>
public readonly record struct ReadPoint(HybridTimestamp Timestamp, long RequiredOffset);

/// <summary>One key and its value as of a read point.</summary>
public readonly record struct KeyValue(byte[] Key, byte[] Value);

/// <summary>
/// Reads from one storage replica. A read at a point waits until the replica has applied every
/// commit at or below it (applied offset past RequiredOffset, or resolved timestamp at or above
/// Timestamp), for a bounded time, then fails with <see cref="StorageUnavailableException"/>.
/// </summary>
public interface IStorageReader
{
    /// <summary>The newest value of <paramref name="key"/> committed at or below the read point, or null.</summary>
    ValueTask<byte[]?> GetAsync(byte[] key, ReadPoint at, CancellationToken cancellationToken);

    /// <summary>Up to <paramref name="limit"/> visible keys in [start, end) in byte order, with their values.
    /// A null end means "to the end of the key space". Callers page by starting again after the last key.</summary>
    ValueTask<IReadOnlyList<KeyValue>> ScanAsync(byte[] startInclusive, byte[]? endExclusive, ReadPoint at, int limit,
        CancellationToken cancellationToken);
}

/// <summary>The replica could not reach the read point in time (journal unreachable or far behind).</summary>
public sealed class StorageUnavailableException(string message) : Exception(message);
