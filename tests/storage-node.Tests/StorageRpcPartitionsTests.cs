using System.Buffers;
using Log.Journal.Records;
using Log.Journal.Time;
using Log.StorageNode.Rpc;
using static Log.StorageNode.Tests.StorageNodeHarness;

namespace Log.StorageNode.Tests;

/// <summary>
/// The storage RPC with replicas of several partitions: a snapshot fenced on every shard waits for each partition's
/// fence on whichever replica serves it, the query node's clock observes the resolved timestamps replicas report, the
/// state digest and a checkpoint go over the wire, and a new replica bootstraps from another's checkpoint copied over
/// the RPC (checksums verified), then tails the journal after each partition's offset.
/// </summary>
public sealed class StorageRpcPartitionsTests
{
    private static readonly int[] BothShards = [0, 1];

    private static StorageNodeOptions TwoPartitions(StorageNodeOptions options) => MultiPartitionCheckpointTests.TwoPartitionsManual(options);

    private static StorageRpcServer Serve(StorageNode node)
    {
        var server = new StorageRpcServer(node, new StorageRpcOptions { Port = 0, ScanPageBytesMax = 200, CheckpointCopyChunkBytes = 4096 });
        server.Start();
        return server;
    }

    private static StorageRpcOptions ClientOptions => new()
    {
        CallTimeout = TimeSpan.FromSeconds(15),
        ReconnectDelay = TimeSpan.FromMilliseconds(20),
        MaxReconnectDelay = TimeSpan.FromMilliseconds(100),
        CheckpointCopyChunkBytes = 4096,
    };

    private static async Task<long[]> AppendAsync(StorageNodeHarness harness, params (int Partition, JournalRecord Record)[] records)
    {
        foreach (var (partition, record) in records)
        {
            await harness.MemoryJournal.AppendAsync(partition, record, CancellationToken.None);
        }
        return [harness.MemoryJournal.EndOffset(0), harness.MemoryJournal.EndOffset(1)];
    }

    private static JournalRecord CommitOn(int shard, ulong commit, string key, string? value) =>
        JournalRecord.ForCommit(Guid.NewGuid(), Ts(commit - 1), Ts(commit), shard, 1, [new JournalWrite(Bytes(key), value is null ? null : Bytes(value))]);

    [Fact]
    public void A_read_point_fenced_on_every_partition_and_the_new_messages_survive_their_frames()
    {
        var fenced = ReadPoint.FencedOnEveryPartition(Ts(42), [7, 3]);
        StorageRpcMessage[] messages =
        [
            new GetCall(1, TimeSpan.FromSeconds(3), fenced, Bytes("key")),
            new DigestCall(2, TimeSpan.FromSeconds(3), fenced),
            new CheckpointCall(3, TimeSpan.FromSeconds(3), TakeNew: true),
            new FileChunkCall(4, TimeSpan.FromSeconds(3), "log/versions.log.0", 4096, 1024),
            new DigestAnswer(5, [1, 2, 3]),
            new CheckpointAnswer(6, Bytes("manifest"), ["keys/a.keys", "log/versions.log.0"]),
            new FileChunkAnswer(7, new byte[] { 9, 8 }, 77),
            new ProgressAnswer(8, 0, 7, Ts(40), [7L, 3L]),
        ];
        var stream = messages.SelectMany(message => StorageRpcCodec.EncodeFrame(message).ToArray()).ToArray();
        var buffer = new ReadOnlySequence<byte>(stream);
        var decoded = new List<StorageRpcMessage>();
        while (StorageRpcCodec.TryReadFrame(ref buffer, 1 << 20, out var message)) decoded.Add(message);
        Assert.Equal(messages.Select(message => message.Kind), decoded.Select(message => message.Kind));

        var get = Assert.IsType<GetCall>(decoded[0]);
        Assert.Equal((Ts(42), 7L), (get.At.Timestamp, get.At.RequiredOffset));
        Assert.Equal([7L, 3L], get.At.RequiredOffsets!);
        Assert.Equal([7L, 3L], Assert.IsType<DigestCall>(decoded[1]).At.RequiredOffsets!);
        Assert.True(Assert.IsType<CheckpointCall>(decoded[2]).TakeNew);
        var chunkCall = Assert.IsType<FileChunkCall>(decoded[3]);
        Assert.Equal(("log/versions.log.0", 4096L, 1024), (chunkCall.Path, chunkCall.Offset, chunkCall.LengthMax));
        Assert.Equal([1, 2, 3], Assert.IsType<DigestAnswer>(decoded[4]).Digest);
        var checkpoint = Assert.IsType<CheckpointAnswer>(decoded[5]);
        Assert.Equal(("manifest", 2), (Text(checkpoint.Manifest), checkpoint.Files.Count));
        var chunk = Assert.IsType<FileChunkAnswer>(decoded[6]);
        Assert.Equal([9, 8], chunk.Bytes.ToArray());
        Assert.Equal(77L, chunk.FileLength);
        Assert.Equal([7L, 3L], Assert.IsType<ProgressAnswer>(decoded[7]).NextOffsets);
        // An unfenced read point stays one number on the wire, with no list.
        var plain = new ReadOnlySequence<byte>(StorageRpcCodec.EncodeFrame(new GetCall(9, TimeSpan.FromSeconds(1), new ReadPoint(Ts(1), 5), [1])).ToArray());
        Assert.True(StorageRpcCodec.TryReadFrame(ref plain, 1 << 20, out var single));
        Assert.Null(Assert.IsType<GetCall>(single).At.RequiredOffsets);
    }

