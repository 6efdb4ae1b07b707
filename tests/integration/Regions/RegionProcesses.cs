using System.Text.RegularExpressions;
using Log.Integration.Tests.Support;
using Log.Journal.Net;

namespace Log.Integration.Tests.Regions;

/// <summary>
/// The topology of tests/cluster/start-regions.sh as processes on loopback, in a folder of its own: journal nodes of
/// regions a, b and a witness w; delay proxies (a one-way delay each way) through which each peered region reaches the
/// other regions' journals; per peered region an adjudicator (--regions), a storage replica (--regions) and a query
/// node (--multi-region, --regions). Dispose stops every process it started, by process id, and deletes the folder.
/// </summary>
public sealed class RegionProcesses : IAsyncDisposable
{
    public static readonly string[] Peers = ["a", "b"];
    public static readonly string[] AllRegions = ["a", "b", "w"];

    private readonly List<IAsyncDisposable> roles = [];
    private readonly string directory;

    private RegionProcesses(string directory) => this.directory = directory;

    /// <summary>The proxy through which region From reaches region To's journal.</summary>
    public Dictionary<(string From, string To), DelayProxy> Proxies { get; } = [];

    /// <summary>Each peered region's query node.</summary>
    public Dictionary<string, LogProcess> QueryNodes { get; } = [];

    public static async Task<RegionProcesses> StartAsync(TimeSpan oneWayDelay, int leadMs = 50)
    {
        var processes = new RegionProcesses(Directory.CreateTempSubdirectory("log-regions-").FullName);
        try
        {
            await processes.StartRolesAsync(oneWayDelay, leadMs);
            return processes;
        }
        catch
        {
            await processes.DisposeAsync();
            throw;
        }
    }

    private async Task StartRolesAsync(TimeSpan oneWayDelay, int leadMs)
    {
        // A proxy per peered region and journal of another region, each in front of a listener of that journal that
        // advertises the proxy's port (Kafka clients reconnect to the advertised address); the region's own processes
        // reach their journal at its main port.
        var extraListeners = AllRegions.ToDictionary(region => region, _ => new List<string>());
        foreach (var from in Peers)
        {
            foreach (var to in AllRegions.Where(to => to != from))
            {
                var listener = FreePort();
                var proxy = DelayProxy.Start(listener, oneWayDelay);
                roles.Add(proxy);
                Proxies[(from, to)] = proxy;
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
            AllRegions.Select(to => $"{to}=127.0.0.1:{(to == from ? journals[to] : Proxies[(from, to)].Port)}")));
        // Both adjudicators first: a region's merge decides nothing until every peered region has closed a timestamp.
        var adjudicators = new Dictionary<string, int>();
        foreach (var region in Peers)
        {
            var adjudicator = await RoleProcess.StartAsync("Log.Adjudicator.dll", new Regex(@"Adjudicator is ready: rpc=\S+:(?<port>\d+)"),
                "--region", region, "--regions", settings[region], "--witness", "w", "--region-lead-ms", leadMs.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--port", "0");
            roles.Add(adjudicator);
            adjudicators[region] = adjudicator.Port;
        }
        foreach (var region in Peers)
        {
            var storage = await RoleProcess.StartAsync("Log.StorageNode.dll", new Regex(@"Storage node is ready: rpc=\S+:(?<port>\d+)"),
                "serve", "--region", region, "--regions", settings[region], "--witness", "w", "--data", Path.Combine(directory, $"storage-{region}"),
                "--port", "0");
            roles.Add(storage);
            var node = await LogProcess.StartAsync(Path.Combine(directory, $"query-node-{region}"), "--region", region,
                "--journal", $"127.0.0.1:{journals[region]}", "--adjudicator", $"127.0.0.1:{adjudicators[region]}",
                "--storage", $"127.0.0.1:{storage.Port}", "--multi-region", "true", "--regions", settings[region], "--witness", "w");
            roles.Add(node);
            QueryNodes[region] = node;
        }
    }

    /// <summary>The output of every process started, for a failing test's report.</summary>
    public string Outputs() => string.Join("\n", roles.Select(role => role switch
    {
        LogProcess node => $"--- query node on {node.Port}:\n{node.Output}",
        RoleProcess process => $"--- role on {process.Port}:\n{process.Output}",
        _ => "",
    }).Where(text => text.Length > 0));

    private static int FreePort()
    {
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        socket.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        return ((System.Net.IPEndPoint)socket.LocalEndPoint!).Port;
    }

    public async ValueTask DisposeAsync()
    {
        for (var index = roles.Count - 1; index >= 0; index--)
        {
            await roles[index].DisposeAsync();
        }
        roles.Clear();
        LogProcess.DeleteDirectory(directory);
    }
}
