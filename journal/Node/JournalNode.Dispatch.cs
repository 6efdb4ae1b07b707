using Log.Journal.Node.Protocol;
using Microsoft.Extensions.Logging;

namespace Log.Journal.Node;

/// <summary>The request header (v1, or v2 for flexible requests).</summary>
public readonly record struct RequestHeader(short ApiKey, short ApiVersion, int CorrelationId, string? ClientId);

public sealed partial class JournalNode
{
    /// <summary>
    /// Parses one request frame and runs the synchronous part of its handler. Returns the task of
    /// its response (null for a produce with acks=0, which gets none). Throws
    /// <see cref="KafkaProtocolException"/> for input that must close the connection.
    /// </summary>
    private PendingResponse Dispatch(byte[] frame, int size, Connection connection)
    {
        var cancellationToken = connection.Token;
        var reader = new KafkaRequestReader(frame.AsSpan(0, size));
        var apiKey = reader.ReadInt16();
        var apiVersion = reader.ReadInt16();
        var correlationId = reader.ReadInt32();
        var clientId = reader.ReadNullableString();
        var header = new RequestHeader(apiKey, apiVersion, correlationId, clientId);

        if (apiKey == (short)ApiKey.ApiVersions)
        {
            // Answered even for versions we do not speak, in v0, so the client can pick another.
            return PendingResponse.Now(HandleApiVersions(header, ref reader));
        }
        if (!SupportedApis.IsKnown(apiKey))
        {
            throw new KafkaProtocolException($"unknown API key {apiKey}");
        }
        if (!SupportedApis.IsSupported(apiKey, apiVersion))
        {
            throw new KafkaProtocolException($"unsupported version {apiVersion} of API {(ApiKey)apiKey}");
        }
        logger.LogTrace("Request {Api} v{Version} correlation {CorrelationId} from {ClientId}",
            (ApiKey)apiKey, apiVersion, correlationId, clientId);
        return (ApiKey)apiKey switch
        {
            ApiKey.Metadata => PendingResponse.Now(HandleMetadata(header, ref reader, connection.AdvertisedPort)),
            ApiKey.Produce => HandleProduce(header, frame, ref reader, connection),
            ApiKey.Fetch => PendingResponse.Later(HandleFetch(header, ref reader, cancellationToken)),
            ApiKey.ListOffsets => PendingResponse.Now(HandleListOffsets(header, ref reader)),
            ApiKey.FindCoordinator => PendingResponse.Now(HandleFindCoordinator(header, ref reader, connection.AdvertisedPort)),
            ApiKey.InitProducerId => PendingResponse.Now(HandleInitProducerId(header, ref reader)),
            ApiKey.CreateTopics => PendingResponse.Now(HandleCreateTopics(header, ref reader)),
            ApiKey.JoinGroup => PendingResponse.Later(HandleJoinGroup(header, ref reader)),
            ApiKey.SyncGroup => PendingResponse.Later(HandleSyncGroup(header, ref reader)),
            ApiKey.Heartbeat => PendingResponse.Now(HandleHeartbeat(header, ref reader)),
            ApiKey.LeaveGroup => PendingResponse.Now(HandleLeaveGroup(header, ref reader)),
            ApiKey.OffsetCommit => PendingResponse.Later(HandleOffsetCommit(header, ref reader, cancellationToken)),
            ApiKey.OffsetFetch => PendingResponse.Now(HandleOffsetFetch(header, ref reader)),
            ApiKey.DeleteRecords => PendingResponse.Later(HandleDeleteRecords(header, ref reader, cancellationToken)),
            ApiKey.LogWriterFence => PendingResponse.Later(HandleWriterFence(header, ref reader)),
            ApiKey.LogAppendAt => HandleAppendAt(header, ref reader, connection),
            _ => throw new KafkaProtocolException($"unknown API key {apiKey}"),
        };
    }

    /// <summary>A response with header v0 (the correlation id only): every response this node
    /// sends uses it, ApiVersions v3 included.</summary>
    private static KafkaResponseWriter StartResponse(in RequestHeader header)
    {
        var writer = new KafkaResponseWriter();
        writer.WriteInt32(header.CorrelationId);
        return writer;
    }

