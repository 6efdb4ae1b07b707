using Confluent.Kafka;
using Log.Journal.Records;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Log.Journal.Client;

/// <summary>
/// Appends journal records through a Confluent.Kafka producer: acks=all and idempotence, so a
/// record is acknowledged only when every in-sync replica (the journal node: its disk) has it, and
/// retries never duplicate or reorder it; linger 0, so an append is sent at once.
/// Thread-safe: appends from many threads are fine; those to one partition keep their order.
/// A failed append throws <see cref="JournalAppendException"/>, which says whether the record may
/// be in the partition and whether trying again could help; the writer does not retry by itself
/// beyond librdkafka's ordered retries (a retry of its own could land behind later records).
/// </summary>
public sealed class KafkaJournalWriter : IJournalWriter
{
    private readonly JournalClientOptions options;
    private readonly ILogger logger;
    private readonly ProducerConfig config;
    private readonly Lock producerGate = new();
    private IProducer<Null, byte[]> producer;
    private readonly Lazy<Task> topicReady;
    private readonly Lock waitingGate = new();
    private List<(int Partition, JournalRecord Record, Action<long, Exception?> OnDone)>? waiting;
    private bool waitingDrained;
    private int disposed;

    public KafkaJournalWriter(JournalClientOptions options, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        this.options = options;
        this.logger = logger ?? NullLogger.Instance;
        config = new ProducerConfig
        {
            BootstrapServers = options.BootstrapServers,
            ClientId = options.ClientId + "-writer",
            Acks = Acks.All,
            EnableIdempotence = true,
            LingerMs = 0,
            MessageTimeoutMs = options.MessageTimeoutMs,
            // Transient errors are retried by librdkafka itself, in order and without duplicates
            // (idempotence), until MessageTimeoutMs: the only retry that cannot reorder a partition.
            RetryBackoffMs = options.RetryBackoffMs,
            // Named so that the client, a default broker and the journal node agree (JournalLimits);
            // records are at most JournalLimits.RecordBytesMax, large write sets are fragmented.
            MessageMaxBytes = JournalLimits.ProducerMessageBytesMax,
            BatchSize = JournalLimits.ProducerMessageBytesMax,
            SocketNagleDisable = true,
        };
        foreach (var (key, value) in options.AdditionalKafkaSettings)
        {
            config.Set(key, value);
        }
        producer = BuildProducer();
        topicReady = new Lazy<Task>(() => JournalTopicProvisioner.EnsureTopicAsync(options, CancellationToken.None));
    }

    public string Topic => options.Topic;

    private IProducer<Null, byte[]> BuildProducer() => new ProducerBuilder<Null, byte[]>(config)
        .SetLogHandler((_, message) => logger.LogDebug("librdkafka {Facility}: {Message}", message.Facility, message.Message))
        .SetErrorHandler((_, error) => logger.LogWarning("Journal writer: {Reason} (fatal: {Fatal})", error.Reason, error.IsFatal))
        .Build();

    /// <summary>
    /// An idempotent producer that hit a fatal error (the broker lost its producer state, a
    /// sequence gap it cannot repair) fails every later message; only a new producer (a new
    /// producer id) can append again. The old one is disposed in the background: whatever it still
    /// holds fails, and its callers are told it may have been written.
    /// </summary>
    private void ReplaceProducerAfterFatalError(IProducer<Null, byte[]> failed)
    {
        lock (producerGate)
        {
            if (!ReferenceEquals(producer, failed) || Volatile.Read(ref disposed) != 0)
            {
                return;
            }
            producer = BuildProducer();
        }
        logger.LogWarning("Journal writer: the producer hit a fatal error and was replaced by a new one");
        _ = Task.Run(failed.Dispose);
    }

