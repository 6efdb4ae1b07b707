using Log.Journal.Node.Protocol;
using Log.Journal.Node.Storage;
using Microsoft.Extensions.Logging;

namespace Log.Journal.Node;

/// <summary>
/// The node's own two requests for a region's failover (adjudicator/README.md, "Regions"), on the Kafka port under API
/// keys Kafka does not use (<see cref="LogApis"/>), not advertised in ApiVersions, so Kafka clients never send them:
/// <list type="bullet">
/// <item><b>WriterFence</b> v0: topic, partition, epoch, requester topic (nullable), requester epoch → error, message,
/// end offset. Raises the partition's writer fence (<see cref="PartitionLog.RaiseWriterFence"/>), creating the topic
/// when this node never held it (so that the fenced writer cannot create it afterwards), and answers the partition's
/// end offset. Refused (<see cref="ErrorCode.InvalidProducerEpoch"/>) when the requester's own topic partition is
/// fenced here above the requester's epoch: a region that was itself sealed here cannot seal another, so of two
/// regions that each lost sight of the other, at most one gets the witness's fence.</item>
/// <item><b>AppendAt</b> v0: topic, partition, expected offset, record values → error, message, base offset. Appends
/// the values as one batch only when the partition ends at the expected offset, past the writer fence
/// (<see cref="PartitionLog.AppendAt"/>), and answers once it is durable.</item>
/// </list>
/// </summary>
public sealed partial class JournalNode
{
    private const int MaxAppendAtRecords = 10_000;

    private Task<KafkaResponseWriter?> HandleWriterFence(RequestHeader header, ref KafkaRequestReader reader)
    {
        var topic = reader.ReadString();
        var partition = reader.ReadInt32();
        var epoch = reader.ReadInt64();
        var requesterTopic = reader.ReadNullableString();
        var requesterEpoch = reader.ReadInt64();
        return Task.Run(() => WriterFence(header, topic, partition, epoch, requesterTopic, requesterEpoch));
    }

    private KafkaResponseWriter? WriterFence(RequestHeader header, string topic, int partition, long epoch, string? requesterTopic, long requesterEpoch)
    {
        short error;
        string? message = null;
        var endOffset = -1L;
        if (epoch <= 0 || partition < 0)
        {
            (error, message) = (ErrorCode.InvalidRequest, "the epoch must be positive and the partition not negative");
        }
        else if (requesterTopic is not null && topics.Find(requesterTopic, partition) is { } requester && requester.WriterFence > requesterEpoch)
        {
            (error, message) = (ErrorCode.InvalidProducerEpoch,
                $"{requesterTopic}/{partition} is itself fenced here below epoch {requester.WriterFence}: its writer cannot fence another");
        }
        else
        {
            var log = topics.Find(topic, partition);
            if (log is null)
            {
                var created = topics.Create(topic, partition + 1);
                log = topics.Find(topic, partition);
                if (log is null)
                {
                    (error, message) = (created == ErrorCode.None ? ErrorCode.UnknownTopicOrPartition : created, $"no partition {topic}/{partition}");
                    return FenceResponse(header, error, message, endOffset);
                }
            }
            endOffset = log.RaiseWriterFence(epoch);
            error = ErrorCode.None;
            logger.LogWarning("Journal partition {Topic}/{Partition} fenced below writer epoch {Epoch} at offset {Offset}", topic, partition, log.WriterFence, endOffset);
        }
        return FenceResponse(header, error, message, endOffset);
    }

    private static KafkaResponseWriter FenceResponse(RequestHeader header, short error, string? message, long offset)
    {
        var response = StartResponse(header);
        response.WriteInt16(error);
        response.WriteNullableString(message);
        response.WriteInt64(offset);
        return response;
    }

    private PendingResponse HandleAppendAt(RequestHeader header, ref KafkaRequestReader reader, Connection connection)
    {
        var topic = reader.ReadString();
        var partition = reader.ReadInt32();
        var expectedOffset = reader.ReadInt64();
        var count = reader.ReadArrayLength(minimumElementBytes: 4);
        if (count is <= 0 or > MaxAppendAtRecords)
        {
            return PendingResponse.Now(FenceResponse(header, ErrorCode.InvalidRequest, $"{count} records: 1 to {MaxAppendAtRecords} may be appended at once", -1));
        }
        var values = new List<byte[]>(count);
        for (var index = 0; index < count; index++)
        {
            values.Add(reader.ReadBytesCopy());
        }
        var log = topics.Find(topic, partition);
        if (log is null || expectedOffset < 0)
        {
            return PendingResponse.Now(FenceResponse(header, log is null ? ErrorCode.UnknownTopicOrPartition : ErrorCode.InvalidRequest, null, -1));
        }
        var batch = RecordBatchValues.Build(values, options.TimeProvider.GetUtcNow().ToUnixTimeMilliseconds());
        if (batch.Length > options.MaxBatchBytes || RecordBatch.TryRead(batch, out var batchHeader) is not null)
        {
            return PendingResponse.Now(FenceResponse(header, ErrorCode.MessageTooLarge, $"a batch of {batch.Length} bytes", -1));
        }
        var result = log.AppendAt(expectedOffset, batch, batchHeader);
        if (result.ErrorCode != ErrorCode.None)
        {
            return PendingResponse.Now(FenceResponse(header, result.ErrorCode, result.ErrorMessage, -1));
        }
        connection.NoteAppended(log);
        return new PendingResponse(result.Durable, () => result.Durable.IsCompletedSuccessfully
            ? FenceResponse(header, ErrorCode.None, null, result.BaseOffset)
            : FenceResponse(header, ErrorCode.KafkaStorageError, result.Durable.Exception?.GetBaseException().Message ?? "not made durable", -1));
    }
}
