using Log.Adjudicator.Rpc;
using Log.Journal.Client;
using Log.Journal.Hosting;
using Log.Journal.Time;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Log.Adjudicator.Hosting;

/// <summary>
/// One adjudicator shard as a process: a supervised shard over its own journal clients, served over the RPC. Starts
/// the shard (which rebuilds from its partition) before it listens, so a query node that connects is answered by a
/// shard that knows the partition; stops listening first, then the shard (draining its appends), then the clients.
/// </summary>
public sealed class AdjudicatorService(AdjudicatorHostOptions options, ILoggerFactory loggerFactory) : IHostedService, IAsyncDisposable
{
    /// <summary>Printed once the shard serves; scripts and tests wait for it.</summary>
    public const string ReadyMarker = "Adjudicator is ready";

    private readonly StartedRoles started = new(loggerFactory.CreateLogger<AdjudicatorService>());
    private volatile bool serving;

    /// <summary>The RPC port, once started.</summary>
    public int Port { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var problem = options.Validate(out var listenAddress);
        if (problem is not null)
        {
            throw new InvalidOperationException(problem);
        }
        if (options.HttpPort is int httpPort)
        {
            // First: live while the shard rebuilds from its partition, ready once it serves.
            Track(await RoleHttpEndpoint.StartAndAnnounceAsync($"log-adjudicator-{options.Shard}", listenAddress, httpPort,
                [AdjudicatorMetrics.MeterName], () => serving, loggerFactory.CreateLogger<RoleHttpEndpoint>()));
        }
        if (options.RegionTopology is { } topology)
        {
            await StartRegionShardAsync(topology, listenAddress, cancellationToken);
            return;
        }
        var clientOptions = new JournalClientOptions
        {
            BootstrapServers = options.Journal,
            Region = options.Region,
            PartitionCount = options.ShardCount,
            ClientId = $"log-adjudicator-{options.Shard}",
        };
        var writer = Track(new KafkaJournalWriter(clientOptions));
        var reader = Track(new KafkaJournalReader(clientOptions));
        // One clock for every shard the supervisor builds, so a rebuilt shard keeps earlier promises.
        var clock = new HybridClock();
        var rpcOptions = new AdjudicatorRpcOptions
        {
            ListenAddress = listenAddress,
            Port = options.Port,
            MaxClockOffset = TimeSpan.FromMilliseconds(options.MaxClockOffsetMs),
        };
        var peers = StartPeers(rpcOptions, clock);
        var shardOptions = new AdjudicatorOptions
        {
            Shard = options.Shard,
            Partition = options.Shard,
            HeartbeatInterval = TimeSpan.FromMilliseconds(options.HeartbeatIntervalMs),
            CoordinatorOf = coordinator => coordinator < peers.Length ? peers[coordinator] : null,
        };
        var supervisor = new AdjudicatorSupervisor(
            () => new AdjudicatorShard(shardOptions, writer, reader, clock, loggerFactory.CreateLogger<AdjudicatorShard>()),
            shardOptions, loggerFactory.CreateLogger<AdjudicatorSupervisor>());
        await supervisor.StartAsync(cancellationToken);
        started.Add(supervisor);
        await WaitOutEarlierPromisesAsync(supervisor.Current, rpcOptions.MaxClockOffset, cancellationToken);

        var server = new AdjudicatorRpcServer(supervisor, clock, rpcOptions, loggerFactory.CreateLogger<AdjudicatorRpcServer>());
        await server.StartAsync(cancellationToken);
        started.Add(server);
        Port = server.Port;
        serving = true;

        var host = RoleSettings.HostText(listenAddress);
        // One plain line on standard output, so that scripts and tests can find the port.
        await Console.Out.WriteLineAsync($"{ReadyMarker}: rpc={host}:{Port} shard={options.Shard} shards={options.ShardCount} kafka={options.Journal}");
        await Console.Out.FlushAsync(cancellationToken);
    }

