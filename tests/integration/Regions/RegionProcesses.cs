using System.Text.RegularExpressions;
using Log.Integration.Tests.Support;
using Log.Journal.Net;

namespace Log.Integration.Tests.Regions;

/// <summary>
/// The topology of tests/cluster/start-regions.sh as processes on loopback: journal nodes of regions a, b and a
/// witness w; delay proxies (10 ms each way) through which each peered region reaches the other regions' journals; per
/// peered region an adjudicator (--regions), a storage replica (--regions) and a query node (--multi-region, --regions). Each
/// region's processes and the proxies its traffic leaves through are kept apart, so a test can kill a whole region.
/// Dispose kills and removes everything.
/// </summary>
public sealed class RegionProcesses : IAsyncDisposable
{
    public static readonly TimeSpan OneWayDelay = TimeSpan.FromMilliseconds(10);
    public static readonly string[] Peers = ["a", "b"];
    public static readonly string[] AllRegions = ["a", "b", "w"];

    private readonly string directory = Directory.CreateTempSubdirectory("log-regions-").FullName;
    private readonly Dictionary<string, List<IAsyncDisposable>> byRegion = AllRegions.ToDictionary(region => region, _ => new List<IAsyncDisposable>());
    private readonly Dictionary<string, List<string>> extraListeners = AllRegions.ToDictionary(region => region, _ => new List<string>());
    // Per proxy, the listener of the other region's journal it forwards to.
    private readonly Dictionary<(string From, string To), (int Listen, int Target)> proxyPorts = [];
    private string[] adjudicatorArguments = [];
    private int lives;

    /// <summary>The proxy each peered region reaches another region's journal through.</summary>
    public Dictionary<(string From, string To), DelayProxy> Proxies { get; } = [];

    /// <summary>Each region's journal node (its main port, used by its own region's processes).</summary>
    public Dictionary<string, RoleProcess> Journals { get; } = [];

    public Dictionary<string, RoleProcess> Adjudicators { get; } = [];

    /// <summary>Each peered region's query node.</summary>
    public Dictionary<string, LogProcess> QueryNodes { get; } = [];

    /// <summary>Starts every region; <paramref name="adjudicatorArguments"/> are added to each adjudicator's.</summary>
    public static async Task<RegionProcesses> StartAsync(params string[] adjudicatorArguments)
    {
        var processes = new RegionProcesses();
        try
        {
            await processes.StartRegionsAsync(adjudicatorArguments);
            return processes;
        }
        catch
        {
            await processes.DisposeAsync();
            throw;
        }
    }

    private static int FreePort()
    {
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        socket.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        return ((System.Net.IPEndPoint)socket.LocalEndPoint!).Port;
    }

    private async Task StartRegionsAsync(string[] adjudicatorArguments)
    {
        // A proxy per peered region and journal of another region, each in front of a listener of that journal that
        // advertises the proxy's port (Kafka clients reconnect to the advertised address); the region's own
        // processes reach their journal at its main port.
        this.adjudicatorArguments = adjudicatorArguments;
        foreach (var from in Peers)
        {
            foreach (var to in AllRegions.Where(to => to != from))
            {
                var listener = FreePort();
                var proxy = DelayProxy.Start(listener, OneWayDelay);
                byRegion[from].Add(proxy);
                Proxies[(from, to)] = proxy;
                proxyPorts[(from, to)] = (proxy.Port, listener);
                extraListeners[to].Add($"{listener}:{proxy.Port}");
            }
        }
        foreach (var region in AllRegions)
        {
            await StartJournalAsync(region);
        }
        foreach (var region in Peers)
        {
            await StartAdjudicatorAsync(region);
        }
        foreach (var region in Peers)
        {
            await StartStorageAndQueryNodeAsync(region);
        }
    }

    private async Task StartJournalAsync(string region)
    {
        var journal = await RoleProcess.StartAsync("Log.Journal.dll", new Regex(@"Journal node is ready: kafka=\S+:(?<port>\d+)"),
            "--port", "0", "--data", JournalFolder(region), "--extra-listeners", string.Join(",", extraListeners[region]));
        byRegion[region].Add(journal);
        Journals[region] = journal;
    }

    private string JournalFolder(string region) => Path.Combine(directory, $"journal-{region}");

    /// <summary>--regions of a peered region's processes: its own journal at its port, the others through its proxies.</summary>
    private string Settings(string from) => string.Join(",",
        AllRegions.Select(to => $"{to}=127.0.0.1:{(to == from ? Journals[to].Port : Proxies[(from, to)].Port)}"));

