using Log.Journal.Client;
using Log.Journal.Records;
using Xunit.Abstractions;

namespace Log.Journal.Tests;

/// <summary>The journal node's writer fence and appends at an expected offset (JournalNode.Fence.cs), and the seal of a
/// lost region's topic over two nodes (<see cref="RegionSealer"/>).</summary>
public sealed class WriterFenceTests(ITestOutputHelper output)
{
    private static JournalClientOptions Options(string region, string bootstrapServers) => TestNode.ClientOptions(region, bootstrapServers);

    private static JournalRecord Commit(int index, long epoch) => JournalClientTests.Commit(index) with { Epoch = epoch };

    [Fact]
    public async Task A_fenced_writers_late_append_is_refused_and_nothing_of_it_lands_also_after_a_restart()
    {
        await using var node = await TestNode.StartAsync(output);
        var options = Options("fence-late", node.BootstrapServers);
        await using (var writer = new KafkaJournalWriter(options))
        {
            for (var index = 0; index < 5; index++)
            {
                Assert.Equal(index, await writer.AppendAsync(0, Commit(index, epoch: 5), CancellationToken.None));
            }
            Assert.Equal(5, await JournalFenceClient.FenceAsync(node.BootstrapServers, options.Topic, 0, 10, null, 0, CancellationToken.None));

            // The fenced writer's next append (the same producer, still connected) is refused.
            var refused = await Assert.ThrowsAsync<JournalAppendException>(() => writer.AppendAsync(0, Commit(5, epoch: 5), CancellationToken.None));
            output.WriteLine(refused.Message);
        }
        Assert.Equal(5, await EndOffsetAsync(options));

        // A writer at the fence's epoch goes on; the fencer appends past the fence only where it expects to.
        await using (var writer = new KafkaJournalWriter(options))
        {
            Assert.Equal(5, await writer.AppendAsync(0, Commit(6, epoch: 10), CancellationToken.None));
        }
        Assert.Equal(6, await JournalFenceClient.AppendAtAsync(node.BootstrapServers, options.Topic, 0, 6,
            [JournalRecordCodec.Encode(Commit(7, epoch: 5))], CancellationToken.None));
        var mismatch = await Assert.ThrowsAsync<JournalFenceRefusedException>(() => JournalFenceClient.AppendAtAsync(node.BootstrapServers,
            options.Topic, 0, 3, [JournalRecordCodec.Encode(Commit(8, epoch: 5))], CancellationToken.None));
        Assert.True(mismatch.IsOffsetMismatch);
        Assert.Equal(7, await EndOffsetAsync(options));

        // The fence is on disk: after a restart the old writer is still refused, and a fence never goes down.
        await node.RestartAsync();
        options = Options("fence-late", node.BootstrapServers);
        await using (var writer = new KafkaJournalWriter(options))
        {
            await Assert.ThrowsAsync<JournalAppendException>(() => writer.AppendAsync(0, Commit(9, epoch: 9), CancellationToken.None));
        }
        Assert.Equal(7, await JournalFenceClient.FenceAsync(node.BootstrapServers, options.Topic, 0, 3, null, 0, CancellationToken.None));
        await using (var writer = new KafkaJournalWriter(options))
        {
            await Assert.ThrowsAsync<JournalAppendException>(() => writer.AppendAsync(0, Commit(10, epoch: 9), CancellationToken.None));
        }
        await using (var reader = new KafkaJournalReader(options))
        {
            var held = await JournalClientTests.ReadAsync(reader, 0, 0, 7);
            Assert.Equal([0, 1, 2, 3, 4, 6, 7], held.Select(entry => Index(entry.Record)));
        }
    }

    [Fact]
    public async Task A_writer_fenced_on_a_node_cannot_fence_another_there()
    {
        await using var node = await TestNode.StartAsync(output);
        var a = JournalTopics.ForRegion("fence-a");
        var b = JournalTopics.ForRegion("fence-b");
        // b sealed a here first; a (epoch 7, below that fence) then asks to fence b: refused, so at most one of two
        // regions that lost sight of each other gets this node's fence.
        await JournalFenceClient.FenceAsync(node.BootstrapServers, a, 0, 20, b, 8, CancellationToken.None);
        var refused = await Assert.ThrowsAsync<JournalFenceRefusedException>(() =>
            JournalFenceClient.FenceAsync(node.BootstrapServers, b, 0, 21, a, 7, CancellationToken.None));
        output.WriteLine(refused.Message);
        Assert.Equal(47, refused.ErrorCode);
        // A later life of a (its epoch above the fence, after it rejoined) may.
        Assert.Equal(0, await JournalFenceClient.FenceAsync(node.BootstrapServers, b, 0, 21, a, 20, CancellationToken.None));
    }

