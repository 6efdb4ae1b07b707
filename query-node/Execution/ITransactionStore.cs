namespace Log.QueryNode.Execution;

/// <summary>
/// The key-value view of one transaction that the SQL engine works on: reads see the snapshot
/// taken at the transaction's start with the transaction's own writes laid over it
/// (read-your-writes); writes are buffered until COMMIT. Keys compare as unsigned bytes.
/// Implemented by the session's transaction coordinator; the SQL engine never sees storage,
/// the adjudicator or the journal directly.
/// </summary>
public interface ITransactionStore
{
    /// <summary>The state digest of storage (every visible key and value, see StorageNode.ComputeStateDigest) at
    /// <paramref name="timestamp"/> (a hybrid timestamp's 64 bits), or at the transaction's snapshot when null; the
    /// transaction's own uncommitted writes are not in it. Null when the store cannot compute one.</summary>
    byte[]? ComputeStateDigest(ulong? timestamp, CancellationToken cancellationToken) => null;

    /// <summary>Asks the storage node for a checkpoint now; null when none can be taken at the moment.
    /// <see cref="NotSupportedException"/> when the store has no storage node.</summary>
    Log.StorageNode.StorageCheckpoint? TakeStorageCheckpoint(CancellationToken cancellationToken) =>
        throw new NotSupportedException("This store has no storage node to checkpoint.");

    /// <summary>The value at <paramref name="key"/>, or null if absent (or deleted by this transaction).</summary>
    ValueTask<byte[]?> GetAsync(byte[] key, CancellationToken cancellationToken);

    /// <summary>The values of several keys, in their order (null where absent). A store that can read a batch in one
    /// round trip overrides this; the default reads the keys one by one.</summary>
    async ValueTask<byte[]?[]> GetManyAsync(IReadOnlyList<byte[]> keys, CancellationToken cancellationToken)
    {
        var values = new byte[]?[keys.Count];
        for (var index = 0; index < keys.Count; index++)
        {
            values[index] = await GetAsync(keys[index], cancellationToken);
        }
        return values;
    }

    /// <summary>Every visible key in [start, end) in ascending byte order, with its value.</summary>
    IAsyncEnumerable<KeyValuePair<byte[], byte[]>> ScanAsync(byte[] startInclusive, byte[] endExclusive,
        CancellationToken cancellationToken);

    /// <summary>The same as <see cref="ScanAsync"/>, a page of keys at a time, so a reader that goes through many rows
    /// pays for one asynchronous step per page instead of one per row. Pages are the caller's to keep; they start
    /// small and grow, so a reader that stops early (LIMIT, EXISTS) reads little more than it needs. The default groups
    /// the rows of <see cref="ScanAsync"/> into pages of 1, 2, 4 ... 512 rows.</summary>
    async IAsyncEnumerable<IReadOnlyList<KeyValuePair<byte[], byte[]>>> ScanPagesAsync(byte[] startInclusive, byte[] endExclusive,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        const int pageRowsMax = 512;
        var pageRows = 1;
        var page = new List<KeyValuePair<byte[], byte[]>>(pageRows);
        await foreach (var entry in ScanAsync(startInclusive, endExclusive, cancellationToken))
        {
            page.Add(entry);
            if (page.Count == pageRows)
            {
                yield return page;
                pageRows = Math.Min(pageRows * 2, pageRowsMax);
                page = new List<KeyValuePair<byte[], byte[]>>(pageRows);
            }
        }
        if (page.Count > 0)
        {
            yield return page;
        }
    }

    /// <summary>The pairs of <see cref="ScanPagesAsync"/>, handed to <paramref name="visitor"/> (spans valid only during
    /// the call) instead of collected into lists; after each page the number of pairs it held is yielded, so a reader
    /// hands on what its visitor kept a page at a time. A visitor that returns false ends the scan with that page. A store
    /// over a replica in the same process hands over the stored bytes in place: a scan copies only what it keeps. The
    /// default visits the pages of <see cref="ScanPagesAsync"/>.</summary>
    IAsyncEnumerable<int> VisitPagesAsync(byte[] startInclusive, byte[] endExclusive, Log.StorageNode.IKeyValueVisitor visitor,
        CancellationToken cancellationToken) =>
        VisitEachPageAsync(ScanPagesAsync(startInclusive, endExclusive, cancellationToken), visitor);

    /// <summary>Hands the pairs of each page to <paramref name="visitor"/> and yields the page's size.</summary>
    static async IAsyncEnumerable<int> VisitEachPageAsync(IAsyncEnumerable<IReadOnlyList<KeyValuePair<byte[], byte[]>>> pages,
        Log.StorageNode.IKeyValueVisitor visitor)
    {
        await foreach (var page in pages)
        {
            var stopped = false;
            for (var index = 0; index < page.Count && !stopped; index++)
            {
                stopped = !visitor.Visit(page[index].Key, page[index].Value);
            }
            yield return page.Count;
            if (stopped)
            {
                yield break;
            }
        }
    }

    /// <summary>Every visible key in [start, end) in descending byte order, a page at a time, with the transaction's own
    /// writes laid over them as <see cref="ScanPagesAsync"/> does (a backward index scan: ORDER BY ... DESC LIMIT n
    /// along an ascending key). The default reads the range forwards and hands it out reversed; a store that can read
    /// backwards overrides it, so a reader that stops early reads little.</summary>
    async IAsyncEnumerable<IReadOnlyList<KeyValuePair<byte[], byte[]>>> ScanPagesBackwardAsync(byte[] startInclusive, byte[] endExclusive,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var rows = new List<KeyValuePair<byte[], byte[]>>();
        await foreach (var entry in ScanAsync(startInclusive, endExclusive, cancellationToken))
        {
            rows.Add(entry);
        }
        rows.Reverse();
        if (rows.Count > 0)
        {
            yield return rows;
        }
    }

    /// <summary>Called by INSERT and UPDATE before they write <paramref name="key"/>: a store may wait here for another
    /// open transaction that wrote the key to end, and fail with 40001 when it committed after this transaction's start
    /// (see Transaction.BeforeWriteAsync). The default returns at once.</summary>
    ValueTask BeforeWriteAsync(byte[] key, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <summary>Buffers an insert or overwrite of <paramref name="key"/>.</summary>
    void Put(byte[] key, byte[] value);

    /// <summary>Buffers a delete of <paramref name="key"/>.</summary>
    void Delete(byte[] key);

    /// <summary>Marks a key the transaction relied on without writing it (a catalog entry, a row read
    /// FOR UPDATE): COMMIT is refused if another transaction committed it after the start.
    /// <paramref name="isSchema"/> selects the error detail code (OC001 for schema, OC000 for data).</summary>
    void AddConflictCheck(byte[] key, bool isSchema);

    /// <summary>A 64-bit value never returned before by any transaction of this database, for hidden row ids.</summary>
    long NextUniqueId();

    /// <summary>The constraint checks this transaction defers to COMMIT; null for a store that cannot defer any (every
    /// check then runs at the end of its statement).</summary>
    DeferredConstraints? DeferredConstraints => null;
}
