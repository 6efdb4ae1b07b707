using Log.Journal.Records;

namespace Log.StorageNode;

/// <summary>
/// Every key the replica has ever stored, in unsigned byte order, beside FASTER's hash index (which
/// cannot seek). Keys are only added: a deleted key keeps its place because older snapshots still
/// see it. A sorted list of sorted chunks (a two-level B-tree) keeps inserts cheap and lets a scan
/// seek in O(log n) and copy only the keys it asks for. Thread-safe: one writer (the apply loop)
/// and any number of readers, each call holding the lock only briefly.
/// </summary>
internal sealed class OrderedKeyIndex : IDisposable
{
    /// <summary>A chunk above this many keys is split in two, which bounds the cost of one insert.</summary>
    internal const int ChunkKeyCountMax = 512;

    private readonly List<List<byte[]>> chunks = [];
    private readonly ReaderWriterLockSlim gate = new(LockRecursionPolicy.NoRecursion);
    private long count;

    public long Count => Interlocked.Read(ref count);

    /// <summary>Adds a key (which must never be mutated afterwards); false when it was already there.</summary>
    public bool Add(byte[] key)
    {
        gate.EnterWriteLock();
        try
        {
            if (chunks.Count == 0)
            {
                chunks.Add([key]);
                Interlocked.Increment(ref count);
                return true;
            }
            var chunkIndex = FindChunk(key);
            var chunk = chunks[chunkIndex];
            var position = chunk.BinarySearch(key, KeyComparer.Instance);
            if (position >= 0)
            {
                return false;
            }
            chunk.Insert(~position, key);
            Interlocked.Increment(ref count);
            if (chunk.Count > ChunkKeyCountMax)
            {
                var half = chunk.Count / 2;
                var upper = chunk.GetRange(half, chunk.Count - half);
                chunk.RemoveRange(half, chunk.Count - half);
                chunks.Insert(chunkIndex + 1, upper);
            }
            return true;
        }
        finally
        {
            gate.ExitWriteLock();
        }
    }

    /// <summary>Appends to <paramref name="destination"/> up to <paramref name="countMax"/> keys from
    /// <paramref name="from"/> (included or not) up to <paramref name="endExclusive"/> (null: no end), in order.</summary>
    public void CopyRange(byte[] from, bool fromInclusive, byte[]? endExclusive, int countMax, List<byte[]> destination)
    {
        gate.EnterReadLock();
        try
        {
            if (chunks.Count == 0)
            {
                return;
            }
            var chunkIndex = FindChunk(from);
            var position = chunks[chunkIndex].BinarySearch(from, KeyComparer.Instance);
            position = position >= 0 ? (fromInclusive ? position : position + 1) : ~position;
            var added = 0;
            while (added < countMax && chunkIndex < chunks.Count)
            {
                var chunk = chunks[chunkIndex];
                for (; position < chunk.Count && added < countMax; position++)
                {
                    var key = chunk[position];
                    if (endExclusive is not null && KeyComparer.Instance.Compare(key, endExclusive) >= 0)
                    {
                        return;
                    }
                    destination.Add(key);
                    added++;
                }
                chunkIndex++;
                position = 0;
            }
        }
        finally
        {
            gate.ExitReadLock();
        }
    }

    /// <summary>The last chunk whose first key is at or below <paramref name="key"/>, or the first chunk.</summary>
    private int FindChunk(byte[] key)
    {
        int low = 0, high = chunks.Count - 1, found = 0;
        while (low <= high)
        {
            var middle = low + (high - low) / 2;
            if (KeyComparer.Instance.Compare(chunks[middle][0], key) <= 0)
            {
                found = middle;
                low = middle + 1;
            }
            else
            {
                high = middle - 1;
            }
        }
        return found;
    }

    public void Dispose() => gate.Dispose();
}
