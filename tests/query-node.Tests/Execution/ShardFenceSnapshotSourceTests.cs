using System.Net;
using System.Net.Sockets;
using Log.Adjudicator;
using Log.Adjudicator.Rpc;
using Log.Journal.Time;
using Log.QueryNode.Execution;
using Log.StorageNode;

namespace Log.QueryNode.Tests.Execution;

public sealed class ShardFenceSnapshotSourceTests
{
    /// <summary>A replica that has applied everything: the snapshot under test never gets as far as asking it.</summary>
    private sealed class CaughtUpReplica : IPartitionsProgress
    {
        public int PartitionCount => 2;

        public Task WaitForOffsetsAsync(IReadOnlyList<long> endOffsets, CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private static int UnusedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [Fact]
    public async Task A_shard_that_cannot_be_reached_fails_the_snapshot_with_57P03_after_the_close_timeout()
    {
        // The close's own patience (1 s here), not the commit's (an hour here): a snapshot decides nothing, so a reader is
        // told at once that it may try again, with the retryable "cannot connect now".
        var options = new AdjudicatorRpcOptions
        {
            CallTimeout = TimeSpan.FromHours(1),
            CloseCallTimeout = TimeSpan.FromSeconds(1),
            ReconnectDelay = TimeSpan.FromMilliseconds(50),
        };
        await using var shard0 = new RemoteAdjudicator("127.0.0.1", UnusedPort(), options);
        await using var shard1 = new RemoteAdjudicator("127.0.0.1", UnusedPort(), options);
        var source = new ShardFenceSnapshotSource(new ShardedAdjudicator([shard0, shard1], new TableShardRouter()),
            new CaughtUpReplica(), new HybridClock(TimeProvider.System));

        using var patience = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var exception = await Assert.ThrowsAsync<SqlException>(async () => await source.TakeAsync(patience.Token));

        Assert.Equal(SqlState.CannotConnectNow, exception.SqlState);
        Assert.Contains("could not be reached within 1 s", exception.Message, StringComparison.Ordinal);
        Assert.False(patience.IsCancellationRequested);
    }
}
