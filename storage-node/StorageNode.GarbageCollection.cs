using System.Collections.Concurrent;
using Log.Journal.Time;
using Microsoft.Extensions.Logging;

namespace Log.StorageNode;

/// <summary>What one garbage collection did: the horizon it collected at, the versions it removed and the log it
/// compacted (begin addresses before and after; equal when it compacted nothing).</summary>
public sealed record GarbageCollection(HybridTimestamp Horizon, long KeysVisited, long VersionsRemoved, long PayloadBytesRemoved,
    long LogBeginBefore, long LogBeginAfter, TimeSpan Elapsed);

/// <summary>
/// Version garbage collection and log compaction. Reads below <see cref="TrimHorizon"/> are refused with
/// <see cref="SnapshotTooOldException"/>; a background pass every <see cref="StorageNodeOptions.GarbageCollectionInterval"/>
/// deletes the versions no read at or above it can reach (those the apply loop queued, by key; the rest by walking every
/// key, <see cref="VersionStore.CollectGarbage"/>), then compacts the log when enough of it is garbage. The horizon only rises, and a pass deletes at a horizon that reads were already
/// refused below, so a read that was admitted before the horizon passed it and then finds a link deleted (the only
/// way a collected record can be missed) is refused too, never answered with a newer or partial result.
/// </summary>
public sealed partial class StorageNode
{
    private readonly CancellationTokenSource collectionStopping = new();
    private readonly SemaphoreSlim collectionGate = new(1, 1);
    private Task collecting = Task.CompletedTask;

    // Written by the apply loop: the newest commit that superseded a version (the commit a pass must reach to collect
    // it). Set to the resolved timestamp at start, since garbage left by an earlier life is not known.
    private ulong newestSupersedingCommit;

    // Under collectionGate: the horizon the last pass collected at, and the estimate of garbage bytes in the log (old
    // head records superseded, and version records deleted) since the last compaction.
    private ulong collectedThrough;
    private long garbageBytesEstimate;
    private long collectedVersionCount;

    // The commits that superseded versions not collected yet, as ranges of commit timestamps: a pass is worth its walk
    // over every key only when the horizon has reached one of them. Without them a pass ran every interval for the
    // whole retention after any write (or start), each visiting every key while nothing was old enough to go: the
    // main wake-up of an idle node after a load. The apply loop notes into the current range (lowest commit so far;
    // the highest is newestSupersedingCommit); each pass closes it into pendingSupersessions (under collectionGate).
    private ulong currentSupersessionsOldest = ulong.MaxValue;
    private readonly List<(ulong Oldest, ulong Newest)> pendingSupersessions = [];

    /// <summary>Ranges kept in <see cref="pendingSupersessions"/>; past it the two oldest merge (a wider range only makes
    /// a pass run sooner, never skip garbage).</summary>
    private const int PendingSupersessionRangesMax = 64;

    /// <summary>
    /// The oldest snapshot a read may still ask for: the longest transaction (<see cref="StorageNodeOptions.SnapshotRetention"/>)
    /// behind the resolved timestamp. The one place that says where the horizon is.
    /// </summary>
    public HybridTimestamp TrimHorizon => TrimHorizonAt(ResolvedTimestamp);

    /// <summary>Versions removed by garbage collection since the node started.</summary>
    public long CollectedVersionCount => Volatile.Read(ref collectedVersionCount);

    /// <summary>The live records of the version store's log by kind (<see cref="VersionStore.CountLiveRecords"/>), and
    /// where the log ends: tests of the record format call it while nothing is applied.</summary>
    internal (LogRecordCounts Live, long TailAddress) CountLiveRecords()
    {
        var store = EnterRead();
        try
        {
            return (store.CountLiveRecords(), store.TailAddress);
        }
        finally
        {
            ExitRead();
        }
    }

    private HybridTimestamp TrimHorizonAt(HybridTimestamp resolved)
    {
        var milliseconds = resolved.PhysicalMilliseconds - (long)options.SnapshotRetention.TotalMilliseconds;
        return milliseconds > 0 ? HybridTimestamp.From(milliseconds, 0) : HybridTimestamp.Zero;
    }

    /// <summary>Refuses a read below the horizon, whose versions may be collected.</summary>
    private void ThrowIfSnapshotTooOld(HybridTimestamp at)
    {
        var horizon = TrimHorizon;
        if (at < horizon)
        {
            throw new SnapshotTooOldException(at, horizon);
        }
    }

