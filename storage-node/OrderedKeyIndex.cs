using System.Diagnostics;
using Log.Journal.Records;

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
/// differs between neighbours. A chunk only appended to at the end of the index is split where the append happened,
/// so a bulk load leaves full chunks. A checkpoint's <see cref="Snapshot"/> shares the chunks instead of copying
/// every key: a shared chunk is copied by the first change after it.
/// </para>
/// <para>
/// Pages: each chunk is a <see cref="Page"/> of the checkpoint's key file (<see cref="KeyFile"/>). Only the pages'
/// directory (first key, place in the file) always stays in memory; a page is read when a scan or an insert touches
/// it, and a clean page (the same as in the newest key file) leaves memory when the resident pages pass
/// <see cref="CacheBytesMax"/> (a clock: a page touched since the hand last passed gets another turn). A changed page
/// is dirty and stays until the next checkpoint writes it (<see cref="Rebase"/>).
/// </para>
/// </summary>
internal sealed class OrderedKeyIndex : IDisposable
{
    /// <summary>A chunk above this many keys is split in two, which bounds the cost of one insert.</summary>
    internal const int ChunkKeyCountMax = 512;

    private List<Page> pages = [];
    private readonly ReaderWriterLockSlim gate = new(LockRecursionPolicy.NoRecursion);
    // Serialises a page's coming into and leaving memory among readers (the writer holds the write lock instead).
    private readonly Lock cacheGate = new();
    // The key files pages are read from: the newest written or recovered, and any an older snapshot still reads.
    private List<KeyPageSource> sources = [];
    private long count;
    private long residentBytes;
    // The part of residentBytes in clean pages, which eviction may take back (dirty pages wait for a checkpoint).
    private long cleanResidentBytes;
    private int clockHand;
    private long pageReads;

    public long Count => Interlocked.Read(ref count);

    /// <summary>Bytes of pages in memory above which clean pages are evicted (dirty pages stay until a checkpoint).</summary>
    public long CacheBytesMax { get; set; } = long.MaxValue;

    /// <summary>Bytes the resident chunks' arrays take (a figure for tests and the log; dirty pages may exceed
    /// <see cref="CacheBytesMax"/> until the next checkpoint).</summary>
    public long ByteCount => Interlocked.Read(ref residentBytes);

    /// <summary>Pages read from key files since the start (tests, the log).</summary>
    public long PageReads => Interlocked.Read(ref pageReads);

    /// <summary>Pages of the index, and how many of them are in memory (tests).</summary>
    internal (int Pages, int Resident) PageCounts()
    {
        gate.EnterReadLock();
        try
        {
            return (pages.Count, pages.Count(page => Volatile.Read(ref page.Resident) is not null));
        }
        finally
        {
            gate.ExitReadLock();
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
            if (pages.Count == 0)
            {
                var first = new ChunkBuilder(key, key, keyCapacity: 1, suffixCapacity: 0);
                first.Append(key, headAddress);
                pages.Add(NewPage(first.Chunk));
                Interlocked.Increment(ref count);
                return true;
            }
            var chunkIndex = FindChunk(key);
            var page = pages[chunkIndex];
            var chunk = Writable(chunkIndex);
            var position = chunk.Search(key);
            if (position >= 0)
            {
                chunk.Addresses[position] = headAddress;
                Account(page);
                return false;
            }
            position = ~position;
            if (!key.AsSpan().StartsWith(chunk.Prefix))
            {
                // The key falls beside the chunk's keys but not under their shared prefix: re-encode with a shorter one.
                chunk = chunk.WithPrefixFor(key);
                page.Resident = chunk;
            }
            chunk.Insert(position, key, headAddress);
            if (position == 0)
            {
                page.FirstKey = key.ToArray();
            }
            Interlocked.Increment(ref count);
            if (chunk.Count > ChunkKeyCountMax)
            {
                // Appending at the end of the index (ascending keys, as a bulk load writes them) leaves the chunk full
                // and starts the next; anywhere else the chunk is halved so that both halves take inserts.
                var appended = chunkIndex == pages.Count - 1 && position == chunk.Count - 1;
                var splitAt = appended ? chunk.Count - 1 : chunk.Count / 2;
                page.Resident = chunk.Range(0, splitAt, spare: !appended);
                var second = NewPage(chunk.Range(splitAt, chunk.Count - splitAt, spare: true));
                pages.Insert(chunkIndex + 1, second);
            }
            Account(page);
            EvictWhileOver();
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
            if (pages.Count == 0)
            {
                return;
            }
            var chunkIndex = FindChunk(key);
            var chunk = Resident(chunkIndex);
            var position = chunk.Search(key);
            if (position >= 0 && chunk.Addresses[position] != headAddress)
            {
                Writable(chunkIndex).Addresses[position] = headAddress;
            }
        }
        finally
        {
            gate.ExitWriteLock();
        }
    }

