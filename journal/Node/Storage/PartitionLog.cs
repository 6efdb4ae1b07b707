using System.Diagnostics;
using FASTER.core;
using Microsoft.Extensions.Logging;

namespace Log.Journal.Node.Storage;

/// <summary>What came of appending one batch.</summary>
public readonly record struct AppendResult(short ErrorCode, long BaseOffset, Task Durable, string? ErrorMessage);

/// <summary>What a fetch found: batches that are all below the high watermark.</summary>
public readonly record struct FetchResult(short ErrorCode, long HighWatermark, long LogStartOffset, byte[] Records);

/// <summary>
/// One partition of a topic: a FASTER <see cref="FasterLog"/> whose entries are whole Kafka
/// record batches, plus an in-memory index of them rebuilt from the log at open.
///
/// Threading: appends and index changes happen under <c>gate</c>, so offsets are assigned in log
/// order. <see cref="Flush"/> makes what was appended durable: one caller at a time starts a
/// FASTER commit (carrying the next offset, for <see cref="LogTailRecovery"/>) and does its data
/// write on its own thread (<see cref="PreparedLogDevice"/>); callers that arrive meanwhile leave
/// their batches to it, and it commits again for them when its write is done (group commit). When
/// a data write returns, the batches below FASTER's flushed address are durable: the high
/// watermark moves past them and their acknowledgements complete. That is sound before FASTER's
/// commit record is written because the commit records are lazy: at open the batches after the
/// newest one are found again by scanning (a partition always has a commit record to scan from:
/// the first is written when it is created). Readers only ever see batches below the high
/// watermark, so nothing that a crash could take back is ever served.
/// </summary>
public sealed class PartitionLog : IAsyncDisposable
{
    private readonly object gate = new();
    private readonly PreparedLogDevice device;
    private readonly AlternatingSlotCommitManager commitManager;
    private readonly FasterLog log;
    private readonly ILogger logger;
    private readonly List<PartitionIndexEntry> index = [];
    private readonly Queue<PendingAcknowledgement> pendingAcknowledgements = new();
    private readonly Dictionary<long, ProducerState> producers = [];
    private readonly int maximumProducerBatchesRemembered;
    private readonly string startOffsetPath;
    private readonly string writerFencePath;
    private readonly string indexPath;
    private readonly long indexIntervalBytes;
    private long writerFence;
    /// <summary>Batches below this log address were taken from the index file at open, not checked: each is checked when
    /// it is served. 0 when the open checked every batch.</summary>
    private long uncheckedBelowAddress;
    /// <summary>Where the newest index file (written or read) ends; a new one is written once the durable log has grown
    /// <see cref="indexIntervalBytes"/> past it. Under gate.</summary>
    private long indexedUntilAddress;
    private long scannedBytesAtOpen;
    /// <summary>1 while an index file is being written (one at a time).</summary>
    private int indexWriting;
    private Task indexWrite = Task.CompletedTask;
    private readonly SemaphoreSlim truncating = new(1, 1);
    private long nextOffset;
    private long logStartOffset;
    private bool commitForced;
    private long highWatermark;
    private int committedIndexCount;
    private long enqueuedUntilAddress;
    private int flushing;
    private int flushRequested;
    private Exception? failure;
    private TaskCompletionSource committedSignal = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>An acknowledgement that completes when the log is flushed to <paramref name="EndAddress"/>,
    /// where the offsets below <paramref name="EndOffset"/> end.</summary>
    private readonly record struct PendingAcknowledgement(long EndAddress, long EndOffset, TaskCompletionSource Completion);

    private sealed class ProducerState(short epoch)
    {
        public short Epoch { get; set; } = epoch;
        public Queue<ProducerBatch> Recent { get; } = new();
    }

    public string Topic { get; }
    public int Partition { get; }

    private PartitionLog(string topic, int partition, string folder, PreparedLogDevice device, AlternatingSlotCommitManager commitManager, FasterLog log, ILogger logger, int maximumProducerBatchesRemembered, long indexInterval)
    {
        startOffsetPath = Path.Combine(folder, StartOffsetFileName);
        writerFencePath = Path.Combine(folder, WriterFenceFileName);
        writerFence = ReadWriterFence(writerFencePath);
        indexPath = Path.Combine(folder, PartitionIndexFile.FileName);
        indexIntervalBytes = indexInterval;
        Topic = topic;
        Partition = partition;
        this.device = device;
        this.commitManager = commitManager;
        this.log = log;
        this.logger = logger;
        this.maximumProducerBatchesRemembered = maximumProducerBatchesRemembered;
        Rebuild();
        enqueuedUntilAddress = log.TailAddress;
        device.WriteCompleted = OnWriteCompleted;
    }

