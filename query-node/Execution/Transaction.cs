using System.Runtime.CompilerServices;
using Log.Adjudicator;
using Log.Journal.Records;
using Log.Journal.Time;
using Log.StorageNode;

namespace Log.QueryNode.Execution;

/// <summary>
/// One transaction of a session: a snapshot of storage at <see cref="Start"/> with the
/// transaction's own buffered writes laid over it. Nothing leaves the query node until COMMIT,
/// when the write set goes to the adjudicator; read-only transactions never reach it.
/// Not thread-safe: a session runs one statement at a time. Savepoints: see Transaction.Savepoints.cs.
/// </summary>
public sealed partial class Transaction : ITransactionStore
{
    private readonly IStorageReader storage;
    private readonly HybridClock clock;
    private readonly TransactionLimits limits;
    private readonly UniqueIdGenerator uniqueIds;
    private readonly SortedDictionary<byte[], byte[]?> writes = new(KeyComparer.Instance);
    private readonly Dictionary<byte[], ConflictCheckKind> checks = new(KeyComparer.Instance);
    private long writtenBytes;

    public Transaction(ReadPoint readPoint, IStorageReader storage, HybridClock clock, TransactionLimits limits,
        UniqueIdGenerator? uniqueIds = null)
    {
        ReadPoint = readPoint;
        this.storage = storage;
        this.clock = clock;
        this.limits = limits;
        this.uniqueIds = uniqueIds ?? UniqueIdGenerator.Unassigned;
    }

    /// <summary>The read point of a snapshot that starts at <paramref name="start"/> and was closed by
    /// <paramref name="fence"/>. A remote adjudicator closes at its own clock when that is later (so the snapshot
    /// holds every commit acknowledged before, whichever query node made it): the snapshot is then taken there, and
    /// this node's clock moves past it.</summary>
    public static ReadPoint ReadPointOf(HybridTimestamp start, ReadFence fence, HybridClock clock)
    {
        var at = HybridTimestamp.Max(start, fence.Timestamp);
        clock.Observe(at);
        return new ReadPoint(at, fence.EndOffset);
    }

    public Guid Id { get; } = Guid.NewGuid();
    public ReadPoint ReadPoint { get; }
    public HybridTimestamp Start => ReadPoint.Timestamp;
    public bool HasWrites => writes.Count > 0;

    /// <summary>PostgreSQL's serialization_failure text for a write-write conflict, with DSQL's code for it.</summary>
    public const string DataConflictMessage = "change conflicts with another transaction, please retry: (OC000)";

    /// <summary>Whether the first write of a key, or a FOR UPDATE check of it, fails at once with 40001 (OC000) when the
    /// replica already holds a version of the key committed after the snapshot, as DSQL fails such a statement: the
    /// adjudicator would refuse the COMMIT for it anyway (a write or a data check of a key committed after the start is
    /// a conflict, and a write undone by ROLLBACK TO stays a check), so failing early changes no outcome, only saves
    /// the rest of the transaction and the commit round trip. A session's transactions set it; separate transactions
    /// and jobs, which retry on a refused COMMIT, leave it off.</summary>
    public bool FailsChangedKeysEarly { get; init; }

    public byte[]? ComputeStateDigest(ulong? timestamp, CancellationToken cancellationToken) => storage is IStorageMaintenance maintenance
        ? maintenance.ComputeStateDigestAsync(timestamp is { } at ? ReadPoint.Unfenced(new HybridTimestamp(at)) : ReadPoint, cancellationToken).GetAwaiter().GetResult()
        : null;

    public StorageCheckpoint? TakeStorageCheckpoint(CancellationToken cancellationToken) => storage is IStorageMaintenance maintenance
        ? maintenance.CheckpointAsync(cancellationToken).GetAwaiter().GetResult()
        : throw new NotSupportedException("This store has no storage node to checkpoint.");

    public async ValueTask<byte[]?> GetAsync(byte[] key, CancellationToken cancellationToken)
    {
        if (writes.TryGetValue(key, out var own))
        {
            return own;
        }
        return await storage.GetAsync(key, ReadPoint, cancellationToken);
    }

    public async ValueTask<byte[]?[]> GetManyAsync(IReadOnlyList<byte[]> keys, CancellationToken cancellationToken)
    {
        if (writes.Count == 0)
        {
            return await storage.GetManyAsync(keys, ReadPoint, cancellationToken);
        }
        // Only the keys this transaction has not written go to storage.
        var values = new byte[]?[keys.Count];
        var storedKeys = new List<byte[]>(keys.Count);
        var storedPositions = new List<int>(keys.Count);
        for (var index = 0; index < keys.Count; index++)
        {
            if (writes.TryGetValue(keys[index], out var own))
            {
                values[index] = own;
            }
            else
            {
                storedKeys.Add(keys[index]);
                storedPositions.Add(index);
            }
        }
        if (storedKeys.Count > 0)
        {
            var stored = await storage.GetManyAsync(storedKeys, ReadPoint, cancellationToken);
            for (var index = 0; index < stored.Length; index++)
            {
                values[storedPositions[index]] = stored[index];
            }
        }
        return values;
    }

