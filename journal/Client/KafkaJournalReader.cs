using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Confluent.Kafka;
using Log.Journal.Records;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Log.Journal.Client;

/// <summary>
/// Reads one partition of the region's topic from an explicit offset through a Confluent.Kafka
/// consumer with <c>Assign</c> (no group offsets, no auto commit). Each <see cref="ReadAsync"/>
/// owns one consumer and one dedicated thread that runs the blocking Consume loop, decodes each
/// record there (so decoding overlaps with whatever the caller does with the previous ones) and
/// hands the decoded records to the async enumerable through a bounded channel. The thread stops when the
/// enumeration ends (its token cancelled, or the caller stops iterating) or when the reader is
/// disposed. A record that does not decode ends the sequence with <see cref="InvalidDataException"/>;
/// an offset past the end of the partition ends it with a <see cref="ConsumeException"/>
/// (auto.offset.reset=error: the journal never silently skips).
/// </summary>
public sealed class KafkaJournalReader : IJournalReader, IJournalEndOffsets
{
    private readonly JournalClientOptions options;
    private readonly ILogger logger;
    private readonly CancellationTokenSource disposing = new();
    private readonly Lazy<Task> topicReady;
    private readonly CoalescedEndOffsets endOffsets;
    private readonly Lock watermarkGate = new();
    private IConsumer<Ignore, byte[]>? watermarkConsumer;
    private Task watermarkQuery = Task.CompletedTask;
    private int disposed;

    public KafkaJournalReader(JournalClientOptions options, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        this.options = options;
        this.logger = logger ?? NullLogger.Instance;
        topicReady = new Lazy<Task>(() => JournalTopicProvisioner.EnsureTopicAsync(options, CancellationToken.None));
        endOffsets = new CoalescedEndOffsets(QueryEndOffsetAsync, disposing.Token);
    }

    public string Topic => options.Topic;