    /// <summary>Whether a storage inconsistency met by a read at <paramref name="at"/> is explained by garbage
    /// collection: the read was admitted, then the horizon passed it and a version it walked to was deleted.</summary>
    private bool IsCollectedUnder(HybridTimestamp at) => at < TrimHorizon;

    private void StartGarbageCollection()
    {
        Volatile.Write(ref newestSupersedingCommit, Volatile.Read(ref resolvedTimestamp));
        if (keys.Count > 0)
        {
            // Garbage left by an earlier life was superseded at or below the resolved timestamp, when is not known.
            pendingSupersessions.Add((0, Volatile.Read(ref resolvedTimestamp)));
        }
        if (options.GarbageCollectionEnabled)
        {
            collecting = Task.Run(() => CollectionLoopAsync(collectionStopping.Token), CancellationToken.None);
        }
    }

    private async Task StopGarbageCollectionAsync()
    {
        await collectionStopping.CancelAsync().ConfigureAwait(false);
        await collecting.ConfigureAwait(false);
    }

    // The version records the apply loop wrote, in the order it wrote them, each with the commit that superseded its
    // version: once the horizon reaches that commit the record is garbage, and a pass deletes it by key without reading
    // anything. Written by the apply loop, taken by passes (under collectionGate); at most
    // GarbageCollectionQueuedVersionsMax, past which supersessions are noted as ranges for a pass that walks every key.
    private readonly ConcurrentQueue<QueuedVersion> queuedVersions = new();
    private long queuedVersionCount;

    private readonly record struct QueuedVersion(byte[] Key, ulong Timestamp, ulong SupersededAt, int PayloadBytes);

    /// <summary>Called by the apply loop when a commit added a newer version of a known key, and moved the one it
    /// superseded to a version record.</summary>
    private void NoteSuperseded(byte[] key, SupersededVersion superseded, ulong commitTimestamp, int valueBytes)
    {
        // The head record the new one replaces is garbage as soon as it is replaced.
        Interlocked.Add(ref garbageBytesEstimate, RecordBytesEstimate(key.Length + 1, valueBytes));
        // Without background collection nothing would take them (a pass asked for walks for them instead).
        if (options.GarbageCollectionEnabled && Interlocked.Increment(ref queuedVersionCount) <= options.GarbageCollectionQueuedVersionsMax)
        {
            queuedVersions.Enqueue(new QueuedVersion(key, superseded.Timestamp, commitTimestamp, superseded.PayloadBytes));
            return;
        }
        if (options.GarbageCollectionEnabled)
        {
            Interlocked.Decrement(ref queuedVersionCount);
        }
        NoteUnqueuedSupersession(commitTimestamp);
    }

    /// <summary>A supersession the queue had no room for: a pass that walks every key collects it once the horizon
    /// reaches its commit.</summary>
    private void NoteUnqueuedSupersession(ulong commitTimestamp)
    {
        // A full fence between the two, paired with the one in CloseSupersessionRange: either the pass closing the
        // range sees this commit as the range's newest, or this sees the fresh range and notes itself in it.
        Interlocked.Exchange(ref newestSupersedingCommit, commitTimestamp);
        var oldest = Volatile.Read(ref currentSupersessionsOldest);
        while (commitTimestamp < oldest)
        {
            var seen = Interlocked.CompareExchange(ref currentSupersessionsOldest, commitTimestamp, oldest);
            if (seen == oldest) break;
            oldest = seen;
        }
    }

