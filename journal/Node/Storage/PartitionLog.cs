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
/// order. One committer task per partition runs <see cref="FasterLog.CommitAsync"/> for every
/// append that arrived while the previous commit was in flight (group commit), then moves the
/// high watermark and completes the waiting acknowledgements. Readers only ever see batches
/// below the high watermark, so nothing that a crash could take back is ever served.
/// </summary>
public sealed class PartitionLog : IAsyncDisposable
{
    private readonly object gate = new();
    private readonly IDevice device;
    private readonly FasterLog log;
    private readonly ILogger logger;
    private readonly List<IndexEntry> index = [];
    private readonly Queue<PendingAcknowledgement> pendingAcknowledgements = new();
    private readonly Dictionary<long, ProducerState> producers = [];
    private readonly SemaphoreSlim commitRequested = new(0);
    private readonly CancellationTokenSource stopping = new();
    private readonly Task committer;
    private readonly int maximumProducerBatchesRemembered;
    private long nextOffset;
    private long highWatermark;
    private int committedIndexCount;
    private Exception? failure;
    private TaskCompletionSource committedSignal = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private readonly record struct IndexEntry(long BaseOffset, long LastOffset, long Address, int LengthBytes, long MaxTimestamp);

    private readonly record struct PendingAcknowledgement(long EndOffset, TaskCompletionSource Completion);

    private sealed class ProducerState(short epoch)
    {
        public short Epoch { get; set; } = epoch;
        public Queue<(int FirstSequence, int LastSequence, long BaseOffset, long LastOffset)> Recent { get; } = new();
    }

    public string Topic { get; }
    public int Partition { get; }

    private PartitionLog(string topic, int partition, IDevice device, FasterLog log, ILogger logger, int maximumProducerBatchesRemembered)
    {
        Topic = topic;
        Partition = partition;
        this.device = device;
        this.log = log;
        this.logger = logger;
        this.maximumProducerBatchesRemembered = maximumProducerBatchesRemembered;
        Rebuild();
        committer = Task.Run(CommitLoopAsync);
    }

    /// <summary>Opens (recovering to the last commit) or creates the log in <paramref name="folder"/>.</summary>
    public static PartitionLog Open(string topic, int partition, string folder, JournalNodeOptions options, ILogger logger)
    {
        Directory.CreateDirectory(folder);
        var device = Devices.CreateLogDevice(Path.Combine(folder, "batches.log"), preallocateFile: false, recoverDevice: true);
        try
        {
            var settings = new FasterLogSettings
            {
                LogDevice = device,
                LogCommitDir = folder,
                PageSizeBits = options.LogPageSizeBits,
                MemorySizeBits = options.LogMemorySizeBits,
                SegmentSizeBits = options.LogSegmentSizeBits,
                TryRecoverLatest = true,
                RemoveOutdatedCommits = true,
            };
            var log = new FasterLog(settings, logger);
            return new PartitionLog(topic, partition, device, log, logger, options.ProducerBatchesRememberedPerPartition);
        }
        catch
        {
            device.Dispose();
            throw;
        }
    }

    /// <summary>Scans the committed log: the index, the next offset and the producers' last
    /// sequences all come from the batches themselves, so there is nothing else to keep.</summary>
    private void Rebuild()
    {
        using var iterator = log.Scan(log.BeginAddress, log.CommittedUntilAddress);
        while (iterator.GetNext(out byte[] entry, out var length, out var address))
        {
            var problem = RecordBatch.TryRead(entry.AsSpan(0, length), out var header);
            if (problem is not null || header.TotalBytes != length)
            {
                throw new InvalidDataException(
                    $"Journal partition {Topic}/{Partition} holds a corrupt committed batch at log address {address}: {problem ?? "length mismatch"}");
            }
            if (header.BaseOffset != nextOffset)
            {
                throw new InvalidDataException(
                    $"Journal partition {Topic}/{Partition}: batch at log address {address} has base offset {header.BaseOffset}, expected {nextOffset}");
            }
            var lastOffset = header.BaseOffset + header.LastOffsetDelta;
            index.Add(new IndexEntry(header.BaseOffset, lastOffset, address, length, header.MaxTimestamp));
            RememberProducer(header, header.BaseOffset, lastOffset);
            nextOffset = lastOffset + 1;
        }
        highWatermark = nextOffset;
        committedIndexCount = index.Count;
        logger.LogInformation("Opened journal partition {Topic}/{Partition}: {Batches} batches, next offset {NextOffset}",
            Topic, Partition, index.Count, nextOffset);
    }

    public long HighWatermark => Volatile.Read(ref highWatermark);