    /// <summary>Opens (recovering to the last commit) or creates the log in <paramref name="folder"/>.</summary>
    public static PartitionLog Open(string topic, int partition, string folder, JournalNodeOptions options, ILogger logger)
    {
        Directory.CreateDirectory(folder);
        var logFilePath = Path.Combine(folder, LogFileName);
        var commitManager = new AlternatingSlotCommitManager(folder);
        PreparedLogDevice? device = null;
        try
        {
            LogTailRecovery.Recover(logFilePath, commitManager, options.LogPageSizeBits, options.LogSegmentSizeBits, options.MaxBatchBytes, logger, topic, partition);
            device = new PreparedLogDevice(logFilePath);
            var settings = new FasterLogSettings
            {
                LogDevice = device,
                LogCommitDir = folder,
                LogCommitManager = commitManager,
                PageSizeBits = options.LogPageSizeBits,
                MemorySizeBits = options.LogMemorySizeBits,
                SegmentSizeBits = options.LogSegmentSizeBits,
                TryRecoverLatest = true,
                RemoveOutdatedCommits = true,
            };
            var log = new FasterLog(settings, logger);
            var partitionLog = new PartitionLog(topic, partition, folder, device, commitManager, log, logger, options.ProducerBatchesRememberedPerPartition,
                options.PartitionIndexIntervalBytes);
            if (!commitManager.TailRecoverableByScan)
            {
                // A new partition (or one written before lazy commit records): its first commit
                // record is what makes every later flushed batch recoverable.
                partitionLog.CommitAsync().AsTask().GetAwaiter().GetResult();
            }
            if (partitionLog.scannedBytesAtOpen >= options.PartitionIndexIntervalBytes)
            {
                // The next open need not check again what this one did.
                partitionLog.StartIndexWrite();
            }
            return partitionLog;
        }
        catch
        {
            commitManager.Dispose();
            device?.Dispose();
            throw;
        }
    }

    /// <summary>FASTER's log files: this name plus <c>.</c> and the segment number.</summary>
    public const string LogFileName = "batches.log";

    /// <summary>The file holding the log start offset that DeleteRecords moved (absent: 0).</summary>
    public const string StartOffsetFileName = "log-start-offset";

    /// <summary>The file holding the partition's writer fence (absent: no fence).</summary>
    public const string WriterFenceFileName = "writer-fence";

    /// <summary>Scans the committed log: the index, the next offset and the producers' last
    /// sequences all come from the batches themselves; only the log start offset, which may fall
    /// inside a batch or past every batch, is kept beside them. When the partition's index file
    /// (<see cref="PartitionIndexFile"/>) passes its checks, the batches it covers are taken from it and only those after
    /// it are scanned.</summary>
    private void Rebuild()
    {
        logStartOffset = ReadStartOffset(startOffsetPath);
        var first = true;
        var scanFrom = log.BeginAddress;
        if (TryLoadIndex() is { } indexedUntil)
        {
            first = false;
            scanFrom = indexedUntil;
            uncheckedBelowAddress = indexedUntil;
        }
        var indexedBatches = index.Count;
        using var iterator = log.Scan(scanFrom, log.CommittedUntilAddress);
        // Each batch is checked in FASTER's page buffer, not copied out: a copy each (large arrays, up to a commit's
        // 1 MiB) was most of what the scan allocated.
        while (TryNextInPlace(iterator, out var entry, out var address))
        {
            var length = entry.Length;
            string? problem;
            RecordBatchHeader header;
            try
            {
                problem = RecordBatch.TryRead(entry, out header);
            }
            finally
            {
                iterator.UnsafeRelease();
            }
            if (problem is not null || header.TotalBytes != length)
            {
                throw new InvalidDataException(
                    $"Journal partition {Topic}/{Partition} holds a corrupt committed batch at log address {address}: {problem ?? "length mismatch"}");
            }
            if (first)
            {
                // A prefix truncation removes whole batches below the start offset, and only after
                // that offset is on disk: the first batch left holds it or lies below it.
                first = false;
                if (header.BaseOffset > logStartOffset)
                {
                    throw new InvalidDataException(
                        $"Journal partition {Topic}/{Partition}: the log begins at offset {header.BaseOffset}, after its start offset {logStartOffset}");
                }
                nextOffset = header.BaseOffset;
            }
            if (header.BaseOffset != nextOffset)
            {
                throw new InvalidDataException(
                    $"Journal partition {Topic}/{Partition}: batch at log address {address} has base offset {header.BaseOffset}, expected {nextOffset}");
            }
            var lastOffset = header.BaseOffset + header.LastOffsetDelta;
            if (lastOffset >= logStartOffset)
            {
                // Batches wholly below the start offset are deleted records whose space FASTER has
                // not reclaimed yet: neither served nor indexed.
                index.Add(new PartitionIndexEntry(header.BaseOffset, lastOffset, address, length, header.MaxTimestamp));
            }
            RememberProducer(header, header.BaseOffset, lastOffset);
            nextOffset = lastOffset + 1;
        }
        nextOffset = Math.Max(nextOffset, logStartOffset);
        highWatermark = nextOffset;
        committedIndexCount = index.Count;
        scannedBytesAtOpen = log.CommittedUntilAddress - scanFrom;
        BatchesFromIndexAtOpen = indexedBatches;
        BatchesCheckedAtOpen = index.Count - indexedBatches;
        logger.LogInformation(
            "Opened journal partition {Topic}/{Partition}: {Batches} batches, next offset {NextOffset}; {Indexed} batches taken from its index, {Scanned} checked from log address {From} ({ScannedBytes} bytes)",
            Topic, Partition, index.Count, nextOffset, indexedBatches, index.Count - indexedBatches, scanFrom, scannedBytesAtOpen);
    }

