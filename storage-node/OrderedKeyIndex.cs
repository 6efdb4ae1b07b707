using Log.Journal.Records;

namespace Log.StorageNode;

/// <summary>A key of the index and, when known, the FASTER address of its newest head record (0: unknown).</summary>
internal readonly record struct IndexedKey(byte[] Key, long HeadAddress);

/// <summary>
/// Every key the replica has ever stored, in unsigned byte order, beside FASTER's hash index (which
/// cannot seek). Keys are only added: a deleted key keeps its place because older snapshots still
/// see it. A sorted list of sorted chunks (a two-level B-tree) keeps inserts cheap and lets a scan
/// seek in O(log n) and copy only the keys it asks for. Thread-safe: one writer (the apply loop)
/// and any number of readers, each call holding the lock only briefly.
/// <para>
/// Each key also carries the address of its newest head record in FASTER's log, so that a scan reads the record
/// there instead of looking the key up in FASTER's hash index (a cache miss per key, which was most of a scan's
/// time). FASTER still compares the key at that address, and the apply loop sets the address of a new version
/// before the replica's resolved timestamp passes it, so a read at any timestamp it may serve sees that version.
/// </para>
/// </summary>
internal sealed class OrderedKeyIndex : IDisposable
{
    /// <summary>A chunk above this many keys is split in two, which bounds the cost of one insert.</summary>
    internal const int ChunkKeyCountMax = 512;

    private readonly List<List<Entry>> chunks = [];
    private readonly ReaderWriterLockSlim gate = new(LockRecursionPolicy.NoRecursion);
    private long count;

    public long Count => Interlocked.Read(ref count);

    /// <summary>Adds a key (which must never be mutated afterwards); false when it was already there.</summary>
    public bool Add(byte[] key) => Add(key, headAddress: 0);

