using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Log.Journal.Client;
using Log.Journal.Time;
using Log.StorageNode.Rpc;
using static Log.StorageNode.Tests.StorageNodeHarness;

namespace Log.StorageNode.Tests;

/// <summary>
/// The storage RPC: a replica served over TCP answers every read as it does in process (pages, stops, directions),
/// keeps its refusals' SQLSTATEs, and a client of several replicas fails over when one goes away.
/// </summary>
public sealed class StorageRpcTests
{
    private static StorageRpcOptions ServerOptions(int scanPageBytes = 200) =>
        new() { Port = 0, ScanPageBytesMax = scanPageBytes };

    private static StorageRpcOptions ClientOptions(TimeSpan? callTimeout = null) => new()
    {
        CallTimeout = callTimeout ?? TimeSpan.FromSeconds(15),
        ReconnectDelay = TimeSpan.FromMilliseconds(20),
        MaxReconnectDelay = TimeSpan.FromMilliseconds(100),
    };

    private static async Task<StorageRpcServer> ServeAsync(StorageNode node, int scanPageBytes = 200)
    {
        var server = new StorageRpcServer(node, ServerOptions(scanPageBytes));
        server.Start();
        await Task.CompletedTask;
        return server;
    }

    private static RemoteStorageReader Client(params StorageRpcServer[] servers) =>
        new([.. servers.Select(server => ("127.0.0.1", server.Port))], ClientOptions());

    [Fact]
    public void EveryMessageSurvivesItsFrameAndPartialFramesWait()
    {
        var at = new ReadPoint(Ts(42), 7);
        var packed = new ArrayBufferWriter<byte>();
        PackedPairs.Append(packed, Bytes("k"), Bytes("value"));
        StorageRpcMessage[] messages =
        [
            new GetCall(1, TimeSpan.FromSeconds(3), at, Bytes("key")),
            new GetManyCall(2, TimeSpan.FromSeconds(3), ReadPoint.Unfenced(Ts(9)), [Bytes("a"), Bytes("b")]),
            new ScanCall(3, TimeSpan.FromSeconds(3), at, Bytes("a"), null, 10, Backward: true),
            new ProgressCall(4, TimeSpan.FromSeconds(3), at, Wait: true),
            new StorageCancelCall(5),
            new ValueAnswer(6, null),
            new ValuesAnswer(7, [Bytes("x"), null]),
            new PairsAnswer(8, packed.WrittenMemory, 1, More: true),
            new ProgressAnswer(9, 0, 123, Ts(77), [123L]),
            new StorageErrorAnswer(10, StorageRpcErrorCode.SnapshotTooOld, "72000", "snapshot too old", Ts(1), Ts(2)),
        ];
        var stream = messages.SelectMany(message => StorageRpcCodec.EncodeFrame(message).ToArray()).ToArray();
        var partial = new ReadOnlySequence<byte>(stream, 0, 3);
        Assert.False(StorageRpcCodec.TryReadFrame(ref partial, 1 << 20, out _));
        var buffer = new ReadOnlySequence<byte>(stream);
        var decoded = new List<StorageRpcMessage>();
        while (StorageRpcCodec.TryReadFrame(ref buffer, 1 << 20, out var message)) decoded.Add(message);
        Assert.Equal(messages.Length, decoded.Count);
        Assert.Equal(0, buffer.Length);
        Assert.Equal(messages.Select(message => (message.Kind, message.RequestId)), decoded.Select(message => (message.Kind, message.RequestId)));
        var get = Assert.IsType<GetCall>(decoded[0]);
        Assert.Equal((at, "key", TimeSpan.FromSeconds(3)), (get.At, Text(get.Key), get.Deadline));
        Assert.Equal(["a", "b"], Assert.IsType<GetManyCall>(decoded[1]).Keys.Select(Text));
        var scan = Assert.IsType<ScanCall>(decoded[2]);
        Assert.Equal(("a", null, 10, true), (Text(scan.Start), scan.End, scan.Limit, scan.Backward));
        Assert.Equal(["x", null], Assert.IsType<ValuesAnswer>(decoded[6]).Values.Select(Text));
        var pairs = Assert.IsType<PairsAnswer>(decoded[7]);
        var position = 0;
        Assert.True(PackedPairs.TryRead(pairs.Packed.Span, ref position, out var key, out var value));
        Assert.Equal(("k", "value"), (Text(key.ToArray()), Text(value.ToArray())));
        Assert.False(PackedPairs.TryRead(pairs.Packed.Span, ref position, out _, out _));
        var progress = Assert.IsType<ProgressAnswer>(decoded[8]);
        Assert.Equal((0, 123L, Ts(77)), (progress.Partition, progress.NextOffset, progress.ResolvedTimestamp));
        Assert.Equal([123L], progress.NextOffsets);
        Assert.Equal(messages[9], decoded[9]);

        var tooBig = new ReadOnlySequence<byte>(StorageRpcCodec.EncodeFrame(messages[0]).ToArray());
        Assert.Throws<InvalidDataException>(() => StorageRpcCodec.TryReadFrame(ref tooBig, 4, out _));
        var truncatedPairs = new byte[] { 0, 0, 0, 9, 1 };
        var at0 = 0;
        Assert.Throws<InvalidDataException>(() => PackedPairs.TryRead(truncatedPairs, ref at0, out _, out _));
    }

