using Log.Journal.Client;
using Log.Journal.Hosting;
using Log.StorageNode.Rpc;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Log.StorageNode.Hosting;

/// <summary>
/// One storage replica as a process: a <see cref="StorageNode"/> over its own journal reader, served over the storage
/// RPC. The HTTP endpoint starts first (live while the replica recovers and replays, ready once caught up); the RPC
/// listens only once the replica has applied the journal as it stood at start, so that a query node never routes a
/// read to a replica that is still replaying a long backlog (it finds the port closed and asks another). Stops the RPC
/// first, then the replica (its last checkpoint), then the journal reader.
/// </summary>
public sealed class StorageNodeService(StorageNodeHostOptions options, ILoggerFactory loggerFactory) : IHostedService, IAsyncDisposable
{
    /// <summary>Printed once the replica serves; scripts and tests wait for it.</summary>
    public const string ReadyMarker = "Storage node is ready";

    private readonly StartedRoles started = new(loggerFactory.CreateLogger<StorageNodeService>());
    private volatile bool caughtUp;

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
            // First: live while the replica recovers and replays, ready once caught up.
            started.Add(await RoleHttpEndpoint.StartAndAnnounceAsync($"log-storage-{options.Partition}", listenAddress, httpPort,
                [StorageNodeMetrics.MeterName], () => caughtUp, loggerFactory.CreateLogger<RoleHttpEndpoint>()));
        }
        var clientOptions = new JournalClientOptions
        {
            BootstrapServers = options.Journal,
            Region = options.Region,
            PartitionCount = options.Partition + 1,
            ClientId = $"log-storage-{options.Partition}",
        };
        var journal = started.Add(new KafkaJournalReader(clientOptions));
        var dataDirectory = Path.GetFullPath(options.Data);
        Directory.CreateDirectory(dataDirectory);
        var node = new StorageNode(new StorageNodeOptions
        {
            DataDirectory = dataDirectory,
            Partition = options.Partition,
            JournalTopic = clientOptions.Topic,
            SnapshotRetention = TimeSpan.FromSeconds(options.SnapshotRetentionSeconds),
        }, journal, loggerFactory.CreateLogger<StorageNode>());
        await node.StartAsync(cancellationToken);
        started.Add(node);
        if (options.HttpPort is not null)
        {
            started.Add(new StorageNodeMetrics(node, token => journal.GetEndOffsetAsync(options.Partition, token), TimeProvider.System,
                loggerFactory.CreateLogger<StorageNodeMetrics>()));
        }
        var end = await journal.GetEndOffsetAsync(options.Partition, cancellationToken);
        loggerFactory.CreateLogger<StorageNodeService>().LogInformation("Replaying the journal up to offset {End} before serving", end);
        await node.WaitForOffsetAsync(end, cancellationToken);
        caughtUp = true;

        var server = started.Add(new StorageRpcServer(node, new StorageRpcOptions { ListenAddress = listenAddress, Port = options.Port },
            loggerFactory.CreateLogger<StorageRpcServer>()));
        server.Start();
        Port = server.Port;
        var host = RoleSettings.HostText(listenAddress);
        // One plain line on standard output, so that scripts and tests can find the port.
        await Console.Out.WriteLineAsync(
            $"{ReadyMarker}: rpc={host}:{Port} partition={options.Partition} offset={node.NextOffset} kafka={options.Journal} data={dataDirectory}");
        await Console.Out.FlushAsync(cancellationToken);
    }

    public async Task StopAsync(CancellationToken cancellationToken) => await DisposeAsync();

    public ValueTask DisposeAsync() => started.DisposeAsync();
}
