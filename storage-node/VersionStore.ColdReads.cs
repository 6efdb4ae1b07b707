using Session = FASTER.core.ClientSession<FASTER.core.SpanByte, FASTER.core.SpanByte, FASTER.core.SpanByte, Log.StorageNode.VersionStore.StoredVersion, FASTER.core.Empty, FASTER.core.IFunctions<FASTER.core.SpanByte, FASTER.core.SpanByte, FASTER.core.SpanByte, Log.StorageNode.VersionStore.StoredVersion, FASTER.core.Empty>>;
using FASTER.core;

namespace Log.StorageNode;

/// <summary>
/// Reads of head records that have left FASTER's in-memory log, through FASTER's asynchronous path: the read is issued
/// and the caller awaits FASTER's I/O completion instead of waiting for the disk on a thread pool thread (which
/// <c>CompletePendingWithOutputs(wait: true)</c> does). A scan reads the cold head records of its batch in bulk from the
/// log's files (<see cref="ReadColdHeadsFromLogAsync"/>) and issues FASTER's reads of the few left over at once, so the
/// disk serves them together instead of one after another (a scan of 1,000,000 rows took a minute with 64 MiB of log
/// in memory, reading one record at a time).
/// <para>
/// What still waits on its thread: the walk back from a head newer than the snapshot through older version records on
/// disk (rare: a row changed after the snapshot, whose older versions left memory), and a key the ordered index knows
/// no address for (looked up by key, synchronously, as before).
/// </para>
/// </summary>
internal sealed partial class VersionStore
{
    /// <summary>The newest version of <paramref name="key"/> at or below <paramref name="timestamp"/>, as
    /// <see cref="ReadVisible(byte[], ulong)"/>, awaiting FASTER's I/O when the key's head record is on disk.</summary>
    public async ValueTask<(bool Found, byte[]? Value)> ReadVisibleAsync(byte[] key, ulong timestamp, CancellationToken cancellationToken)
    {
        var session = RentReadSession();
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            var head = await ReadHeadAsync(session, key, startAddress: 0, StartHeadRead(session, key, 0)).ConfigureAwait(false);
            return head is { } found ? WalkBack(session, key, timestamp, found) : (false, null);
        }
        finally
        {
            ReturnReadSession(session);
        }
    }

    /// <summary><see cref="VisitVisibleMany"/>, with the head records of the batch that are on disk read first, all at
    /// once, through FASTER's asynchronous path.</summary>
    public ValueTask<bool> VisitVisibleManyAsync(IReadOnlyList<IndexedKey> keys, ulong timestamp, VisibleValueVisitor visit,
        CancellationToken cancellationToken) =>
        VisitVisibleManyAsync(KeyBatch.Of(keys), timestamp, visit, cancellationToken);

    /// <summary>The same over a scan's batch of keys.</summary>
    public async ValueTask<bool> VisitVisibleManyAsync(KeyBatch keys, ulong timestamp, VisibleValueVisitor visit,
        CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        // A hint, read outside the epoch: a key judged in memory that leaves it meanwhile is read synchronously below.
        var inMemoryFrom = store.Log.HeadAddress;
        List<int>? cold = null;
        for (var index = 0; index < keys.Count; index++)
        {
            var address = keys.HeadAddress(index);
            if (address != 0 && address < inMemoryFrom)
            {
                (cold ??= []).Add(index);
            }
        }
        if (cold is null)
        {
            return VisitVisibleMany(keys, timestamp, visit);
        }
        // Most cold head records are read from the log's files in bulk and visited in place; the rest (large rows, moved
        // records) are read through FASTER.
        var (bulk, throughFaster) = await ReadColdHeadsFromLogAsync(keys, cold, inMemoryFrom).ConfigureAwait(false);
        try
        {
            // Most batches read every cold head in bulk: the array (about 48 bytes a key) only when some are not.
            StoredVersion?[]? coldHeads = null;
            if (throughFaster.Count > 0)
            {
                coldHeads = new StoredVersion?[keys.Count];
                await ReadHeadsThroughFasterAsync(keys, throughFaster, coldHeads).ConfigureAwait(false);
            }
            return VisitVisibleMany(keys, timestamp, visit, new ColdHeads(bulk, coldHeads, inMemoryFrom));
        }
        finally
        {
            bulk?.Dispose();
        }
    }

    /// <summary>The head records of the keys at <paramref name="indexes"/> read through FASTER's asynchronous path, all
    /// started at once, into <paramref name="heads"/>.</summary>
    private async ValueTask ReadHeadsThroughFasterAsync(KeyBatch keys, List<int> indexes, StoredVersion?[] heads)
    {
        var session = RentReadSession();
        try
        {
            var reads = new List<(int Index, byte[] Key, ValueTask<FasterKV<SpanByte, SpanByte>.ReadAsyncResult<SpanByte, StoredVersion, Empty>> Read)>(indexes.Count);
            foreach (var index in indexes)
            {
                // Below the head address is below the read-only address: a safe start (see VisitVisibleMany). The key is
                // copied out of the batch: a read that finds nothing at the address looks it up again after an await.
                var key = keys.CopyKey(index);
                reads.Add((index, key, StartHeadRead(session, key, keys.HeadAddress(index))));
            }
            // Every started read is awaited, even after one failed: a session goes back to the pool only with no
            // read of it in flight.
            Exception? failure = null;
            foreach (var (index, key, pending) in reads)
            {
                try
                {
                    heads[index] = await ReadHeadAsync(session, key, keys.HeadAddress(index), pending).ConfigureAwait(false);
                }
                catch (Exception exception)
                {
                    failure ??= exception;
                }
            }
            if (failure is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
            }
        }
        finally
        {
            ReturnReadSession(session);
        }
    }

    /// <summary>The head records of a batch read before its visit: those below <see cref="Below"/> (FASTER's head
    /// address when the batch began) were read from disk, in bulk (<see cref="Bulk"/>, in place) or through FASTER
    /// (<see cref="Heads"/>, by key index, null when there was none; no array when no head was read so).</summary>
    private readonly record struct ColdHeads(ColdLogReads? Bulk, StoredVersion?[]? Heads, long Below);

    /// <summary>The head record a started read found, or null. The address is only a shortcut: a read from one that
    /// finds nothing (the record compacted away, below the log's begin) looks the key up in the hash index.</summary>
    private static async ValueTask<StoredVersion?> ReadHeadAsync(Session session, byte[] key, long startAddress,
        ValueTask<FasterKV<SpanByte, SpanByte>.ReadAsyncResult<SpanByte, StoredVersion, Empty>> started)
    {
        var (status, head) = (await started.ConfigureAwait(false)).Complete();
        if (status.IsFaulted)
        {
            throw new IOException("FASTER failed to read a record.");
        }
        if (!status.Found && startAddress != 0)
        {
            return await ReadHeadAsync(session, key, 0, StartHeadRead(session, key, 0)).ConfigureAwait(false);
        }
        return status.Found ? head : null;
    }

    /// <summary>The newest version at or below <paramref name="timestamp"/> from a head record already read.</summary>
    private static (bool Found, byte[]? Value) WalkBack(Session session, byte[] key, ulong timestamp, StoredVersion head)
    {
        if (Check(head, expectedTimestamp: null).CommitTimestamp <= timestamp)
        {
            return (true, head.Value);
        }
        var context = session.UnsafeContext;
        context.BeginUnsafe();
        try
        {
            return ReadVisibleFrom(context, key, timestamp, head);
        }
        finally
        {
            context.EndUnsafe();
        }
    }

    /// <summary>Starts the read of <paramref name="key"/>'s head record (from <paramref name="startAddress"/> when not 0).
    /// FASTER copies the key when the read goes to disk, so the key's memory is pinned only during this call. Not
    /// cancellable: a cancelled read would leave its I/O in flight on a session that goes back to the pool (a disk
    /// read ends soon anyway; callers check their token between reads).</summary>
    private static unsafe ValueTask<FasterKV<SpanByte, SpanByte>.ReadAsyncResult<SpanByte, StoredVersion, Empty>> StartHeadRead(
        Session session, byte[] key, long startAddress)
    {
        var stored = HeadKey(key);
        fixed (byte* keyPointer = stored)
        {
            var keySpanByte = SpanByte.FromPointer(keyPointer, stored.Length);
            SpanByte input = default;
            var readOptions = default(ReadOptions);
            if (startAddress != 0)
            {
                SetStartAddress(ref readOptions, startAddress);
            }
            return session.ReadAsync(ref keySpanByte, ref input, ref readOptions, default, 0, CancellationToken.None);
        }
    }
}