    /// <summary>How many of the batches indexed at open were taken from the index file.</summary>
    internal int BatchesFromIndexAtOpen { get; private set; }

    /// <summary>How many of the batches indexed at open were scanned and checked.</summary>
    internal int BatchesCheckedAtOpen { get; private set; }

    /// <summary>
    /// Takes the batches, the next offset and the producers' state from the partition's index file when it is sound and
    /// agrees with the log: its end lies within the committed log, and its first and last batches still kept are where
    /// it says, whole and with the offsets it gives (the other batches it covers are checked when they are served, see
    /// <see cref="ReadAsync"/>). Returns the log address where its batches end (the scan goes on from there), or null
    /// when there is no such file or it was ignored (then every batch is checked, as without one; the log says why).
    /// </summary>
    private long? TryLoadIndex()
    {
        PartitionIndexContents? contents;
        string? problem;
        try
        {
            contents = PartitionIndexFile.TryRead(indexPath, out problem);
        }
        catch (IOException exception)
        {
            (contents, problem) = (null, exception.Message);
        }
        if (contents is not null)
        {
            problem = IndexDisagreement(contents, out var kept);
            if (problem is null)
            {
                index.AddRange(kept);
                nextOffset = contents.NextOffset;
                MaximumProducerIdSeen = contents.MaximumProducerIdSeen;
                foreach (var producer in contents.Producers)
                {
                    var state = new ProducerState(producer.Epoch);
                    foreach (var batch in producer.Recent.TakeLast(maximumProducerBatchesRemembered))
                    {
                        state.Recent.Enqueue(batch);
                    }
                    producers[producer.ProducerId] = state;
                }
                indexedUntilAddress = contents.EndAddress;
                return contents.EndAddress;
            }
        }
        if (problem is not null)
        {
            logger.LogWarning("Journal partition {Topic}/{Partition}: its index file {Path} is ignored ({Problem}); every batch of the log is checked",
                Topic, Partition, indexPath, problem);
        }
        return null;
    }

    /// <summary>Why <paramref name="contents"/> does not describe this log, or null; <paramref name="kept"/> is then its
    /// entries still in the log and at or above the start offset.</summary>
    private string? IndexDisagreement(PartitionIndexContents contents, out ArraySegment<PartitionIndexEntry> kept)
    {
        kept = default;
        if (contents.EndAddress < log.BeginAddress || contents.EndAddress > log.CommittedUntilAddress)
        {
            return $"it ends at log address {contents.EndAddress}, outside the committed log ({log.BeginAddress} to {log.CommittedUntilAddress})";
        }
        var entries = contents.Entries;
        var from = 0;
        while (from < entries.Length && (entries[from].Address < log.BeginAddress || entries[from].LastOffset < logStartOffset))
        {
            from++;
        }
        kept = new ArraySegment<PartitionIndexEntry>(entries, from, entries.Length - from);
        if (kept.Count == 0)
        {
            return null;
        }
        if (kept[0].BaseOffset > logStartOffset)
        {
            // As in the scan: the first batch left after a prefix truncation holds the start offset or lies below it.
            return $"its first batch kept begins at offset {kept[0].BaseOffset}, after the start offset {logStartOffset}";
        }
        return BatchDisagreement(kept[0]) ?? BatchDisagreement(kept[^1]);
    }

    /// <summary>Why the log does not hold the batch <paramref name="entry"/> describes, whole, where it says, or null.</summary>
    private string? BatchDisagreement(in PartitionIndexEntry entry)
    {
        var bytes = new byte[LogTailRecovery.EntryHeaderBytes + entry.LengthBytes];
        try
        {
            device.Read(entry.Address, bytes);
        }
        catch (Exception exception) when (exception is FileNotFoundException or EndOfStreamException)
        {
            return $"log address {entry.Address} does not hold its {entry.LengthBytes}-byte batch: {exception.Message}";
        }
        if (System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(bytes) != entry.LengthBytes)
        {
            return $"the log's entry at address {entry.Address} is not {entry.LengthBytes} bytes long";
        }
        return ServedBatchProblem(entry, bytes.AsSpan(LogTailRecovery.EntryHeaderBytes));
    }

    /// <summary>Why <paramref name="batch"/>, read where <paramref name="entry"/> says, is not that batch, or null: its checks
    /// (layout, CRC-32C) pass, and its length and offsets are the entry's.</summary>
    private static string? ServedBatchProblem(in PartitionIndexEntry entry, ReadOnlySpan<byte> batch)
    {
        if (RecordBatch.TryRead(batch, out var header) is { } problem)
        {
            return $"the batch at log address {entry.Address} fails its checks: {problem}";
        }
        if (header.TotalBytes != entry.LengthBytes || header.BaseOffset != entry.BaseOffset || header.BaseOffset + header.LastOffsetDelta != entry.LastOffset)
        {
            return $"the batch at log address {entry.Address} holds offsets {header.BaseOffset} to {header.BaseOffset + header.LastOffsetDelta} in {header.TotalBytes} bytes, "
                + $"not {entry.BaseOffset} to {entry.LastOffset} in {entry.LengthBytes}";
        }
        return null;
    }

