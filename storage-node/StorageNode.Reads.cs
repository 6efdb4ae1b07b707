using System.Buffers.Binary;
using System.Security.Cryptography;
using Log.Journal.Records;
using Log.Journal.Time;

namespace Log.StorageNode;

public sealed partial class StorageNode
{
    public async ValueTask<byte[]?> GetAsync(byte[] key, ReadPoint at, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        await WaitUntilReadyAsync(at, cancellationToken).ConfigureAwait(false);
        ThrowIfSnapshotTooOld(at.Timestamp);
        var store = EnterRead();
        try
        {
            return (await store.ReadVisibleAsync(key, at.Timestamp.Value, cancellationToken).ConfigureAwait(false)).Value;
        }
        catch (InvalidDataException) when (IsCollectedUnder(at.Timestamp))
        {
            throw new SnapshotTooOldException(at.Timestamp, TrimHorizon);
        }
        finally
        {
            ExitRead();
        }
    }

    public async ValueTask<byte[]?[]> GetManyAsync(IReadOnlyList<byte[]> keys, ReadPoint at, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keys);
        await WaitUntilReadyAsync(at, cancellationToken).ConfigureAwait(false);
        ThrowIfSnapshotTooOld(at.Timestamp);
        var values = new byte[]?[keys.Count];
        var store = EnterRead();
        try
        {
            await ReadVisibleManyAsync(store, keys, at.Timestamp, values, cancellationToken).ConfigureAwait(false);
            return values;
        }
        catch (InvalidDataException) when (IsCollectedUnder(at.Timestamp))
        {
            throw new SnapshotTooOldException(at.Timestamp, TrimHorizon);
        }
        finally
        {
            ExitRead();
        }
    }

    public ValueTask<IReadOnlyList<KeyValue>> ScanAsync(byte[] startInclusive, byte[]? endExclusive, ReadPoint at, int limit,
        CancellationToken cancellationToken) =>
        ScanAsync(startInclusive, endExclusive, at, limit, backward: false, cancellationToken);

    public ValueTask<IReadOnlyList<KeyValue>> ScanBackwardAsync(byte[] startInclusive, byte[]? endExclusive, ReadPoint at, int limit,
        CancellationToken cancellationToken) =>
        ScanAsync(startInclusive, endExclusive, at, limit, backward: true, cancellationToken);

    private async ValueTask<IReadOnlyList<KeyValue>> ScanAsync(byte[] startInclusive, byte[]? endExclusive, ReadPoint at, int limit,
        bool backward, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(startInclusive);
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        await WaitUntilReadyAsync(at, cancellationToken).ConfigureAwait(false);
        ThrowIfSnapshotTooOld(at.Timestamp);
        var results = new List<KeyValue>(Math.Min(limit, options.ScanBatchKeyCount));
        if (limit == 0 || (endExclusive is not null && KeyComparer.Instance.Compare(startInclusive, endExclusive) >= 0))
        {
            return results;
        }
        var store = EnterRead();
        try
        {
            await VisitVisibleAsync(store, startInclusive, endExclusive, at.Timestamp, backward, limit, (key, value) =>
            {
                // The key is in the scan's batch and the value may be in FASTER's log page: both are copied.
                results.Add(new KeyValue(key.ToArray(), value.ToArray()));
                return results.Count < limit;
            }, cancellationToken).ConfigureAwait(false);
            return results;
        }
        catch (InvalidDataException) when (IsCollectedUnder(at.Timestamp))
        {
            throw new SnapshotTooOldException(at.Timestamp, TrimHorizon);
        }
        finally
        {
            ExitRead();
        }
    }

    /// <summary>
    /// A deterministic SHA-256 over every key visible at <paramref name="at"/> and its value, in key
    /// order (each as a 4-byte big-endian length and the bytes). Two replicas that applied the same
    /// journal up to <paramref name="at"/> give the same digest, whatever their history (restarts,
    /// replays). Does not wait: the caller first waits for the replica to reach <paramref name="at"/>
    /// (or uses <see cref="ComputeStateDigestAsync"/>).
    /// </summary>
    public byte[] ComputeStateDigest(HybridTimestamp at) =>
        // Blocking is right for the tools' synchronous callers; the database's sys.state_digest awaits.
        ComputeStateDigestAtAsync(at, CancellationToken.None).AsTask().GetAwaiter().GetResult();

    private async ValueTask<byte[]> ComputeStateDigestAtAsync(HybridTimestamp at, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var length = new byte[sizeof(int)];
        ThrowIfSnapshotTooOld(at);
        var store = EnterRead();
        try
        {
            await VisitVisibleAsync(store, [], null, at, backward: false, int.MaxValue, (key, value) =>
            {
                BinaryPrimitives.WriteInt32BigEndian(length, key.Length);
                hash.AppendData(length);
                hash.AppendData(key);
                BinaryPrimitives.WriteInt32BigEndian(length, value.Length);
                hash.AppendData(length);
                hash.AppendData(value);
                return true;
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidDataException) when (IsCollectedUnder(at))
        {
            throw new SnapshotTooOldException(at, TrimHorizon);
        }
        finally
        {
            ExitRead();
        }
        return hash.GetHashAndReset();
    }

    /// <summary><see cref="ComputeStateDigest"/> once the replica is ready for <paramref name="at"/> (bounded wait).</summary>
    public async Task<byte[]> ComputeStateDigestAsync(ReadPoint at, CancellationToken cancellationToken)
    {
        await WaitUntilReadyAsync(at, cancellationToken).ConfigureAwait(false);
        return await ComputeStateDigestAtAsync(at.Timestamp, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Head records scans read from disk, in bulk and through FASTER (see <see cref="VersionStore.ColdHeadReads"/>).</summary>
    internal (long InBulk, long ThroughFaster) ColdHeadReads => Volatile.Read(ref versions)?.ColdHeadReads ?? (0, 0);

    public async ValueTask<VisitedRange> VisitAsync(byte[] startInclusive, byte[]? endExclusive, ReadPoint at, int limit,
        IKeyValueVisitor visitor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(startInclusive);
        ArgumentNullException.ThrowIfNull(visitor);
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        await WaitUntilReadyAsync(at, cancellationToken).ConfigureAwait(false);
        ThrowIfSnapshotTooOld(at.Timestamp);
        if (limit == 0 || (endExclusive is not null && KeyComparer.Instance.Compare(startInclusive, endExclusive) >= 0))
        {
            return new VisitedRange(0, null, Stopped: false);
        }
        var count = 0;
        byte[]? lastKey;
        var stopped = false;
        var store = EnterRead();
        try
        {
            lastKey = await VisitVisibleAsync(store, startInclusive, endExclusive, at.Timestamp, backward: false, limit, (key, value) =>
            {
                count++;
                stopped = !visitor.Visit(key, value);
                return !stopped && count < limit;
            }, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            ExitRead();
        }
        return new VisitedRange(count, lastKey, stopped);
    }

    /// <summary>Receives a visible pair; both spans are valid only during the call.</summary>
    private delegate bool VisibleVisitor(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value);

    /// <summary>Calls <paramref name="visit"/> for each key in [start, end) with a value visible at
    /// <paramref name="at"/>, in order (descending when <paramref name="backward"/>), until it returns false.
    /// Takes keys from the index in batches so that the index lock is never held during FASTER reads; each
    /// batch starts again after (before, backward) the last key of the one before. A batch holds no more keys than
    /// <paramref name="limit"/> (the most the visitor takes): a point lookup through an index copies one key, not a
    /// whole batch. The keys of a batch are packed into one <see cref="KeyBatch"/> reused for every batch (no array
    /// per key); returns a copy of the last key handed to <paramref name="visit"/> (null when none was).</summary>
    private async ValueTask<byte[]?> VisitVisibleAsync(VersionStore store, byte[] startInclusive, byte[]? endExclusive, HybridTimestamp at,
        bool backward, int limit, VisibleVisitor visit, CancellationToken cancellationToken)
    {
        var batchKeyCount = Math.Min(Math.Max(limit, 1), options.ScanBatchKeyCount);
        // A page of a whole-table scan takes the idle batch (its arrays were grown by the page before); a short one,
        // or one that runs beside another, a batch of its own.
        var batch = batchKeyCount == options.ScanBatchKeyCount ? Interlocked.Exchange(ref idleScanBatch, null) ?? new KeyBatch(batchKeyCount)
            : new KeyBatch(batchKeyCount);
        try
        {
            return await VisitVisibleAsync(store, batch, startInclusive, endExclusive, at, backward, batchKeyCount, visit, cancellationToken)
                .ConfigureAwait(false);
        }
        finally
        {
            if (batchKeyCount == options.ScanBatchKeyCount)
            {
                batch.Clear();
                Volatile.Write(ref idleScanBatch, batch);
            }
        }
    }

    /// <summary>A <see cref="KeyBatch"/> of <see cref="StorageNodeOptions.ScanBatchKeyCount"/> keys that no scan holds (a
    /// scan takes it and puts it back when it ends; nothing keeps a span of it past its scan).</summary>
    private KeyBatch? idleScanBatch;

    private async ValueTask<byte[]?> VisitVisibleAsync(VersionStore store, KeyBatch batch, byte[] startInclusive, byte[]? endExclusive,
        HybridTimestamp at, bool backward, int batchKeyCount, VisibleVisitor visit, CancellationToken cancellationToken)
    {
        byte[]? lastVisited = null;
        var lastVisitedIndex = -1;
        VersionStore.VisibleValueVisitor visitBatch = (index, value) =>
        {
            lastVisitedIndex = index;
            return visit(batch.Key(index), value);
        };
        var cursor = startInclusive;
        var cursorInclusive = true;
        var backwardEnd = endExclusive;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            batch.Clear();
            if (backward)
            {
                keys.CopyRangeBackward(startInclusive, backwardEnd, batchKeyCount, batch);
            }
            else
            {
                keys.CopyRange(cursor, cursorInclusive, endExclusive, batchKeyCount, batch);
            }
            lastVisitedIndex = -1;
            var goOn = await store.VisitVisibleManyAsync(batch, at.Value, visitBatch, cancellationToken).ConfigureAwait(false);
            if (lastVisitedIndex >= 0)
            {
                lastVisited = batch.CopyKey(lastVisitedIndex);
            }
            if (!goOn || batch.Count < batchKeyCount)
            {
                return lastVisited;
            }
            cursor = batch.CopyKey(batch.Count - 1);
            cursorInclusive = false;
            backwardEnd = cursor;
        }
    }
}
