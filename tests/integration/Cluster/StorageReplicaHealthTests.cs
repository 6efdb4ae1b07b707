using System.Net;
using System.Text.RegularExpressions;
using Log.Integration.Tests.Faults;
using Log.Integration.Tests.Support;

namespace Log.Integration.Tests.Cluster;

/// <summary>The journal node and a storage replica run alone serve /healthz, /readyz and /metrics (--http-port).</summary>
[Collection(FaultSuite.Name)]
public sealed class StorageReplicaHealthTests
{
    private static readonly Regex HttpLine = new(@"Health and metrics on (?<address>http://\S+)");

    [Fact]
    public async Task The_journal_node_and_a_storage_replica_report_health_and_their_offsets()
    {
        var directory = Directory.CreateTempSubdirectory("log-it-storage-health-").FullName;
        try
        {
            await using var journal = await RoleProcess.StartAsync("Log.Journal.dll", new Regex(@"Journal node is ready: kafka=\S+:(?<port>\d+)"),
                "--port", "0", "--data", Path.Combine(directory, "journal"), "--http-port", "0");
            var journalAddress = $"127.0.0.1:{journal.Port}";
            await using var adjudicator = await RoleProcess.StartAdjudicatorAsync(journalAddress);
            await using var replica = await RoleProcess.StartAsync("Log.StorageNode.dll", new Regex(@"Storage node is ready: rpc=\S+:(?<port>\d+)"),
                "serve", "--journal", journalAddress, "--port", "0", "--data", Path.Combine(directory, "storage"), "--http-port", "0");
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            var journalHttp = HttpLine.Match(journal.Output).Groups["address"].Value;
            var replicaHttp = HttpLine.Match(replica.Output).Groups["address"].Value;
            foreach (var address in new[] { journalHttp, replicaHttp })
            {
                Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"{address}/healthz")).StatusCode);
                Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"{address}/readyz")).StatusCode);
            }
            var before = await http.GetStringAsync($"{replicaHttp}/metrics");
            Assert.Contains("service_name=\"log-storage-0\"", before, StringComparison.Ordinal);

            await using var queryNode = await LogProcess.StartAsync(null,
                "--journal", journalAddress, "--adjudicator", $"127.0.0.1:{adjudicator.Port}", "--storage", $"127.0.0.1:{replica.Port}");
            var result = await Psql.RunAsync(queryNode.Port, "create table counted (id int primary key);\ninsert into counted values (1);\n");
            Assert.True(result.ExitCode == 0, result.ToString());
            var count = await Psql.CommandAsync(queryNode.Port, "select count(*) from counted");
            Assert.Equal("1", count.Output);

            var journalMetrics = await http.GetStringAsync($"{journalHttp}/metrics");
            var journalEnd = TransportTests.Sample(journalMetrics, "log_journal_end_offset");
            Assert.True(journalEnd >= 2, journalMetrics);
            // The replica applied what the query node committed (it read it back through the replica).
            var after = await http.GetStringAsync($"{replicaHttp}/metrics");
            Assert.True(TransportTests.Sample(after, "log_storage_applied_offset") > TransportTests.Sample(before, "log_storage_applied_offset"), after);
        }
        finally
        {
            LogProcess.DeleteDirectory(directory);
        }
    }
}