    /// <summary>The next entry of <paramref name="iterator"/> where it lies in FASTER's memory; the caller calls
    /// <see cref="FasterLogScanIterator.UnsafeRelease"/> once done with it (the span is valid until then).</summary>
    private static unsafe bool TryNextInPlace(FasterLogScanIterator iterator, out ReadOnlySpan<byte> entry, out long address)
    {
        if (!iterator.UnsafeGetNext(out var pointer, out var length, out address, out _))
        {
            entry = default;
            return false;
        }
        entry = new ReadOnlySpan<byte>(pointer, length);
        return true;
    }

    public long HighWatermark => Volatile.Read(ref highWatermark);

    public long LogStartOffset => Volatile.Read(ref logStartOffset);

    /// <summary>The greatest producer id in this partition's batches, so that ids handed out after a
    /// restart never collide with a producer whose sequences the log remembers.</summary>
    public long MaximumProducerIdSeen { get; private set; } = -1;

    /// <summary>The base offset of the first committed batch whose greatest timestamp is at or
    /// after <paramref name="timestampMs"/>, or the high watermark if there is none. Batch
    /// granularity: the node does not look inside batches.</summary>
    public long OffsetForTimestamp(long timestampMs)
    {
        lock (gate)
        {
            for (var position = 0; position < committedIndexCount; position++)
            {
                if (index[position].MaxTimestamp >= timestampMs)
                {
                    return Math.Max(index[position].BaseOffset, logStartOffset);
                }
            }
            return highWatermark;
        }
    }

    /// <summary>Completes when the high watermark next moves (or the log stops).</summary>
    public Task WhenCommitted()
    {
        lock (gate)
        {
            return committedSignal.Task;
        }
    }

    /// <summary>
    /// Checks the producer's sequence, assigns offsets and enqueues one batch. Returns at once;
    /// the result's <see cref="AppendResult.Durable"/> completes when the batch is durable, after
    /// a <see cref="Flush"/> (the caller's, or another's) has written it. The batch bytes are
    /// copied into the log before this returns.
    /// </summary>
    /// <summary>The lowest writer epoch this partition still takes from producers (0: no fence); see
    /// <see cref="RaiseWriterFence"/>.</summary>
    public long WriterFence => Volatile.Read(ref writerFence);