    /// <summary>
    /// Under collectionGate: deletes the queued version records whose superseding commit is at or below
    /// <paramref name="horizon"/>, from the front of the queue, a batch at a time. The apply loop queues a key's versions
    /// oldest first, so they are deleted oldest first, as a walk deletes them; one stuck behind a later commit of another
    /// key (partitions applied side by side) waits for a later pass.
    /// </summary>
    private async Task<CollectedVersions> DeleteQueuedVersionsAsync(ulong horizon, CancellationToken cancellationToken)
    {
        var batch = new List<(byte[] Key, ulong Timestamp)>(options.GarbageCollectionBatchKeyCount);
        var removed = new CollectedVersions(0, 0);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            batch.Clear();
            long payloadBytes = 0;
            while (batch.Count < options.GarbageCollectionBatchKeyCount && queuedVersions.TryPeek(out var next) && next.SupersededAt <= horizon
                && queuedVersions.TryDequeue(out var version))
            {
                batch.Add((version.Key, version.Timestamp));
                payloadBytes += version.PayloadBytes;
            }
            if (batch.Count == 0)
            {
                return removed;
            }
            Interlocked.Add(ref queuedVersionCount, -batch.Count);
            var store = EnterRead();
            try
            {
                store.DeleteVersions(batch);
            }
            finally
            {
                ExitRead();
            }
            removed += new CollectedVersions(batch.Count, payloadBytes);
            // Applying and reads go on between batches.
            await Task.Yield();
        }
    }

    private static long RecordBytesEstimate(int keyBytes, long payloadBytes) => keyBytes + payloadBytes + RecordOverheadBytesEstimate;

    /// <summary>FASTER's record header and the two length prefixes of a SpanByte key and value, rounded up.</summary>
    private const int RecordOverheadBytesEstimate = 32;

    /// <summary>The pause between two passes when <see cref="StorageNodeOptions.GarbageCollectionInterval"/> is not set.</summary>
    private static readonly TimeSpan CollectionPauseDefault = TimeSpan.FromSeconds(30);

    /// <summary>Passes per <see cref="StorageNodeOptions.SnapshotRetention"/> at least, when the interval is not set. Between
    /// two passes the log holds, besides the horizon's versions, every version superseded since the last pass: with a
    /// pass per retention that alone can equal the horizon's versions; with four, a quarter of them.</summary>
    private const int CollectionPassesPerRetentionMin = 4;

    /// <summary>The pause between two passes.</summary>
    internal TimeSpan CollectionPause => options.GarbageCollectionInterval
        ?? TimeSpan.FromTicks(Math.Min(CollectionPauseDefault.Ticks, Math.Max(1, options.SnapshotRetention.Ticks / CollectionPassesPerRetentionMin)));

    private async Task CollectionLoopAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(CollectionPause, options.TimeProvider, cancellationToken).ConfigureAwait(false);
                await CollectGarbageAsync(force: false, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception)
            {
                // Collection only saves space: the node keeps serving, and the next pass tries again.
                logger.LogError(exception, "Garbage collection of partition {Partition} failed; trying again later", options.Partition);
            }
        }
    }

    /// <summary>
    /// Collects now: deletes every version below <see cref="TrimHorizon"/> that no read can reach, then compacts the log
    /// when its garbage estimate is at least <see cref="StorageNodeOptions.CompactionGarbageFractionMin"/> of it.
    /// Returns what it did, or null when there was nothing to do (no version superseded since the last collection below
    /// the horizon, unless <paramref name="force"/>) or the node has failed.
    /// </summary>
    public async Task<GarbageCollection?> CollectGarbageAsync(bool force, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref started) == 0)
        {
            throw new InvalidOperationException("The storage node was not started.");
        }
        await collectionGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var horizon = TrimHorizon;
            if (FailureReason is not null || horizon.Value == 0)
            {
                return null;
            }
            var startedAt = options.TimeProvider.GetTimestamp();
            CloseSupersessionRange();
            // The queued versions first: a walk after them stops at the first one they deleted, below the kept version.
            var removed = await DeleteQueuedVersionsAsync(horizon.Value, cancellationToken).ConfigureAwait(false);
            if (!force && (horizon.Value <= collectedThrough || Volatile.Read(ref newestSupersedingCommit) <= collectedThrough
                || !pendingSupersessions.Exists(range => range.Oldest <= horizon.Value)))
            {
                // Nothing to walk for; but what the queue held, the tombstones the last pass wrote (and what it could not
                // compact before a checkpoint made it read-only) may now be worth compacting.
                NoteRemoved(removed);
                var (before, after) = await CompactIfWorthwhileAsync(cancellationToken).ConfigureAwait(false);
                return after == before && removed.VersionCount == 0 ? null
                    : LogCollection(new GarbageCollection(horizon, 0, removed.VersionCount, removed.PayloadBytes, before, after,
                        options.TimeProvider.GetElapsedTime(startedAt)));
            }
            var batch = new List<IndexedKey>(options.GarbageCollectionBatchKeyCount);
            byte[] cursor = [];
            var cursorInclusive = true;
            long visited = 0;
            var walked = new CollectedVersions(0, 0);
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                batch.Clear();
                keys.CopyRange(cursor, cursorInclusive, null, options.GarbageCollectionBatchKeyCount, batch);
                var store = EnterRead();
                CollectedVersions collected;
                try
                {
                    collected = store.CollectGarbage(batch, horizon.Value);
                }
                finally
                {
                    ExitRead();
                }
                visited += batch.Count;
                walked += collected;
                if (batch.Count < options.GarbageCollectionBatchKeyCount)
                {
                    break;
                }
                cursor = batch[^1].Key;
                cursorInclusive = false;
                // Applying and reads go on between batches: the pass is background work.
                await Task.Yield();
            }
            collectedThrough = horizon.Value;
            ForgetCollectedSupersessions(horizon.Value);
            removed += walked;
            NoteRemoved(removed);
            var (beginBefore, beginAfter) = await CompactIfWorthwhileAsync(cancellationToken).ConfigureAwait(false);
            return LogCollection(new GarbageCollection(horizon, visited, removed.VersionCount, removed.PayloadBytes, beginBefore, beginAfter,
                options.TimeProvider.GetElapsedTime(startedAt)));
        }
        finally
        {
            collectionGate.Release();
        }
    }

    /// <summary>Counts versions a pass removed, and their garbage for compaction.</summary>
    private void NoteRemoved(CollectedVersions removed)
    {
        Interlocked.Add(ref collectedVersionCount, removed.VersionCount);
        // A deleted version leaves its record and a tombstone, both dropped by compaction. Key lengths are not kept;
        // the payload is most of a record.
        Interlocked.Add(ref garbageBytesEstimate, 2 * (removed.PayloadBytes + removed.VersionCount * RecordOverheadBytesEstimate));
    }

    /// <summary>Under collectionGate: the commits noted since the last pass become a pending range.</summary>
    private void CloseSupersessionRange()
    {
        var oldest = Interlocked.Exchange(ref currentSupersessionsOldest, ulong.MaxValue);
        if (oldest == ulong.MaxValue)
        {
            return;
        }
        pendingSupersessions.Add((oldest, Volatile.Read(ref newestSupersedingCommit)));
        if (pendingSupersessions.Count > PendingSupersessionRangesMax)
        {
            var (first, second) = (pendingSupersessions[0], pendingSupersessions[1]);
            pendingSupersessions[1] = (Math.Min(first.Oldest, second.Oldest), Math.Max(first.Newest, second.Newest));
            pendingSupersessions.RemoveAt(0);
        }
    }

    /// <summary>Under collectionGate, after a pass at <paramref name="horizon"/>: every version superseded at or below it is
    /// gone, so a range below it is done and one across it has only commits above it left.</summary>
    private void ForgetCollectedSupersessions(ulong horizon)
    {
        pendingSupersessions.RemoveAll(range => range.Newest <= horizon);
        for (var index = 0; index < pendingSupersessions.Count; index++)
        {
            var range = pendingSupersessions[index];
            if (range.Oldest <= horizon)
            {
                pendingSupersessions[index] = (horizon + 1, range.Newest);
            }
        }
    }

    /// <summary>Polls of <see cref="VersionStore.SafeReadOnlyAddress"/>, a millisecond apart, after a shift of the
    /// read-only address to the tail; compaction then goes as far as the shift has reached.</summary>
    private const int ReadOnlyShiftPollsMax = 1000;

    /// <summary>Makes the log read-only up to its tail (<see cref="VersionStore.ShiftReadOnlyToTail"/>), under the
    /// checkpoint gate (a checkpoint moves the read-only address too), and waits until the shift is safe.</summary>
    private async Task ShiftReadOnlyToTailAsync(VersionStore store, CancellationToken cancellationToken)
    {
        long target;
        await checkpointGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(storeClosed, this);
            target = store.ShiftReadOnlyToTail();
        }
        finally
        {
            checkpointGate.Release();
        }
        for (var poll = 0; poll < ReadOnlyShiftPollsMax && store.SafeReadOnlyAddress < target; poll++)
        {
            await Task.Delay(1, cancellationToken).ConfigureAwait(false);
        }
    }

    private GarbageCollection LogCollection(GarbageCollection result)
    {
        logger.LogInformation(
            "Garbage collection of partition {Partition} at horizon {Horizon}: {Versions} versions ({Bytes} bytes) removed from {Keys} keys; log begins at {Begin} (was {BeginBefore}), ends at {Tail}; {Elapsed:0} ms",
            options.Partition, result.Horizon, result.VersionsRemoved, result.PayloadBytesRemoved, result.KeysVisited, result.LogBeginAfter,
            result.LogBeginBefore, versions!.TailAddress, result.Elapsed.TotalMilliseconds);
        return result;
    }

    /// <summary>
    /// Compacts the read-only part of the log in steps of at most <see cref="StorageNodeOptions.CompactionStepBytesMax"/>
    /// while the garbage estimate is at least <see cref="StorageNodeOptions.CompactionGarbageFractionMin"/> of the log,
    /// then asks for a checkpoint, which deletes the log files below the new begin address. Holds the checkpoint gate
    /// during each step: a checkpoint's log range and FASTER's truncation must see one begin address.
    /// </summary>
    private async Task<(long Before, long After)> CompactIfWorthwhileAsync(CancellationToken cancellationToken)
    {
        var store = versions ?? throw new InvalidOperationException("The storage node was not started.");
        var before = store.BeginAddress;
        var begin = before;
        var shifted = false;
        while (true)
        {
            var logBytes = store.TailAddress - begin;
            var garbage = Volatile.Read(ref garbageBytesEstimate);
            if (logBytes <= 0 || garbage < logBytes * options.CompactionGarbageFractionMin)
            {
                break;
            }
            if (!shifted && store.SafeReadOnlyAddress < store.TailAddress)
            {
                // Once per call, so that compaction does not chase a tail that applying keeps moving.
                shifted = true;
                await ShiftReadOnlyToTailAsync(store, cancellationToken).ConfigureAwait(false);
            }
            var until = Math.Min(store.SafeReadOnlyAddress, begin + options.CompactionStepBytesMax);
            if (until <= begin)
            {
                break;
            }
            await checkpointGate.WaitAsync(cancellationToken).ConfigureAwait(false);
            long compactedTo;
            try
            {
                ObjectDisposedException.ThrowIf(storeClosed, this);
                logger.LogDebug("Compacting the log of partition {Partition} from {Begin} to {Until}", options.Partition, begin, until);
                compactedTo = store.Compact(until);
                logger.LogDebug("Compacted the log of partition {Partition}: it begins at {Begin}", options.Partition, compactedTo);
            }
            finally
            {
                checkpointGate.Release();
            }
            if (compactedTo <= begin)
            {
                break;
            }
            // The garbage was spread over the log: the compacted part held its share of it.
            Interlocked.Add(ref garbageBytesEstimate, -(long)(garbage * ((double)(compactedTo - begin) / logBytes)));
            begin = compactedTo;
            await Task.Yield();
        }
        if (begin != before && options.CheckpointsEnabled)
        {
            Volatile.Read(ref checkpointWanted).TrySetResult();
        }
        return (before, begin);
    }
    /// <summary>
    /// How many of <paramref name="manifests"/> (newest first) to keep: at most <see cref="StorageNodeOptions.CheckpointsKept"/>,
    /// and none from the first older one whose log begins in a segment below the one the newest's log begins in.
    /// Compaction moved the log's begin address past that checkpoint's, and FASTER deleted the segment files below the
    /// new one when it took the newest: the older checkpoint's log range is gone, so it could only fail its checksums,
    /// and keeping it kept a second hash index checkpoint (32 MiB by default) and key file for nothing. A manifest that
    /// cannot be read is kept as before (it names nothing).
    /// </summary>
    private int KeptCheckpointCount(List<string> manifests)
    {
        var limit = Math.Min(options.CheckpointsKept, manifests.Count);
        if (limit <= 1 || CheckpointManifest.Decode(File.ReadAllBytes(manifests[0]), out _) is not { } newest)
        {
            return limit;
        }
        var deletedBelow = newest.LogBeginAddress & ~((1L << newest.LogSegmentSizeBits) - 1);
        for (var kept = 1; kept < limit; kept++)
        {
            if (CheckpointManifest.Decode(File.ReadAllBytes(manifests[kept]), out _) is { } older && older.LogBeginAddress < deletedBelow)
            {
                return kept;
            }
        }
        return limit;
    }
}
