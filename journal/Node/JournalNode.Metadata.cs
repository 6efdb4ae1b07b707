using Log.Journal.Node.Protocol;
using Log.Journal.Node.Storage;

namespace Log.Journal.Node;

public sealed partial class JournalNode
{
    private KafkaResponseWriter HandleMetadata(in RequestHeader header, ref KafkaRequestReader reader, int advertisedPort)
    {
        var version = header.ApiVersion;
        var count = reader.ReadArrayLength(minimumElementBytes: 2);
        List<string>? requested = null;
        if (count >= 0)
        {
            requested = new List<string>(count);
            for (var topic = 0; topic < count; topic++)
            {
                requested.Add(reader.ReadString());
            }
        }
        // v0 has no null: an empty list there means every topic.
        if (version == 0 && requested is { Count: 0 })
        {
            requested = null;
        }
        var allowAutoCreate = true;
        if (version >= 4)
        {
            allowAutoCreate = reader.ReadBoolean();
        }
        if (version >= 8)
        {
            reader.ReadBoolean();
            reader.ReadBoolean();
        }

        var response = StartResponse(header);
        if (version >= 3)
        {
            response.WriteInt32(0);
        }
        response.WriteArrayLength(1);
        response.WriteInt32(options.NodeId);
        response.WriteString(AdvertisedHost);
        response.WriteInt32(advertisedPort);
        if (version >= 1)
        {
            response.WriteNullableString(null);
        }
        if (version >= 2)
        {
            response.WriteNullableString(options.ClusterId);
        }
        if (version >= 1)
        {
            response.WriteInt32(options.NodeId);
        }

        var names = requested ?? [.. topics.TopicNames()];
        response.WriteArrayLength(names.Count);
        foreach (var name in names)
        {
            var partitions = topics.Find(name);
            var error = ErrorCode.None;
            if (partitions is null)
            {
                if (!TopicStore.IsLegalTopicName(name))
                {
                    error = ErrorCode.InvalidTopicException;
                }
                else if (options.AutoCreateTopics && allowAutoCreate)
                {
                    var created = topics.Create(name, options.DefaultPartitions);
                    partitions = topics.Find(name);
                    error = partitions is null ? created : ErrorCode.None;
                }
                else
                {
                    error = ErrorCode.UnknownTopicOrPartition;
                }
            }
            response.WriteInt16(error);
            response.WriteString(name);
            if (version >= 1)
            {
                response.WriteBoolean(false);
            }
            var partitionCount = partitions?.Count ?? 0;
            response.WriteArrayLength(partitionCount);
            for (var partition = 0; partition < partitionCount; partition++)
            {
                response.WriteInt16(ErrorCode.None);
                response.WriteInt32(partition);
                response.WriteInt32(options.NodeId);
                if (version >= 7)
                {
                    response.WriteInt32(0);
                }
                response.WriteArrayLength(1);
                response.WriteInt32(options.NodeId);
                response.WriteArrayLength(1);
                response.WriteInt32(options.NodeId);
                if (version >= 5)
                {
                    response.WriteArrayLength(0);
                }
            }
            if (version >= 8)
            {
                response.WriteInt32(int.MinValue);
            }
        }
        if (version >= 8)
        {
            response.WriteInt32(int.MinValue);
        }
        return response;
    }
}