    private KafkaResponseWriter HandleApiVersions(in RequestHeader header, ref KafkaRequestReader reader)
    {
        var version = header.ApiVersion;
        var response = StartResponse(header);
        if (version < 0 || version > 3)
        {
            // Kafka's answer to a version it does not know: a v0 response with the error and the list.
            response.WriteInt16(ErrorCode.UnsupportedVersion);
            response.WriteArrayLength(SupportedApis.All.Count);
            foreach (var (key, minimum, maximum) in SupportedApis.All)
            {
                response.WriteInt16((short)key);
                response.WriteInt16(minimum);
                response.WriteInt16(maximum);
            }
            return response;
        }
        if (version >= 3)
        {
            // Header v2: tagged fields after the client id; body: software name and version.
            reader.SkipTaggedFields();
            reader.ReadCompactNullableString();
            reader.ReadCompactNullableString();
            reader.SkipTaggedFields();
        }
        response.WriteInt16(ErrorCode.None);
        if (version >= 3)
        {
            response.WriteCompactArrayLength(SupportedApis.All.Count);
        }
        else
        {
            response.WriteArrayLength(SupportedApis.All.Count);
        }
        foreach (var (key, minimum, maximum) in SupportedApis.All)
        {
            response.WriteInt16((short)key);
            response.WriteInt16(minimum);
            response.WriteInt16(maximum);
            if (version >= 3)
            {
                response.WriteEmptyTaggedFields();
            }
        }
        if (version >= 1)
        {
            response.WriteInt32(0);
        }
        if (version >= 3)
        {
            response.WriteEmptyTaggedFields();
        }
        return response;
    }

    private KafkaResponseWriter HandleFindCoordinator(in RequestHeader header, ref KafkaRequestReader reader, int advertisedPort)
    {
        var version = header.ApiVersion;
        reader.ReadString();
        if (version >= 1)
        {
            reader.ReadInt8();
        }
        var response = StartResponse(header);
        if (version >= 1)
        {
            response.WriteInt32(0);
        }
        response.WriteInt16(ErrorCode.None);
        if (version >= 1)
        {
            response.WriteNullableString(null);
        }
        response.WriteInt32(options.NodeId);
        response.WriteString(AdvertisedHost);
        response.WriteInt32(advertisedPort);
        return response;
    }

    private KafkaResponseWriter HandleInitProducerId(in RequestHeader header, ref KafkaRequestReader reader)
    {
        var transactionalId = reader.ReadNullableString();
        reader.ReadInt32();
        var response = StartResponse(header);
        response.WriteInt32(0);
        if (transactionalId is not null)
        {
            // Kafka transactions are not part of the journal's design.
            response.WriteInt16(ErrorCode.InvalidRequest);
            response.WriteInt64(-1);
            response.WriteInt16(-1);
            return response;
        }
        response.WriteInt16(ErrorCode.None);
        response.WriteInt64(Interlocked.Increment(ref nextProducerId));
        response.WriteInt16(0);
        return response;
    }

    private KafkaResponseWriter HandleCreateTopics(in RequestHeader header, ref KafkaRequestReader reader)
    {
        var version = header.ApiVersion;
        var count = reader.ReadArrayLength(minimumElementBytes: 12);
        var requested = new List<(string Name, int Partitions, short ReplicationFactor)>();
        for (var topic = 0; topic < count; topic++)
        {
            var name = reader.ReadString();
            var partitions = reader.ReadInt32();
            var replicationFactor = reader.ReadInt16();
            var assignments = reader.ReadArrayLength(minimumElementBytes: 8);
            for (var assignment = 0; assignment < assignments; assignment++)
            {
                reader.ReadInt32();
                var brokers = reader.ReadArrayLength(minimumElementBytes: 4);
                for (var broker = 0; broker < brokers; broker++)
                {
                    reader.ReadInt32();
                }
            }
            if (assignments > 0)
            {
                partitions = assignments;
            }
            var configs = reader.ReadArrayLength(minimumElementBytes: 4);
            for (var config = 0; config < configs; config++)
            {
                reader.ReadString();
                reader.ReadNullableString();
            }
            requested.Add((name, partitions, replicationFactor));
        }
        reader.ReadInt32();
        var validateOnly = version >= 1 && reader.ReadBoolean();

        var response = StartResponse(header);
        if (version >= 2)
        {
            response.WriteInt32(0);
        }
        response.WriteArrayLength(requested.Count);
        foreach (var (name, partitions, replicationFactor) in requested)
        {
            var partitionCount = partitions == -1 ? options.DefaultPartitions : partitions;
            short error;
            string? message = null;
            if (replicationFactor is not (-1 or 1))
            {
                error = 38; // INVALID_REPLICATION_FACTOR: this is a single node.
                message = "the journal node has one broker; replication factor must be 1 or -1";
            }
            else if (validateOnly)
            {
                error = !Storage.TopicStore.IsLegalTopicName(name) ? ErrorCode.InvalidTopicException
                    : topics.Find(name) is not null ? ErrorCode.TopicAlreadyExists : ErrorCode.None;
            }
            else
            {
                error = topics.Create(name, partitionCount);
            }
            response.WriteString(name);
            response.WriteInt16(error);
            if (version >= 1)
            {
                response.WriteNullableString(message);
            }
        }
        return response;
    }
}
