using Log.Journal.Node.Groups;
using Log.Journal.Node.Protocol;

namespace Log.Journal.Node;

/// <summary>Consumer groups: the wire side of <see cref="GroupCoordinator"/> and
/// <see cref="CommittedOffsetStore"/> (JoinGroup, SyncGroup, Heartbeat, LeaveGroup, OffsetCommit,
/// OffsetFetch). This node is the coordinator of every group (FindCoordinator says so).</summary>
public sealed partial class JournalNode
{
    private async Task<KafkaResponseWriter?> HandleJoinGroupAsync(RequestHeader header, JoinGroupRequestData request)
    {
        var result = await groups.JoinAsync(request);
        var version = header.ApiVersion;
        var response = StartResponse(header);
        if (version >= 2)
        {
            response.WriteInt32(0);
        }
        response.WriteInt16(result.ErrorCode);
        response.WriteInt32(result.GenerationId);
        response.WriteString(result.ProtocolName);
        response.WriteString(result.LeaderId);
        response.WriteString(result.MemberId);
        response.WriteArrayLength(result.Members.Count);
        foreach (var member in result.Members)
        {
            response.WriteString(member.MemberId);
            if (version >= 5)
            {
                response.WriteNullableString(member.GroupInstanceId);
            }
            response.WriteBytes(member.Metadata);
        }
        return response;
    }

    private Task<KafkaResponseWriter?> HandleJoinGroup(RequestHeader header, ref KafkaRequestReader reader)
    {
        var version = header.ApiVersion;
        var groupId = reader.ReadString();
        var sessionTimeoutMs = reader.ReadInt32();
        var rebalanceTimeoutMs = version >= 1 ? reader.ReadInt32() : sessionTimeoutMs;
        var memberId = reader.ReadString();
        var groupInstanceId = version >= 5 ? reader.ReadNullableString() : null;
        var protocolType = reader.ReadString();
        var count = reader.ReadArrayLength(minimumElementBytes: 6);
        var protocols = new List<GroupProtocol>(count);
        for (var index = 0; index < count; index++)
        {
            protocols.Add(new GroupProtocol(reader.ReadString(), reader.ReadBytesCopy()));
        }
        var request = new JoinGroupRequestData(groupId, memberId, groupInstanceId, header.ClientId ?? "consumer",
            sessionTimeoutMs, rebalanceTimeoutMs, protocolType, protocols);
        return HandleJoinGroupAsync(header, request);
    }

    private Task<KafkaResponseWriter?> HandleSyncGroup(RequestHeader header, ref KafkaRequestReader reader)
    {
        var version = header.ApiVersion;
        var groupId = reader.ReadString();
        var generationId = reader.ReadInt32();
        var memberId = reader.ReadString();
        if (version >= 3)
        {
            reader.ReadNullableString();
        }
        var count = reader.ReadArrayLength(minimumElementBytes: 6);
        var assignments = new List<(string MemberId, byte[] Assignment)>(count);
        for (var index = 0; index < count; index++)
        {
            assignments.Add((reader.ReadString(), reader.ReadBytesCopy()));
        }
        return CompleteSyncGroupAsync(header, groups.SyncAsync(groupId, generationId, memberId, assignments));
    }

    private static async Task<KafkaResponseWriter?> CompleteSyncGroupAsync(RequestHeader header, Task<SyncGroupResult> pending)
    {
        var result = await pending;
        var response = StartResponse(header);
        if (header.ApiVersion >= 1)
        {
            response.WriteInt32(0);
        }
        response.WriteInt16(result.ErrorCode);
        response.WriteBytes(result.Assignment);
        return response;
    }

    private KafkaResponseWriter HandleHeartbeat(in RequestHeader header, ref KafkaRequestReader reader)
    {
        var groupId = reader.ReadString();
        var generationId = reader.ReadInt32();
        var memberId = reader.ReadString();
        if (header.ApiVersion >= 3)
        {
            reader.ReadNullableString();
        }
        var error = groups.Heartbeat(groupId, generationId, memberId);
        var response = StartResponse(header);
        if (header.ApiVersion >= 1)
        {
            response.WriteInt32(0);
        }
        response.WriteInt16(error);
        return response;
    }

    private KafkaResponseWriter HandleLeaveGroup(in RequestHeader header, ref KafkaRequestReader reader)
    {
        var groupId = reader.ReadString();
        var memberId = reader.ReadString();
        var error = groups.Leave(groupId, memberId);
        var response = StartResponse(header);
        if (header.ApiVersion >= 1)
        {
            response.WriteInt32(0);
        }
        response.WriteInt16(error);
        return response;
    }

