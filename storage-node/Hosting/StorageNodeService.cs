using Log.Journal.Client;
using Log.Journal.Hosting;
using Log.StorageNode.Rpc;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Log.StorageNode.Hosting;

/// <summary>
/// One storage replica as a process: a <see cref="StorageNode"/> over its own journal reader, served over the storage
/// RPC. It applies every partition of the region's topic (their count from <c>--partitions</c> or the journal's
/// metadata), or one alone with the older <c>--partition N</c>. A new replica (no checkpoint in its folder) given
/// <c>--bootstrap-from HOST:PORT</c> first copies another replica's checkpoint (<see cref="CheckpointCopier"/>). The HTTP
/// endpoint starts first (live while the replica recovers and replays, ready once caught up; both probes say where the
/// replica stands in each partition); the RPC listens only once the replica has applied the journal as it stood at
/// start, so that a query node never routes a read to a replica that is still replaying a long backlog (it finds the
/// port closed and asks another). Stops the RPC first, then the replica (its last checkpoint), then the journal reader.
/// </summary>
public sealed class StorageNodeService(StorageNodeHostOptions options, ILoggerFactory loggerFactory) : IHostedService, IAsyncDisposable
{
    /// <summary>Printed once the replica serves; scripts and tests wait for it.</summary>
    public const string ReadyMarker = "Storage node is ready";

    private readonly StartedRoles started = new(loggerFactory.CreateLogger<StorageNodeService>());
    private readonly ILogger logger = loggerFactory.CreateLogger<StorageNodeService>();
    private volatile bool caughtUp;
    private volatile StorageNode? node;

    /// <summary>The RPC port, once started.</summary>
    public int Port { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var problem = options.Validate(out var listenAddress);
        if (problem is not null)
        {
            throw new InvalidOperationException(problem);
        }
        var firstPartition = options.Partition ?? 0;
        if (options.HttpPort is int httpPort)
        {
            // First: live while the replica recovers and replays, ready once caught up.
            started.Add(await RoleHttpEndpoint.StartAndAnnounceAsync($"log-storage-{firstPartition}", listenAddress, httpPort,
                [StorageNodeMetrics.MeterName], () => caughtUp, loggerFactory.CreateLogger<RoleHttpEndpoint>(), DescribePositions));
        }
        if (options.RegionTopology is { } topology)
        {
            await StartRegionReplicaAsync(topology, listenAddress, cancellationToken);
            return;
        }
        var clientOptions = new JournalClientOptions
        {
            BootstrapServers = options.Journal,
            Region = options.Region,
            PartitionCount = firstPartition + 1,
            ClientId = $"log-storage-{firstPartition}",
        };
        if (!options.AppliesOnePartition)
        {
            clientOptions.PartitionCount = options.Partitions ?? await JournalPartitionDiscovery.PartitionCountAsync(clientOptions, logger, cancellationToken);
        }
        var partitionCount = options.AppliesOnePartition ? 1 : clientOptions.PartitionCount;
        var journal = started.Add(new KafkaJournalReader(clientOptions));
        var dataDirectory = Path.GetFullPath(options.Data);
        Directory.CreateDirectory(dataDirectory);
        await BootstrapAsync(Path.Combine(dataDirectory, StorageNode.StorageFolderName), cancellationToken);
        var replica = new StorageNode(new StorageNodeOptions
        {
            DataDirectory = dataDirectory,
            Partition = firstPartition,
            PartitionCount = partitionCount,
            JournalTopic = clientOptions.Topic,
            SnapshotRetention = TimeSpan.FromSeconds(options.SnapshotRetentionSeconds),
            OrderedIndexCacheBytes = options.IndexCacheMiB << 20,
        }, journal, loggerFactory.CreateLogger<StorageNode>());
        await replica.StartAsync(cancellationToken);
        started.Add(replica);
        node = replica;
        if (options.HttpPort is not null)
        {
            started.Add(new StorageNodeMetrics(replica, (partition, token) => journal.GetEndOffsetAsync(partition, token), TimeProvider.System,
                loggerFactory.CreateLogger<StorageNodeMetrics>()));
        }
        var ends = await Task.WhenAll(replica.AppliedPartitions.Select(partition => journal.GetEndOffsetAsync(partition, cancellationToken)));
        logger.LogInformation("Replaying the journal up to offsets {Ends} of partitions {Partitions} before serving",
            string.Join(",", ends), string.Join(",", replica.AppliedPartitions));
        await replica.CatchUpAsync(ends, cancellationToken);
        caughtUp = true;

        var server = started.Add(new StorageRpcServer(replica, new StorageRpcOptions { ListenAddress = listenAddress, Port = options.Port },
            loggerFactory.CreateLogger<StorageRpcServer>()));
        server.Start();
        Port = server.Port;
        var host = RoleSettings.HostText(listenAddress);
        // One plain line on standard output, so that scripts and tests can find the port.
        await Console.Out.WriteLineAsync(
            $"{ReadyMarker}: rpc={host}:{Port} partition={firstPartition} offset={replica.NextOffset} " +
            $"partitions={string.Join(",", replica.AppliedPartitions)} offsets={string.Join(",", replica.NextOffsets)} kafka={options.Journal} data={dataDirectory}");
        await Console.Out.FlushAsync(cancellationToken);
    }