    [Fact]
    public async Task RemoteReadsAnswerAsTheReplicaDoesInProcess()
    {
        await using var harness = await StorageNodeHarness.StartAsync();
        var random = new Random(12);
        var keys = Enumerable.Range(0, 120).Select(index => $"key{index:D4}").ToArray();
        var records = new List<Log.Journal.Records.JournalRecord>();
        for (ulong timestamp = 10; timestamp <= 100; timestamp += 10)
        {
            records.Add(Commit(timestamp, [.. keys.Where(_ => random.Next(3) == 0)
                .Select(key => (key, random.Next(6) == 0 ? null : $"{key}@{timestamp}-{new string('v', random.Next(40))}"))]));
        }
        await harness.AppendAllAndWaitAsync([.. records, Heartbeat(150)]);
        // A page budget of 200 bytes makes every scan below take several pages.
        await using var server = await ServeAsync(harness.Node);
        await using var remote = Client(server);
        var local = (IStorageReader)harness.Node;
        IStorageReader reader = remote;

        for (ulong timestamp = 5; timestamp <= 150; timestamp += 29)
        {
            var at = ReadPoint.Unfenced(Ts(timestamp));
            foreach (var key in keys.Take(10))
            {
                Assert.Equal(await local.GetAsync(Bytes(key), at, default), await reader.GetAsync(Bytes(key), at, default));
            }
            Assert.Equal(await local.GetManyAsync([.. keys.Select(Bytes)], at, default), await reader.GetManyAsync([.. keys.Select(Bytes)], at, default));
            foreach (var (start, end, limit) in new[] { ("key", (string?)"kez", 1000), ("key0010", "key0090", 7), ("", null, 33), ("key0050", "key0040", 5) })
            {
                var expected = Pairs(await local.ScanAsync(Bytes(start), end is null ? null : Bytes(end), at, limit, default));
                Assert.Equal(expected, Pairs(await reader.ScanAsync(Bytes(start), end is null ? null : Bytes(end), at, limit, default)));
                var expectedBackward = Pairs(await local.ScanBackwardAsync(Bytes(start), end is null ? null : Bytes(end), at, limit, default));
                Assert.Equal(expectedBackward, Pairs(await reader.ScanBackwardAsync(Bytes(start), end is null ? null : Bytes(end), at, limit, default)));
            }
            // A visitor that stops after five pairs stops the remote scan there too, whatever page it is in.
            var localVisit = new StopAfter(5);
            var remoteVisit = new StopAfter(5);
            var localRange = await local.VisitAsync(Bytes("key"), null, at, 1000, localVisit, default);
            var remoteRange = await reader.VisitAsync(Bytes("key"), null, at, 1000, remoteVisit, default);
            Assert.Equal(localVisit.Seen, remoteVisit.Seen);
            Assert.Equal((localRange.Count, Text(localRange.LastKey), localRange.Stopped), (remoteRange.Count, Text(remoteRange.LastKey), remoteRange.Stopped));
        }
        Assert.Equal(1, remote.ConnectionCounts[0]);
    }

