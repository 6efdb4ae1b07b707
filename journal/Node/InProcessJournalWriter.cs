using System.Collections.Concurrent;
using Log.Journal.Client;
using Log.Journal.Node.Protocol;
using Log.Journal.Node.Storage;
using Log.Journal.Records;

namespace Log.Journal.Node;

/// <summary>
/// A journal writer for a role hosted in the journal node's own process (the all-in-one's adjudicator): it appends to the
/// partition's log directly, as a produce request would (the same batch checks, writer fence and offsets), with no
/// Kafka client, no loopback TCP and none of the threads between them.
///
/// Why: through librdkafka a commit's append woke its queue's broker thread, crossed loopback to the node's connection
/// thread, came back to the broker thread and then to the client's delivery thread before the caller heard of it (four
/// thread wake-ups and two socket round trips per commit, on a 2-core machine most of a commit's CPU time).
///
/// Threading: <see cref="Append"/> copies the record into the log on the caller's thread, so a single writer's records
/// keep its call order, and returns at once. The flush (FASTER's commit, the log device's synchronous write) runs on a
/// thread-pool work item queued to the caller's own worker when it has one (it picks it up as soon as it waits, which
/// spares waking another). One flush at a time per partition: appends made while one runs are made durable by the next
/// pass of the same flusher (<see cref="PartitionLog.Flush"/>), so commits under load share an fsync (group commit),
/// and an idle writer waits for nothing but its own. The callback runs on the flushing thread.
///
/// Durability and failure are those of a produce with acks=all to this node: the callback's offset is durable; a batch the
/// log refuses (the writer fence, a failed partition, too large) is certainly absent; a flush that fails after the
/// batch was copied may have written it. Retrying is never needed for a transient reason (there is no connection).
/// </summary>
public sealed class InProcessJournalWriter : IJournalWriter
{
    private readonly TopicStore topics;
    private readonly string topic;
    private readonly int partitionCount;
    private readonly int maxBatchBytes;
    private readonly TimeProvider timeProvider;
    private readonly ConcurrentDictionary<int, PartitionFlusher> partitions = new();
    private int disposed;

    internal InProcessJournalWriter(TopicStore topics, string topic, int partitionCount, int maxBatchBytes, TimeProvider timeProvider)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(partitionCount);
        this.topics = topics;
        this.topic = topic;
        this.partitionCount = partitionCount;
        this.maxBatchBytes = maxBatchBytes;
        this.timeProvider = timeProvider;
    }

    public Task<long> AppendAsync(int partition, JournalRecord record, CancellationToken cancellationToken) =>
        CallbackAppend.AppendAsync(this, partition, record, cancellationToken);

    public void Append(int partition, JournalRecord record, Action<long, Exception?> onDone)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(onDone);
        if (Volatile.Read(ref disposed) != 0)
        {
            onDone(-1, Refused(partition, "the writer is disposed"));
            return;
        }
        PartitionFlusher flusher;
        byte[] batch;
        RecordBatchHeader header;
        try
        {
            flusher = FlusherOf(partition);
            batch = RecordBatchValues.Build([JournalRecordCodec.Encode(record)], timeProvider.GetUtcNow().ToUnixTimeMilliseconds());
        }
        catch (Exception exception) when (exception is ArgumentException or InvalidOperationException or IOException)
        {
            onDone(-1, Refused(partition, exception.Message));
            return;
        }
        if (batch.Length > maxBatchBytes)
        {
            onDone(-1, Refused(partition, $"a batch of {batch.Length} bytes is above the limit of {maxBatchBytes}"));
            return;
        }
        if (RecordBatch.TryRead(batch, out header) is { } problem)
        {
            onDone(-1, Refused(partition, $"the batch is malformed: {problem}"));
            return;
        }
        AppendResult result;
        try
        {
            result = flusher.Log.Append(batch, header, acknowledgeOnFlushingThread: true);
        }
        catch (ObjectDisposedException exception)
        {
            // The node is stopping: its log took nothing.
            onDone(-1, Refused(partition, exception.Message));
            return;
        }
        if (result.ErrorCode != ErrorCode.None)
        {
            onDone(-1, Refused(partition, result.ErrorMessage ?? $"error {result.ErrorCode}"));
            return;
        }
        var offset = result.BaseOffset;
        result.Durable.ContinueWith(static (durable, state) =>
            {
                var (callback, offset, partition, topic) = ((Action<long, Exception?>, long, int, string))state!;
                if (durable.IsCompletedSuccessfully)
                {
                    callback(offset, null);
                }
                else
                {
                    callback(-1, new JournalAppendException(
                        $"Journal append to {topic}/{partition} failed: {durable.Exception?.GetBaseException().Message ?? "the batch was not made durable"}",
                        mayHaveBeenWritten: true, isTransient: false, durable.Exception?.GetBaseException()));
                }
            }, (onDone, offset, partition, topic), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        flusher.Request();
    }

    private JournalAppendException Refused(int partition, string reason) =>
        new($"Journal append to {topic}/{partition} was refused: {reason}", mayHaveBeenWritten: false, isTransient: false);

    private PartitionFlusher FlusherOf(int partition)
    {
        if (partitions.TryGetValue(partition, out var known))
        {
            return known;
        }
        var log = topics.Find(topic, partition);
        if (log is null)
        {
            // As the Kafka writer's first append provisions the topic; a topic made earlier (or meanwhile) stays as it is.
            topics.Create(topic, partitionCount);
            log = topics.Find(topic, partition)
                ?? throw new InvalidOperationException($"the journal holds no partition {partition} of {topic}");
        }
        return partitions.GetOrAdd(partition, static (_, log) => new PartitionFlusher(log), log);
    }

    public ValueTask DisposeAsync()
    {
        Volatile.Write(ref disposed, 1);
        return ValueTask.CompletedTask;
    }

    /// <summary>At most one flush work item queued per partition; see the class comment.</summary>
    private sealed class PartitionFlusher(PartitionLog log)
    {
        private int queued;

        public PartitionLog Log { get; } = log;

        public void Request()
        {
            if (Interlocked.Exchange(ref queued, 1) == 0)
            {
                ThreadPool.UnsafeQueueUserWorkItem(static flusher => flusher.Run(), this, preferLocal: true);
            }
        }

        private void Run()
        {
            // Cleared before flushing (with a full fence, as the flush's own request flag): an append that comes after this
            // queues the next pass, one before it is covered.
            Interlocked.Exchange(ref queued, 0);
            Log.Flush();
        }
    }
}
