namespace Log.Journal.Client;

/// <summary>Options for one of several clients built from one template (a cluster per region, a topic per region):
/// every setting of the template, with the given cluster, region and a client id that names the copy.</summary>
internal static class JournalClientOptionsCopy
{
    public static JournalClientOptions For(JournalClientOptions template, string bootstrapServers, string region, string name)
    {
        ArgumentNullException.ThrowIfNull(template);
        var options = new JournalClientOptions
        {
            BootstrapServers = bootstrapServers,
            Region = region,
            PartitionCount = template.PartitionCount,
            ReplicationFactor = template.ReplicationFactor,
            ClientId = $"{template.ClientId}-{name}",
            ConsumerGroupId = template.ConsumerGroupId,
            FetchWaitMaxMs = template.FetchWaitMaxMs,
            MessageTimeoutMs = template.MessageTimeoutMs,
            RetryBackoffMs = template.RetryBackoffMs,
            EndOffsetQueryTimeout = template.EndOffsetQueryTimeout,
            ReaderBufferRecords = template.ReaderBufferRecords,
            ReaderBufferBytesMax = template.ReaderBufferBytesMax,
            ReaderFetchQueueBytesMax = template.ReaderFetchQueueBytesMax,
            ReaderFetchBytesMax = template.ReaderFetchBytesMax,
        };
        foreach (var (key, value) in template.AdditionalKafkaSettings)
        {
            options.AdditionalKafkaSettings[key] = value;
        }
        return options;
    }
}