    /// <summary>The merge's conflict window: the adjudicators' (RegionOptions.MaxTransactionDuration), so that the
    /// replica decides every candidate as they do.</summary>
    private static readonly TimeSpan RegionConflictWindow = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Multi-region mode: the replica applies the merge of every peered region's topic, each read from this region's
    /// journal (<see cref="RegionMergeReader"/>), in one timestamp order; its resolved timestamp is the merge's released
    /// one, and it shows a commit once another region's journal holds it too. The merged stream's offsets are not the
    /// same from one start to the next, so each checkpoint records the merge's position with them and a restart resumes
    /// every region topic there (a folder without a checkpoint replays them from the start). It serves once its
    /// resolved timestamp has passed its clock at start (every commit acknowledged before it started is applied).
    /// </summary>
    private async Task StartRegionReplicaAsync(RegionTopology topology, System.Net.IPAddress listenAddress, CancellationToken cancellationToken)
    {
        var dataDirectory = Path.GetFullPath(options.Data);
        Directory.CreateDirectory(dataDirectory);
        var template = topology.ClientOptions("storage");
        var readers = RegionJournalReaders.Create(topology.ReaderJournals, template, loggerFactory.CreateLogger<KafkaJournalReader>());
        foreach (var reader in readers.Values)
        {
            started.Add((IAsyncDisposable)reader);
        }
        // Every other region's journal holds a copy of every peered topic too: a commit is shown once one of them holds it.
        var otherCopies = topology.Peers.ToDictionary(peer => peer, _ => new List<IJournalReader>(), StringComparer.Ordinal);
        foreach (var (holder, bootstrap) in topology.Journals.Where(journal => journal.Key != topology.Region))
        {
            var copies = RegionJournalReaders.Create(topology.Peers.ToDictionary(peer => peer, _ => bootstrap, StringComparer.Ordinal),
                topology.ClientOptions($"storage-copy-{holder}"), loggerFactory.CreateLogger<KafkaJournalReader>());
            foreach (var (peer, copy) in copies)
            {
                started.Add((IAsyncDisposable)copy);
                otherCopies[peer].Add(copy);
            }
        }
        var merged = started.Add(new RegionMergeReader(readers, 0, RegionConflictWindow,
            logger: loggerFactory.CreateLogger<RegionMergeReader>(),
            otherCopies: otherCopies.ToDictionary(pair => pair.Key, pair => (IReadOnlyList<IJournalReader>)pair.Value, StringComparer.Ordinal)));
        var replica = new StorageNode(new StorageNodeOptions
        {
            DataDirectory = dataDirectory,
            JournalTopic = string.Join("+", topology.Peers.Select(JournalTopics.ForRegion)),
            SnapshotRetention = TimeSpan.FromSeconds(options.SnapshotRetentionSeconds),
            OrderedIndexCacheBytes = options.IndexCacheMiB << 20,
        }, merged, loggerFactory.CreateLogger<StorageNode>());
        await replica.StartAsync(cancellationToken);
        started.Add(replica);
        node = replica;
        var now = Log.Journal.Time.HybridTimestamp.From(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), 0);
        await replica.WaitForReadPointAsync(ReadPoint.Unfenced(now), cancellationToken);
        caughtUp = true;
        var server = started.Add(new StorageRpcServer(replica, new StorageRpcOptions { ListenAddress = listenAddress, Port = options.Port },
            loggerFactory.CreateLogger<StorageRpcServer>()));
        server.Start();
        Port = server.Port;
        await Console.Out.WriteLineAsync(
            $"{ReadyMarker}: rpc={RoleSettings.HostText(listenAddress)}:{Port} partition=0 region={topology.Region} " +
            $"regions={string.Join(",", topology.Peers)} kafka={topology.LocalJournal} data={dataDirectory}");
        await Console.Out.FlushAsync(cancellationToken);
    }

    /// <summary>A new replica (no checkpoint manifest in its folder) copies another replica's checkpoint when told to.</summary>
    private async Task BootstrapAsync(string storageDirectory, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(options.BootstrapFrom))
        {
            return;
        }
        if (StorageNode.ListManifests(storageDirectory).Count > 0)
        {
            logger.LogInformation("The replica's folder holds checkpoints of its own: not copying one from {Source}", options.BootstrapFrom);
            return;
        }
        RoleSettings.TrySplitHostAndPort(options.BootstrapFrom, out var host, out var port);
        logger.LogInformation("Copying a checkpoint from the replica at {Source}", options.BootstrapFrom);
        await CheckpointCopier.CopyAsync(host, port, storageDirectory, new StorageRpcOptions { CheckpointCopyChunksInFlight = options.BootstrapChunksInFlight },
            logger, cancellationToken);
    }

    /// <summary>Where the replica stands, for the health probes: one line per partition.</summary>
    private string DescribePositions()
    {
        if (node is not { } replica)
        {
            return "recovering\n";
        }
        var offsets = replica.NextOffsets;
        return string.Concat(replica.AppliedPartitions.Select((partition, index) => $"partition {partition} offset {offsets[index]}\n"))
            + $"resolved {replica.ResolvedTimestamp}\n";
    }

    public async Task StopAsync(CancellationToken cancellationToken) => await DisposeAsync();

    public ValueTask DisposeAsync() => started.DisposeAsync();
}
