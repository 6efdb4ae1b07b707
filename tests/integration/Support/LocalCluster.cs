namespace Log.Integration.Tests.Support;

/// <summary>
/// Log as a cluster of processes on loopback, each on a free port: one journal node, one adjudicator shard and
/// several query nodes (each with its own storage replica tailing the journal, or, with storage replicas, all reading
/// from those over the storage RPC). Disposal kills every process it
/// started, by process id, and removes the data folders.
/// </summary>
public sealed class LocalCluster : IAsyncDisposable
{
    private readonly string directory;

    private LocalCluster(string directory, RoleProcess journal, RoleProcess adjudicator, IReadOnlyList<LogProcess> queryNodes,
        List<RoleProcess> storageReplicas)
    {
        this.directory = directory;
        this.storageReplicas = storageReplicas;
        Journal = journal;
        Adjudicator = adjudicator;
        QueryNodes = queryNodes;
    }

    public RoleProcess Journal { get; private set; }
    public RoleProcess Adjudicator { get; private set; }
    public IReadOnlyList<LogProcess> QueryNodes { get; }
    public string JournalAddress => $"127.0.0.1:{Journal.Port}";

    private readonly List<RoleProcess> storageReplicas;

    /// <summary>The storage replicas run alone (none: each query node keeps its own).</summary>
    public IReadOnlyList<RoleProcess> StorageReplicas => storageReplicas;

    /// <summary>The --storage value of the query nodes.</summary>
    public string StorageAddresses => string.Join(",", storageReplicas.Select(replica => $"127.0.0.1:{replica.Port}"));

    private string StorageDirectory(int replica) => Path.Combine(directory, $"storage-{replica}");

    /// <summary>kill -9 of storage replica <paramref name="replica"/>.</summary>
    public Task KillStorageReplicaAsync(int replica) => storageReplicas[replica].KillAsync();

    /// <summary>Starts storage replica <paramref name="replica"/> again on its port and folder (after a kill); returns once
    /// it has caught up with the journal and serves.</summary>
    public async Task RestartStorageReplicaAsync(int replica)
    {
        var port = storageReplicas[replica].Port;
        await storageReplicas[replica].DisposeAsync();
        storageReplicas[replica] = await RoleProcess.StartStorageNodeAsync(JournalAddress, StorageDirectory(replica), port);
    }

    /// <summary>Stops storage replica <paramref name="replica"/> cleanly (SIGTERM: it takes a last checkpoint), copies its
    /// folder, and starts it again; returns the copy, a folder another replica can start from.</summary>
    public async Task<string> CopyStorageReplicaFolderAsync(int replica)
    {
        await storageReplicas[replica].StopAsync(TimeSpan.FromSeconds(60));
        var copy = Path.Combine(directory, $"storage-copy-{Guid.NewGuid():N}");
        CopyFolder(StorageDirectory(replica), copy);
        await RestartStorageReplicaAsync(replica);
        return copy;
    }

    /// <summary>Starts one more storage replica on <paramref name="folder"/> (a copy of another's); the caller disposes it.</summary>
    public Task<RoleProcess> StartStorageReplicaAsync(string folder) => RoleProcess.StartStorageNodeAsync(JournalAddress, folder);

    private static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        foreach (var folder in Directory.EnumerateDirectories(from)) CopyFolder(folder, Path.Combine(to, Path.GetFileName(folder)));
    }

    /// <summary>Starts one more storage replica on an empty folder (it replays the journal from offset 0); the caller
    /// disposes it.</summary>
    public Task<RoleProcess> StartEmptyStorageReplicaAsync() =>
        RoleProcess.StartStorageNodeAsync(JournalAddress, Path.Combine(directory, $"storage-new-{Guid.NewGuid():N}"));

    public static async Task<LocalCluster> StartAsync(int queryNodeCount, int storageReplicaCount = 0)
    {
        var directory = Directory.CreateTempSubdirectory("log-cluster-").FullName;
        RoleProcess? journal = null;
        RoleProcess? adjudicator = null;
        var queryNodes = new List<LogProcess>();
        var storageReplicas = new List<RoleProcess>();
        try
        {
            journal = await RoleProcess.StartJournalAsync(Path.Combine(directory, "journal"));
            adjudicator = await RoleProcess.StartAdjudicatorAsync($"127.0.0.1:{journal.Port}");
            for (var replica = 0; replica < storageReplicaCount; replica++)
            {
                storageReplicas.Add(await RoleProcess.StartStorageNodeAsync($"127.0.0.1:{journal.Port}", Path.Combine(directory, $"storage-{replica}")));
            }
            string[] storage = storageReplicaCount == 0 ? [] : ["--storage", string.Join(",", storageReplicas.Select(replica => $"127.0.0.1:{replica.Port}"))];
            var starting = Enumerable.Range(0, queryNodeCount).Select(_ => LogProcess.StartAsync(null,
                ["--journal", $"127.0.0.1:{journal.Port}", "--adjudicator", $"127.0.0.1:{adjudicator.Port}", .. storage])).ToList();
            foreach (var node in starting)
            {
                queryNodes.Add(await node);
            }
            return new LocalCluster(directory, journal, adjudicator, queryNodes, storageReplicas);
        }
        catch
        {
            foreach (var node in queryNodes) await node.DisposeAsync();
            foreach (var replica in storageReplicas) await replica.DisposeAsync();
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
        $"--- adjudicator\n{Adjudicator.Output}\n" +
        string.Join("", storageReplicas.Select((replica, index) => $"--- storage replica {index}\n{replica.Output}\n")) + string.Join("", QueryNodes.Select((node, index) => $"--- query node {index}\n{node.Output}\n"));

    public async ValueTask DisposeAsync()
    {
        foreach (var node in QueryNodes) await node.DisposeAsync();
        foreach (var replica in storageReplicas) await replica.DisposeAsync();
        await Adjudicator.DisposeAsync();
        await Journal.DisposeAsync();
        LogProcess.DeleteDirectory(directory);
    }
}
