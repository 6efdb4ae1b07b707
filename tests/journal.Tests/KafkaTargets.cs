using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Xunit.Abstractions;

namespace Log.Journal.Tests;

/// <summary>Something that speaks Kafka for the behavioural tests: the journal node, librdkafka's
/// in-memory mock cluster, or a real Kafka cluster.</summary>
internal interface IKafkaTarget : IAsyncDisposable
{
    string Name { get; }
    string BootstrapServers { get; }

    /// <summary>An admin client (DeleteRecords and the like).</summary>
    IAdminClient CreateAdminClient() => new AdminClientBuilder(new AdminClientConfig { BootstrapServers = BootstrapServers }).Build();

    async Task CreateTopicAsync(string topic, int partitions)
    {
        using var admin = CreateAdminClient();
        await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = partitions, ReplicationFactor = -1 }],
            new CreateTopicsOptions { RequestTimeout = TimeSpan.FromSeconds(10), OperationTimeout = TimeSpan.FromSeconds(10) });
    }
}

internal sealed class JournalNodeTarget(TestNode node) : IKafkaTarget
{
    public string Name => "journal node";
    public string BootstrapServers => node.BootstrapServers;
    public TestNode Node => node;

    public static async Task<JournalNodeTarget> StartAsync(ITestOutputHelper output) => new(await TestNode.StartAsync(output));

    public ValueTask DisposeAsync() => node.DisposeAsync();
}

/// <summary>librdkafka's mock cluster (<c>test.mock.num.brokers</c>). It lives inside the client
/// that asked for it, so one anchor producer holds it and every other client connects to its
/// brokers' real loopback ports, found in the anchor's metadata.</summary>
internal sealed class MockClusterTarget : IKafkaTarget
{
    private readonly IProducer<Null, Null> anchor;

    private MockClusterTarget(IProducer<Null, Null> anchor, string bootstrapServers)
    {
        this.anchor = anchor;
        BootstrapServers = bootstrapServers;
    }

    public string Name => "librdkafka mock cluster";
    public string BootstrapServers { get; }

    public static MockClusterTarget Start()
    {
        var config = new ProducerConfig();
        config.Set("test.mock.num.brokers", "1");
        var anchor = new ProducerBuilder<Null, Null>(config).Build();
        try
        {
            using var admin = new DependentAdminClientBuilder(anchor.Handle).Build();
            var metadata = admin.GetMetadata(TimeSpan.FromSeconds(10));
            return new MockClusterTarget(anchor, string.Join(",", metadata.Brokers.Select(broker => $"{broker.Host}:{broker.Port}")));
        }
        catch
        {
            anchor.Dispose();
            throw;
        }
    }

    /// <summary>The mock reports no controller, so a client's CreateTopics never gets an answer;
    /// the mock creates a topic (with its default partition count, 4) when a client first asks
    /// for it, which the tests' first produce does.</summary>
    public Task CreateTopicAsync(string topic, int partitions) => Task.CompletedTask;

    public ValueTask DisposeAsync()
    {
        anchor.Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>A real Kafka cluster named by <c>LOG_TEST_KAFKA_BOOTSTRAP</c>.</summary>
internal sealed class RealKafkaTarget(string bootstrapServers) : IKafkaTarget
{
    public const string EnvironmentVariable = "LOG_TEST_KAFKA_BOOTSTRAP";

    public string Name => "Kafka at " + bootstrapServers;
    public string BootstrapServers => bootstrapServers;

    public static string? Configured => Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } value ? value : null;

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

/// <summary>A fact that needs a real Kafka cluster: skipped, with the reason shown in the test
/// report, when none is configured (there is no Docker here for Testcontainers either).</summary>
public sealed class RealKafkaFactAttribute : FactAttribute
{
    public RealKafkaFactAttribute()
    {
        if (RealKafkaTarget.Configured is null)
        {
            Skip = $"No Kafka cluster: set {RealKafkaTarget.EnvironmentVariable}=host:port to run this against real Kafka " +
                "(Testcontainers.Kafka would need Docker, which this machine does not have).";
        }
    }
}

/// <summary>A fact that needs Debian's kcat: skipped with the reason when it is not installed.</summary>
public sealed class KcatFactAttribute : FactAttribute
{
    public const string KcatPath = "/usr/bin/kcat";

    public KcatFactAttribute()
    {
        if (!File.Exists(KcatPath))
        {
            Skip = $"{KcatPath} is not installed (apt-get install kcat; .ci/run installs it).";
        }
    }
}