    private async Task StartAdjudicatorAsync(string region, int port = 0)
    {
        var adjudicator = await RoleProcess.StartAsync("Log.Adjudicator.dll", new Regex(@"Adjudicator is ready: rpc=\S+:(?<port>\d+)"),
            ["--region", region, "--regions", Settings(region), "--witness", "w", "--region-lead-ms", "50", "--port", $"{port}", .. adjudicatorArguments]);
        byRegion[region].Add(adjudicator);
        Adjudicators[region] = adjudicator;
    }

    /// <summary>A storage replica and a query node of <paramref name="region"/>, each on a folder of its own (a replica
    /// in multi-region mode starts empty and reads every region's topic from its region's journal).</summary>
    private async Task StartStorageAndQueryNodeAsync(string region)
    {
        var life = lives++;
        var storage = await RoleProcess.StartAsync("Log.StorageNode.dll", new Regex(@"Storage node is ready: rpc=\S+:(?<port>\d+)"),
            "serve", "--region", region, "--regions", Settings(region), "--witness", "w", "--data", Path.Combine(directory, $"storage-{region}-{life}"),
            "--port", "0");
        byRegion[region].Add(storage);
        var node = await LogProcess.StartAsync(Path.Combine(directory, $"query-node-{region}-{life}"), "--region", region,
            "--journal", $"127.0.0.1:{Journals[region].Port}", "--adjudicator", $"127.0.0.1:{Adjudicators[region].Port}",
            "--storage", $"127.0.0.1:{storage.Port}", "--multi-region", "true", "--regions", Settings(region), "--witness", "w");
        byRegion[region].Add(node);
        QueryNodes[region] = node;
    }

    /// <summary>
    /// Starts a killed region again on its old journal folder (adjudicator/README.md, "A region's return"): its
    /// outgoing proxies on their old ports, its journal without its copy of its own topic when
    /// <paramref name="dropOwnTopic"/> (after a seal that copy may hold records past it that were never acknowledged),
    /// then, for a peered region, its adjudicator (which fills that copy up to the seal and waits for a survivor to let
    /// it rejoin before it is ready), a new storage replica and a new query node.
    /// </summary>
    public async Task RestartRegionAsync(string region, bool dropOwnTopic = true)
    {
        foreach (var ((from, to), (listen, target)) in proxyPorts.Where(pair => pair.Key.From == region).ToList())
        {
            var proxy = DelayProxy.Start(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, listen),
                new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, target), OneWayDelay);
            byRegion[region].Add(proxy);
            Proxies[(from, to)] = proxy;
        }
        if (dropOwnTopic && Peers.Contains(region))
        {
            LogProcess.DeleteDirectory(Path.Combine(JournalFolder(region), $"log.{region}.txn"));
        }
        await StartJournalAsync(region);
        if (Peers.Contains(region))
        {
            await StartAdjudicatorAsync(region);
            await StartStorageAndQueryNodeAsync(region);
        }
    }

    /// <summary>SIGKILL of <paramref name="region"/>'s adjudicator alone; its journal, replica and query node go on.</summary>
    public Task KillAdjudicatorAsync(string region) => Adjudicators[region].KillAsync();

    /// <summary>Starts <paramref name="region"/>'s adjudicator again, with its arguments and on its port (where its query
    /// node reaches it), after <see cref="KillAdjudicatorAsync"/>: a new life of the region's writer, no seal.</summary>
    public Task RestartAdjudicatorAsync(string region) => StartAdjudicatorAsync(region, Adjudicators[region].Port);

    /// <summary>SIGKILL of every process of <paramref name="region"/>, its query node first (so its clients lose their
    /// connections rather than hear an error from a node whose adjudicator is gone), and its outgoing proxies closed.</summary>
    public async Task KillRegionAsync(string region)
    {
        var roles = byRegion[region];
        for (var index = roles.Count - 1; index >= 0; index--)
        {
            switch (roles[index])
            {
                case LogProcess process:
                    await process.KillAsync();
                    break;
                case RoleProcess process:
                    await process.KillAsync();
                    break;
                case var other:
                    await other.DisposeAsync();
                    break;
            }
        }
    }

    /// <summary>The output of every process started, for a failing test's report.</summary>
    public string Outputs() => string.Join("\n", byRegion.Values.SelectMany(roles => roles).Select(role => role switch
    {
        LogProcess node => $"--- query node on {node.Port}:\n{node.Output}",
        RoleProcess process => $"--- role on {process.Port}:\n{process.Output}",
        _ => "",
    }).Where(text => text.Length > 0));

    public async ValueTask DisposeAsync()
    {
        foreach (var region in AllRegions.Reverse())
        {
            var roles = byRegion[region];
            for (var index = roles.Count - 1; index >= 0; index--)
            {
                await roles[index].DisposeAsync();
            }
        }
        LogProcess.DeleteDirectory(directory);
    }
}
