using System.Diagnostics;

namespace Log.StorageNode;

/// <summary>A key of the index and, when known, the FASTER address of its newest head record (0: unknown).</summary>
internal readonly record struct IndexedKey(byte[] Key, long HeadAddress);

/// <summary>Receives one key of an index snapshot; <paramref name="key"/> is valid only during the call.</summary>
internal delegate void IndexedKeyVisitor(ReadOnlySpan<byte> key, long headAddress);

/// <summary>
/// Every key the replica has ever stored, in unsigned byte order, beside FASTER's hash index (which
/// cannot seek). Keys are only added: a deleted key keeps its place because older snapshots still
/// see it. A sorted list of sorted chunks (a two-level B-tree) keeps inserts cheap and lets a scan
/// seek in O(log n) and copy only the keys it asks for. Thread-safe: one writer (the apply loop)
/// and any number of readers, each call holding the lock only briefly.
/// <para>
/// Each key also carries the address of its newest head record in FASTER's log, so that a scan reads the record
/// there instead of looking it up in FASTER's hash index (a cache miss per key, which was most of a scan's
/// time). FASTER still compares the key at that address, and the apply loop sets the address of a new version
/// before the replica's resolved timestamp passes it, so a read at any timestamp it may serve sees that version.
/// </para>
/// <para>
/// Memory: a chunk packs its keys into one array, less the prefix all of them share (table and index id, and the
/// high bytes of the primary key), beside an array of key ends and one of addresses: about 12 bytes per key plus what
/// differs between neighbours, against some 80 bytes per key when every key was an array and an object of its own
/// (800 MB at 10,000,000 rows). A chunk only appended to at the end of the index is split where the append happened,
/// so a bulk load leaves full chunks. A checkpoint's <see cref="Snapshot"/> shares the chunks instead of copying
/// every key: a shared chunk is copied by the first change after it.
/// </para>
/// </summary>
internal sealed class OrderedKeyIndex : IDisposable
{
    /// <summary>A chunk above this many keys is split in two, which bounds the cost of one insert.</summary>
    internal const int ChunkKeyCountMax = 512;

    private List<Chunk> chunks = [];
    private readonly ReaderWriterLockSlim gate = new(LockRecursionPolicy.NoRecursion);
    private long count;

    public long Count => Interlocked.Read(ref count);

    /// <summary>Bytes the chunks' arrays take (a figure for tests and the log, not a bound).</summary>
    public long ByteCount
    {
        get
        {
            gate.EnterReadLock();
            try
            {
                long total = 0;
                foreach (var chunk in chunks)
                {
                    total += chunk.ByteCount;
                }
                return total;
            }
            finally
            {
                gate.ExitReadLock();
            }
        }
    }