    [Fact]
    public async Task The_seal_fills_the_shorter_copy_to_the_longest_prefix_seals_both_at_one_offset_and_is_safe_to_repeat()
    {
        await using var first = await TestNode.StartAsync(output);
        await using var second = await TestNode.StartAsync(output);
        var records = Enumerable.Range(0, 6).Select(index => Commit(index, epoch: 5)).ToList();
        // The lost writer's last two records reached only the first copy.
        await AppendAsync(Options("seal-fill", first.BootstrapServers), records);
        await AppendAsync(Options("seal-fill", second.BootstrapServers), records.Take(4).ToList());

        await using var firstCopy = Copy("first", first);
        await using var secondCopy = Copy("second", second);
        var sealer = new RegionSealer([firstCopy, secondCopy]);
        Assert.Equal(6, await sealer.SealAsync(0, epoch: 9, CancellationToken.None));
        // Again (a survivor that crashed and restarts the failover): nothing more is appended.
        Assert.Equal(6, await sealer.SealAsync(0, epoch: 10, CancellationToken.None));
        // A copy that has the seal and one that lacks it (a crash between the two appends): the seal is copied.
        await using var third = await TestNode.StartAsync(output);
        await AppendAsync(Options("seal-fill", third.BootstrapServers), records);
        await using var thirdCopy = Copy("third", third);
        Assert.Equal(6, await new RegionSealer([thirdCopy, firstCopy]).SealAsync(0, epoch: 11, CancellationToken.None));

        foreach (var node in new[] { first, second, third })
        {
            await using var reader = new KafkaJournalReader(Options("seal-fill", node.BootstrapServers));
            Assert.Equal(7, await reader.GetEndOffsetAsync(0, CancellationToken.None));
            var held = await JournalClientTests.ReadAsync(reader, 0, 0, 7);
            Assert.Equal(records.Select(record => record.TransactionId), held.Take(6).Select(entry => entry.Record.TransactionId));
            Assert.Equal(JournalRecordKind.RegionSeal, held[6].Record.Kind);
            Assert.Equal(9, held[6].Record.Epoch);
        }
    }

    [Fact]
    public async Task Copies_that_differ_are_not_sealed()
    {
        await using var first = await TestNode.StartAsync(output);
        await using var second = await TestNode.StartAsync(output);
        await AppendAsync(Options("seal-differ", first.BootstrapServers), [Commit(0, 5), Commit(1, 5)]);
        await AppendAsync(Options("seal-differ", second.BootstrapServers), [Commit(0, 5), Commit(2, 5), Commit(3, 5)]);
        await using var firstCopy = Copy("first", first, "seal-differ");
        await using var secondCopy = Copy("second", second, "seal-differ");
        await Assert.ThrowsAsync<InvalidDataException>(() => new RegionSealer([firstCopy, secondCopy]).SealAsync(0, 9, CancellationToken.None));
        Assert.Equal(2, await EndOffsetAsync(Options("seal-differ", first.BootstrapServers)));
    }

    private static JournalNodeSealCopy Copy(string name, TestNode node, string region = "seal-fill") =>
        new(name, node.BootstrapServers, Options(region, node.BootstrapServers), requesterTopic: null, requesterEpoch: 0);

    private static async Task AppendAsync(JournalClientOptions options, IReadOnlyList<JournalRecord> records)
    {
        await using var writer = new KafkaJournalWriter(options);
        foreach (var record in records)
        {
            await writer.AppendAsync(0, record, CancellationToken.None);
        }
    }

    private static async Task<long> EndOffsetAsync(JournalClientOptions options)
    {
        await using var reader = new KafkaJournalReader(options);
        return await reader.GetEndOffsetAsync(0, CancellationToken.None);
    }

    private static int Index(JournalRecord record) => BitConverter.ToInt32(record.Writes[0].Key);
}
