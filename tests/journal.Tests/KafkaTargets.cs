using System.Net;
using System.Net.Sockets;
using System.Text;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Testcontainers.Kafka;
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

/// <summary>A throwaway single-broker Kafka in a Docker container, started by Testcontainers.Kafka
/// and removed again on dispose.</summary>
internal sealed class TestcontainersKafkaTarget : IKafkaTarget
{
    /// <summary>The image Testcontainers.Kafka 4.16 uses by default, named so an upgrade of the
    /// package does not change the broker under test.</summary>
    public const string Image = "confluentinc/cp-kafka:7.5.12";

    private readonly KafkaContainer container;

    private TestcontainersKafkaTarget(KafkaContainer container)
    {
        this.container = container;
        BootstrapServers = container.GetBootstrapAddress();
    }

    public string Name => $"{Image} in Docker";
    public string BootstrapServers { get; }

    public static async Task<TestcontainersKafkaTarget> StartAsync()
    {
        var container = new KafkaBuilder(Image).Build();
        try
        {
            await container.StartAsync();
            return new TestcontainersKafkaTarget(container);
        }
        catch
        {
            await container.DisposeAsync();
            throw;
        }
    }

    public ValueTask DisposeAsync() => container.DisposeAsync();
}

/// <summary>A fact that needs a Docker engine (for Testcontainers): skipped, with the reason shown
/// in the test report, when none answers. The engine is the one <c>DOCKER_HOST</c> names
/// (<c>unix://</c> or <c>tcp://</c>), else <c>/var/run/docker.sock</c>. It counts as answering when
/// it replies to <c>GET /_ping</c> with 200 and <c>OK</c> within <see cref="ProbeTimeout"/> (a bare
/// connect proves nothing where a proxy accepts every TCP connection); with
/// <c>DOCKER_TLS_VERIFY</c> set the plain-HTTP ping cannot be sent, so an open connection suffices.
/// The probe runs once per test run.</summary>
public sealed class DockerFactAttribute : FactAttribute
{
    public const string DefaultSocket = "/var/run/docker.sock";
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(2);
    private static readonly Lazy<string?> Unavailable = new(FindUnavailableReason);

    public DockerFactAttribute()
    {
        if (Unavailable.Value is { } reason)
        {
            Skip = reason;
        }
    }

    /// <summary>Why Docker cannot be used here, or null when an engine answers.</summary>
    private static string? FindUnavailableReason()
    {
        const string consequence = ": Testcontainers.Kafka cannot start Kafka here; set " + RealKafkaTarget.EnvironmentVariable +
            " to run these against a Kafka cluster instead.";
        var dockerHost = Environment.GetEnvironmentVariable("DOCKER_HOST");
        if (dockerHost is not { Length: > 0 })
        {
            return File.Exists(DefaultSocket) && Answers(new UnixDomainSocketEndPoint(DefaultSocket), ping: true)
                ? null
                : $"No Docker engine (no DOCKER_HOST, {DefaultSocket} absent or not answering){consequence}";
        }
        if (!Uri.TryCreate(dockerHost, UriKind.Absolute, out var uri))
        {
            return $"No Docker engine (DOCKER_HOST={dockerHost} is not a URI){consequence}";
        }
        EndPoint? endPoint = uri.Scheme switch
        {
            "unix" => new UnixDomainSocketEndPoint(uri.LocalPath),
            "tcp" => new DnsEndPoint(uri.Host, uri.Port),
            _ => null,
        };
        var tls = Environment.GetEnvironmentVariable("DOCKER_TLS_VERIFY") is { Length: > 0 } verify && verify != "0";
        // Other schemes are not probed here; Testcontainers reports its own error if it cannot use them.
        return endPoint is null || Answers(endPoint, ping: !tls)
            ? null
            : $"No Docker engine (DOCKER_HOST={dockerHost} not answering){consequence}";
    }

    private static bool Answers(EndPoint endPoint, bool ping)
    {
        using var socket = endPoint is UnixDomainSocketEndPoint
            ? new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified)
            : new Socket(SocketType.Stream, ProtocolType.Tcp);
        using var timeout = new CancellationTokenSource(ProbeTimeout);
        try
        {
            return ProbeAsync(socket, endPoint, ping, timeout.Token).GetAwaiter().GetResult();
        }
        catch (Exception error) when (error is SocketException or OperationCanceledException or IOException)
        {
            return false;
        }
    }

    private static async Task<bool> ProbeAsync(Socket socket, EndPoint endPoint, bool ping, CancellationToken cancellation)
    {
        await socket.ConnectAsync(endPoint, cancellation);
        if (!ping)
        {
            return true;
        }
        // HTTP/1.0: the engine closes the connection after its reply, which ends the read below.
        await socket.SendAsync("GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n"u8.ToArray(), cancellation);
        var reply = new List<byte>();
        var buffer = new byte[1024];
        int read;
        while (reply.Count < 64 * 1024 && (read = await socket.ReceiveAsync(buffer, cancellation)) > 0)
        {
            reply.AddRange(buffer.AsSpan(0, read));
        }
        var text = Encoding.ASCII.GetString(reply.ToArray());
        var status = text.Split("\r\n", 2)[0].Split(' ');
        return status.Length >= 2 && status[0].StartsWith("HTTP/", StringComparison.Ordinal) && status[1] == "200" &&
            text.EndsWith("\r\n\r\nOK", StringComparison.Ordinal);
    }
}

/// <summary>A fact that needs a real Kafka cluster: skipped, with the reason shown in the test
/// report, when none is configured.</summary>
public sealed class RealKafkaFactAttribute : FactAttribute
{
    public RealKafkaFactAttribute()
    {
        if (RealKafkaTarget.Configured is null)
        {
            Skip = $"No Kafka cluster: set {RealKafkaTarget.EnvironmentVariable}=host:port to run this against real Kafka " +
                "(TestcontainersKafkaBehaviourTests start one in Docker where an engine answers).";
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