    public async IAsyncEnumerable<JournalEntry> ReadAsync(int partition, long fromOffset,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) != 0, this);
        ArgumentOutOfRangeException.ThrowIfNegative(partition);
        ArgumentOutOfRangeException.ThrowIfNegative(fromOffset);
        await topicReady.Value.WaitAsync(cancellationToken);

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, disposing.Token);
        var records = Channel.CreateBounded<DecodedRecord>(new BoundedChannelOptions(options.ReaderBufferRecords)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        var budget = new ReadAheadBudget(options.ReaderBufferBytesMax);
        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() => ConsumeLoop(partition, fromOffset, records.Writer, budget, stopped, stop.Token))
        {
            IsBackground = true,
            Name = $"journal-reader {options.Topic}/{partition}",
        };
        thread.Start();
        try
        {
            while (await records.Reader.WaitToReadAsync(stop.Token))
            {
                while (records.Reader.TryRead(out var decoded))
                {
                    budget.Return(decoded.Bytes);
                    yield return new JournalEntry(partition, decoded.Offset, decoded.Record);
                }
            }
        }
        finally
        {
            await stop.CancelAsync();
            await stopped.Task;
        }
        // The consume loop ended by itself only on a failure (a record that does not decode, after every record
        // before it), which WaitToReadAsync has thrown.
    }

    /// <summary>A record the consume thread has decoded, with its offset and the bytes it holds of the read-ahead budget.</summary>
    private readonly record struct DecodedRecord(long Offset, JournalRecord Record, int Bytes);

    /// <summary>The partition's end offset (high watermark): the offset the next record will get.
    /// A reader that has yielded everything below it has caught up.</summary>
    public Task<long> GetEndOffsetAsync(int partition, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) != 0, this);
        return endOffsets.GetEndOffsetAsync(partition, cancellationToken);
    }

    /// <summary>One ListOffsets round trip on a consumer kept for these queries (building a consumer per query costs
    /// its own connection and metadata request). Queries of the reader run one at a time (<see cref="CoalescedEndOffsets"/>).
    /// A consumer whose query fails, or does not return within <see cref="JournalClientOptions.EndOffsetQueryTimeout"/>
    /// (librdkafka's own timeout should end it, but a broken connection must not stall every BEGIN behind it), is
    /// never used again: the next query builds a fresh one, and the old one is disposed once its query returns.</summary>
    private async Task<long> QueryEndOffsetAsync(int partition, CancellationToken cancellationToken)
    {
        await topicReady.Value.WaitAsync(cancellationToken);
        IConsumer<Ignore, byte[]> consumer;
        lock (watermarkGate)
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) != 0, this);
            consumer = watermarkConsumer ??= new ConsumerBuilder<Ignore, byte[]>(CreateConsumerConfig()).Build();
        }
        // QueryWatermarkOffsets blocks; it runs on the thread pool with its own timeout.
        var query = Task.Run(() => consumer.QueryWatermarkOffsets(
            new TopicPartition(options.Topic, new Partition(partition)), options.EndOffsetQueryTimeout).High.Value, CancellationToken.None);
        lock (watermarkGate)
        {
            watermarkQuery = query;
        }
        try
        {
            return await query.WaitAsync(options.EndOffsetQueryTimeout + EndOffsetQueryGrace, cancellationToken);
        }
        catch (Exception exception) when (exception is KafkaException or TimeoutException)
        {
            lock (watermarkGate)
            {
                if (ReferenceEquals(watermarkConsumer, consumer)) watermarkConsumer = null;
            }
            _ = query.ContinueWith(_ => consumer.Dispose(), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
            throw new KafkaException(new Error(ErrorCode.Local_TimedOut,
                $"the journal did not say where partition {partition} ends within {options.EndOffsetQueryTimeout.TotalSeconds:0.#} s: {exception.Message}"));
        }
    }

    /// <summary>How much longer than librdkafka's own timeout a query may run before it is abandoned.</summary>
    private static readonly TimeSpan EndOffsetQueryGrace = TimeSpan.FromSeconds(1);

    private ConsumerConfig CreateConsumerConfig()
    {
        var config = new ConsumerConfig
        {
            BootstrapServers = options.BootstrapServers,
            ClientId = options.ClientId + "-reader",
            GroupId = options.ConsumerGroupId,
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            AutoOffsetReset = AutoOffsetReset.Error,
            FetchWaitMaxMs = options.FetchWaitMaxMs,
            FetchMinBytes = 1,
            QueuedMaxMessagesKbytes = Math.Max(1, options.ReaderFetchQueueBytesMax / 1024),
            MaxPartitionFetchBytes = options.ReaderFetchBytesMax,
            SocketNagleDisable = true,
            IsolationLevel = IsolationLevel.ReadUncommitted,
        };
        foreach (var (key, value) in options.AdditionalKafkaSettings)
        {
            config.Set(key, value);
        }
        return config;
    }

    private void ConsumeLoop(int partition, long fromOffset, ChannelWriter<DecodedRecord> writer,
        ReadAheadBudget budget, TaskCompletionSource stopped, CancellationToken cancellationToken)
    {
        Exception? failure = null;
        IConsumer<Ignore, byte[]>? consumer = null;
        try
        {
            consumer = new ConsumerBuilder<Ignore, byte[]>(CreateConsumerConfig())
                .SetLogHandler((_, message) => logger.LogDebug("librdkafka {Facility}: {Message}", message.Facility, message.Message))
                .SetErrorHandler((_, error) => logger.LogWarning("Journal reader: {Reason} (fatal: {Fatal})", error.Reason, error.IsFatal))
                .Build();
            consumer.Assign(new TopicPartitionOffset(options.Topic, new Partition(partition), new Offset(fromOffset)));
            while (!cancellationToken.IsCancellationRequested)
            {
                var result = consumer.Consume(cancellationToken);
                if (result is null || result.IsPartitionEOF)
                {
                    continue;
                }
                var value = result.Message.Value ?? [];
                var decoded = new DecodedRecord(result.Offset.Value, JournalRecordCodec.Decode(value), value.Length);
                // Blocking is right here: this thread exists to wait, and a full buffer is back-pressure.
                budget.Take(decoded.Bytes, cancellationToken);
                writer.WriteAsync(decoded, cancellationToken).AsTask().GetAwaiter().GetResult();
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception exception)
        {
            failure = exception;
        }
        finally
        {
            try
            {
                consumer?.Close();
            }
            catch (Exception exception) when (exception is KafkaException or ObjectDisposedException)
            {
                logger.LogDebug(exception, "Closing a journal consumer failed");
            }
            consumer?.Dispose();
            writer.TryComplete(failure);
            stopped.TrySetResult();
        }
    }

    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return ValueTask.CompletedTask;
        }
        disposing.Cancel();
        lock (watermarkGate)
        {
            // Freed once a query still running on it returns, never under it.
            if (watermarkConsumer is { } consumer)
            {
                _ = watermarkQuery.ContinueWith(_ => consumer.Dispose(), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
            }
            watermarkConsumer = null;
        }
        // Each enumeration waits for its own consume thread in its finally; nothing is left to join here.
        return ValueTask.CompletedTask;
    }
}
