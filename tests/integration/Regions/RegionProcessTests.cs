using System.Text.RegularExpressions;
using Log.Integration.Tests.Faults;
using Log.Integration.Tests.Support;
using Log.Journal.Net;
using Npgsql;

namespace Log.Integration.Tests.Regions;

/// <summary>
/// The topology of tests/cluster/start-regions.sh as processes on loopback: journal nodes of regions a, b and a
/// witness w; delay proxies (10 ms each way) through which each peered region reaches the other regions' journals; per
/// peered region an adjudicator (--regions), a storage replica (--regions) and a query node (--multi-region).
/// </summary>
[Collection(FaultSuite.Name)]
public sealed class RegionProcessTests
{
    private static readonly TimeSpan OneWayDelay = TimeSpan.FromMilliseconds(10);
    private static readonly string[] Peers = ["a", "b"];
    private static readonly string[] AllRegions = ["a", "b", "w"];

    private static int FreePort()
    {
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        socket.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        return ((System.Net.IPEndPoint)socket.LocalEndPoint!).Port;
    }

    [Fact]
    public async Task Writers_of_one_row_in_two_regions_one_is_refused_and_a_write_in_one_region_is_read_in_the_other()
    {
        var directory = Directory.CreateTempSubdirectory("log-regions-").FullName;
        var roles = new List<IAsyncDisposable>();
        try
        {
            // A proxy per peered region and journal of another region, each in front of a listener of that journal that
            // advertises the proxy's port (Kafka clients reconnect to the advertised address); the region's own
            // processes reach their journal at its main port.
            var proxies = new Dictionary<(string From, string To), DelayProxy>();
            var extraListeners = AllRegions.ToDictionary(region => region, _ => new List<string>());
            foreach (var from in Peers)
            {
                foreach (var to in AllRegions.Where(to => to != from))
                {
                    var listener = FreePort();
                    var proxy = DelayProxy.Start(listener, OneWayDelay);
                    roles.Add(proxy);
                    proxies[(from, to)] = proxy;
                    extraListeners[to].Add($"{listener}:{proxy.Port}");
                }
            }
            var journals = new Dictionary<string, int>();
            foreach (var region in AllRegions)
            {
                var journal = await RoleProcess.StartAsync("Log.Journal.dll", new Regex(@"Journal node is ready: kafka=\S+:(?<port>\d+)"),
                    "--port", "0", "--data", Path.Combine(directory, $"journal-{region}"), "--extra-listeners", string.Join(",", extraListeners[region]));
                roles.Add(journal);
                journals[region] = journal.Port;
            }
            var settings = Peers.ToDictionary(from => from, from => string.Join(",",
                AllRegions.Select(to => $"{to}=127.0.0.1:{(to == from ? journals[to] : proxies[(from, to)].Port)}")));
            var adjudicators = new Dictionary<string, int>();
            foreach (var region in Peers)
            {
                var adjudicator = await RoleProcess.StartAsync("Log.Adjudicator.dll", new Regex(@"Adjudicator is ready: rpc=\S+:(?<port>\d+)"),
                    "--region", region, "--regions", settings[region], "--witness", "w", "--region-lead-ms", "50", "--port", "0");
                roles.Add(adjudicator);
                adjudicators[region] = adjudicator.Port;
            }
            var nodes = new Dictionary<string, LogProcess>();
            foreach (var region in Peers)
            {
                var storage = await RoleProcess.StartAsync("Log.StorageNode.dll", new Regex(@"Storage node is ready: rpc=\S+:(?<port>\d+)"),
                    "serve", "--region", region, "--regions", settings[region], "--witness", "w", "--data", Path.Combine(directory, $"storage-{region}"),
                    "--port", "0");
                roles.Add(storage);
                var node = await LogProcess.StartAsync(Path.Combine(directory, $"query-node-{region}"), "--region", region,
                    "--journal", $"127.0.0.1:{journals[region]}", "--adjudicator", $"127.0.0.1:{adjudicators[region]}",
                    "--storage", $"127.0.0.1:{storage.Port}", "--multi-region", "true");
                roles.Add(node);
                nodes[region] = node;
            }

            await using var a = await FaultSuite.OpenAsync(nodes["a"].Port);
            await using var b = await FaultSuite.OpenAsync(nodes["b"].Port);
            await FaultSuite.ExecuteAsync(a, "CREATE TABLE accounts (id int PRIMARY KEY, owner text)");
            await FaultSuite.ExecuteAsync(a, "INSERT INTO accounts VALUES (1, 'written in a')");
            // Acknowledged in a: a transaction begun afterwards in b has a later snapshot and sees it.
            Assert.Equal("written in a", await FaultSuite.ScalarAsync(b, "SELECT owner FROM accounts WHERE id = 1"));

            // Both transactions start before either commits: the second commit is refused, whichever region it is in.
            await FaultSuite.ExecuteAsync(a, "BEGIN");
            await FaultSuite.ExecuteAsync(b, "BEGIN");
            await FaultSuite.ExecuteAsync(a, "UPDATE accounts SET owner = 'updated in a' WHERE id = 1");
            await FaultSuite.ExecuteAsync(b, "UPDATE accounts SET owner = 'updated in b' WHERE id = 1");
            await FaultSuite.ExecuteAsync(a, "COMMIT");
            var refused = await Assert.ThrowsAsync<PostgresException>(() => FaultSuite.ExecuteAsync(b, "COMMIT"));
            Assert.Equal("40001", refused.SqlState);
            Assert.Contains("OC000", refused.MessageText, StringComparison.Ordinal);
            Assert.Equal("updated in a", await FaultSuite.ScalarAsync(b, "SELECT owner FROM accounts WHERE id = 1"));
            Assert.Equal("updated in a", await FaultSuite.ScalarAsync(a, "SELECT owner FROM accounts WHERE id = 1"));

            // Every cross-region path went through a proxy.
            Assert.All(proxies.Values, proxy => Assert.True(proxy.ConnectionsAccepted > 0));

            // The other way round: a row written in b is read in a.
            await FaultSuite.ExecuteAsync(b, "INSERT INTO accounts VALUES (2, 'written in b')");
            Assert.Equal(2L, await FaultSuite.ScalarAsync(a, "SELECT count(*) FROM accounts"));
        }
        finally
        {
            for (var index = roles.Count - 1; index >= 0; index--)
            {
                await roles[index].DisposeAsync();
            }
            LogProcess.DeleteDirectory(directory);
        }
    }
}