    /// <summary>Adds a key; false when it was already there.</summary>
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
                var first = new ChunkBuilder(key, key, keyCapacity: 1, suffixCapacity: 0);
                first.Append(key, headAddress);
                chunks.Add(first.Chunk);
                Interlocked.Increment(ref count);
                return true;
            }
            var chunkIndex = FindChunk(key);
            var chunk = Writable(chunkIndex);
            var position = chunk.Search(key);
            if (position >= 0)
            {
                chunk.Addresses[position] = headAddress;
                return false;
            }
            position = ~position;
            if (!key.AsSpan().StartsWith(chunk.Prefix))
            {
                // The key falls beside the chunk's keys but not under their shared prefix: re-encode with a shorter one.
                chunk = chunk.WithPrefixFor(key);
                chunks[chunkIndex] = chunk;
            }
            chunk.Insert(position, key, headAddress);
            Interlocked.Increment(ref count);
            if (chunk.Count > ChunkKeyCountMax)
            {
                // Appending at the end of the index (ascending keys, as a bulk load writes them) leaves the chunk full
                // and starts the next; anywhere else the chunk is halved so that both halves take inserts.
                var appended = chunkIndex == chunks.Count - 1 && position == chunk.Count - 1;
                var splitAt = appended ? chunk.Count - 1 : chunk.Count / 2;
                chunks[chunkIndex] = chunk.Range(0, splitAt, spare: !appended);
                chunks.Insert(chunkIndex + 1, chunk.Range(splitAt, chunk.Count - splitAt, spare: true));
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
        gate.EnterWriteLock();
        try
        {
            if (chunks.Count == 0)
            {
                return;
            }
            var chunkIndex = FindChunk(key);
            var position = chunks[chunkIndex].Search(key);
            if (position >= 0 && chunks[chunkIndex].Addresses[position] != headAddress)
            {
                Writable(chunkIndex).Addresses[position] = headAddress;
            }
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
        var entries = new List<IndexedKey>(Math.Min(countMax, ChunkKeyCountMax));
        CopyRange(from, fromInclusive, endExclusive, countMax, entries);
        foreach (var entry in entries)
        {
            destination.Add(entry.Key);
        }
    }

    /// <summary>The same, with the head record address of each key (each key a new array).</summary>
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
            var position = chunks[chunkIndex].Search(from);
            position = position >= 0 ? (fromInclusive ? position : position + 1) : ~position;
            var added = 0;
            while (added < countMax && chunkIndex < chunks.Count)
            {
                var chunk = chunks[chunkIndex];
                for (; position < chunk.Count && added < countMax; position++)
                {
                    if (endExclusive is not null && chunk.Compare(position, endExclusive) >= 0)
                    {
                        return;
                    }
                    destination.Add(new IndexedKey(chunk.CopyKey(position), chunk.Addresses[position]));
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
                position = chunks[chunkIndex].Search(endExclusive);
                position = position >= 0 ? position - 1 : ~position - 1;
            }
            var added = 0;
            while (added < countMax && chunkIndex >= 0)
            {
                var chunk = chunks[chunkIndex];
                for (; position >= 0 && added < countMax; position--)
                {
                    if (chunk.Compare(position, startInclusive) < 0)
                    {
                        return;
                    }
                    destination.Add(new IndexedKey(chunk.CopyKey(position), chunk.Addresses[position]));
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

    /// <summary>The index as it is now (a checkpoint takes this while applying is paused). It shares the chunks, so it
    /// costs nothing per key; the index copies a shared chunk before it changes it.</summary>
    public IndexSnapshot Snapshot()
    {
        gate.EnterWriteLock();
        try
        {
            foreach (var chunk in chunks)
            {
                chunk.Shared = true;
            }
            return new IndexSnapshot([.. chunks], Count);
        }
        finally
        {
            gate.ExitWriteLock();
        }
    }

    /// <summary>Replaces the contents of an empty index with <paramref name="loaded"/>'s (built by
    /// <see cref="SortedLoader"/>), which must not be used afterwards.</summary>
    public void Load(OrderedKeyIndex loaded)
    {
        gate.EnterWriteLock();
        try
        {
            if (chunks.Count != 0)
            {
                throw new InvalidOperationException("Only an empty index can be loaded.");
            }
            chunks = loaded.chunks;
            loaded.chunks = [];
            Interlocked.Exchange(ref count, Interlocked.Exchange(ref loaded.count, 0));
            loaded.Dispose();
        }
        finally
        {
            gate.ExitWriteLock();
        }
    }

    /// <summary>Fills an empty index with <paramref name="sorted"/> (strictly ascending).</summary>
    public void Load(IEnumerable<IndexedKey> sorted)
    {
        var loader = new SortedLoader();
        foreach (var key in sorted)
        {
            loader.Append(key.Key, key.HeadAddress);
        }
        Load(loader.Finish());
    }

    /// <summary>Forgets every head address outside [<paramref name="beginInclusive"/>, <paramref name="endExclusive"/>):
    /// those keys are then read by a lookup in FASTER's hash index.</summary>
    public void ForgetAddressesOutside(long beginInclusive, long endExclusive)
    {
        gate.EnterWriteLock();
        try
        {
            for (var chunkIndex = 0; chunkIndex < chunks.Count; chunkIndex++)
            {
                var addresses = chunks[chunkIndex].Addresses;
                for (var position = 0; position < chunks[chunkIndex].Count; position++)
                {
                    if (addresses[position] != 0 && (addresses[position] < beginInclusive || addresses[position] >= endExclusive))
                    {
                        Writable(chunkIndex).Addresses[position] = 0;
                        addresses = chunks[chunkIndex].Addresses;
                    }
                }
            }
        }
        finally
        {
            gate.ExitWriteLock();
        }
    }

    /// <summary>Every key of the index in order, as spans (tests).</summary>
    internal void ForEach(IndexedKeyVisitor visit) => Snapshot().ForEach(visit);

    /// <summary>The chunk at <paramref name="chunkIndex"/>, copied first when a snapshot shares it.</summary>
    private Chunk Writable(int chunkIndex)
    {
        var chunk = chunks[chunkIndex];
        if (chunk.Shared)
        {
            chunk = chunk.Range(0, chunk.Count, spare: false);
            chunks[chunkIndex] = chunk;
        }
        return chunk;
    }

    /// <summary>The last chunk whose first key is at or below <paramref name="key"/>, or the first chunk.</summary>
    private int FindChunk(ReadOnlySpan<byte> key)
    {
        int low = 0, high = chunks.Count - 1, found = 0;
        while (low <= high)
        {
            var middle = low + (high - low) / 2;
            if (chunks[middle].Compare(0, key) <= 0)
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

    /// <summary>The keys of an index at one instant, shared with it (see <see cref="Snapshot"/>).</summary>
    internal sealed class IndexSnapshot(IReadOnlyList<Chunk> chunks, long count)
    {
        public long Count { get; } = count;

        /// <summary>Hands every key with its address to <paramref name="visit"/>, in order.</summary>
        public void ForEach(IndexedKeyVisitor visit)
        {
            var key = new byte[256];
            foreach (var chunk in chunks)
            {
                for (var position = 0; position < chunk.Count; position++)
                {
                    var length = chunk.KeyLength(position);
                    if (length > key.Length)
                    {
                        key = new byte[Math.Max(length, key.Length * 2)];
                    }
                    chunk.CopyKeyTo(position, key);
                    visit(key.AsSpan(0, length), chunk.Addresses[position]);
                }
            }
        }
    }

    /// <summary>Builds an index from keys given in strictly ascending order (a key file), in full chunks. The keys of
    /// the chunk being filled wait back to back in one reused buffer: loading allocates per chunk, not per key.</summary>
    internal sealed class SortedLoader
    {
        private readonly OrderedKeyIndex index = new();
        private readonly int[] ends = new int[ChunkKeyCountMax];
        private readonly long[] addresses = new long[ChunkKeyCountMax];
        private byte[] pendingKeys = new byte[ChunkKeyCountMax * 32];
        private int pendingCount;
        private byte[] lastKey = [];
        private bool any;

        /// <summary>Adds the next key; false (and nothing added) when it is not above the previous one.</summary>
        public bool Append(ReadOnlySpan<byte> key, long headAddress)
        {
            if (any && key.SequenceCompareTo(Last) <= 0)
            {
                return false;
            }
            var start = pendingCount == 0 ? 0 : ends[pendingCount - 1];
            if (start + key.Length > pendingKeys.Length)
            {
                Array.Resize(ref pendingKeys, Math.Max(start + key.Length, pendingKeys.Length * 2));
            }
            key.CopyTo(pendingKeys.AsSpan(start));
            ends[pendingCount] = start + key.Length;
            addresses[pendingCount] = headAddress;
            pendingCount++;
            any = true;
            if (pendingCount == ChunkKeyCountMax)
            {
                Flush();
            }
            return true;
        }

        /// <summary>The key appended last: in the pending buffer, or kept from the chunk flushed last.</summary>
        private ReadOnlySpan<byte> Last => pendingCount == 0 ? lastKey : PendingKey(pendingCount - 1);

        private ReadOnlySpan<byte> PendingKey(int position)
        {
            var start = position == 0 ? 0 : ends[position - 1];
            return pendingKeys.AsSpan(start, ends[position] - start);
        }

        public OrderedKeyIndex Finish()
        {
            Flush();
            return index;
        }

        private void Flush()
        {
            if (pendingCount == 0)
            {
                return;
            }
            var first = PendingKey(0);
            var last = PendingKey(pendingCount - 1);
            var prefixLength = CommonPrefixLength(first, last);
            var builder = new ChunkBuilder(first, last, pendingCount, ends[pendingCount - 1] - prefixLength * pendingCount);
            for (var position = 0; position < pendingCount; position++)
            {
                builder.Append(PendingKey(position), addresses[position]);
            }
            index.chunks.Add(builder.Chunk);
            index.count += pendingCount;
            lastKey = last.ToArray();
            pendingCount = 0;
        }
    }

    internal static int CommonPrefixLength(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right) => left.CommonPrefixLength(right);

    /// <summary>
    /// Up to <see cref="ChunkKeyCountMax"/> + 1 keys in ascending order, stored as the prefix they all share and their
    /// suffixes back to back in one array. Changed only by the index's writer under its write lock, and never while
    /// <see cref="Shared"/> (a snapshot reads it without the lock).
    /// </summary>
    internal sealed class Chunk
    {
        public required byte[] Prefix;
        public required byte[] Suffixes;
        /// <summary>Where each key's suffix ends in <see cref="Suffixes"/>; it starts where the previous one ends.</summary>
        public required int[] Ends;
        public required long[] Addresses;
        public int Count;
        public bool Shared;

        public long ByteCount => Prefix.Length + Suffixes.Length + Ends.Length * sizeof(int) + Addresses.Length * sizeof(long);

        private int SuffixStart(int position) => position == 0 ? 0 : Ends[position - 1];

        public int SuffixBytes => Count == 0 ? 0 : Ends[Count - 1];

        public ReadOnlySpan<byte> Suffix(int position) => Suffixes.AsSpan(SuffixStart(position), Ends[position] - SuffixStart(position));

        public int KeyLength(int position) => Prefix.Length + Ends[position] - SuffixStart(position);

        public void CopyKeyTo(int position, Span<byte> destination)
        {
            Prefix.CopyTo(destination);
            Suffix(position).CopyTo(destination[Prefix.Length..]);
        }

        public byte[] CopyKey(int position)
        {
            var key = new byte[KeyLength(position)];
            CopyKeyTo(position, key);
            return key;
        }

        /// <summary>The order of the key at <paramref name="position"/> against <paramref name="key"/>.</summary>
        public int Compare(int position, ReadOnlySpan<byte> key)
        {
            var prefixLength = Math.Min(Prefix.Length, key.Length);
            var order = Prefix.AsSpan(0, prefixLength).SequenceCompareTo(key[..prefixLength]);
            if (order != 0)
            {
                return order;
            }
            if (key.Length < Prefix.Length)
            {
                return 1; // the key is a proper prefix of the chunk's prefix
            }
            return Suffix(position).SequenceCompareTo(key[Prefix.Length..]);
        }

        /// <summary>The position of <paramref name="key"/>, or the complement of where it would go.</summary>
        public int Search(ReadOnlySpan<byte> key)
        {
            var prefixLength = Math.Min(Prefix.Length, key.Length);
            var prefixOrder = Prefix.AsSpan(0, prefixLength).SequenceCompareTo(key[..prefixLength]);
            if (prefixOrder != 0 || key.Length < Prefix.Length)
            {
                // Not under the shared prefix: before every key of the chunk or after every one.
                return prefixOrder > 0 || (prefixOrder == 0 && key.Length < Prefix.Length) ? ~0 : ~Count;
            }
            var suffix = key[Prefix.Length..];
            int low = 0, high = Count - 1;
            while (low <= high)
            {
                var middle = low + (high - low) / 2;
                var order = Suffix(middle).SequenceCompareTo(suffix);
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

        /// <summary>Inserts <paramref name="key"/> (which starts with the prefix) at <paramref name="position"/>.</summary>
        public void Insert(int position, byte[] key, long headAddress)
        {
            Debug.Assert(!Shared && key.AsSpan().StartsWith(Prefix));
            var suffix = key.AsSpan(Prefix.Length);
            var used = SuffixBytes;
            if (used + suffix.Length > Suffixes.Length)
            {
                Array.Resize(ref Suffixes, Math.Max(used + suffix.Length, Suffixes.Length * 2));
            }
            if (Count == Ends.Length)
            {
                var capacity = Math.Min(Math.Max(4, Count * 2), ChunkKeyCountMax + 1);
                Array.Resize(ref Ends, capacity);
                Array.Resize(ref Addresses, capacity);
            }
            var start = SuffixStart(position);
            Suffixes.AsSpan(start, used - start).CopyTo(Suffixes.AsSpan(start + suffix.Length));
            suffix.CopyTo(Suffixes.AsSpan(start));
            for (var index = Count; index > position; index--)
            {
                Ends[index] = Ends[index - 1] + suffix.Length;
                Addresses[index] = Addresses[index - 1];
            }
            Ends[position] = start + suffix.Length;
            Addresses[position] = headAddress;
            Count++;
        }

        /// <summary>A new chunk of the keys [<paramref name="start"/>, start + <paramref name="length"/>), under the
        /// longest prefix they share; with room for more keys when <paramref name="spare"/>.</summary>
        public Chunk Range(int start, int length, bool spare)
        {
            Debug.Assert(length > 0);
            var first = CopyKey(start);
            var last = CopyKey(start + length - 1);
            var prefixLength = CommonPrefixLength(first, last);
            var suffixBytes = Ends[start + length - 1] - SuffixStart(start) - (prefixLength - Prefix.Length) * length;
            var builder = new ChunkBuilder(first, last, spare ? Math.Min(length * 2, ChunkKeyCountMax + 1) : length,
                spare ? suffixBytes * 2 : suffixBytes);
            var key = new byte[256];
            for (var position = start; position < start + length; position++)
            {
                var keyLength = KeyLength(position);
                if (keyLength > key.Length)
                {
                    key = new byte[Math.Max(keyLength, key.Length * 2)];
                }
                CopyKeyTo(position, key);
                builder.Append(key.AsSpan(0, keyLength), Addresses[position]);
            }
            return builder.Chunk;
        }

        /// <summary>This chunk's keys under the prefix they share with <paramref name="key"/>, with room for it.</summary>
        public Chunk WithPrefixFor(byte[] key)
        {
            var prefixLength = CommonPrefixLength(Prefix, key);
            var builder = new ChunkBuilder(Prefix.AsSpan(0, prefixLength).ToArray(), key, Count + 1,
                SuffixBytes + (Prefix.Length - prefixLength) * Count + key.Length - prefixLength);
            var buffer = new byte[256];
            for (var position = 0; position < Count; position++)
            {
                var keyLength = KeyLength(position);
                if (keyLength > buffer.Length)
                {
                    buffer = new byte[Math.Max(keyLength, buffer.Length * 2)];
                }
                CopyKeyTo(position, buffer);
                builder.Append(buffer.AsSpan(0, keyLength), Addresses[position], checkOrder: false);
            }
            return builder.Chunk;
        }
    }

    /// <summary>Writes a chunk's keys in order under the prefix that <c>first</c> and <c>last</c> share.</summary>
    private struct ChunkBuilder
    {
        public readonly Chunk Chunk;

        public ChunkBuilder(ReadOnlySpan<byte> first, ReadOnlySpan<byte> last, int keyCapacity, int suffixCapacity)
        {
            Chunk = new Chunk
            {
                Prefix = first[..CommonPrefixLength(first, last)].ToArray(),
                Suffixes = new byte[suffixCapacity],
                Ends = new int[keyCapacity],
                Addresses = new long[keyCapacity],
            };
        }

        public readonly void Append(ReadOnlySpan<byte> key, long headAddress, bool checkOrder = true)
        {
            var chunk = Chunk;
            Debug.Assert(key.StartsWith(chunk.Prefix));
            Debug.Assert(!checkOrder || chunk.Count == 0 || chunk.Compare(chunk.Count - 1, key) < 0);
            var suffix = key[chunk.Prefix.Length..];
            var start = chunk.SuffixBytes;
            if (start + suffix.Length > chunk.Suffixes.Length)
            {
                Array.Resize(ref chunk.Suffixes, Math.Max(start + suffix.Length, chunk.Suffixes.Length * 2));
            }
            if (chunk.Count == chunk.Ends.Length)
            {
                Array.Resize(ref chunk.Ends, chunk.Count + 1);
                Array.Resize(ref chunk.Addresses, chunk.Count + 1);
            }
            suffix.CopyTo(chunk.Suffixes.AsSpan(start));
            chunk.Ends[chunk.Count] = start + suffix.Length;
            chunk.Addresses[chunk.Count] = headAddress;
            chunk.Count++;
        }
    }
}
