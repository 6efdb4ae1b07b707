using Confluent.Kafka;
using Log.Journal.Client;
using Microsoft.Extensions.Logging;

namespace Log.StorageNode.Hosting;

/// <summary>
/// How many partitions the region's topic has (one per adjudicator shard), from the journal's metadata, for a replica
/// that applies them all. The topic is created by the adjudicators with its shard count; a replica must never create it
/// (it would create it with a wrong count), so the metadata request forbids auto-creation, and while the topic does not
/// exist the replica waits for it, saying so every <see cref="RetryDelay"/>.
/// </summary>
internal static class JournalPartitionDiscovery
{
    /// <summary>Pause between two metadata requests while the topic does not exist or the journal cannot be reached.</summary>
    public static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    /// <summary>The wait is reported at the first attempt and then once per this many.</summary>
    private const int WaitingReportEvery = 10;

    /// <summary>How long one metadata request may take.</summary>
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);

    public static async Task<int> PartitionCountAsync(JournalClientOptions options, ILogger logger, CancellationToken cancellationToken)
    {
        var config = new AdminClientConfig
        {
            BootstrapServers = options.BootstrapServers,
            ClientId = options.ClientId + "-metadata",
            SocketNagleDisable = true,
        };
        config.Set("allow.auto.create.topics", "false");
        foreach (var (key, value) in options.AdditionalKafkaSettings)
        {
            config.Set(key, value);
        }
        using var admin = new AdminClientBuilder(config).Build();
        for (var attempt = 0; ; attempt++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            string problem;
            try
            {
                // GetMetadata blocks; it runs on the thread pool with its own timeout.
                var metadata = await Task.Run(() => admin.GetMetadata(options.Topic, RequestTimeout), cancellationToken).ConfigureAwait(false);
                var topic = metadata.Topics.SingleOrDefault(candidate => candidate.Topic == options.Topic);
                if (topic is not null && topic.Error.Code == ErrorCode.NoError && topic.Partitions.Count > 0)
                {
                    return topic.Partitions.Count;
                }
                problem = topic is null ? "it is not in the journal's metadata" : $"{topic.Error.Code}: {topic.Error.Reason}";
            }
            catch (KafkaException exception)
            {
                problem = exception.Message;
            }
            if (attempt % WaitingReportEvery == 0)
            {
                logger.LogWarning("Waiting for the journal topic {Topic} to exist (the adjudicators create it with one partition per shard): {Problem}",
                    options.Topic, problem);
            }
            await Task.Delay(RetryDelay, cancellationToken).ConfigureAwait(false);
        }
    }
}