    /// <summary>
    /// Multi-region mode: a <see cref="RegionAdjudicatorShard"/> that writes this region's topic to every region's
    /// journal (durable in two of three, <see cref="QuorumJournalWriter"/>) and merges every peered region's topic, read
    /// from this region's journal. Its heartbeats close <c>now + lead</c> every <c>--region-heartbeat-ms</c> (by
    /// default a fifth of the lead, or <c>--heartbeat-interval-ms</c> when that is shorter), so the closed timestamps other regions read stay ahead of
    /// their clocks.
    /// </summary>
    private async Task StartRegionShardAsync(RegionTopology topology, System.Net.IPAddress listenAddress, CancellationToken cancellationToken)
    {
        var template = topology.ClientOptions("adjudicator");
        // Bounds how long a commit waits for a lost region's journal: once two copies have timed out, the quorum is
        // lost and every commit is answered (58030 or 08007) rather than held.
        template.MessageTimeoutMs = options.RegionAppendTimeoutMs;
        // A region's return (README.md): its own copy brought to a survivor's seal first, and this life's epoch above it.
        var seal = topology.Journals.Count == 3 ? await RegionReturn.PrepareOnJournalNodesAsync(topology, template,
            loggerFactory.CreateLogger<AdjudicatorService>(), cancellationToken) : null;
        var epoch = Math.Max(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), (seal?.Epoch ?? 0) + 1);
        var writer = Track(QuorumJournalWriter.ForKafka(template, topology.Copies, topology.RequiredCopies,
            loggerFactory.CreateLogger<QuorumJournalWriter>(), writerEpoch: epoch));
        var readers = RegionJournalReaders.Create(topology.ReaderJournals, template, loggerFactory.CreateLogger<KafkaJournalReader>());
        foreach (var reader in readers.Values)
        {
            Track((IAsyncDisposable)reader);
        }
        var regionOptions = new RegionOptions
        {
            Region = topology.Region,
            Regions = topology.Peers,
            Lead = TimeSpan.FromMilliseconds(options.RegionLeadMs),
            HeartbeatInterval = TimeSpan.FromMilliseconds(options.RegionHeartbeatOrDefaultMs),
            MaxClockOffset = TimeSpan.FromMilliseconds(options.RegionClockOffsetMs),
            Epoch = epoch,
            FailoverTimeout = TimeSpan.FromMilliseconds(options.RegionFailoverMs),
        };
        var clock = new HybridClock();
        // A seal needs both other regions' journals (this one's and the witness's); with two regions named, none.
        var sealerLogger = loggerFactory.CreateLogger<RegionSealer>();
        Func<string, long, CancellationToken, Task>? sealRegion = topology.Journals.Count == 3
            ? (lost, sealEpoch, token) => RegionSealer.SealOnJournalNodesAsync(topology, template, lost, 0, sealEpoch, regionOptions.Epoch, sealerLogger, token)
            : null;
        var shard = Track(new RegionAdjudicatorShard(regionOptions, writer, readers, clock, logger: loggerFactory.CreateLogger<RegionAdjudicatorShard>(),
            sealRegion: sealRegion));
        await shard.StartAsync(cancellationToken);
        var rpcOptions = new AdjudicatorRpcOptions
        {
            ListenAddress = listenAddress,
            Port = options.Port,
            MaxClockOffset = TimeSpan.FromMilliseconds(options.MaxClockOffsetMs),
        };
        var server = new AdjudicatorRpcServer(shard, clock, rpcOptions, loggerFactory.CreateLogger<AdjudicatorRpcServer>());
        await server.StartAsync(cancellationToken);
        started.Add(server);
        Port = server.Port;
        serving = true;
        await Console.Out.WriteLineAsync(
            $"{ReadyMarker}: rpc={RoleSettings.HostText(listenAddress)}:{Port} shard=0 shards=1 region={topology.Region} " +
            $"regions={string.Join(",", topology.Peers)} witness={topology.Witness ?? "-"} kafka={topology.LocalJournal}");
        await Console.Out.FlushAsync(cancellationToken);
    }

    /// <summary>The other shards, by shard number, reached over their RPC (null at this shard's own place, which the shard
    /// answers itself): whom a shard holding an old prepare asks for the decision. Connections are made at the first
    /// question, so peers may start in any order.</summary>
    private RemoteAdjudicator?[] StartPeers(AdjudicatorRpcOptions rpcOptions, HybridClock clock)
    {
        var addresses = options.PeerAddresses;
        var peers = new RemoteAdjudicator?[addresses.Count];
        for (var shard = 0; shard < peers.Length; shard++)
        {
            if (shard != options.Shard && AdjudicatorHostOptions.TrySplitHostAndPort(addresses[shard], out var host, out var port))
            {
                peers[shard] = Track(new RemoteAdjudicator(host, port, rpcOptions, logger: loggerFactory.CreateLogger<RemoteAdjudicator>(), clock: clock));
            }
        }
        return peers;
    }

    private T Track<T>(T resource) where T : IAsyncDisposable => started.Add(resource);

    public async Task StopAsync(CancellationToken cancellationToken) => await DisposeAsync();

    /// <summary>
    /// A restarted shard (an earlier life wrote to its partition: this life's epoch start is not its first record) waits twice the maximum clock offset before it serves.
    /// An earlier life may have promised, through a close that never reached the journal, not to commit at or below a
    /// timestamp up to one maximum offset ahead of its own physical clock (it closes at the later of the caller's
    /// timestamp, refused beyond that offset, and its own); this process's clock may be up to one offset behind that
    /// one's. After the wait, every commit timestamp this life picks is above any such promise, so a snapshot already
    /// read at a closed timestamp never misses a commit made later below it. The first life of a partition waits for
    /// nothing.
    /// </summary>
    private static async Task WaitOutEarlierPromisesAsync(AdjudicatorShard? shard, TimeSpan maxClockOffset, CancellationToken cancellationToken)
    {
        if (shard is null || shard.EpochStartOffset <= 0)
        {
            return;
        }
        await Task.Delay(2 * maxClockOffset, cancellationToken);
    }

    public ValueTask DisposeAsync() => started.DisposeAsync();
}
