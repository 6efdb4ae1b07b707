using Log.Journal.Node.Protocol;

namespace Log.Journal.Node;

public sealed partial class JournalNode
{
    /// <summary>DeleteRecords: moves each partition's log start offset forward (prefix truncation),
    /// so the journal shrinks once every consumer has checkpointed past an offset.</summary>
    private Task<KafkaResponseWriter?> HandleDeleteRecords(RequestHeader header, ref KafkaRequestReader reader, CancellationToken cancellationToken)
    {
        var topicCount = reader.ReadArrayLength(minimumElementBytes: 6);
        var requested = new List<(string Topic, List<(int Partition, long Offset)> Partitions)>(topicCount);
        for (var topicIndex = 0; topicIndex < topicCount; topicIndex++)
        {
            var topic = reader.ReadString();
            var partitionCount = reader.ReadArrayLength(minimumElementBytes: 12);
            var partitions = new List<(int, long)>(partitionCount);
            for (var partitionIndex = 0; partitionIndex < partitionCount; partitionIndex++)
            {
                partitions.Add((reader.ReadInt32(), reader.ReadInt64()));
            }
            requested.Add((topic, partitions));
        }
        reader.ReadInt32();
        return DeleteRecordsAsync(header, requested, cancellationToken);
    }

    private async Task<KafkaResponseWriter?> DeleteRecordsAsync(RequestHeader header,
        List<(string Topic, List<(int Partition, long Offset)> Partitions)> requested, CancellationToken cancellationToken)
    {
        var response = StartResponse(header);
        response.WriteInt32(0);
        response.WriteArrayLength(requested.Count);
        foreach (var (topic, partitions) in requested)
        {
            response.WriteString(topic);
            response.WriteArrayLength(partitions.Count);
            foreach (var (partition, offset) in partitions)
            {
                var log = topics.Find(topic, partition);
                var (error, lowWatermark) = log is null
                    ? (ErrorCode.UnknownTopicOrPartition, -1L)
                    : await log.DeleteRecordsAsync(offset, cancellationToken);
                response.WriteInt32(partition);
                response.WriteInt64(lowWatermark);
                response.WriteInt16(error);
            }
        }
        return response;
    }
}
