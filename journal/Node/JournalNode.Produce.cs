using Log.Journal.Node.Protocol;
using Log.Journal.Node.Storage;
using Microsoft.Extensions.Logging;

namespace Log.Journal.Node;

public sealed partial class JournalNode
{
    private readonly record struct PartitionProduceResult(int Partition, short ErrorCode, long BaseOffset, Task Durable, string? ErrorMessage);

    /// <summary>
    /// Checks and appends every batch now, in request order (so offsets follow the order in which
    /// a producer pipelined its requests), and notes the partitions for the connection to flush;
    /// the response is built once all of them are durable. The batches are patched in place in
    /// the request frame, which is ours until this returns, and copied into the log by the append.
    /// </summary>
    private PendingResponse HandleProduce(RequestHeader header, byte[] frame, ref KafkaRequestReader reader, Connection connection)
    {
        var version = header.ApiVersion;
        var transactionalId = reader.ReadNullableString();
        var acks = reader.ReadInt16();
        reader.ReadInt32();
        var topicCount = reader.ReadArrayLength(minimumElementBytes: 6);
        var results = new List<(string Topic, List<PartitionProduceResult> Partitions)>(topicCount);
        for (var topicIndex = 0; topicIndex < topicCount; topicIndex++)
        {
            var name = reader.ReadString();
            var partitionCount = reader.ReadArrayLength(minimumElementBytes: 8);
            var partitionResults = new List<PartitionProduceResult>(partitionCount);
            for (var partitionIndex = 0; partitionIndex < partitionCount; partitionIndex++)
            {
                var partition = reader.ReadInt32();
                var recordsStart = reader.Position + 4;
                var records = reader.ReadNullableBytes(out var isNull);
                short error;
                string? message;
                if (transactionalId is not null)
                {
                    (error, message) = (ErrorCode.InvalidRequest, "Kafka transactions are not supported");
                }
                else if (acks is not (-1 or 0 or 1))
                {
                    (error, message) = (ErrorCode.InvalidRequiredAcks, $"acks {acks}");
                }
                else if (isNull || records.Length == 0)
                {
                    (error, message) = (ErrorCode.CorruptMessage, "no records");
                }
                else
                {
                    var log = topics.Find(name, partition);
                    if (log is null)
                    {
                        (error, message) = (ErrorCode.UnknownTopicOrPartition, null);
                    }
                    else
                    {
                        partitionResults.Add(AppendBatches(log, frame.AsSpan(recordsStart, records.Length)));
                        connection.NoteAppended(log);
                        continue;
                    }
                }
                partitionResults.Add(new PartitionProduceResult(partition, error, -1, Task.CompletedTask, message));
            }
            results.Add((name, partitionResults));
        }
        if (acks == 0)
        {
            return PendingResponse.Now(null);
        }
        var durable = results.SelectMany(topic => topic.Partitions).Select(partition => partition.Durable).Where(task => !task.IsCompleted).ToList();
        var ready = durable.Count switch
        {
            0 => Task.CompletedTask,
            1 => durable[0],
            _ => Task.WhenAll(durable),
        };
        return new PendingResponse(ready, () => ProduceResponse(header, version, results));
    }

    /// <summary>Checks every batch of one partition before appending any, so a corrupt one
    /// changes nothing.</summary>
    private PartitionProduceResult AppendBatches(PartitionLog log, Span<byte> records)
    {
        var batches = new List<(int Start, RecordBatchHeader Header)>();
        var position = 0;
        while (position < records.Length)
        {
            var problem = RecordBatch.TryRead(records[position..], out var batchHeader);
            if (problem is not null)
            {
                logger.LogWarning("Refusing a produce to {Topic}/{Partition}: {Problem}", log.Topic, log.Partition, problem);
                return new PartitionProduceResult(log.Partition, ErrorCode.CorruptMessage, -1, Task.CompletedTask, problem);
            }
            if (batchHeader.TotalBytes > options.MaxBatchBytes)
            {
                return new PartitionProduceResult(log.Partition, ErrorCode.MessageTooLarge, -1, Task.CompletedTask,
                    $"batch of {batchHeader.TotalBytes} bytes is above the limit of {options.MaxBatchBytes}");
            }
            batches.Add((position, batchHeader));
            position += batchHeader.TotalBytes;
        }
        var firstOffset = -1L;
        var durable = new List<Task>(batches.Count);
        foreach (var (start, batchHeader) in batches)
        {
            var result = log.Append(records.Slice(start, batchHeader.TotalBytes), batchHeader);
            if (result.ErrorCode != ErrorCode.None)
            {
                return new PartitionProduceResult(log.Partition, result.ErrorCode, -1, Task.WhenAll(durable), result.ErrorMessage);
            }
            if (firstOffset < 0)
            {
                firstOffset = result.BaseOffset;
            }
            durable.Add(result.Durable);
        }
        // Acknowledgements complete in offset order: the last batch's is the last to complete.
        return new PartitionProduceResult(log.Partition, ErrorCode.None, firstOffset, durable[^1], null);
    }

    /// <summary>The response, once every partition's batches are durable (or failed).</summary>
    private static KafkaResponseWriter ProduceResponse(RequestHeader header, short version,
        List<(string Topic, List<PartitionProduceResult> Partitions)> results)
    {
        var response = StartResponse(header);
        response.WriteArrayLength(results.Count);
        foreach (var (topic, partitions) in results)
        {
            response.WriteString(topic);
            response.WriteArrayLength(partitions.Count);
            foreach (var result in partitions)
            {
                var error = result.ErrorCode;
                var message = result.ErrorMessage;
                if (!result.Durable.IsCompletedSuccessfully)
                {
                    // The partition could not commit: the producer must not take this as written.
                    error = ErrorCode.KafkaStorageError;
                    message = result.Durable.Exception?.GetBaseException().Message ?? "the batch was not made durable";
                }
                response.WriteInt32(result.Partition);
                response.WriteInt16(error);
                response.WriteInt64(error == ErrorCode.None ? result.BaseOffset : -1);
                response.WriteInt64(-1);
                if (version >= 5)
                {
                    response.WriteInt64(0);
                }
                if (version >= 8)
                {
                    response.WriteArrayLength(0);
                    response.WriteNullableString(message);
                }
            }
        }
        response.WriteInt32(0);
        return response;
    }
}
