using Log.Journal.Client;
using Log.Journal.Hosting;
using Log.Journal.Time;
using Log.StorageNode;
using Log.StorageNode.Rpc;
using Microsoft.Extensions.Logging;

namespace Log.QueryNode.Hosting;

/// <summary>Where this node reads: its own replica (the all-in-one process), or replicas run alone, over the storage RPC
/// (--storage), in which case the node holds no store of its own.</summary>
public sealed partial class LogServer
{
    /// <summary>How long a start waits between two attempts at finding a storage replica that has caught up.</summary>
    private static readonly TimeSpan RemoteStorageStartRetryDelay = TimeSpan.FromSeconds(1);

    /// <summary>This process's own replica, from its construction until it is among the started roles (a failed start
    /// stops it).</summary>
    private Task<Log.StorageNode.StorageNode>? unstartedStorage;

    /// <summary>Builds this process's own replica over <paramref name="journal"/> (attached once the journal is up) and
    /// recovers its checkpoint (or wipes its folder) on the thread pool.</summary>
    private Task<Log.StorageNode.StorageNode> RecoverStorage(string dataDirectory, IJournalReader journal, CancellationToken cancellationToken)
    {
        var storage = new Log.StorageNode.StorageNode(new StorageNodeOptions
        {
            DataDirectory = dataDirectory,
            JournalTopic = JournalTopics.ForRegion(options.Region),
            SnapshotRetention = options.SnapshotRetention,
            PartitionCount = options.ShardCount,
        }, journal, loggerFactory.CreateLogger<Log.StorageNode.StorageNode>());
        unstartedStorage = Task.Run(() =>
        {
            storage.Recover();
            return storage;
        }, cancellationToken);
        return unstartedStorage;
    }

    /// <summary>Starts applying the journal on the replica once it has recovered.</summary>
    private static async Task<Log.StorageNode.StorageNode> StartRecoveredStorageAsync(Task<Log.StorageNode.StorageNode> recovering,
        CancellationToken cancellationToken)
    {
        var storage = await recovering;
        await storage.StartAsync(cancellationToken);
        return storage;
    }

    /// <summary>After a failed start: stops the replica if it was built but is not among the started roles yet.</summary>
    private async Task StopUnstartedStorageAsync()
    {
        if (Interlocked.Exchange(ref unstartedStorage, null) is not { } recovering)
        {
            return;
        }
        try
        {
            await (await recovering).DisposeAsync();
        }
        catch (Exception exception)
        {
            logger.LogWarning(exception, "The storage replica of a failed start could not be recovered or stopped");
        }
    }

    /// <summary>Waits until this process's replica has replayed the journal written before this start (from its
    /// checkpoint, or from offset 0): reads wait a bounded time for it, and a long replay would fail them, the resumed
    /// jobs' first.</summary>
    private async Task<(IStorageReader Reader, IReplicaProgress Progress)> CatchUpStorageAsync(Log.StorageNode.StorageNode storage,
        KafkaJournalReader journal, CancellationToken cancellationToken)
    {
        started.Add(storage);
        unstartedStorage = null;
        logger.LogInformation("Waiting for storage to replay the journal");
        var endOffsets = await Task.WhenAll(Enumerable.Range(0, options.ShardCount)
            .Select(partition => journal.GetEndOffsetAsync(partition, cancellationToken)));
        await storage.CatchUpAsync(endOffsets, cancellationToken);
        ObserveStorage(storage, journal);
        return (storage, storage);
    }

    /// <summary>Reads through the replicas named by --storage, and waits until one of them has applied the journal as it
    /// stands now, every partition of it (trying again while none can be reached: replicas may start after this node).
    /// With several shards each replica must apply every partition (<c>storage-node serve</c> does by default): the
    /// snapshots then carry a fence per partition (ShardFenceSnapshotSource), which the replica a read goes to waits for.
    /// The node's clock observes every resolved timestamp a replica reports.</summary>
    private async Task<(IStorageReader Reader, IReplicaProgress Progress)> StartRemoteStorageAsync(KafkaJournalReader journal,
        HybridClock clock, CancellationToken cancellationToken)
    {
        var endpoints = new List<(string Host, int Port)>();
        foreach (var endpoint in options.StorageEndpoints)
        {
            RoleSettings.TrySplitHostAndPort(endpoint, out var host, out var port);
            endpoints.Add((host, port));
        }
        var remote = Track(new RemoteStorageReader(endpoints, new StorageRpcOptions(), logger: loggerFactory.CreateLogger<RemoteStorageReader>(),
            partitionCount: options.ShardCount, clock: clock));
        logger.LogInformation("Waiting for a storage replica ({Replicas}) to apply the journal", options.Storage);
        while (true)
        {
            try
            {
                var progress = await remote.GetProgressAsync(cancellationToken);
                if (progress.NextOffsets.Count != options.ShardCount)
                {
                    throw new InvalidOperationException(
                        $"the storage replica answering at {options.Storage} applies {progress.NextOffsets.Count} journal partition(s), this node commits to " +
                        $"{options.ShardCount} shard(s): start the replicas without --partition, so that they apply every partition");
                }
                var ends = await Task.WhenAll(Enumerable.Range(0, options.ShardCount)
                    .Select(partition => journal.GetEndOffsetAsync(partition, cancellationToken)));
                await remote.WaitForOffsetsAsync(ends, cancellationToken);
                return (remote, remote);
            }
            catch (StorageUnavailableException exception)
            {
                logger.LogWarning("No storage replica is ready yet: {Reason}", exception.Message);
            }
            await Task.Delay(RemoteStorageStartRetryDelay, cancellationToken);
        }
    }
}