    private Task<KafkaResponseWriter?> HandleOffsetCommit(RequestHeader header, ref KafkaRequestReader reader, CancellationToken cancellationToken)
    {
        var version = header.ApiVersion;
        var groupId = reader.ReadString();
        var generationId = reader.ReadInt32();
        var memberId = reader.ReadString();
        if (version >= 7)
        {
            reader.ReadNullableString();
        }
        if (version <= 4)
        {
            reader.ReadInt64(); // retention: offsets are kept until overwritten
        }
        var topicCount = reader.ReadArrayLength(minimumElementBytes: 6);
        var requested = new List<(string Topic, List<(int Partition, long Offset, string? Metadata)> Partitions)>(topicCount);
        for (var topicIndex = 0; topicIndex < topicCount; topicIndex++)
        {
            var topic = reader.ReadString();
            var partitionCount = reader.ReadArrayLength(minimumElementBytes: 14);
            var partitions = new List<(int, long, string?)>(partitionCount);
            for (var partitionIndex = 0; partitionIndex < partitionCount; partitionIndex++)
            {
                var partition = reader.ReadInt32();
                var offset = reader.ReadInt64();
                if (version >= 6)
                {
                    reader.ReadInt32();
                }
                partitions.Add((partition, offset, reader.ReadNullableString()));
            }
            requested.Add((topic, partitions));
        }
        var groupError = string.IsNullOrEmpty(groupId)
            ? ErrorCode.InvalidGroupId
            : groups.ValidateOffsetCommit(groupId, generationId, memberId);
        return CompleteOffsetCommitAsync(header, groupId, groupError, requested, cancellationToken);
    }

    private async Task<KafkaResponseWriter?> CompleteOffsetCommitAsync(RequestHeader header, string groupId, short groupError,
        List<(string Topic, List<(int Partition, long Offset, string? Metadata)> Partitions)> requested, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<(string Topic, int Partition), short>();
        var accepted = new List<OffsetCommitEntry>();
        foreach (var (topic, partitions) in requested)
        {
            foreach (var (partition, offset, metadata) in partitions)
            {
                short error;
                if (groupError != ErrorCode.None)
                {
                    error = groupError;
                }
                else if (topics.Find(topic, partition) is null)
                {
                    error = ErrorCode.UnknownTopicOrPartition;
                }
                else if (metadata is not null && System.Text.Encoding.UTF8.GetByteCount(metadata) > options.MaxOffsetMetadataBytes)
                {
                    error = ErrorCode.OffsetMetadataTooLarge;
                }
                else
                {
                    error = ErrorCode.None;
                    accepted.Add(new OffsetCommitEntry(topic, partition, offset, metadata));
                }
                errors[(topic, partition)] = error;
            }
        }
        if (accepted.Count > 0)
        {
            var stored = await committedOffsets.CommitAsync(groupId, accepted, cancellationToken);
            foreach (var entry in accepted)
            {
                errors[(entry.Topic, entry.Partition)] = stored;
            }
        }
        var response = StartResponse(header);
        if (header.ApiVersion >= 3)
        {
            response.WriteInt32(0);
        }
        response.WriteArrayLength(requested.Count);
        foreach (var (topic, partitions) in requested)
        {
            response.WriteString(topic);
            response.WriteArrayLength(partitions.Count);
            foreach (var (partition, _, _) in partitions)
            {
                response.WriteInt32(partition);
                response.WriteInt16(errors[(topic, partition)]);
            }
        }
        return response;
    }

    private KafkaResponseWriter HandleOffsetFetch(in RequestHeader header, ref KafkaRequestReader reader)
    {
        var version = header.ApiVersion;
        var groupId = reader.ReadString();
        var topicCount = reader.ReadArrayLength(minimumElementBytes: 6);
        List<(string Topic, List<int> Partitions)> requested;
        if (topicCount < 0)
        {
            // Null (v2+): every offset the group has committed.
            requested = [.. committedOffsets.ForGroup(groupId)
                .GroupBy(entry => entry.Topic, StringComparer.Ordinal)
                .Select(topic => (topic.Key, topic.Select(entry => entry.Partition).ToList()))];
        }
        else
        {
            requested = new List<(string, List<int>)>(topicCount);
            for (var topicIndex = 0; topicIndex < topicCount; topicIndex++)
            {
                var topic = reader.ReadString();
                var partitionCount = reader.ReadArrayLength(minimumElementBytes: 4);
                var partitions = new List<int>(partitionCount);
                for (var partitionIndex = 0; partitionIndex < partitionCount; partitionIndex++)
                {
                    partitions.Add(reader.ReadInt32());
                }
                requested.Add((topic, partitions));
            }
        }
        var response = StartResponse(header);
        if (version >= 3)
        {
            response.WriteInt32(0);
        }
        response.WriteArrayLength(requested.Count);
        foreach (var (topic, partitions) in requested)
        {
            response.WriteString(topic);
            response.WriteArrayLength(partitions.Count);
            foreach (var partition in partitions)
            {
                // No committed offset is -1 with no error, as Kafka answers.
                var committed = committedOffsets.Find(groupId, topic, partition);
                response.WriteInt32(partition);
                response.WriteInt64(committed?.Offset ?? -1);
                if (version >= 5)
                {
                    response.WriteInt32(-1);
                }
                response.WriteNullableString(committed is null ? "" : committed.Value.Metadata);
                response.WriteInt16(ErrorCode.None);
            }
        }
        if (version >= 2)
        {
            response.WriteInt16(ErrorCode.None);
        }
        return response;
    }
}