    /// <summary>Appends to <paramref name="destination"/> each of <paramref name="keys"/> (the caller's arrays, in their
    /// order) with the address of its head record: 0 when the index does not hold the key or knows no address for it.
    /// One hold of the read lock for the whole list (a batch of point reads).
    /// <para>
    /// The keys are looked up in their order, sorted first unless they already are, walking the index forward once:
    /// each key's chunk is searched for from the previous key's, in steps that double (1, 2, 4 ... chunks ahead), and
    /// a key in the same chunk as the previous one costs one comparison. A binary search of the whole directory of
    /// chunks for every key read a dozen first keys from scattered arrays (a cache miss each), which was most of a key
    /// lookup join's time in storage.
    /// </para></summary>
    public void FindHeadAddresses(IReadOnlyList<byte[]> keys, List<IndexedKey> destination)
    {
        var start = destination.Count;
        var sorted = new byte[keys.Count][];
        var order = new int[keys.Count];
        var ascending = true;
        for (var index = 0; index < sorted.Length; index++)
        {
            sorted[index] = keys[index];
            order[index] = index;
            destination.Add(new IndexedKey(keys[index], 0));
            ascending &= index == 0 || KeyComparer.Instance.Compare(sorted[index - 1], sorted[index]) <= 0;
        }
        if (!ascending)
        {
            Array.Sort(sorted, order, KeyComparer.Instance);
        }
        gate.EnterReadLock();
        try
        {
            if (pages.Count == 0)
            {
                return;
            }
            int chunkIndex = -1;
            Chunk? chunk = null;
            for (var index = 0; index < sorted.Length; index++)
            {
                var key = sorted[index];
                var found = chunkIndex < 0 ? FindChunk(key) : FindChunkFrom(chunkIndex, key);
                if (found != chunkIndex)
                {
                    chunkIndex = found;
                    chunk = Resident(chunkIndex);
                }
                var position = chunk!.SearchFromEstimate(key);
                if (position >= 0)
                {
                    destination[start + order[index]] = new IndexedKey(key, chunk.Addresses[position]);
                }
            }
        }
        finally
        {
            gate.ExitReadLock();
        }
    }

