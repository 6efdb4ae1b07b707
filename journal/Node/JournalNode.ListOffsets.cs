using Log.Journal.Node.Protocol;

namespace Log.Journal.Node;

public sealed partial class JournalNode
{
    private const long LatestTimestamp = -1;
    private const long EarliestTimestamp = -2;

    private KafkaResponseWriter HandleListOffsets(in RequestHeader header, ref KafkaRequestReader reader)
    {
        var version = header.ApiVersion;
        reader.ReadInt32();
        if (version >= 2)
        {
            reader.ReadInt8();
        }
        var topicCount = reader.ReadArrayLength(minimumElementBytes: 6);
        var response = StartResponse(header);
        if (version >= 2)
        {
            response.WriteInt32(0);
        }
        response.WriteArrayLength(topicCount);
        for (var topicIndex = 0; topicIndex < topicCount; topicIndex++)
        {
            var name = reader.ReadString();
            response.WriteString(name);
            var partitionCount = reader.ReadArrayLength(minimumElementBytes: 12);
            response.WriteArrayLength(partitionCount);
            for (var partitionIndex = 0; partitionIndex < partitionCount; partitionIndex++)
            {
                var partition = reader.ReadInt32();
                if (version >= 4)
                {
                    reader.ReadInt32();
                }
                var timestamp = reader.ReadInt64();
                var log = topics.Find(name, partition);
                var error = ErrorCode.None;
                var offset = -1L;
                if (log is null)
                {
                    error = ErrorCode.UnknownTopicOrPartition;
                }
                else
                {
                    offset = timestamp switch
                    {
                        LatestTimestamp => log.HighWatermark,
                        EarliestTimestamp => log.LogStartOffset,
                        _ => log.OffsetForTimestamp(timestamp),
                    };
                }
                response.WriteInt32(partition);
                response.WriteInt16(error);
                response.WriteInt64(-1);
                response.WriteInt64(offset);
                if (version >= 4)
                {
                    response.WriteInt32(0);
                }
            }
        }
        return response;
    }
}