    private static List<(string?, string?)> Pairs(IReadOnlyList<KeyValue> pairs) => [.. pairs.Select(pair => (Text(pair.Key), Text(pair.Value)))];

    private sealed class StopAfter(int count) : IKeyValueVisitor
    {
        public List<string?> Seen { get; } = [];

        public bool Visit(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
        {
            Seen.Add(Text(key.ToArray()) + "=" + Text(value.ToArray()));
            return Seen.Count < count;
        }
    }

    [Fact]
    public async Task WaitingForAReadPointFollowsTheReplicaAndReportsItsProgress()
    {
        await using var harness = await StorageNodeHarness.StartAsync();
        var end = await harness.AppendAsync(Commit(10, ("a", "1")));
        await using var server = await ServeAsync(harness.Node);
        await using var remote = Client(server);

        var progress = await remote.GetProgressAsync(default);
        Assert.Equal(0, progress.Partition);
        var waiting = remote.WaitForReadPointAsync(new ReadPoint(HybridTimestamp.Zero, end + 1), default);
        await Task.Delay(100);
        Assert.False(waiting.IsCompleted);
        await harness.AppendAsync(Commit(20, ("a", "2")));
        await waiting.WaitAsync(TestTimeout);
        Assert.Equal(Ts(20), remote.ResolvedTimestamp);
        Assert.Equal("2", Text(await remote.GetAsync(Bytes("a"), ReadPoint.Unfenced(remote.ResolvedTimestamp), default)));
        Assert.Equal("1", Text(await remote.GetAsync(Bytes("a"), ReadPoint.Unfenced(Ts(15)), default)));
    }

    [Fact]
    public async Task RefusalsKeepTheirSqlStatesAcrossTheWire()
    {
        await using var harness = await StorageNodeHarness.StartAsync(configure: options => options with
        {
            ReadWaitTimeout = TimeSpan.FromMilliseconds(200),
            SnapshotRetention = TimeSpan.FromMinutes(1),
        });
        await harness.AppendAllAndWaitAsync(Commit(10, ("a", "1")), Heartbeat((ulong)HybridTimestamp.From(60 * 60 * 1000, 0).Value));
        await using var server = await ServeAsync(harness.Node);
        await using var remote = Client(server);

        var tooOld = await Assert.ThrowsAsync<SnapshotTooOldException>(async () => await remote.GetAsync(Bytes("a"), ReadPoint.Unfenced(Ts(10)), default));
        Assert.Equal(("72000", "snapshot too old"), (tooOld.SqlState, tooOld.Message));
        Assert.Equal(harness.Node.TrimHorizon, tooOld.Horizon);
        await Assert.ThrowsAsync<SnapshotTooOldException>(async () => await remote.ScanAsync([], null, ReadPoint.Unfenced(Ts(10)), 5, default));

        // Not reached within the replica's read wait: 57P03, with the replica's reason.
        var future = ReadPoint.Unfenced(HybridTimestamp.From(2 * 60 * 60 * 1000, 0));
        var unavailable = await Assert.ThrowsAsync<StorageUnavailableException>(async () => await remote.GetAsync(Bytes("a"), future, default));
        Assert.Equal("57P03", unavailable.SqlState);
        Assert.IsNotType<SnapshotTooOldException>(unavailable);

        await Assert.ThrowsAnyAsync<ArgumentException>(async () => await remote.ScanAsync([], null, ReadPoint.Unfenced(remote.ResolvedTimestamp), -1, default));
    }

