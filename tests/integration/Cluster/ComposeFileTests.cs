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

/// <summary>The repository's compose.yaml is a valid Compose file that describes the whole topology (and, in its
/// regions profile, the multi-region one): three Kafka brokers in KRaft mode, the region's topic (two partitions, replication factor 3, min.insync.replicas=2), two adjudicator shards
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

        // The default topology is every service without a profile; the multi-region profile's are the rest.
        var services = await ResolvedServicesAsync();
        Assert.Equal(["adjudicator-0", "adjudicator-1", "journal-topic", "kafka-1", "kafka-2", "kafka-3",
            "query-node-1", "query-node-2", "storage-1", "storage-2"],
            services.Where(service => !service.Value.Contains("profiles:", StringComparison.Ordinal)).Select(service => service.Key).Order());
        Assert.Equal(RegionServices.Order(), services.Where(service => service.Value.Contains("profiles:\n    - regions\n", StringComparison.Ordinal))
            .Select(service => service.Key).Order());
    }

    /// <summary>The multi-region profile: two peered regions (us-east-1, us-east-2) and a witness (us-west-2), as
    /// tests/cluster/start-regions.sh starts them.</summary>
    private static readonly string[] RegionServices =
    [
        "journal-us-east-1", "journal-us-east-2", "journal-us-west-2",
        "proxy-us-east-1-to-us-east-2", "proxy-us-east-1-to-us-west-2", "proxy-us-east-2-to-us-east-1", "proxy-us-east-2-to-us-west-2",
        "adjudicator-us-east-1", "adjudicator-us-east-2", "storage-us-east-1", "storage-us-east-2", "query-node-us-east-1", "query-node-us-east-2",
    ];

    /// <summary>Every region's journal as each peered region reaches it: its own at its journal's port, the others'
    /// through its proxies (us-east-1's on 9211 and 9212, us-east-2's on 9213 and 9214).</summary>
    private static readonly Dictionary<string, string> RegionsFrom = new()
    {
        ["us-east-1"] = "us-east-1=127.0.0.1:9192,us-east-2=127.0.0.1:9211,us-west-2=127.0.0.1:9212",
        ["us-east-2"] = "us-east-1=127.0.0.1:9213,us-east-2=127.0.0.1:9193,us-west-2=127.0.0.1:9214",
    };

    [DockerComposeFact]
    public async Task The_regions_profile_runs_two_peered_regions_and_a_witness_each_region_reaching_the_others_through_its_proxies()
    {
        var services = await ResolvedServicesAsync();

        // Each journal keeps a listener per proxy that reaches it, advertising the proxy's port.
        Assert.Contains("- Log.Journal.dll\n    - --port\n    - '9192'", services["journal-us-east-1"]);
        Assert.Contains("- --extra-listeners\n    - 9203:9213\n", services["journal-us-east-1"]);
        Assert.Contains("- Log.Journal.dll\n    - --port\n    - '9193'", services["journal-us-east-2"]);
        Assert.Contains("- --extra-listeners\n    - 9201:9211\n", services["journal-us-east-2"]);
        Assert.Contains("- Log.Journal.dll\n    - --port\n    - '9194'", services["journal-us-west-2"]);
        Assert.Contains("- --extra-listeners\n    - 9202:9212,9204:9214\n", services["journal-us-west-2"]);
        foreach (var (proxy, listen, target) in new[]
        {
            ("proxy-us-east-1-to-us-east-2", 9211, 9201), ("proxy-us-east-1-to-us-west-2", 9212, 9202),
            ("proxy-us-east-2-to-us-east-1", 9213, 9203), ("proxy-us-east-2-to-us-west-2", 9214, 9204),
        })
        {
            Assert.Contains($"- proxy\n    - --listen\n    - 127.0.0.1:{listen}\n    - --target\n    - 127.0.0.1:{target}\n    - --delay-ms\n    - '10'\n",
                services[proxy]);
        }
        // No role of the witness region but its journal.
        Assert.Single(services.Keys, name => name.EndsWith("us-west-2", StringComparison.Ordinal) && !name.StartsWith("proxy-", StringComparison.Ordinal));

        foreach (var (region, index) in new[] { ("us-east-1", 0), ("us-east-2", 1) })
        {
            var regionOptions = $"    - --region\n    - {region}\n    - --regions\n    - {RegionsFrom[region]}\n    - --witness\n    - us-west-2\n";
            var adjudicator = services[$"adjudicator-{region}"];
            Assert.Contains("- Log.Adjudicator.dll\n" + regionOptions + "    - --region-lead-ms\n    - '50'\n", adjudicator);
            Assert.Contains($"- --port\n    - '{7410 + index}'", adjudicator);
            foreach (var dependency in RegionServices.Where(name => name.StartsWith("journal-", StringComparison.Ordinal) || name.StartsWith("proxy-", StringComparison.Ordinal)))
            {
                Assert.Contains($"{dependency}:\n        condition: service_healthy", adjudicator);
            }

            var storage = services[$"storage-{region}"];
            Assert.Contains("- Log.StorageNode.dll\n    - serve\n" + regionOptions + $"    - --port\n    - '{7510 + index}'", storage);
            // Replays from an empty folder at every start.
            Assert.Contains("tmpfs:\n    - /data", storage);

            var node = services[$"query-node-{region}"];
            Assert.Contains($"- log.dll\n    - --region\n    - {region}\n    - --journal\n    - 127.0.0.1:{9192 + index}\n" +
                $"    - --adjudicator\n    - 127.0.0.1:{7410 + index}\n    - --storage\n    - 127.0.0.1:{7510 + index}\n", node);
            Assert.Contains("- --multi-region\n    - \"true\"\n    - --regions\n    - " + RegionsFrom[region] + "\n    - --witness\n    - us-west-2\n", node);
            Assert.Contains($"- --port\n    - '{5442 + index}'", node);
            // Both adjudicators before any replica or query node: a merge decides nothing until every peered region heartbeats.
            foreach (var dependency in new[] { "adjudicator-us-east-1", "adjudicator-us-east-2", $"storage-{region}" })
            {
                Assert.Contains($"{dependency}:\n        condition: service_healthy", node);
            }
            Assert.Contains("adjudicator-us-east-1:\n        condition: service_healthy\n      adjudicator-us-east-2:", storage);
        }
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
        foreach (var role in services.Keys.Where(name => !name.StartsWith("kafka-", StringComparison.Ordinal) && name != "journal-topic"
            && !name.StartsWith("proxy-", StringComparison.Ordinal)))
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
