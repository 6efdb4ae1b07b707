namespace Log.Journal.Client;

/// <summary>Settings of <see cref="KafkaJournalWriter"/> and <see cref="KafkaJournalReader"/>.</summary>
public sealed class JournalClientOptions
{
    /// <summary>Kafka bootstrap servers: a journal node's <c>BootstrapServers</c>, or a Kafka cluster.</summary>
    public string BootstrapServers { get; set; } = "127.0.0.1:9092";

    public string Region { get; set; } = JournalTopics.DefaultRegion;

    /// <summary>Partitions of the region's topic when this client has to create it (one per adjudicator shard).</summary>
    public int PartitionCount { get; set; } = 1;

    /// <summary>Replication factor when this client creates the topic; -1 is the cluster's default.
    /// Give 3 for a real Kafka cluster without a default.</summary>
    public short ReplicationFactor { get; set; } = -1;

    public string ClientId { get; set; } = "log-journal";

    /// <summary>Required by the Kafka consumer's configuration; group offsets are never used.</summary>
    public string ConsumerGroupId { get; set; } = "log-journal-readers";

    /// <summary>How long the broker may hold an empty fetch. The journal node and Kafka both answer a held fetch as
    /// soon as a record is committed (fetch.min.bytes is 1), so a long wait costs a waiting reader nothing, while a
    /// short one makes an idle reader send a fetch every few milliseconds (Kafka's default, 500).</summary>
    public int FetchWaitMaxMs { get; set; } = 500;

    /// <summary>How long a record may wait for delivery before the append fails.</summary>
    public int MessageTimeoutMs { get; set; } = 60_000;

    /// <summary>Pause between the producer's own retries of a transient failure (librdkafka's
    /// retry.backoff.ms); they go on, in order, until <see cref="MessageTimeoutMs"/>.</summary>
    public int RetryBackoffMs { get; set; } = 100;

    /// <summary>How long one query of a partition's end offset (ListOffsets) may take before it fails. A transaction
    /// begins with one, so a journal that cannot answer within it makes BEGIN fail rather than hang.</summary>
    public TimeSpan EndOffsetQueryTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Records read ahead by a reader's consume thread and not yet taken by its consumer.</summary>
    public int ReaderBufferRecords { get; set; } = 4096;

    /// <summary>Bytes of record values read ahead by a reader's consume thread and not yet taken by its consumer (one
    /// record is always let through, however large). A bulk load's record holds 3,000 rows (about 120 KB), so
    /// <see cref="ReaderBufferRecords"/> alone let a replica that lags keep some 500 MB waiting in memory.</summary>
    public long ReaderBufferBytesMax { get; set; } = 16L * 1024 * 1024;

    /// <summary>librdkafka's own prefetch queue per partition (queued.max.messages.kbytes), in bytes: 64 MiB by
    /// default, on top of <see cref="ReaderBufferBytesMax"/>.</summary>
    public int ReaderFetchQueueBytesMax { get; set; } = 16 * 1024 * 1024;

    /// <summary>The most a reader asks of one partition in one fetch (librdkafka's max.partition.fetch.bytes, 1 MiB by
    /// default; at least one whole batch always comes back). A replay reads a long partition in fetches of this size, one
    /// round trip at a time, so a larger one means fewer round trips (a bulk load's record is about 120 KB).</summary>
    public int ReaderFetchBytesMax { get; set; } = 8 * 1024 * 1024;

    /// <summary>Extra librdkafka settings applied last (e.g. security settings for a real cluster).</summary>
    public IDictionary<string, string> AdditionalKafkaSettings { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    public string Topic => JournalTopics.ForRegion(Region);
}