    [Fact]
    public async Task A_read_fenced_on_every_partition_waits_for_each_partitions_fence_and_the_clock_observes_the_replica()
    {
        await using var harness = await StorageNodeHarness.StartAsync(configure: TwoPartitions);
        var ends = await AppendAsync(harness, (0, CommitOn(0, 10, "a", "zero")), (1, CommitOn(1, 11, "b", "one")), (1, JournalRecord.ForHeartbeat(Ts(20), 1, 1)),
            (0, JournalRecord.ForHeartbeat(Ts(20), 0, 1)));
        await using var server = Serve(harness.Node);
        var clock = new HybridClock(new FixedTimeProvider());
        await using var remote = new RemoteStorageReader([("127.0.0.1", server.Port)], ClientOptions, partitionCount: 2, clock: clock);

        await remote.WaitForOffsetsAsync(ends, default).WaitAsync(TestTimeout);
        var progress = await remote.GetProgressAsync(default);
        Assert.Equal(ends, progress.NextOffsets);
        // The query node's clock (standing at the epoch here) moved past the replica's resolved timestamp.
        Assert.True(clock.Now() > Ts(20));

        // Partition 0 is past its fence already; partition 1 is not: a read fenced on both waits for partition 1.
        var fence = ReadPoint.FencedOnEveryPartition(Ts(30), [ends[0], ends[1] + 1]);
        var reading = remote.GetAsync(Bytes("b"), fence, default).AsTask();
        var waiting = remote.WaitForOffsetsAsync([ends[0], ends[1] + 1], default);
        await Task.Delay(200);
        Assert.False(reading.IsCompleted);
        Assert.False(waiting.IsCompleted);
        await AppendAsync(harness, (1, CommitOn(1, 30, "b", "moved")));
        await waiting.WaitAsync(TestTimeout);
        Assert.Equal("moved", Text(await reading.WaitAsync(TestTimeout)));

        // A replica of two partitions refuses fences for another number of partitions (a query node of another shard count).
        await Assert.ThrowsAnyAsync<ArgumentException>(async () =>
            await remote.GetAsync(Bytes("a"), ReadPoint.FencedOnEveryPartition(Ts(30), [1, 1, 1]), default));
    }

    [Fact]
    public async Task The_digest_and_a_checkpoint_go_over_the_wire()
    {
        await using var harness = await StorageNodeHarness.StartAsync(configure: TwoPartitions);
        var ends = await AppendAsync(harness, (0, CommitOn(0, 10, "a", "zero")), (1, CommitOn(1, 11, "b", "one")), (0, JournalRecord.ForHeartbeat(Ts(20), 0, 1)),
            (1, JournalRecord.ForHeartbeat(Ts(20), 1, 1)));
        await harness.Node.WaitForOffsetsAsync(ends, default).WaitAsync(TestTimeout);
        await using var server = Serve(harness.Node);
        await using var remote = new RemoteStorageReader([("127.0.0.1", server.Port)], ClientOptions, partitionCount: 2);

        Assert.Equal(harness.Node.ComputeStateDigest(Ts(20)), await remote.ComputeStateDigestAsync(ReadPoint.Unfenced(Ts(20)), default));
        Assert.NotEqual(harness.Node.ComputeStateDigest(Ts(10)), await remote.ComputeStateDigestAsync(ReadPoint.Unfenced(Ts(20)), default));
        var checkpoint = await remote.CheckpointAsync(default);
        Assert.NotNull(checkpoint);
        Assert.Equal(harness.Node.NewestCheckpoint?.Sequence, checkpoint.Sequence);
        Assert.Equal(ends, checkpoint.NextOffsets);
    }