    [Fact]
    public async Task NoReachableReplicaIsARetryableErrorWithinTheCallTimeout()
    {
        var port = FreePort();
        await using var remote = new RemoteStorageReader([("127.0.0.1", port), ("127.0.0.1", FreePort())], ClientOptions(TimeSpan.FromMilliseconds(500)));
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var unavailable = await Assert.ThrowsAsync<StorageUnavailableException>(async () => await remote.GetAsync(Bytes("a"), ReadPoint.Unfenced(Ts(1)), default));
        Assert.Equal("57P03", unavailable.SqlState);
        Assert.Contains($"127.0.0.1:{port}", unavailable.Message);
        Assert.InRange(watch.Elapsed, TimeSpan.FromMilliseconds(400), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task ACancelledReadIsDroppedAtTheReplica()
    {
        await using var harness = await StorageNodeHarness.StartAsync();
        await using var server = await ServeAsync(harness.Node);
        await using var remote = Client(server);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        // A read point the replica never reaches: it waits until the cancellation.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
            await remote.GetAsync(Bytes("a"), ReadPoint.Unfenced(Ts(1_000_000)), cancel.Token));
        // The connection stays usable.
        await harness.AppendAllAndWaitAsync(Commit(10, ("a", "1")));
        Assert.Equal("1", Text(await remote.GetAsync(Bytes("a"), ReadPoint.Unfenced(Ts(10)), default)));
        Assert.Equal(1, remote.ConnectionCounts[0]);
    }

    [Fact]
    public async Task ReadsFailOverToAnotherReplicaWhenOneGoesAway()
    {
        var journal = new MemoryJournal();
        await using var first = await StorageNodeHarness.StartAsync(journal);
        await using var second = await StorageNodeHarness.StartAsync(journal);
        await first.AppendAllAndWaitAsync(Commit(10, ("a", "1")), Commit(20, ("b", "2")));
        await second.Node.WaitForOffsetAsync(journal.EndOffset(0), default).WaitAsync(TestTimeout);
        var firstServer = await ServeAsync(first.Node);
        await using var secondServer = await ServeAsync(second.Node);
        await using var remote = Client(firstServer, secondServer);
        var at = ReadPoint.Unfenced(Ts(20));

        Assert.Equal("1", Text(await remote.GetAsync(Bytes("a"), at, default)));
        Assert.Equal(0, remote.PreferredReplica);
        await firstServer.DisposeAsync();
        // The next reads are answered by the other replica, without an error.
        Assert.Equal("2", Text(await remote.GetAsync(Bytes("b"), at, default)));
        Assert.Equal(1, remote.PreferredReplica);
        Assert.Equal(["a", "b"], (await remote.ScanAsync([], null, at, 10, default)).Select(pair => Text(pair.Key)));
        Assert.True(remote.ConnectionCounts[1] >= 1);
    }

    [Fact]
    public async Task AReplicaThatLagsIsPassedOverForOneThatIsReady()
    {
        var journal = new MemoryJournal();
        await using var ready = await StorageNodeHarness.StartAsync(journal);
        var end = await ready.AppendAsync(Commit(10, ("a", "1")));
        await ready.Node.WaitForOffsetAsync(end, default).WaitAsync(TestTimeout);
        // The lagging replica reads a journal that has nothing yet.
        await using var lagging = await StorageNodeHarness.StartAsync(new MemoryJournal(), options => options with { ReadWaitTimeout = TimeSpan.FromMilliseconds(300) });
        await using var laggingServer = await ServeAsync(lagging.Node);
        await using var readyServer = await ServeAsync(ready.Node);
        await using var remote = Client(laggingServer, readyServer);

        // The lagging replica, asked first, refuses after its read wait; the ready one answers, and is preferred after.
        await remote.WaitForReadPointAsync(new ReadPoint(HybridTimestamp.Zero, end), default).WaitAsync(TestTimeout);
        Assert.Equal(1, remote.PreferredReplica);
        Assert.Equal("1", Text(await remote.GetAsync(Bytes("a"), ReadPoint.Unfenced(remote.ResolvedTimestamp), default)));
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