    public async IAsyncEnumerable<KeyValuePair<byte[], byte[]>> ScanAsync(byte[] startInclusive, byte[] endExclusive,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var page in ScanPagesAsync(startInclusive, endExclusive, cancellationToken))
        {
            foreach (var entry in page)
            {
                yield return entry;
            }
        }
    }

    /// <summary>A copy of the transaction's own writes in [start, end), in key order (the write set is sorted).</summary>
    private List<KeyValuePair<byte[], byte[]?>> OwnWritesIn(byte[] startInclusive, byte[] endExclusive)
    {
        var comparer = KeyComparer.Instance;
        var overlay = new List<KeyValuePair<byte[], byte[]?>>();
        foreach (var pair in writes)
        {
            if (comparer.Compare(pair.Key, startInclusive) >= 0 && comparer.Compare(pair.Key, endExclusive) < 0)
            {
                overlay.Add(pair);
            }
        }
        return overlay;
    }

    public async IAsyncEnumerable<IReadOnlyList<KeyValuePair<byte[], byte[]>>> ScanPagesAsync(byte[] startInclusive, byte[] endExclusive,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var comparer = KeyComparer.Instance;
        // The overlay is copied first, so that a statement writing while it scans (UPDATE) sees
        // the rows as they were when the scan began and never revisits its own new rows.
        var overlay = OwnWritesIn(startInclusive, endExclusive);
        var overlayIndex = 0;
        var from = startInclusive;
        // Pages grow from a few rows, so that a statement that stops early (LIMIT 1, EXISTS) reads few rows.
        var pageRows = Math.Min(limits.ScanFirstPageRows, limits.ScanPageRows);
        while (true)
        {
            var page = await storage.ScanAsync(from, endExclusive, ReadPoint, pageRows, cancellationToken);
            var rows = new List<KeyValuePair<byte[], byte[]>>(page.Count);
            foreach (var stored in page)
            {
                // Own writes that sort before this stored key come first.
                while (overlayIndex < overlay.Count && comparer.Compare(overlay[overlayIndex].Key, stored.Key) < 0)
                {
                    AddOwn(overlay[overlayIndex++], rows);
                }
                if (overlayIndex < overlay.Count && comparer.Compare(overlay[overlayIndex].Key, stored.Key) == 0)
                {
                    AddOwn(overlay[overlayIndex++], rows);
                    continue;
                }
                rows.Add(new(stored.Key, stored.Value));
            }
            var last = page.Count < pageRows;
            if (last)
            {
                while (overlayIndex < overlay.Count)
                {
                    AddOwn(overlay[overlayIndex++], rows);
                }
            }
            if (rows.Count > 0)
            {
                yield return rows;
            }
            if (last)
            {
                break;
            }
            from = Successor(page[^1].Key);
            pageRows = Math.Min(pageRows * 2, limits.ScanPageRows);
        }
    }

    public async IAsyncEnumerable<int> VisitPagesAsync(byte[] startInclusive, byte[] endExclusive, IKeyValueVisitor visitor,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // The transaction's own writes in range must be merged with the stored pairs: that takes the copying path.
        if (OwnWritesIn(startInclusive, endExclusive).Count > 0)
        {
            await foreach (var size in ITransactionStore.VisitEachPageAsync(ScanPagesAsync(startInclusive, endExclusive, cancellationToken), visitor))
            {
                yield return size;
            }
            yield break;
        }
        var from = startInclusive;
        // Pages grow as ScanPagesAsync's do, so that a statement that stops early reads few rows.
        var pageRows = Math.Min(limits.ScanFirstPageRows, limits.ScanPageRows);
        while (true)
        {
            var visited = await storage.VisitAsync(from, endExclusive, ReadPoint, pageRows, visitor, cancellationToken);
            yield return visited.Count;
            if (visited.Stopped || visited.Count < pageRows)
            {
                break;
            }
            from = Successor(visited.LastKey!);
            pageRows = Math.Min(pageRows * 2, limits.ScanPageRows);
        }
    }

    public async IAsyncEnumerable<IReadOnlyList<KeyValuePair<byte[], byte[]>>> ScanPagesBackwardAsync(byte[] startInclusive, byte[] endExclusive,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var comparer = KeyComparer.Instance;
        // As forwards: the overlay is copied first, then merged from its end with the stored keys, which come in
        // descending order a page at a time.
        var overlay = OwnWritesIn(startInclusive, endExclusive);
        var overlayIndex = overlay.Count - 1;
        var to = endExclusive;
        var pageRows = Math.Min(limits.ScanFirstPageRows, limits.ScanPageRows);
        while (true)
        {
            var page = await storage.ScanBackwardAsync(startInclusive, to, ReadPoint, pageRows, cancellationToken);
            var rows = new List<KeyValuePair<byte[], byte[]>>(page.Count);
            foreach (var stored in page)
            {
                // Own writes that sort after this stored key come first.
                while (overlayIndex >= 0 && comparer.Compare(overlay[overlayIndex].Key, stored.Key) > 0)
                {
                    AddOwn(overlay[overlayIndex--], rows);
                }
                if (overlayIndex >= 0 && comparer.Compare(overlay[overlayIndex].Key, stored.Key) == 0)
                {
                    AddOwn(overlay[overlayIndex--], rows);
                    continue;
                }
                rows.Add(new(stored.Key, stored.Value));
            }
            var last = page.Count < pageRows;
            if (last)
            {
                while (overlayIndex >= 0)
                {
                    AddOwn(overlay[overlayIndex--], rows);
                }
            }
            if (rows.Count > 0)
            {
                yield return rows;
            }
            if (last)
            {
                break;
            }
            to = page[^1].Key;
            pageRows = Math.Min(pageRows * 2, limits.ScanPageRows);
        }
    }

    /// <summary>An own write of the overlay: a new value is a row, a delete hides the stored one.</summary>
    private static void AddOwn(KeyValuePair<byte[], byte[]?> own, List<KeyValuePair<byte[], byte[]>> rows)
    {
        if (own.Value is not null)
        {
            rows.Add(new(own.Key, own.Value));
        }
    }

    /// <summary>The smallest key greater than <paramref name="key"/>.</summary>
    private static byte[] Successor(byte[] key)
    {
        var next = new byte[key.Length + 1];
        key.CopyTo(next, 0);
        return next;
    }

    public void Put(byte[] key, byte[] value) => Write(key, value);

    /// <summary>Keys written so far, counted against <see cref="TransactionLimits.MaxModifiedKeys"/>.</summary>
    public int ModifiedKeyCount => writes.Count;

    /// <summary>Bytes of keys and values written so far, counted against <see cref="TransactionLimits.MaxModifiedBytes"/>.</summary>
    public long ModifiedBytes => writtenBytes;

    public void Delete(byte[] key) => Write(key, null);

    private void Write(byte[] key, byte[]? value)
    {
        if (!writes.ContainsKey(key))
        {
            if (writes.Count >= limits.MaxModifiedKeys)
            {
                throw new SqlException(SqlState.ProgramLimitExceeded,
                    $"transaction row limit exceeded: a transaction may modify at most {limits.MaxModifiedKeys} rows");
            }
            if (!checks.ContainsKey(key))
            {
                FailIfCommittedSinceStart(key);
            }
        }
        writtenBytes += key.Length + (value?.Length ?? 0);
        if (writtenBytes > limits.MaxModifiedBytes)
        {
            throw new SqlException(SqlState.ProgramLimitExceeded,
                $"transaction size limit exceeded: a transaction may write at most {limits.MaxModifiedBytes} bytes");
        }
        RememberForUndo(key);
        writes[key] = value;
    }

    public void AddConflictCheck(byte[] key, bool isSchema)
    {
        if (!isSchema && !checks.ContainsKey(key) && !writes.ContainsKey(key))
        {
            FailIfCommittedSinceStart(key);
        }
        KeepConflictCheck(key, isSchema);
    }

    private void KeepConflictCheck(byte[] key, bool isSchema)
    {
        var kind = isSchema ? ConflictCheckKind.Schema : ConflictCheckKind.Data;
        if (!checks.TryGetValue(key, out var existing) || (existing == ConflictCheckKind.Data && isSchema))
        {
            checks[key] = kind;
        }
    }

    /// <summary>See <see cref="FailsChangedKeysEarly"/>: one lookup of the key's newest version on a replica in this
    /// process; a replica elsewhere is not asked (a round trip per written key would cost more than it saves).</summary>
    private void FailIfCommittedSinceStart(byte[] key)
    {
        if (FailsChangedKeysEarly && storage is INewestVersionLookup lookup && lookup.NewestCommitTimestamp(key) > Start)
        {
            throw LostTo(key);
        }
    }

    public long NextUniqueId() => uniqueIds.Next();

    /// <summary>Checks of deferrable constraints that wait for COMMIT, and the SET CONSTRAINTS modes in force; the
    /// session runs what is waiting before it asks the adjudicator to commit.</summary>
    public DeferredConstraints DeferredConstraints { get; } = new();

    /// <summary>Whether COMMIT has to go through the adjudicator at all.</summary>
    public bool NeedsAdjudication => writes.Count > 0 || checks.Values.Any(kind => kind == ConflictCheckKind.Data);

    public CommitRequest ToCommitRequest()
    {
        var writeSet = new List<JournalWrite>(writes.Count);
        foreach (var (key, value) in writes)
        {
            writeSet.Add(new JournalWrite(key, value));
        }
        var checkSet = new List<ConflictCheck>(checks.Count);
        foreach (var (key, kind) in checks)
        {
            if (!writes.ContainsKey(key))
            {
                checkSet.Add(new ConflictCheck(key, kind));
            }
        }
        return new CommitRequest(Id, Start, writeSet, checkSet);
    }
}
