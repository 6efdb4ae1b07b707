namespace Log.Journal.Node.Protocol;

/// <summary>The Kafka API keys this node knows, with Kafka's own numbers.</summary>
public enum ApiKey : short
{
    Produce = 0,
    Fetch = 1,
    ListOffsets = 2,
    Metadata = 3,
    OffsetCommit = 8,
    OffsetFetch = 9,
    FindCoordinator = 10,
    JoinGroup = 11,
    Heartbeat = 12,
    LeaveGroup = 13,
    SyncGroup = 14,
    ApiVersions = 18,
    CreateTopics = 19,
    DeleteRecords = 21,
    InitProducerId = 22,

    /// <summary>The node's own: raise a partition's writer fence (JournalNode.Fence.cs). Not a Kafka API.</summary>
    LogWriterFence = 32000,

    /// <summary>The node's own: append at an expected offset, past the writer fence. Not a Kafka API.</summary>
    LogAppendAt = 32001,
}

/// <summary>Kafka's error codes, those this node returns.</summary>
public static class ErrorCode
{
    public const short None = 0;
    public const short OffsetOutOfRange = 1;
    public const short CorruptMessage = 2;
    public const short UnknownTopicOrPartition = 3;
    public const short InvalidFetchSize = 4;
    public const short MessageTooLarge = 10;
    public const short OffsetMetadataTooLarge = 12;
    public const short CoordinatorNotAvailable = 15;
    public const short InvalidTopicException = 17;
    public const short RecordListTooLarge = 18;
    public const short InvalidRequiredAcks = 21;
    public const short IllegalGeneration = 22;
    public const short InconsistentGroupProtocol = 23;
    public const short InvalidGroupId = 24;
    public const short UnknownMemberId = 25;
    public const short InvalidSessionTimeout = 26;
    public const short RebalanceInProgress = 27;
    public const short UnsupportedVersion = 35;
    public const short TopicAlreadyExists = 36;
    public const short InvalidPartitions = 37;
    public const short InvalidRequest = 42;
    public const short UnsupportedForMessageFormat = 43;
    public const short OutOfOrderSequenceNumber = 45;
    public const short InvalidProducerEpoch = 47;
    public const short KafkaStorageError = 56;
    public const short UnknownServerError = -1;
}

/// <summary>The version range this node implements for each API, and nothing more: what is
/// advertised in ApiVersions is exactly what the handlers parse.</summary>
public static class SupportedApis
{
    public static readonly IReadOnlyList<(ApiKey Key, short MinimumVersion, short MaximumVersion)> All =
    [
        (ApiKey.Produce, 3, 8),
        (ApiKey.Fetch, 4, 11),
        (ApiKey.ListOffsets, 1, 5),
        (ApiKey.Metadata, 0, 8),
        (ApiKey.FindCoordinator, 0, 2),
        (ApiKey.ApiVersions, 0, 3),
        (ApiKey.CreateTopics, 0, 4),
        (ApiKey.InitProducerId, 0, 1),
        (ApiKey.JoinGroup, 0, 5),
        (ApiKey.SyncGroup, 0, 3),
        (ApiKey.Heartbeat, 0, 3),
        (ApiKey.LeaveGroup, 0, 1),
        (ApiKey.OffsetCommit, 2, 7),
        (ApiKey.OffsetFetch, 1, 5),
        (ApiKey.DeleteRecords, 0, 1),
    ];

    /// <summary>The node's own requests, version 0 only, never advertised.</summary>
    public static readonly IReadOnlyList<ApiKey> LogApis = [ApiKey.LogWriterFence, ApiKey.LogAppendAt];

    public static bool IsSupported(short apiKey, short version)
    {
        if (LogApis.Contains((ApiKey)apiKey))
        {
            return version == 0;
        }
        foreach (var (key, minimum, maximum) in All)
        {
            if ((short)key == apiKey)
            {
                return version >= minimum && version <= maximum;
            }
        }
        return false;
    }

    public static bool IsKnown(short apiKey)
    {
        if (LogApis.Contains((ApiKey)apiKey))
        {
            return true;
        }
        foreach (var (key, _, _) in All)
        {
            if ((short)key == apiKey)
            {
                return true;
            }
        }
        return false;
    }
}