    /// <summary>Appends and returns the record's offset once it is durable. Cancelling stops the
    /// wait, not the append: the record may still be written.</summary>
    public async Task<long> AppendAsync(int partition, JournalRecord record, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) != 0, this);
        ArgumentOutOfRangeException.ThrowIfNegative(partition);
        var value = JournalRecordCodec.Encode(record);
        await topicReady.Value.WaitAsync(cancellationToken);
        DeliveryResult<Null, byte[]> result;
        var current = Volatile.Read(ref producer);
        try
        {
            result = await current.ProduceAsync(
                new TopicPartition(options.Topic, new Partition(partition)),
                new Message<Null, byte[]> { Value = value },
                cancellationToken);
        }
        catch (ProduceException<Null, byte[]> exception)
        {
            throw Failed(current, partition, exception.Error, exception.DeliveryResult?.Status, exception);
        }
        if (result.Status != PersistenceStatus.Persisted)
        {
            throw NotPersisted(partition, result.Status);
        }
        return result.Offset.Value;
    }

    /// <summary>See <see cref="IJournalWriter.Append"/>: <paramref name="onDone"/> runs on librdkafka's delivery thread
    /// (or on the caller's, when the producer refuses the record at once), without the task and the thread-pool hop of
    /// <see cref="AppendAsync"/>. Before the topic is known to exist, records wait in one queue and are produced in the
    /// order they were appended once it is (continuations of one awaited task could otherwise run in any order, and a
    /// record appended just after the topic became known could overtake the ones still waiting).</summary>
    public void Append(int partition, JournalRecord record, Action<long, Exception?> onDone)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) != 0, this);
        ArgumentOutOfRangeException.ThrowIfNegative(partition);
        if (!Volatile.Read(ref waitingDrained))
        {
            lock (waitingGate)
            {
                if (!waitingDrained)
                {
                    if (waiting is not null)
                    {
                        waiting.Add((partition, record, onDone));
                        return;
                    }
                    // The first waiting record; the continuation may run at once, on this thread (the lock is reentrant).
                    waiting = [(partition, record, onDone)];
                    topicReady.Value.ContinueWith(static (ready, state) => ((KafkaJournalWriter)state!).ProduceWaiting(ready),
                        this, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                    return;
                }
            }
        }
        Produce(partition, record, onDone);
    }

    /// <summary>Produces, in order, the records appended before the topic was known (or fails them with the reason it is
    /// not), and lets later appends go straight to the producer.</summary>
    private void ProduceWaiting(Task ready)
    {
        lock (waitingGate)
        {
            foreach (var (partition, record, onDone) in waiting!)
            {
                if (ready.IsCompletedSuccessfully)
                {
                    Produce(partition, record, onDone);
                }
                else
                {
                    var reason = ready.Exception?.GetBaseException().Message ?? "the topic could not be made ready";
                    onDone(-1, new JournalAppendException($"Journal append to {options.Topic}/{partition} failed: {reason}",
                        mayHaveBeenWritten: false, isTransient: true, ready.Exception?.GetBaseException()));
                }
            }
            waiting = null;
            if (ready.IsCompletedSuccessfully)
            {
                Volatile.Write(ref waitingDrained, true);
            }
        }
    }

    private void Produce(int partition, JournalRecord record, Action<long, Exception?> onDone)
    {
        var value = JournalRecordCodec.Encode(record);
        var current = Volatile.Read(ref producer);
        try
        {
            current.Produce(new TopicPartition(options.Topic, new Partition(partition)), new Message<Null, byte[]> { Value = value },
                report =>
                {
                    if (report.Error.IsError)
                    {
                        onDone(-1, Failed(current, partition, report.Error, report.Status, inner: null));
                    }
                    else if (report.Status != PersistenceStatus.Persisted)
                    {
                        onDone(-1, NotPersisted(partition, report.Status));
                    }
                    else
                    {
                        onDone(report.Offset.Value, null);
                    }
                });
        }
        catch (ProduceException<Null, byte[]> exception)
        {
            onDone(-1, Failed(current, partition, exception.Error, exception.DeliveryResult?.Status, exception));
        }
        catch (KafkaException exception)
        {
            // Refused before it was queued (a full local queue, a closed producer): certainly not written.
            onDone(-1, new JournalAppendException($"Journal append to {options.Topic}/{partition} failed: {exception.Error.Reason}",
                mayHaveBeenWritten: false, isTransient: IsTransient(exception.Error), exception));
        }
    }

    private JournalAppendException Failed(IProducer<Null, byte[]> current, int partition, Error error, PersistenceStatus? status, Exception? inner)
    {
        if (error.IsFatal)
        {
            ReplaceProducerAfterFatalError(current);
        }
        return new JournalAppendException($"Journal append to {options.Topic}/{partition} failed: {error.Reason}",
            mayHaveBeenWritten: status != PersistenceStatus.NotPersisted, isTransient: IsTransient(error), inner);
    }

    private JournalAppendException NotPersisted(int partition, PersistenceStatus status) =>
        new($"Journal append to {options.Topic}/{partition} ended as {status}",
            mayHaveBeenWritten: status != PersistenceStatus.NotPersisted, isTransient: true);

    /// <summary>Errors after which the same record may be accepted later; any other is a refusal of
    /// the record itself (too large, invalid, not authorised) or a broken producer.</summary>
    private static bool IsTransient(Error error) => !error.IsFatal && error.Code is
        ErrorCode.Local_MsgTimedOut or ErrorCode.Local_QueueFull or ErrorCode.Local_Transport
        or ErrorCode.Local_AllBrokersDown or ErrorCode.Local_TimedOut or ErrorCode.RequestTimedOut
        or ErrorCode.NetworkException or ErrorCode.LeaderNotAvailable or ErrorCode.NotLeaderForPartition
        or ErrorCode.NotEnoughReplicas or ErrorCode.NotEnoughReplicasAfterAppend or ErrorCode.BrokerNotAvailable
        or ErrorCode.UnknownTopicOrPart;

    /// <summary>Disposes the writer without delivering what it still holds: records not yet sent are dropped (their
    /// callers hear a failure, may-have-been-written), so none of them can land after a record that already failed.
    /// The quorum writer abandons a faulted copy's writer so, before it fills the copy and takes it again.</summary>
    public ValueTask AbandonAsync() => Close(deliverFirst: false);

    public ValueTask DisposeAsync() => Close(deliverFirst: true);

    private ValueTask Close(bool deliverFirst)
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return ValueTask.CompletedTask;
        }
        // Flush and Dispose block; they run on the thread pool so an async caller is not stalled.
        IProducer<Null, byte[]> last;
        lock (producerGate)
        {
            last = producer;
        }
        return new ValueTask(Task.Run(() =>
        {
            if (deliverFirst)
            {
                last.Flush(TimeSpan.FromSeconds(10));
            }
            last.Dispose();
        }));
    }
}
