namespace Log.Integration.Tests.Support;

/// <summary>
/// Log as a cluster of processes on loopback, each on a free port: one journal node, one adjudicator shard and
/// several query nodes (each with its own storage replica tailing the journal). Disposal kills every process it
/// started, by process id, and removes the data folders.
/// </summary>
public sealed class LocalCluster : IAsyncDisposable
{
    private readonly string directory;

    private LocalCluster(string directory, RoleProcess journal, RoleProcess adjudicator, IReadOnlyList<LogProcess> queryNodes)
    {
        this.directory = directory;
        Journal = journal;
        Adjudicator = adjudicator;
        QueryNodes = queryNodes;
    }

    public RoleProcess Journal { get; private set; }
    public RoleProcess Adjudicator { get; private set; }
    public IReadOnlyList<LogProcess> QueryNodes { get; }
    public string JournalAddress => $"127.0.0.1:{Journal.Port}";

    public static async Task<LocalCluster> StartAsync(int queryNodeCount)
    {
        var directory = Directory.CreateTempSubdirectory("log-cluster-").FullName;
        RoleProcess? journal = null;
        RoleProcess? adjudicator = null;
        var queryNodes = new List<LogProcess>();
        try
        {
            journal = await RoleProcess.StartJournalAsync(Path.Combine(directory, "journal"));
            adjudicator = await RoleProcess.StartAdjudicatorAsync($"127.0.0.1:{journal.Port}");
            var starting = Enumerable.Range(0, queryNodeCount).Select(_ => LogProcess.StartAsync(null,
                "--journal", $"127.0.0.1:{journal.Port}", "--adjudicator", $"127.0.0.1:{adjudicator.Port}")).ToList();
            foreach (var node in starting)
            {
                queryNodes.Add(await node);
            }
            return new LocalCluster(directory, journal, adjudicator, queryNodes);
        }
        catch
        {
            foreach (var node in queryNodes) await node.DisposeAsync();
            if (adjudicator is not null) await adjudicator.DisposeAsync();
            if (journal is not null) await journal.DisposeAsync();
            LogProcess.DeleteDirectory(directory);
            throw;
        }
    }

    /// <summary>kill -9 of the adjudicator, then a new one on the same port (the query nodes reconnect to it).</summary>
    public async Task KillAndRestartAdjudicatorAsync(TimeSpan down)
    {
        var port = Adjudicator.Port;
        await Adjudicator.KillAsync();
        await Adjudicator.DisposeAsync();
        await Task.Delay(down);
        Adjudicator = await RoleProcess.StartAdjudicatorAsync(JournalAddress, port);
    }

    /// <summary>kill -9 of the journal node, then a new one on the same port and data folder (every role reconnects).</summary>
    public async Task KillAndRestartJournalAsync(TimeSpan down)
    {
        var port = Journal.Port;
        await Journal.KillAsync();
        await Journal.DisposeAsync();
        await Task.Delay(down);
        Journal = await RoleProcess.StartJournalAsync(Path.Combine(directory, "journal"), port);
    }

    /// <summary>kill -9 of one query node, which stays down: its clients go to another node.</summary>
    public Task KillQueryNodeAsync(int index) => QueryNodes[index].KillAsync();

    public string Output =>
        $"--- adjudicator\n{Adjudicator.Output}\n" + string.Join("", QueryNodes.Select((node, index) => $"--- query node {index}\n{node.Output}\n"));

    public async ValueTask DisposeAsync()
    {
        foreach (var node in QueryNodes) await node.DisposeAsync();
        await Adjudicator.DisposeAsync();
        await Journal.DisposeAsync();
        LogProcess.DeleteDirectory(directory);
    }
}
