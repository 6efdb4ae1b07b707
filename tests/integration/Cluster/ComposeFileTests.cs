using System.Diagnostics;

namespace Log.Integration.Tests.Cluster;

/// <summary>Runs only where Debian's docker-compose is installed (.ci/run installs it); skipped with the reason otherwise.</summary>
public sealed class DockerComposeFactAttribute : FactAttribute
{
    public const string DockerComposePath = "/usr/bin/docker-compose";

    public DockerComposeFactAttribute()
    {
        if (!File.Exists(DockerComposePath))
        {
            Skip = $"{DockerComposePath} is not installed (apt-get install docker-compose; .ci/run installs it).";
        }
    }
}

/// <summary>The repository's compose.yaml is a valid Compose file that describes the whole topology: three Kafka brokers
/// in KRaft mode, the region's topic (two partitions, replication factor 3, min.insync.replicas=2), two adjudicator shards
/// that know each other, two storage replicas and two query nodes with the agreed command lines, health checks and start
/// order. No Docker engine is
/// reachable here, so nothing is started: Debian's docker-compose validates and resolves the file, and the same roles
/// run as processes in <see cref="ClusterTests"/>.</summary>
public sealed class ComposeFileTests
{
    private const string Brokers = "127.0.0.1:9092,127.0.0.1:9094,127.0.0.1:9096";

    /// <summary>Every shard's RPC address in shard order: the adjudicators' --peers and the query nodes' --adjudicator.</summary>
    private const string Adjudicators = "127.0.0.1:7400,127.0.0.1:7401";

    [DockerComposeFact]
    public async Task Compose_yaml_is_valid_and_names_every_role()
    {
        var (exitCode, _, error) = await DockerComposeAsync("config", "-q");
        Assert.True(exitCode == 0, $"docker-compose config failed:\n{error}");

        var (_, output, _) = await DockerComposeAsync("config", "--services");
        var services = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Order().ToArray();
        Assert.Equal(["adjudicator-0", "adjudicator-1", "journal-topic", "kafka-1", "kafka-2", "kafka-3",
            "query-node-1", "query-node-2", "storage-1", "storage-2"], services);
    }

    [DockerComposeFact]
    public async Task Every_role_has_its_command_line_a_health_check_and_starts_after_what_it_needs()
    {
        var services = await ResolvedServicesAsync();

        foreach (var broker in new[] { "kafka-1", "kafka-2", "kafka-3" })
        {
            var block = services[broker];
            Assert.Contains("image: apache/kafka:", block);
            Assert.Contains("KAFKA_PROCESS_ROLES: broker,controller", block);
            Assert.Contains("KAFKA_MIN_INSYNC_REPLICAS: '2'", block);
            Assert.Contains("KAFKA_DEFAULT_REPLICATION_FACTOR: '3'", block);
            Assert.Contains("healthcheck:", block);
        }
        var topic = services["journal-topic"];
        Assert.Contains("- log.local.txn", topic);
        Assert.Contains("- --replication-factor\n    - '3'", topic);
        Assert.Contains("- min.insync.replicas=2", topic);
        Assert.Contains("condition: service_healthy", topic);

        Assert.Contains("- --partitions\n    - '2'", topic);
        foreach (var shard in new[] { 0, 1 })
        {
            var adjudicator = services[$"adjudicator-{shard}"];
            Assert.Contains($"- --journal\n    - {Brokers}\n    - --shard\n    - '{shard}'\n    - --shards\n    - '2'", adjudicator);
            Assert.Contains($"- --peers\n    - {Adjudicators}\n    - --port\n    - '{7400 + shard}'", adjudicator);
            Assert.Contains("journal-topic:\n        condition: service_completed_successfully", adjudicator);
        }
        foreach (var replica in new[] { "storage-1", "storage-2" })
        {
            Assert.Contains($"- Log.StorageNode.dll\n    - serve\n    - --journal\n    - {Brokers}", services[replica]);
        }
        foreach (var node in new[] { "query-node-1", "query-node-2" })
        {
            var block = services[node];
            Assert.Contains($"- --adjudicator\n    - {Adjudicators}\n", block);
            Assert.Contains("- --storage\n    - 127.0.0.1:7500,127.0.0.1:7501", block);
            foreach (var dependency in new[] { "adjudicator-0", "adjudicator-1", "storage-1", "storage-2" })
            {
                Assert.Contains($"{dependency}:\n        condition: service_healthy", block);
            }
        }
        foreach (var role in services.Keys.Where(name => !name.StartsWith("kafka-", StringComparison.Ordinal) && name != "journal-topic"))
        {
            // Ready means caught up, not merely listening.
            Assert.Contains("GET /readyz", services[role]);
        }
    }

    /// <summary>Each service's block of the resolved file (docker-compose config), by name.</summary>
    private static async Task<Dictionary<string, string>> ResolvedServicesAsync()
    {
        var (exitCode, output, error) = await DockerComposeAsync("config");
        Assert.True(exitCode == 0, $"docker-compose config failed:\n{error}");
        var services = new Dictionary<string, string>();
        string? current = null;
        var block = new System.Text.StringBuilder();
        var inServices = false;
        foreach (var line in output.Split('\n'))
        {
            if (!line.StartsWith(' '))
            {
                Flush();
                inServices = line == "services:";
                continue;
            }
            if (inServices && line.Length > 2 && line[2] != ' ' && line.EndsWith(':'))
            {
                Flush();
                current = line.Trim().TrimEnd(':');
                continue;
            }
            if (current is not null) block.Append(line).Append('\n');
        }
        Flush();
        return services;

        void Flush()
        {
            if (current is not null) services[current] = block.ToString();
            current = null;
            block.Clear();
        }
    }

    private static async Task<(int ExitCode, string Output, string Error)> DockerComposeAsync(params string[] arguments)
    {
        var root = FindRepositoryRoot();
        var start = new ProcessStartInfo(DockerComposeFactAttribute.DockerComposePath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = root,
        };
        foreach (var argument in new[] { "-f", Path.Combine(root, "compose.yaml") }.Concat(arguments)) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return (process.ExitCode, await output, await error);
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "compose.yaml")) && File.Exists(Path.Combine(directory.FullName, "Log.sln")))
            {
                return directory.FullName;
            }
        }
        throw new InvalidOperationException($"No repository root (compose.yaml beside Log.sln) above {AppContext.BaseDirectory}.");
    }
}