    /// <summary>
    /// Raises the writer fence to <paramref name="epoch"/> (never lowers it) and returns the partition's end offset at
    /// that moment. From then on a produced batch is taken only if every record in it is a journal record whose writer
    /// epoch is at or above the fence (an uncompressed batch; anything the node cannot read that far is refused too);
    /// only <see cref="AppendAt"/> bypasses it. The fence is on disk before this returns, and survives restarts.
    /// </summary>
    public long RaiseWriterFence(long epoch)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(epoch);
        lock (gate)
        {
            if (epoch > writerFence)
            {
                WriteCheckedNumber(writerFencePath, epoch);
                Volatile.Write(ref writerFence, epoch);
            }
            return nextOffset;
        }
    }

    /// <summary>The offset the next batch gets.</summary>
    public long EndOffset
    {
        get
        {
            lock (gate)
            {
                return nextOffset;
            }
        }
    }

    /// <summary>Appends a batch only when the partition ends at <paramref name="expectedOffset"/> (else
    /// <see cref="Protocol.ErrorCode.OffsetOutOfRange"/> and nothing changes), past the writer fence: the fencer's own
    /// appends (copying the fenced writer's records from another copy, then a seal).</summary>
    public AppendResult AppendAt(long expectedOffset, Span<byte> batch, in RecordBatchHeader header)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(expectedOffset);
        AppendResult? result;
        while ((result = TryAppend(batch, header, expectedOffset)) is null)
        {
            Thread.Yield();
        }
        return result.Value;
    }

    /// <param name="acknowledgeOnFlushingThread">When true, continuations of the result's <see cref="AppendResult.Durable"/>
    /// that ask to run synchronously run on the thread whose flush made the batch durable (an in-process writer's short
    /// callback, see <see cref="Log.Journal.Node.InProcessJournalWriter"/>); otherwise they run on the thread pool.</param>
    public AppendResult Append(Span<byte> batch, in RecordBatchHeader header, bool acknowledgeOnFlushingThread = false)
    {
        AppendResult? result;
        while ((result = TryAppend(batch, header, expectedOffset: -1, acknowledgeOnFlushingThread)) is null)
        {
            // FASTER's memory is full until a page write finishes; it is not waited for under the
            // gate, which the writing thread takes to acknowledge what it wrote.
            Thread.Yield();
        }
        return result.Value;
    }

    /// <summary>Null when FASTER had no room for the batch (nothing changed).</summary>
    private AppendResult? TryAppend(Span<byte> batch, in RecordBatchHeader header, long expectedOffset, bool acknowledgeOnFlushingThread = false)
    {
        Debug.Assert(batch.Length == header.TotalBytes);
        TaskCompletionSource completion;
        long baseOffset;
        lock (gate)
        {
            if (failure is not null)
            {
                return new AppendResult(Protocol.ErrorCode.UnknownServerError, -1, Task.CompletedTask, "journal partition failed: " + failure.Message);
            }
            if (expectedOffset >= 0 && expectedOffset != nextOffset)
            {
                return new AppendResult(Protocol.ErrorCode.OffsetOutOfRange, -1, Task.CompletedTask,
                    $"the partition ends at offset {nextOffset}, not at {expectedOffset}");
            }
            if (expectedOffset < 0 && writerFence > 0 && BelowWriterFence(batch, header) is { } fenced)
            {
                return new AppendResult(Protocol.ErrorCode.InvalidProducerEpoch, -1, Task.CompletedTask, fenced);
            }
            if (header.ProducerId >= 0 && producers.TryGetValue(header.ProducerId, out var state))
            {
                if (header.ProducerEpoch < state.Epoch)
                {
                    return new AppendResult(Protocol.ErrorCode.InvalidProducerEpoch, -1, Task.CompletedTask,
                        $"producer epoch {header.ProducerEpoch} is older than {state.Epoch}");
                }
                if (header.ProducerEpoch > state.Epoch && header.BaseSequence != 0)
                {
                    // A new epoch starts its sequences again at 0.
                    return new AppendResult(Protocol.ErrorCode.OutOfOrderSequenceNumber, -1, Task.CompletedTask,
                        $"producer epoch {header.ProducerEpoch} begins at sequence {header.BaseSequence}, not 0");
                }
                if (header.ProducerEpoch == state.Epoch && state.Recent.Count > 0)
                {
                    foreach (var recent in state.Recent)
                    {
                        if (recent.FirstSequence == header.BaseSequence && recent.LastSequence == header.LastSequence)
                        {
                            // A retry of a batch we already hold: acknowledge it with its original
                            // offset once that is durable, and store nothing.
                            return new AppendResult(Protocol.ErrorCode.None, recent.BaseOffset, DurableUntil(recent.LastOffset + 1), null);
                        }
                    }
                    var expected = NextSequence(state.Recent.Last().LastSequence);
                    if (header.BaseSequence != expected)
                    {
                        return new AppendResult(Protocol.ErrorCode.OutOfOrderSequenceNumber, -1, Task.CompletedTask,
                            $"sequence {header.BaseSequence} where {expected} was expected");
                    }
                }
            }
            baseOffset = nextOffset;
            var lastOffset = baseOffset + header.LastOffsetDelta;
            RecordBatch.Assign(batch, baseOffset, partitionLeaderEpoch: 0);
            if (!log.TryEnqueue(batch, out var address))
            {
                return null;
            }
            index.Add(new PartitionIndexEntry(baseOffset, lastOffset, address, batch.Length, header.MaxTimestamp));
            RememberProducer(header, baseOffset, lastOffset);
            nextOffset = lastOffset + 1;
            enqueuedUntilAddress = LogTailRecovery.EntryEnd(address, batch.Length);
            completion = new TaskCompletionSource(acknowledgeOnFlushingThread ? TaskCreationOptions.None : TaskCreationOptions.RunContinuationsAsynchronously);
            pendingAcknowledgements.Enqueue(new PendingAcknowledgement(enqueuedUntilAddress, nextOffset, completion));
        }
        return new AppendResult(Protocol.ErrorCode.None, baseOffset, completion.Task, null);
    }

    /// <summary>Why the batch is refused by the writer fence, or null when every record's writer epoch is at or above
    /// it. Call under gate.</summary>
    private string? BelowWriterFence(ReadOnlySpan<byte> batch, in RecordBatchHeader header)
    {
        var values = new List<byte[]>(header.RecordCount);
        if (RecordBatchValues.TryRead(batch, header, values) is { } problem)
        {
            return $"the partition is fenced below writer epoch {writerFence} and its records cannot be read: {problem}";
        }
        foreach (var value in values)
        {
            long epoch;
            try
            {
                epoch = Records.JournalRecordCodec.Decode(value).Epoch;
            }
            catch (InvalidDataException exception)
            {
                return $"the partition is fenced below writer epoch {writerFence} and a record is not a journal record: {exception.Message}";
            }
            if (epoch < writerFence)
            {
                return $"writer epoch {epoch} is fenced: the partition takes records of epoch {writerFence} and above";
            }
        }
        return null;
    }

    private static int NextSequence(int sequence) => sequence == int.MaxValue ? 0 : sequence + 1;

    /// <summary>A task that completes when everything below <paramref name="endOffset"/> is durable. Call under gate.</summary>
    private Task DurableUntil(long endOffset)
    {
        if (endOffset <= highWatermark)
        {
            return Task.CompletedTask;
        }
        var completion = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // Pending acknowledgements are kept in offset order; this one covers an offset that an
        // earlier entry already waits for, so it completes with or after that one.
        pendingAcknowledgements.Enqueue(new PendingAcknowledgement(enqueuedUntilAddress, nextOffset, completion));
        return completion.Task;
    }

    private void RememberProducer(in RecordBatchHeader header, long baseOffset, long lastOffset)
    {
        if (header.ProducerId < 0)
        {
            return;
        }
        MaximumProducerIdSeen = Math.Max(MaximumProducerIdSeen, header.ProducerId);
        if (!producers.TryGetValue(header.ProducerId, out var state) || state.Epoch != header.ProducerEpoch)
        {
            state = new ProducerState(header.ProducerEpoch);
            producers[header.ProducerId] = state;
        }
        state.Recent.Enqueue(new ProducerBatch(header.BaseSequence, header.LastSequence, baseOffset, lastOffset));
        while (state.Recent.Count > maximumProducerBatchesRemembered)
        {
            state.Recent.Dequeue();
        }
    }

    /// <summary>
    /// Makes every batch appended so far durable, then returns; their acknowledgements are
    /// complete by then, unless another thread was flushing, in which case that thread flushes
    /// them too before it returns (and completes them). Call without holding any lock.
    /// </summary>
    public void Flush()
    {
        Volatile.Write(ref flushRequested, 1);
        while (Volatile.Read(ref flushRequested) == 1 && Interlocked.CompareExchange(ref flushing, 1, 0) == 0)
        {
            try
            {
                Volatile.Write(ref flushRequested, 0);
                FlushOnce();
            }
            finally
            {
                // A full fence, not a plain store: the loop's next read of the request must not move before it, or a
                // request made meanwhile (whose caller saw this thread still flushing and left) would be missed by both
                // threads, and its batches would wait for somebody else's flush.
                Interlocked.Exchange(ref flushing, 0);
            }
        }
    }

    private void FlushOnce()
    {
        PreparedLogDevice.DeferredWrites? writes = null;
        try
        {
            lock (gate)
            {
                var forced = commitForced;
                commitForced = false;
                if (failure is not null || (nextOffset <= highWatermark && pendingAcknowledgements.Count == 0 && !forced))
                {
                    return;
                }
                // FASTER issues the data write while we hold the gate (the commit must read the
                // tail and the next offset together); it is done when the scope ends, outside it.
                writes = device.DeferWrites();
                if (!log.CommitStrongly(out _, out _, spinWait: false, cookie: AlternatingSlotCommitManager.OffsetCookie(nextOffset)))
                {
                    throw new InvalidOperationException("FASTER refused a commit that carried the next offset");
                }
            }
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            logger.LogCritical(exception, "Journal partition {Topic}/{Partition} failed to commit; it refuses appends from now on", Topic, Partition);
            Fail(exception);
        }
        finally
        {
            writes?.Dispose();
        }
        // A commit that found its data already written (by another thread's page write) issues
        // no write of its own: acknowledge what that write covered.
        PublishFlushed(log.FlushedUntilAddress);
    }

    /// <summary>A commit that completes when FASTER has recorded it (data and commit record).</summary>
    private ValueTask<(bool Success, long CommitTail, long CommitNumber)> CommitAsync()
    {
        ValueTask<(bool Success, long CommitTail, long CommitNumber)> commit;
        lock (gate)
        {
            commit = log.CommitStronglyAsync(AlternatingSlotCommitManager.OffsetCookie(nextOffset));
        }
        return commit;
    }

    /// <summary>The device finished a data write (on the writing thread).</summary>
    private void OnWriteCompleted(uint errorCode)
    {
        if (errorCode != 0)
        {
            var exception = new IOException($"Journal partition {Topic}/{Partition}: a log write failed with error {errorCode}");
            logger.LogCritical(exception, "Journal partition {Topic}/{Partition} failed to write; it refuses appends from now on", Topic, Partition);
            Fail(exception);
            return;
        }
        PublishFlushed(log.FlushedUntilAddress);
    }

    /// <summary>Everything below <paramref name="flushedUntilAddress"/> is durable: moves the
    /// high watermark past the batches there and completes their acknowledgements.</summary>
    private void PublishFlushed(long flushedUntilAddress)
    {
        List<TaskCompletionSource>? completed = null;
        TaskCompletionSource? signal = null;
        bool writeIndex;
        lock (gate)
        {
            while (pendingAcknowledgements.Count > 0 && pendingAcknowledgements.Peek().EndAddress <= flushedUntilAddress)
            {
                var acknowledgement = pendingAcknowledgements.Dequeue();
                highWatermark = Math.Max(highWatermark, acknowledgement.EndOffset);
                (completed ??= []).Add(acknowledgement.Completion);
            }
            if (completed is null)
            {
                return;
            }
            while (committedIndexCount < index.Count && index[committedIndexCount].LastOffset < highWatermark)
            {
                committedIndexCount++;
            }
            signal = committedSignal;
            committedSignal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            writeIndex = flushedUntilAddress - indexedUntilAddress >= indexIntervalBytes;
        }
        if (writeIndex)
        {
            StartIndexWrite();
        }
        foreach (var completion in completed)
        {
            completion.TrySetResult();
        }
        signal.TrySetResult();
    }

    /// <summary>Starts writing the index file on the thread pool, unless a write is under way.</summary>
    private void StartIndexWrite()
    {
        if (Interlocked.CompareExchange(ref indexWriting, 1, 0) == 0)
        {
            Volatile.Write(ref indexWrite, Task.Run(() => WriteIndexAsync()));
        }
    }

    /// <summary>
    /// Writes the index file of every batch appended so far, once they are all durable. The entries, the next offset
    /// and the producers' state are taken together under the gate, so the file describes the log exactly up to the
    /// address where its last batch ends: the batches appended after it are scanned at the next open, and their
    /// producers remembered then. The caller has set <see cref="indexWriting"/>; this clears it.
    /// </summary>
    /// <param name="onlyIfDurable">Write nothing unless everything appended is durable already (a stop, which must not
    /// wait for a flush that an append racing with it would leave to its own caller).</param>
    private async Task WriteIndexAsync(bool onlyIfDurable = false)
    {
        try
        {
            PartitionIndexContents contents;
            Task durable;
            lock (gate)
            {
                if (failure is not null || (onlyIfDurable && nextOffset > highWatermark))
                {
                    return;
                }
                contents = new PartitionIndexContents(enqueuedUntilAddress, nextOffset, MaximumProducerIdSeen, [.. index],
                    [.. producers.Select(pair => new ProducerSnapshot(pair.Key, pair.Value.Epoch, [.. pair.Value.Recent]))]);
                durable = DurableUntil(nextOffset);
            }
            await durable.ConfigureAwait(false);
            PartitionIndexFile.Write(indexPath, contents);
            lock (gate)
            {
                indexedUntilAddress = Math.Max(indexedUntilAddress, contents.EndAddress);
            }
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            // Only an open's cost depends on it: the next one checks more of the log.
            logger.LogWarning(exception, "Journal partition {Topic}/{Partition}: its index file was not written", Topic, Partition);
        }
        finally
        {
            Volatile.Write(ref indexWriting, 0);
        }
    }

    private void Fail(Exception exception)
    {
        List<TaskCompletionSource> pending;
        TaskCompletionSource signal;
        lock (gate)
        {
            failure ??= exception;
            pending = pendingAcknowledgements.Select(entry => entry.Completion).ToList();
            pendingAcknowledgements.Clear();
            signal = committedSignal;
        }
        foreach (var completion in pending)
        {
            completion.TrySetException(exception);
        }
        signal.TrySetResult();
    }

    /// <summary>Whole batches from the one holding <paramref name="fetchOffset"/>, up to
    /// <paramref name="maximumBytes"/> but always at least one, never past the high watermark.</summary>
    public ValueTask<FetchResult> ReadAsync(long fetchOffset, int maximumBytes, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        PartitionIndexEntry[] entries;
        long watermark;
        lock (gate)
        {
            watermark = highWatermark;
            if (failure is not null)
            {
                // Also keeps a long poll from spinning on a signal that will never be renewed.
                return ValueTask.FromResult(new FetchResult(Protocol.ErrorCode.UnknownServerError, watermark, LogStartOffset, []));
            }
            if (fetchOffset < logStartOffset || fetchOffset > watermark)
            {
                return ValueTask.FromResult(new FetchResult(Protocol.ErrorCode.OffsetOutOfRange, watermark, logStartOffset, []));
            }
            if (fetchOffset == watermark)
            {
                return ValueTask.FromResult(new FetchResult(Protocol.ErrorCode.None, watermark, LogStartOffset, []));
            }
            var first = FindBatch(fetchOffset);
            var selected = new List<PartitionIndexEntry>();
            var totalBytes = 0L;
            for (var position = first; position < committedIndexCount; position++)
            {
                var entry = index[position];
                if (selected.Count > 0 && totalBytes + entry.LengthBytes > maximumBytes)
                {
                    break;
                }
                selected.Add(entry);
                totalBytes += entry.LengthBytes;
            }
            entries = [.. selected];
        }
        // Below the high watermark every batch's write has returned, so it is in the file (and
        // usually still in the page cache); FASTER's own reads would wait for its commit record.
        var records = new byte[entries.Sum(entry => entry.LengthBytes)];
        var written = 0;
        foreach (var entry in entries)
        {
            try
            {
                device.Read(entry.Address + LogTailRecovery.EntryHeaderBytes, records.AsSpan(written, entry.LengthBytes));
            }
            catch (Exception exception) when (exception is FileNotFoundException or EndOfStreamException or ObjectDisposedException
                && entry.Address < log.BeginAddress)
            {
                // Deleted by a DeleteRecords between choosing the batches and reading them.
                return ValueTask.FromResult(new FetchResult(Protocol.ErrorCode.OffsetOutOfRange, watermark, LogStartOffset, []));
            }
            catch (Exception exception) when (exception is FileNotFoundException or EndOfStreamException)
            {
                throw new InvalidDataException(
                    $"Journal partition {Topic}/{Partition}: log address {entry.Address} does not hold the {entry.LengthBytes}-byte batch the index has", exception);
            }
            if (entry.Address < uncheckedBelowAddress && ServedBatchProblem(entry, records.AsSpan(written, entry.LengthBytes)) is { } problem)
            {
                // Taken from the index file at open and not checked then: checked here, and never served wrong.
                logger.LogCritical("Journal partition {Topic}/{Partition}: {Problem}", Topic, Partition, problem);
                throw new InvalidDataException($"Journal partition {Topic}/{Partition}: {problem}");
            }
            written += entry.LengthBytes;
        }
        return ValueTask.FromResult(new FetchResult(Protocol.ErrorCode.None, watermark, LogStartOffset, records));
    }

    /// <summary>
    /// Deletes every record below <paramref name="offset"/> (-1: the high watermark), as Kafka's
    /// DeleteRecords does. The new log start offset is made durable first, so a crash at any point
    /// leaves either the old start or the new one; whole batches below it are then dropped from the
    /// index and FASTER reclaims their space (whole segments) at the next commit. Returns a Kafka
    /// error code and the log start offset (the low watermark).
    /// </summary>
    public async Task<(short ErrorCode, long LowWatermark)> DeleteRecordsAsync(long offset, CancellationToken cancellationToken)
    {
        await truncating.WaitAsync(cancellationToken);
        try
        {
            lock (gate)
            {
                if (failure is not null)
                {
                    return (Protocol.ErrorCode.UnknownServerError, logStartOffset);
                }
                if (offset == -1)
                {
                    offset = highWatermark;
                }
                if (offset < 0 || offset > highWatermark)
                {
                    return (Protocol.ErrorCode.OffsetOutOfRange, logStartOffset);
                }
                if (offset <= logStartOffset)
                {
                    return (Protocol.ErrorCode.None, logStartOffset);
                }
            }
            await Task.Run(() => WriteStartOffset(startOffsetPath, offset), cancellationToken);
            lock (gate)
            {
                logStartOffset = offset;
                var removed = 0;
                while (removed < committedIndexCount && index[removed].LastOffset < offset)
                {
                    removed++;
                }
                index.RemoveRange(0, removed);
                committedIndexCount -= removed;
                var until = index.Count > 0 ? index[0].Address : log.TailAddress;
                if (until > log.BeginAddress)
                {
                    log.TruncateUntil(until);
                    commitForced = true;
                }
            }
            Flush();
            logger.LogInformation("Journal partition {Topic}/{Partition} now starts at offset {Offset}", Topic, Partition, offset);
            return (Protocol.ErrorCode.None, offset);
        }
        finally
        {
            truncating.Release();
        }
    }

    private static long ReadWriterFence(string path) => ReadCheckedNumber(path, "writer fence");

    private static long ReadStartOffset(string path) => ReadCheckedNumber(path, "log start offset");

    private static void WriteStartOffset(string path, long offset) => WriteCheckedNumber(path, offset);

    /// <summary>A number kept in a small file of its own: 8 bytes and their CRC-32C (absent: 0).</summary>
    private static long ReadCheckedNumber(string path, string what)
    {
        var bytes = DurableFile.ReadIfExists(path);
        if (bytes is null)
        {
            return 0;
        }
        if (bytes.Length != 12 || RecordBatch.Crc32C(bytes.AsSpan(0, 8)) != System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(8)))
        {
            throw new InvalidDataException($"The {what} file {path} is damaged");
        }
        return System.Buffers.Binary.BinaryPrimitives.ReadInt64BigEndian(bytes);
    }

    private static void WriteCheckedNumber(string path, long value)
    {
        var bytes = new byte[12];
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(bytes, value);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(8), RecordBatch.Crc32C(bytes.AsSpan(0, 8)));
        DurableFile.WriteAtomically(path, bytes);
    }

    /// <summary>Position in the index of the batch holding <paramref name="offset"/>. Call under gate.</summary>
    private int FindBatch(long offset)
    {
        int low = 0, high = committedIndexCount - 1;
        while (low < high)
        {
            var middle = low + ((high - low + 1) / 2);
            if (index[middle].BaseOffset <= offset)
            {
                low = middle;
            }
            else
            {
                high = middle - 1;
            }
        }
        return low;
    }

    public async ValueTask DisposeAsync()
    {
        // Commit what was enqueued so that a clean stop loses nothing, and leave a commit record
        // at the tail so that the next open need not scan.
        try
        {
            await CommitAsync();
            PublishFlushed(log.FlushedUntilAddress);
            // And an index of the whole log, so that the next open checks nothing.
            while (Interlocked.CompareExchange(ref indexWriting, 1, 0) != 0)
            {
                await Volatile.Read(ref indexWrite);
            }
            await WriteIndexAsync(onlyIfDurable: true);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            logger.LogWarning(exception, "Final commit of journal partition {Topic}/{Partition} failed", Topic, Partition);
        }
        Fail(new ObjectDisposedException(nameof(PartitionLog)));
        log.Dispose();
        // FASTER disposes only the commit manager it created itself.
        commitManager.Dispose();
        device.Dispose();
        truncating.Dispose();
    }
}
