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
            return store.ReadVisible(key, at.Timestamp.Value).Value;
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
            store.ReadVisibleMany(keys, at.Timestamp.Value, values);
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
            VisitVisible(store, startInclusive, endExclusive, at.Timestamp, backward, limit, (key, value) =>
            {
                // Copies: the index's own key array must never reach a caller that could change it, and the value may
                // be FASTER's log page.
                results.Add(new KeyValue(key.ToArray(), value.ToArray()));
                return results.Count < limit;
            }, cancellationToken);
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
    public byte[] ComputeStateDigest(HybridTimestamp at)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var length = new byte[sizeof(int)];
        ThrowIfSnapshotTooOld(at);
        var store = EnterRead();
        try
        {
            VisitVisible(store, [], null, at, backward: false, int.MaxValue, (key, value) =>
            {
                BinaryPrimitives.WriteInt32BigEndian(length, key.Length);
                hash.AppendData(length);
                hash.AppendData(key);
                BinaryPrimitives.WriteInt32BigEndian(length, value.Length);
                hash.AppendData(length);
                hash.AppendData(value);
                return true;
            }, CancellationToken.None);
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
        return ComputeStateDigest(at.Timestamp);
    }

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
        byte[]? lastKey = null;
        var stopped = false;
        var store = EnterRead();
        try
        {
            VisitVisible(store, startInclusive, endExclusive, at.Timestamp, backward: false, limit, (key, value) =>
            {
                count++;
                lastKey = key;
                stopped = !visitor.Visit(key, value);
                return !stopped && count < limit;
            }, cancellationToken);
        }
        finally
        {
            ExitRead();
        }
        // A copy, as for ScanAsync: the index's own key array never reaches a caller.
        return new VisitedRange(count, lastKey?.ToArray(), stopped);
    }

    private delegate bool VisibleVisitor(byte[] key, ReadOnlySpan<byte> value);

    /// <summary>Calls <paramref name="visit"/> for each key in [start, end) with a value visible at
    /// <paramref name="at"/>, in order (descending when <paramref name="backward"/>), until it returns false.
    /// Takes keys from the index in batches so that the index lock is never held during FASTER reads; each
    /// batch starts again after (before, backward) the last key of the one before. A batch holds no more keys than
    /// <paramref name="limit"/> (the most the visitor takes): a point lookup through an index copies one key, not a
    /// whole batch.</summary>
    private void VisitVisible(VersionStore store, byte[] startInclusive, byte[]? endExclusive, HybridTimestamp at,
        bool backward, int limit, VisibleVisitor visit, CancellationToken cancellationToken)
    {
        var batchKeyCount = Math.Min(Math.Max(limit, 1), options.ScanBatchKeyCount);
        var batch = new List<IndexedKey>(batchKeyCount);
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
            if (!store.VisitVisibleMany(batch, at.Value, (index, value) => visit(batch[index].Key, value)))
            {
                return;
            }
            if (batch.Count < batchKeyCount)
            {
                return;
            }
            cursor = batch[^1].Key;
            cursorInclusive = false;
            backwardEnd = batch[^1].Key;
        }
    }
}