    // One chunk per round trip; several in flight; chunks asked for larger than the source sends (each answer is short,
    // and the rest of its range is asked for again).
    [Theory]
    [InlineData(4096, 1)]
    [InlineData(4096, 8)]
    [InlineData(16384, 4)]
    public async Task A_new_replica_bootstraps_from_another_replicas_checkpoint_over_the_rpc_then_tails_the_journal(int chunkBytes, int chunksInFlight)
    {
        await using var source = await StorageNodeHarness.StartAsync(configure: TwoPartitions);
        var random = new Random(31);
        ulong timestamp = 10;
        for (var index = 0; index < 300; index++)
        {
            timestamp++;
            var shard = random.Next(2);
            await AppendAsync(source, (shard, CommitOn(shard, timestamp, $"shard-{shard}-{random.Next(100):D3}", random.Next(5) == 0 ? null : $"v{timestamp}")));
        }
        var transaction = Guid.NewGuid();
        var ends = await AppendAsync(source,
            (0, JournalRecord.ForPrepare(transaction, Ts(timestamp), Ts(timestamp + 1), 0, 1, [new JournalWrite(Bytes("shard-0-x"), Bytes("both"))], BothShards)),
            (1, JournalRecord.ForPrepare(transaction, Ts(timestamp), Ts(timestamp + 1), 1, 1, [new JournalWrite(Bytes("shard-1-x"), Bytes("both"))], BothShards)),
            (0, JournalRecord.ForDecision(transaction, Ts(timestamp + 2), Ts(timestamp + 2), 0, 1, BothShards)),
            (1, JournalRecord.ForDecision(transaction, Ts(timestamp + 2), Ts(timestamp + 2), 1, 1, BothShards)));
        timestamp += 2;
        await source.Node.WaitForOffsetsAsync(ends, default).WaitAsync(TestTimeout);
        await using var server = Serve(source.Node);

        var directory = Path.Combine(Path.GetTempPath(), "log-storage-tests-" + Guid.NewGuid().ToString("N"));
        var copied = await CheckpointCopier.CopyAsync("127.0.0.1", server.Port, Path.Combine(directory, StorageNode.StorageFolderName),
            ClientOptions with { CheckpointCopyChunkBytes = chunkBytes, CheckpointCopyChunksInFlight = chunksInFlight }, null, default);
        Assert.NotNull(copied);
        Assert.Equal(ends, copied.NextOffsets);
        Assert.False(Directory.Exists(Path.Combine(directory, StorageNode.StorageFolderName + ".bootstrap")));

        // Written after the checkpoint: the new replica must get them from the journal.
        ends = await AppendAsync(source, (1, CommitOn(1, timestamp + 1, "shard-1-late", "tail")), (0, JournalRecord.ForHeartbeat(Ts(timestamp + 2), 0, 1)),
            (1, JournalRecord.ForHeartbeat(Ts(timestamp + 2), 1, 1)));
        timestamp += 2;
        await using var copy = await StorageNodeHarness.StartAsync(source.Journal, TwoPartitions, directory);
        Assert.Equal(copied.Sequence, copy.Node.NewestCheckpoint?.Sequence);
        await copy.Node.WaitForOffsetsAsync(ends, default).WaitAsync(TestTimeout);
        await source.Node.WaitForOffsetsAsync(ends, default).WaitAsync(TestTimeout);
        // Only the record after the checkpoint was applied: one write.
        Assert.Equal(1, copy.Node.AppliedWriteCount);
        Assert.Equal(source.Node.ComputeStateDigest(Ts(timestamp)), copy.Node.ComputeStateDigest(Ts(timestamp)));
        Assert.Equal("tail", await copy.GetAsync("shard-1-late", timestamp));
        Assert.Equal("both", await copy.GetAsync("shard-1-x", timestamp));
    }

    [Fact]
    public async Task A_copy_reads_only_checkpoint_files_and_a_replica_without_a_checkpoint_has_none_to_copy()
    {
        await using var harness = await StorageNodeHarness.StartAsync(configure: TwoPartitions);
        // The leading fragment of a large transaction whose final record is still to come: no checkpoint can be taken, and
        // there is none from before.
        var large = JournalFragmenter.Split(Guid.NewGuid(), 0, 1, [new JournalWrite(Bytes("shard-0-a"), new byte[600])], fragmentPayloadBytes: 256);
        var ends = await AppendAsync(harness, (0, large.LeadingFragments[0]));
        await harness.Node.WaitForOffsetsAsync(ends, default).WaitAsync(TestTimeout);
        await using var server = Serve(harness.Node);
        var target = Path.Combine(Path.GetTempPath(), "log-storage-tests-" + Guid.NewGuid().ToString("N"), StorageNode.StorageFolderName);
        Assert.Null(await CheckpointCopier.CopyAsync("127.0.0.1", server.Port, target, ClientOptions, null, default));
        Assert.False(Directory.Exists(target));

        await using var channel = new Log.Journal.Rpc.RpcChannel<StorageRpcMessage>("127.0.0.1", server.Port, StorageRpcProtocol.Instance, 1 << 24,
            TimeSpan.FromSeconds(2));
        foreach (var path in new[] { "../../etc/passwd", "/etc/passwd", "log/../../outside", "elsewhere/file" })
        {
            var answer = await channel.CallAsync(new FileChunkCall(channel.NextRequestId(), TimeSpan.FromSeconds(5), path, 0, 100), TimeSpan.FromSeconds(5), default);
            Assert.Equal(StorageRpcErrorCode.BadRequest, Assert.IsType<StorageErrorAnswer>(answer).Code);
        }
    }

    /// <summary>A clock that stands at the Unix epoch, so that only what it observes moves it.</summary>
    private sealed class FixedTimeProvider : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => DateTimeOffset.UnixEpoch;
    }
}