    public long LogStartOffset => 0;

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
                    return index[position].BaseOffset;
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
    /// the result's <see cref="AppendResult.Durable"/> completes when the batch is committed.
    /// The batch bytes are copied into the log before this returns.
    /// </summary>
    public AppendResult Append(Span<byte> batch, in RecordBatchHeader header)
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
            if (header.ProducerId >= 0 && producers.TryGetValue(header.ProducerId, out var state))
            {
                if (header.ProducerEpoch < state.Epoch)
                {
                    return new AppendResult(Protocol.ErrorCode.InvalidProducerEpoch, -1, Task.CompletedTask,
                        $"producer epoch {header.ProducerEpoch} is older than {state.Epoch}");
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
            var address = log.Enqueue(batch);
            index.Add(new IndexEntry(baseOffset, lastOffset, address, batch.Length, header.MaxTimestamp));
            RememberProducer(header, baseOffset, lastOffset);
            nextOffset = lastOffset + 1;
            completion = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            pendingAcknowledgements.Enqueue(new PendingAcknowledgement(nextOffset, completion));
        }
        commitRequested.Release();
        return new AppendResult(Protocol.ErrorCode.None, baseOffset, completion.Task, null);
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
        pendingAcknowledgements.Enqueue(new PendingAcknowledgement(Math.Max(endOffset, nextOffset), completion));
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
        state.Recent.Enqueue((header.BaseSequence, header.LastSequence, baseOffset, lastOffset));
        while (state.Recent.Count > maximumProducerBatchesRemembered)
        {
            state.Recent.Dequeue();
        }
    }

    private async Task CommitLoopAsync()
    {
        var token = stopping.Token;
        try
        {
            while (true)
            {
                await commitRequested.WaitAsync(token);
                // Everything enqueued up to now rides on this one commit.
                while (commitRequested.Wait(0))
                {
                }
                long endOffset;
                int indexCount;
                lock (gate)
                {
                    endOffset = nextOffset;
                    indexCount = index.Count;
                }
                if (endOffset <= highWatermark)
                {
                    continue;
                }
                await log.CommitAsync(token);
                PublishCommitted(endOffset, indexCount);
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
        catch (Exception exception)
        {
            logger.LogCritical(exception, "Journal partition {Topic}/{Partition} failed to commit; it refuses appends from now on", Topic, Partition);
            Fail(exception);
        }
    }

    private void PublishCommitted(long endOffset, int indexCount)
    {
        List<TaskCompletionSource> completed = [];
        TaskCompletionSource signal;
        lock (gate)
        {
            highWatermark = endOffset;
            committedIndexCount = indexCount;
            while (pendingAcknowledgements.Count > 0 && pendingAcknowledgements.Peek().EndOffset <= endOffset)
            {
                completed.Add(pendingAcknowledgements.Dequeue().Completion);
            }
            signal = committedSignal;
            committedSignal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        foreach (var completion in completed)
        {
            completion.TrySetResult();
        }
        signal.TrySetResult();
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
    public async ValueTask<FetchResult> ReadAsync(long fetchOffset, int maximumBytes, CancellationToken cancellationToken)
    {
        IndexEntry[] entries;
        long watermark;
        lock (gate)
        {
            watermark = highWatermark;
            if (failure is not null)
            {
                // Also keeps a long poll from spinning on a signal that will never be renewed.
                return new FetchResult(Protocol.ErrorCode.UnknownServerError, watermark, LogStartOffset, []);
            }
            if (fetchOffset < 0 || fetchOffset > watermark)
            {
                return new FetchResult(Protocol.ErrorCode.OffsetOutOfRange, watermark, LogStartOffset, []);
            }
            if (fetchOffset == watermark)
            {
                return new FetchResult(Protocol.ErrorCode.None, watermark, LogStartOffset, []);
            }
            var first = FindBatch(fetchOffset);
            var selected = new List<IndexEntry>();
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
        var records = new byte[entries.Sum(entry => entry.LengthBytes)];
        var written = 0;
        foreach (var entry in entries)
        {
            var (bytes, length) = await log.ReadAsync(entry.Address, entry.LengthBytes, cancellationToken);
            if (bytes is null || length != entry.LengthBytes)
            {
                throw new InvalidDataException(
                    $"Journal partition {Topic}/{Partition}: log address {entry.Address} gave {length} bytes, expected {entry.LengthBytes}");
            }
            bytes.AsSpan(0, length).CopyTo(records.AsSpan(written));
            written += length;
        }
        return new FetchResult(Protocol.ErrorCode.None, watermark, LogStartOffset, records);
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
        // Commit what was enqueued so that a clean stop loses nothing the committer had not reached.
        try
        {
            await log.CommitAsync();
            long endOffset;
            int indexCount;
            lock (gate)
            {
                endOffset = nextOffset;
                indexCount = index.Count;
            }
            PublishCommitted(endOffset, indexCount);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            logger.LogWarning(exception, "Final commit of journal partition {Topic}/{Partition} failed", Topic, Partition);
        }
        stopping.Cancel();
        try
        {
            await committer;
        }
        catch (OperationCanceledException)
        {
        }
        Fail(new ObjectDisposedException(nameof(PartitionLog)));
        log.Dispose();
        device.Dispose();
        stopping.Dispose();
        commitRequested.Dispose();
    }
}
