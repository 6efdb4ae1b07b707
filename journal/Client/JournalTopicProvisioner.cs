using Confluent.Kafka;
using Confluent.Kafka.Admin;

namespace Log.Journal.Client;

/// <summary>Makes sure the region's topic exists before the first append or read, with an
/// explicit CreateTopics (which works against the journal node and against a Kafka cluster that
/// has auto-creation turned off). "Already exists" is success.</summary>
public static class JournalTopicProvisioner
{
    public static async Task EnsureTopicAsync(JournalClientOptions options, CancellationToken cancellationToken)
    {
        var config = new AdminClientConfig
        {
            BootstrapServers = options.BootstrapServers,
            ClientId = options.ClientId + "-admin",
            SocketNagleDisable = true,
        };
        foreach (var (key, value) in options.AdditionalKafkaSettings)
        {
            config.Set(key, value);
        }
        using var admin = new AdminClientBuilder(config).Build();
        try
        {
            await admin.CreateTopicsAsync(
                [new TopicSpecification
                {
                    Name = options.Topic,
                    NumPartitions = options.PartitionCount,
                    ReplicationFactor = options.ReplicationFactor,
                }],
                new CreateTopicsOptions { RequestTimeout = TimeSpan.FromSeconds(30), OperationTimeout = TimeSpan.FromSeconds(30) })
                .WaitAsync(cancellationToken);
        }
        catch (CreateTopicsException exception)
            when (exception.Results.All(result => result.Error.Code is ErrorCode.TopicAlreadyExists or ErrorCode.NoError))
        {
        }
    }
}
