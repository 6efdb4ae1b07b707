using System.Runtime.CompilerServices;
using Log.Journal.Client;
using Log.Journal.Node.Protocol;
using Log.Journal.Node.Storage;
using Log.Journal.Records;

namespace Log.Journal.Node;

/// <summary>
/// A journal reader for a role hosted in the journal node's own process (the all-in-one's adjudicator): it reads the
/// partition's committed batches straight from its log, as a fetch would (whole batches below the high watermark), and
/// decodes each record's value where it lies in the batch, with no Kafka client, no loopback TCP, no consume thread.
///
/// Why: a start reads the partition twice through this reader (its tail, then every earlier decision in the background),
/// and through librdkafka each read built a consumer (and the topic check an admin client), fetched over loopback, copied
/// every value out on a broker thread and handed it over through a channel, all while the rest of the process starts on
/// the same two cores.
///
/// Contract: the same records at the same offsets as <see cref="KafkaJournalReader"/>, never a record above the high
/// watermark (so nothing a crash could take back); a read of a partition not created yet waits for it; an offset below
/// the partition's start or past its end, or a failed partition, ends the sequence with <see cref="IOException"/> (as the
/// Kafka reader's <c>auto.offset.reset=error</c> does), a batch that does not decode with <see cref="InvalidDataException"/>.
/// Threading: each enumeration runs on its caller's continuations; it waits for new batches on the partition's commit
/// signal. Disposing the reader ends every enumeration (with <see cref="OperationCanceledException"/>).
/// </summary>
public sealed class InProcessJournalReader : IJournalReader
{
    private readonly TopicStore topics;
    private readonly string topic;
    private readonly CancellationTokenSource disposing = new();
    private int disposed;

    /// <summary>Bytes of whole batches read from the log at a time (at least one batch), as the Kafka reader's fetches.</summary>
    public const int FetchBytesMax = 8 * 1024 * 1024;

    /// <summary>How often a read of a partition that does not exist yet looks for it again.</summary>
    private static readonly TimeSpan MissingPartitionRetryDelay = TimeSpan.FromMilliseconds(50);

    internal InProcessJournalReader(TopicStore topics, string topic)
    {
        this.topics = topics;
        this.topic = topic;
    }

    public async IAsyncEnumerable<JournalEntry> ReadAsync(int partition, long fromOffset,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) != 0, this);
        ArgumentOutOfRangeException.ThrowIfNegative(partition);
        ArgumentOutOfRangeException.ThrowIfNegative(fromOffset);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, disposing.Token);
        var next = fromOffset;
        var places = new List<RecordBatchValues.RecordPlace>();
        while (true)
        {
            stop.Token.ThrowIfCancellationRequested();
            if (topics.Find(topic, partition) is not { } log)
            {
                await Task.Delay(MissingPartitionRetryDelay, stop.Token).ConfigureAwait(false);
                continue;
            }
            // Taken before the read, so a batch committed after it wakes the wait below.
            var committed = log.WhenCommitted();
            var fetched = await log.ReadAsync(next, FetchBytesMax, stop.Token).ConfigureAwait(false);
            if (fetched.ErrorCode != ErrorCode.None)
            {
                throw new IOException(fetched.ErrorCode == ErrorCode.OffsetOutOfRange
                    ? $"Journal partition {topic}/{partition} holds no offset {next} (its records are at {fetched.LogStartOffset} to {fetched.HighWatermark - 1})"
                    : $"Journal partition {topic}/{partition} failed (Kafka error code {fetched.ErrorCode}) reading from offset {next}");
            }
            if (fetched.Records.Length == 0)
            {
                await committed.WaitAsync(stop.Token).ConfigureAwait(false);
                continue;
            }
            var records = fetched.Records;
            for (var position = 0; position < records.Length;)
            {
                var baseOffset = ReadBatch(records.AsSpan(position), partition, places, out var batchBytes);
                foreach (var place in places)
                {
                    var offset = baseOffset + place.OffsetDelta;
                    // A fetch starts at the batch holding the offset asked for: the records before it are skipped.
                    if (offset < next)
                    {
                        continue;
                    }
                    var record = JournalRecordCodec.Decode(records.AsMemory(position + place.ValueStart, place.ValueLength));
                    next = offset + 1;
                    yield return new JournalEntry(partition, offset, record);
                }
                position += batchBytes;
            }
        }
    }

    /// <summary>Checks the batch at the start of <paramref name="bytes"/> and fills <paramref name="places"/> with its
    /// records' values; returns its base offset.</summary>
    private long ReadBatch(ReadOnlySpan<byte> bytes, int partition, List<RecordBatchValues.RecordPlace> places, out int batchBytes)
    {
        places.Clear();
        var problem = RecordBatch.TryRead(bytes, out var header);
        if (problem is null)
        {
            problem = RecordBatchValues.TryReadPlaces(bytes[..header.TotalBytes], header, places);
        }
        if (problem is not null)
        {
            throw new InvalidDataException($"Journal partition {topic}/{partition} holds a batch that does not decode: {problem}");
        }
        batchBytes = header.TotalBytes;
        if (header.IsControl)
        {
            // A transaction marker, which a Kafka consumer never hands over either (the journal's writers write none).
            places.Clear();
        }
        return header.BaseOffset;
    }

    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 0)
        {
            disposing.Cancel();
        }
        return ValueTask.CompletedTask;
    }
}