    /// <summary>The chunk <see cref="FindChunk"/> finds for <paramref name="key"/>, given that it is not before
    /// <paramref name="from"/> (the chunk of a key at or below this one): searched ahead in doubling steps, then by
    /// halves within the last step.</summary>
    private int FindChunkFrom(int from, ReadOnlySpan<byte> key)
    {
        int found = from, step = 1;
        while (found + step < pages.Count && pages[found + step].FirstKey.AsSpan().SequenceCompareTo(key) <= 0)
        {
            found += step;
            step *= 2;
        }
        return SearchChunks(key, found + 1, Math.Min(found + step, pages.Count) - 1, found);
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
    public void CopyRange(byte[] from, bool fromInclusive, byte[]? endExclusive, int countMax, List<IndexedKey> destination) =>
        CopyRange(from, fromInclusive, endExclusive, countMax, new ToList(destination));

    /// <summary>The same into a scan's <see cref="KeyBatch"/>: the keys' bytes are copied into the batch's own arrays,
    /// no array per key.</summary>
    public void CopyRange(byte[] from, bool fromInclusive, byte[]? endExclusive, int countMax, KeyBatch destination) =>
        CopyRange(from, fromInclusive, endExclusive, countMax, new ToBatch(destination));

    /// <summary>Where a range's keys go: a struct, so that each destination has its own compiled copy of the loops below
    /// and the per-key call is inlined.</summary>
    private interface IRangeDestination
    {
        void Add(Chunk chunk, int position);
    }

    private readonly struct ToList(List<IndexedKey> list) : IRangeDestination
    {
        public void Add(Chunk chunk, int position) => list.Add(new IndexedKey(chunk.CopyKey(position), chunk.Addresses[position]));
    }

    private readonly struct ToBatch(KeyBatch batch) : IRangeDestination
    {
        public void Add(Chunk chunk, int position) => batch.Add(chunk.Prefix, chunk.Suffix(position), chunk.Addresses[position]);
    }

    private void CopyRange<TDestination>(byte[] from, bool fromInclusive, byte[]? endExclusive, int countMax, TDestination destination)
        where TDestination : struct, IRangeDestination
    {
        gate.EnterReadLock();
        try
        {
            if (pages.Count == 0)
            {
                return;
            }
            var chunkIndex = FindChunk(from);
            var chunk = Resident(chunkIndex);
            var position = chunk.Search(from);
            position = position >= 0 ? (fromInclusive ? position : position + 1) : ~position;
            var added = 0;
            while (added < countMax)
            {
                // A chunk whose last key is below the end is taken without comparing each key with the end: a scan of a
                // whole table compares once a chunk, not once a key.
                var bounded = endExclusive is not null && chunk.Count > 0 && chunk.Compare(chunk.Count - 1, endExclusive) >= 0;
                for (; position < chunk.Count && added < countMax; position++)
                {
                    if (bounded && chunk.Compare(position, endExclusive) >= 0)
                    {
                        return;
                    }
                    destination.Add(chunk, position);
                    added++;
                }
                if (++chunkIndex == pages.Count || added == countMax
                    || (endExclusive is not null && pages[chunkIndex].FirstKey.AsSpan().SequenceCompareTo(endExclusive) >= 0))
                {
                    return;
                }
                chunk = Resident(chunkIndex);
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
    public void CopyRangeBackward(byte[] startInclusive, byte[]? endExclusive, int countMax, List<IndexedKey> destination) =>
        CopyRangeBackward(startInclusive, endExclusive, countMax, new ToList(destination));

    /// <summary>The same into a scan's <see cref="KeyBatch"/>.</summary>
    public void CopyRangeBackward(byte[] startInclusive, byte[]? endExclusive, int countMax, KeyBatch destination) =>
        CopyRangeBackward(startInclusive, endExclusive, countMax, new ToBatch(destination));

    private void CopyRangeBackward<TDestination>(byte[] startInclusive, byte[]? endExclusive, int countMax, TDestination destination)
        where TDestination : struct, IRangeDestination
    {
        gate.EnterReadLock();
        try
        {
            if (pages.Count == 0)
            {
                return;
            }
            int chunkIndex, position;
            Chunk chunk;
            if (endExclusive is null)
            {
                chunkIndex = pages.Count - 1;
                chunk = Resident(chunkIndex);
                position = chunk.Count - 1;
            }
            else
            {
                chunkIndex = FindChunk(endExclusive);
                chunk = Resident(chunkIndex);
                position = chunk.Search(endExclusive);
                position = position >= 0 ? position - 1 : ~position - 1;
            }
            var added = 0;
            while (added < countMax)
            {
                for (; position >= 0 && added < countMax; position--)
                {
                    if (chunk.Compare(position, startInclusive) < 0)
                    {
                        return;
                    }
                    destination.Add(chunk, position);
                    added++;
                }
                if (--chunkIndex < 0 || added == countMax)
                {
                    return;
                }
                chunk = Resident(chunkIndex);
                position = chunk.Count - 1;
            }
        }
        finally
        {
            gate.ExitReadLock();
        }
    }

    /// <summary>The index as it is now (a checkpoint takes this while applying is paused). It shares the resident
    /// chunks and names the stored pages, so it costs nothing per key; the index copies a shared chunk before it
    /// changes it.</summary>
    public IndexSnapshot Snapshot()
    {
        gate.EnterWriteLock();
        try
        {
            var entries = new SnapshotPage[pages.Count];
            for (var index = 0; index < pages.Count; index++)
            {
                var page = pages[index];
                if (page.Resident is { } chunk)
                {
                    chunk.Shared = true;
                }
                entries[index] = new SnapshotPage(page, page.Resident, page.Stored, page.Changes);
            }
            return new IndexSnapshot(entries, Count);
        }
        finally
        {
            gate.ExitWriteLock();
        }
    }

    /// <summary>After <paramref name="snapshot"/> was written to the key file at <paramref name="path"/> (its pages at
    /// <paramref name="written"/>, in the snapshot's order): every page unchanged since the snapshot is clean again,
    /// stored in that file, and may leave memory; the key files read before are closed.</summary>
    public void Rebase(IndexSnapshot snapshot, string path, IReadOnlyList<KeyFile.PageEntry> written)
    {
        var source = KeyPageSource.Open(path, addressWindow: null);
        gate.EnterWriteLock();
        try
        {
            for (var index = 0; index < snapshot.Pages.Count; index++)
            {
                var entry = snapshot.Pages[index];
                var page = entry.Page;
                if (page.Changes == entry.Changes)
                {
                    if (page.Stored is null && page.Resident is not null)
                    {
                        cleanResidentBytes += page.ResidentBytes;
                    }
                    page.Stored = new PageLocation(source, written[index]);
                }
            }
            // Every page still in the index is now either stored in the new file or dirty (never read from a file).
            foreach (var old in sources)
            {
                old.Dispose();
            }
            sources = [source];
            EvictWhileOver();
        }
        finally
        {
            gate.ExitWriteLock();
        }
    }

    /// <summary>Replaces the contents of an empty index with <paramref name="loaded"/>'s (built by
    /// <see cref="SortedLoader"/> or read from a key file), which must not be used afterwards.</summary>
    public void Load(OrderedKeyIndex loaded)
    {
        gate.EnterWriteLock();
        try
        {
            if (pages.Count != 0)
            {
                throw new InvalidOperationException("Only an empty index can be loaded.");
            }
            pages = loaded.pages;
            sources = loaded.sources;
            loaded.pages = [];
            loaded.sources = [];
            Interlocked.Exchange(ref count, Interlocked.Exchange(ref loaded.count, 0));
            Interlocked.Exchange(ref residentBytes, Interlocked.Exchange(ref loaded.residentBytes, 0));
            cleanResidentBytes = loaded.cleanResidentBytes;
            loaded.Dispose();
            EvictWhileOver();
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

    /// <summary>An index of the pages of a key file (none read yet), for <see cref="Load(OrderedKeyIndex)"/>.</summary>
    internal static OrderedKeyIndex FromDirectory(KeyPageSource source, IReadOnlyList<KeyFile.PageEntry> directory, long keyCount)
    {
        var index = new OrderedKeyIndex();
        foreach (var entry in directory)
        {
            index.pages.Add(new Page { FirstKey = entry.FirstKey, Stored = new PageLocation(source, entry) });
        }
        index.sources.Add(source);
        index.count = keyCount;
        return index;
    }

    /// <summary>Forgets every head address outside [<paramref name="beginInclusive"/>, <paramref name="endExclusive"/>):
    /// those keys are then read by a lookup in FASTER's hash index. Pages still in a key file forget them as they are
    /// read.</summary>
    public void ForgetAddressesOutside(long beginInclusive, long endExclusive)
    {
        gate.EnterWriteLock();
        try
        {
            foreach (var source in sources)
            {
                source.AddressWindow = (beginInclusive, endExclusive);
            }
            for (var chunkIndex = 0; chunkIndex < pages.Count; chunkIndex++)
            {
                if (pages[chunkIndex].Resident is not { } chunk)
                {
                    continue;
                }
                for (var position = 0; position < chunk.Count; position++)
                {
                    var address = chunk.Addresses[position];
                    if (address != 0 && (address < beginInclusive || address >= endExclusive))
                    {
                        chunk = Writable(chunkIndex);
                        chunk.Addresses[position] = 0;
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

    private Page NewPage(Chunk chunk)
    {
        var page = new Page { FirstKey = chunk.CopyKey(0), Resident = chunk };
        Account(page);
        return page;
    }

    /// <summary>The chunk of the page at <paramref name="chunkIndex"/>, read from its key file when not in memory.
    /// Under the read lock or the write lock.</summary>
    private Chunk Resident(int chunkIndex)
    {
        var page = pages[chunkIndex];
        page.Referenced = true;
        if (Volatile.Read(ref page.Resident) is { } resident)
        {
            return resident;
        }
        var location = page.Stored ?? throw new InvalidOperationException("An ordered index page is neither in memory nor in a key file.");
        var chunk = location.Source.ReadPage(location.Entry);
        Interlocked.Increment(ref pageReads);
        lock (cacheGate)
        {
            if (page.Resident is { } raced)
            {
                return raced;
            }
            Volatile.Write(ref page.Resident, chunk);
            page.ResidentBytes = chunk.ByteCount;
            Interlocked.Add(ref residentBytes, page.ResidentBytes);
            cleanResidentBytes += page.ResidentBytes;
            EvictWhileOverLocked(keep: page);
        }
        return chunk;
    }

    /// <summary>The chunk at <paramref name="chunkIndex"/>, copied first when a snapshot shares it; its page is dirty
    /// from now on. Under the write lock.</summary>
    private Chunk Writable(int chunkIndex)
    {
        var chunk = Resident(chunkIndex);
        var page = pages[chunkIndex];
        page.Changes++;
        if (page.Stored is not null)
        {
            page.Stored = null;
            lock (cacheGate)
            {
                cleanResidentBytes -= page.ResidentBytes;
            }
        }
        if (chunk.Shared)
        {
            chunk = chunk.Range(0, chunk.Count, spare: false);
            page.Resident = chunk;
            Account(page);
        }
        return chunk;
    }

    /// <summary>Counts the bytes of a page the writer changed. Under the write lock.</summary>
    private void Account(Page page)
    {
        var bytes = page.Resident?.ByteCount ?? 0;
        Interlocked.Add(ref residentBytes, bytes - page.ResidentBytes);
        page.ResidentBytes = bytes;
    }

    private void EvictWhileOver()
    {
        lock (cacheGate)
        {
            EvictWhileOverLocked();
        }
    }

    /// <summary>Evicts clean pages the clock hand finds untouched since its last turn, until the resident pages fit
    /// <see cref="CacheBytesMax"/> or two turns found nothing more to evict. Under <see cref="cacheGate"/>, with the
    /// read or write lock held (the list of pages does not change).</summary>
    private void EvictWhileOverLocked(Page? keep = null)
    {
        for (var step = 0; Interlocked.Read(ref residentBytes) > CacheBytesMax && cleanResidentBytes > 0 && step < 2 * pages.Count; step++)
        {
            if (clockHand >= pages.Count)
            {
                clockHand = 0;
            }
            var page = pages[clockHand++];
            if (page.Resident is null || page.Stored is null || page == keep)
            {
                continue;
            }
            if (page.Referenced)
            {
                page.Referenced = false;
                continue;
            }
            Volatile.Write(ref page.Resident, null);
            Interlocked.Add(ref residentBytes, -page.ResidentBytes);
            cleanResidentBytes -= page.ResidentBytes;
            page.ResidentBytes = 0;
        }
    }

    /// <summary>The last chunk whose first key is at or below <paramref name="key"/>, or the first chunk.</summary>
    private int FindChunk(ReadOnlySpan<byte> key) => SearchChunks(key, 0, pages.Count - 1, found: 0);

    /// <summary>The last chunk from <paramref name="low"/> to <paramref name="high"/> whose first key is at or below
    /// <paramref name="key"/>, by halves, or <paramref name="found"/> when none is.</summary>
    private int SearchChunks(ReadOnlySpan<byte> key, int low, int high, int found)
    {
        while (low <= high)
        {
            var middle = low + (high - low) / 2;
            if (pages[middle].FirstKey.AsSpan().SequenceCompareTo(key) <= 0)
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

    public void Dispose()
    {
        foreach (var source in sources)
        {
            source.Dispose();
        }
        sources = [];
        gate.Dispose();
    }

    /// <summary>
    /// One chunk of the index: its first key always, its keys when in memory (<see cref="Resident"/>), and where a key
    /// file holds them when they are the same as there (<see cref="Stored"/>; null: dirty). Fields change under the
    /// index's write lock, except <see cref="Resident"/> of a clean page, which readers set and clear under the cache
    /// lock, and <see cref="Referenced"/>, a hint.
    /// </summary>
    internal sealed class Page
    {
        public required byte[] FirstKey;
        public Chunk? Resident;
        public long ResidentBytes;
        public PageLocation? Stored;
        /// <summary>Counts the writer's changes, so that <see cref="Rebase"/> knows a page it snapshotted is unchanged.</summary>
        public long Changes;
        public bool Referenced;
    }

    internal sealed record PageLocation(KeyPageSource Source, KeyFile.PageEntry Entry);

    /// <summary>A page as a snapshot took it: its chunk when it was in memory, else where it was stored.</summary>
    internal readonly record struct SnapshotPage(Page Page, Chunk? Chunk, PageLocation? Stored, long Changes)
    {
        /// <summary>The page's keys as the snapshot saw them (read again from the key file when not in memory).</summary>
        public Chunk Read() => Chunk ?? Stored!.Source.ReadPage(Stored.Entry);
    }

    /// <summary>The keys of an index at one instant, shared with it (see <see cref="Snapshot"/>).</summary>
    internal sealed class IndexSnapshot(IReadOnlyList<SnapshotPage> pages, long count)
    {
        public long Count { get; } = count;

        internal IReadOnlyList<SnapshotPage> Pages { get; } = pages;

        /// <summary>Hands every key with its address to <paramref name="visit"/>, in order.</summary>
        public void ForEach(IndexedKeyVisitor visit)
        {
            var key = new byte[256];
            foreach (var page in Pages)
            {
                var chunk = page.Read();
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
            index.pages.Add(index.NewPage(builder.Chunk));
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
            return SearchBetween(key[Prefix.Length..], 0, Count - 1);
        }

        /// <summary>The position of <paramref name="suffix"/> by halves between <paramref name="low"/> and
        /// <paramref name="high"/> (every suffix before low is below it, every one after high above), or the complement of
        /// where it would go.</summary>
        private int SearchBetween(ReadOnlySpan<byte> suffix, int low, int high)
        {
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

        /// <summary>Keys below which <see cref="SearchFromEstimate"/> searches by halves: a few probes either way.</summary>
        private const int EstimateCountMin = 16;

        /// <summary>
        /// The same as <see cref="Search"/>, started where the key's leading bytes put it between the chunk's first and
        /// last keys (read as big-endian numbers), then widened in doubling steps until the key is bracketed and searched
        /// by halves within the bracket. A table's keys are mostly dense integers under the chunk's prefix, so the first
        /// probe is the key's own place or next to it: two or three probes of the chunk's arrays (a cache miss each, for a
        /// batch of point reads spread over the table) instead of the nine of a search by halves. Keys that are not spread
        /// evenly cost at most about twice a search by halves; the answer is the same whatever the estimate.
        /// </summary>
        public int SearchFromEstimate(ReadOnlySpan<byte> key)
        {
            if (Count < EstimateCountMin || key.Length < Prefix.Length || !key.StartsWith(Prefix))
            {
                return Search(key);
            }
            var suffix = key[Prefix.Length..];
            ulong first = Leading(Suffix(0)), last = Leading(Suffix(Count - 1)), wanted = Leading(suffix);
            if (wanted <= first || wanted >= last)
            {
                return Search(key);
            }
            var guess = (int)((double)(wanted - first) / (last - first) * (Count - 1));
            guess = Math.Clamp(guess, 0, Count - 1);
            var order = Suffix(guess).SequenceCompareTo(suffix);
            if (order == 0)
            {
                return guess;
            }
            // Every key before low is below the wanted one, every key after high above it.
            int low = 0, high = Count - 1;
            if (order < 0)
            {
                low = guess + 1;
                for (var step = 1; guess + step < Count; step *= 2)
                {
                    var probe = guess + step;
                    order = Suffix(probe).SequenceCompareTo(suffix);
                    if (order == 0)
                    {
                        return probe;
                    }
                    if (order > 0)
                    {
                        high = probe - 1;
                        break;
                    }
                    low = probe + 1;
                }
            }
            else
            {
                high = guess - 1;
                for (var step = 1; guess - step >= 0; step *= 2)
                {
                    var probe = guess - step;
                    order = Suffix(probe).SequenceCompareTo(suffix);
                    if (order == 0)
                    {
                        return probe;
                    }
                    if (order < 0)
                    {
                        low = probe + 1;
                        break;
                    }
                    high = probe - 1;
                }
            }
            return SearchBetween(suffix, low, high);
        }

        /// <summary>The first eight bytes of <paramref name="bytes"/> as a big-endian number, zeros after a shorter one:
        /// ordered as the bytes are (ties aside).</summary>
        private static ulong Leading(ReadOnlySpan<byte> bytes)
        {
            if (bytes.Length >= sizeof(ulong))
            {
                return System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(bytes);
            }
            ulong value = 0;
            for (var index = 0; index < sizeof(ulong); index++)
            {
                value = (value << 8) | (index < bytes.Length ? bytes[index] : (byte)0);
            }
            return value;
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