    /// <summary>Adds a key with the address of its head record, or sets the address of a key already there (then
    /// returns false).</summary>
    public bool Add(byte[] key, long headAddress)
    {
        gate.EnterWriteLock();
        try
        {
            if (chunks.Count == 0)
            {
                chunks.Add([new Entry(key, headAddress)]);
                Interlocked.Increment(ref count);
                return true;
            }
            var chunkIndex = FindChunk(key);
            var chunk = chunks[chunkIndex];
            var position = Search(chunk, key);
            if (position >= 0)
            {
                Volatile.Write(ref chunk[position].HeadAddress, headAddress);
                return false;
            }
            chunk.Insert(~position, new Entry(key, headAddress));
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

    /// <summary>Sets the head record address of a key already in the index (nothing when it is not).</summary>
    public void SetHeadAddress(byte[] key, long headAddress)
    {
        gate.EnterReadLock();
        try
        {
            if (chunks.Count == 0)
            {
                return;
            }
            var chunk = chunks[FindChunk(key)];
            var position = Search(chunk, key);
            if (position >= 0)
            {
                Volatile.Write(ref chunk[position].HeadAddress, headAddress);
            }
        }
        finally
        {
            gate.ExitReadLock();
        }
    }

    /// <summary>Appends to <paramref name="destination"/> up to <paramref name="countMax"/> keys from
    /// <paramref name="from"/> (included or not) up to <paramref name="endExclusive"/> (null: no end), in order.</summary>
    public void CopyRange(byte[] from, bool fromInclusive, byte[]? endExclusive, int countMax, List<byte[]> destination)
    {
        var entries = new List<IndexedKey>(Math.Min(countMax, ChunkKeyCountMax));
        CopyRange(from, fromInclusive, endExclusive, countMax, entries);
        foreach (var entry in entries)
        {
            destination.Add(entry.Key);
        }
    }

    /// <summary>The same, with the head record address of each key.</summary>
    public void CopyRange(byte[] from, bool fromInclusive, byte[]? endExclusive, int countMax, List<IndexedKey> destination)
    {
        gate.EnterReadLock();
        try
        {
            if (chunks.Count == 0)
            {
                return;
            }
            var chunkIndex = FindChunk(from);
            var position = Search(chunks[chunkIndex], from);
            position = position >= 0 ? (fromInclusive ? position : position + 1) : ~position;
            var added = 0;
            while (added < countMax && chunkIndex < chunks.Count)
            {
                var chunk = chunks[chunkIndex];
                for (; position < chunk.Count && added < countMax; position++)
                {
                    var entry = chunk[position];
                    if (endExclusive is not null && KeyComparer.Instance.Compare(entry.Key, endExclusive) >= 0)
                    {
                        return;
                    }
                    destination.Add(new IndexedKey(entry.Key, Volatile.Read(ref entry.HeadAddress)));
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

    /// <summary>Every key with its head record address, in order (a checkpoint saves this while applying is paused).</summary>
    public List<IndexedKey> Snapshot()
    {
        gate.EnterReadLock();
        try
        {
            var all = new List<IndexedKey>((int)Count);
            foreach (var chunk in chunks)
            {
                foreach (var entry in chunk)
                {
                    all.Add(new IndexedKey(entry.Key, Volatile.Read(ref entry.HeadAddress)));
                }
            }
            return all;
        }
        finally
        {
            gate.ExitReadLock();
        }
    }

    /// <summary>Fills an empty index with <paramref name="sorted"/> (strictly ascending, as a key file holds them), in
    /// half-full chunks so that the inserts that follow split few of them.</summary>
    public void Load(IReadOnlyList<IndexedKey> sorted)
    {
        gate.EnterWriteLock();
        try
        {
            if (chunks.Count != 0)
            {
                throw new InvalidOperationException("Only an empty index can be loaded.");
            }
            const int chunkKeyCount = ChunkKeyCountMax / 2;
            for (var start = 0; start < sorted.Count; start += chunkKeyCount)
            {
                var chunk = new List<Entry>(ChunkKeyCountMax + 1);
                for (var index = start; index < Math.Min(sorted.Count, start + chunkKeyCount); index++)
                {
                    chunk.Add(new Entry(sorted[index].Key, sorted[index].HeadAddress));
                }
                chunks.Add(chunk);
            }
            Interlocked.Exchange(ref count, sorted.Count);
        }
        finally
        {
            gate.ExitWriteLock();
        }
    }


    /// <summary>Appends to <paramref name="destination"/> up to <paramref name="countMax"/> keys below
    /// <paramref name="endExclusive"/> (null: from the last key) down to <paramref name="startInclusive"/>, in
    /// descending order, with the head record address of each key: a backward range scan (ORDER BY ... DESC LIMIT n
    /// along an ascending key) pages by starting again below the last key it was given.</summary>
    public void CopyRangeBackward(byte[] startInclusive, byte[]? endExclusive, int countMax, List<IndexedKey> destination)
    {
        gate.EnterReadLock();
        try
        {
            if (chunks.Count == 0)
            {
                return;
            }
            int chunkIndex, position;
            if (endExclusive is null)
            {
                chunkIndex = chunks.Count - 1;
                position = chunks[chunkIndex].Count - 1;
            }
            else
            {
                chunkIndex = FindChunk(endExclusive);
                position = Search(chunks[chunkIndex], endExclusive);
                position = position >= 0 ? position - 1 : ~position - 1;
            }
            var added = 0;
            while (added < countMax && chunkIndex >= 0)
            {
                var chunk = chunks[chunkIndex];
                for (; position >= 0 && added < countMax; position--)
                {
                    var entry = chunk[position];
                    if (KeyComparer.Instance.Compare(entry.Key, startInclusive) < 0)
                    {
                        return;
                    }
                    destination.Add(new IndexedKey(entry.Key, Volatile.Read(ref entry.HeadAddress)));
                    added++;
                }
                chunkIndex--;
                position = chunkIndex >= 0 ? chunks[chunkIndex].Count - 1 : -1;
            }
        }
        finally
        {
            gate.ExitReadLock();
        }
    }

    /// <summary>The position of <paramref name="key"/> in a chunk, or the complement of where it would go.</summary>
    private static int Search(List<Entry> chunk, byte[] key)
    {
        int low = 0, high = chunk.Count - 1;
        while (low <= high)
        {
            var middle = low + (high - low) / 2;
            var order = KeyComparer.Instance.Compare(chunk[middle].Key, key);
            if (order == 0)
            {
                return middle;
            }
            if (order < 0)
            {
                low = middle + 1;
            }
            else
            {
                high = middle - 1;
            }
        }
        return ~low;
    }

    /// <summary>The last chunk whose first key is at or below <paramref name="key"/>, or the first chunk.</summary>
    private int FindChunk(byte[] key)
    {
        int low = 0, high = chunks.Count - 1, found = 0;
        while (low <= high)
        {
            var middle = low + (high - low) / 2;
            if (KeyComparer.Instance.Compare(chunks[middle][0].Key, key) <= 0)
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

    /// <summary>A class, so the apply loop can move a key's address without rewriting its chunk.</summary>
    private sealed class Entry(byte[] key, long headAddress)
    {
        public readonly byte[] Key = key;
        public long HeadAddress = headAddress;
    }
}
