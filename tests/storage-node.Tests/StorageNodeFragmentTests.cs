using Log.Journal.Records;
using Log.Journal.Time;
using static Log.StorageNode.Tests.StorageNodeHarness;

namespace Log.StorageNode.Tests;

/// <summary>Large transactions arrive as fragments: applied whole at the final record, never
/// applied at all when their final record is missing.</summary>
public sealed class StorageNodeFragmentTests
{
    private static StorageNodeOptions RoomForLargeValues(StorageNodeOptions options) =>
        options with { LogPageSizeBytes = 4L << 20, LogMemorySizeBytes = 16L << 20 };

    private static byte[] Filled(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static List<JournalRecord> Fragmented(ulong commitTimestamp, string key, byte[] value, long epoch = 1)
    {
        var fragments = JournalFragmenter.Split(Guid.NewGuid(), 0, epoch, [new JournalWrite(Bytes(key), value), new JournalWrite(Bytes(key + "-small"), Bytes("s"))]);
        return [.. fragments.LeadingFragments, fragments.Final(new HybridTimestamp(commitTimestamp - 1), new HybridTimestamp(commitTimestamp))];
    }

    [Fact]
    public async Task A_fragmented_commit_becomes_visible_whole_at_its_final_record()
    {
        await using var harness = await StartAsync(configure: RoomForLargeValues);
        var value = Filled(2 * 1024 * 1024, 1);
        var records = Fragmented(100, "big", value);
        Assert.True(records.Count > 2);

        await harness.AppendAllAndWaitAsync([Commit(50, ("other", "o")), .. records.SkipLast(1)]);
        Assert.Equal(records.Count, harness.Node.NextOffset);
        // Every leading fragment is applied (the offsets moved) and nothing of the transaction is visible.
        Assert.Null(await harness.GetAsync("big", 50));
        Assert.Equal(1, harness.Node.KeyCount);

        await harness.AppendAllAndWaitAsync(records[^1], Heartbeat(200));

        Assert.Equal(value, await harness.Node.GetAsync(Bytes("big"), ReadPoint.Unfenced(Ts(100)), CancellationToken.None));
        Assert.Equal("s", await harness.GetAsync("big-small", 100));
        Assert.Null(await harness.GetAsync("big", 99));
    }

    [Fact]
    public async Task Fragments_without_their_final_record_are_never_applied()
    {
        var value = Filled(2 * 1024 * 1024, 2);
        var crashed = Fragmented(100, "lost", value);
        // Records after the new EpochStart are the new writer's, with its epoch (an older one's would be fenced).
        var failed = Fragmented(110, "failed", value, epoch: 2);
        var epochStart = new JournalRecord { Kind = JournalRecordKind.EpochStart, TransactionId = Guid.NewGuid(), Epoch = 2 };
        var after = Commit(120, ("after", "a")) with { Epoch = 2 };

        await using var withLeftovers = await StartAsync(configure: RoomForLargeValues);
        // A writer that crashed after fragment 1 of n, a new epoch, one whose append failed after two fragments.
        await withLeftovers.AppendAllAndWaitAsync(crashed[0], epochStart, failed[0], failed[1], after, Heartbeat(200) with { Epoch = 2 });
        await using var clean = await StartAsync(configure: RoomForLargeValues);
        await clean.AppendAllAndWaitAsync(epochStart, after, Heartbeat(200) with { Epoch = 2 });

        Assert.Null(withLeftovers.Node.FailureReason);
        Assert.Null(await withLeftovers.GetAsync("lost", 200));
        Assert.Null(await withLeftovers.GetAsync("failed", 200));
        Assert.Null(await withLeftovers.GetAsync("failed-small", 200));
        Assert.Equal("a", await withLeftovers.GetAsync("after", 200));
        Assert.Equal(clean.Node.ComputeStateDigest(Ts(200)), withLeftovers.Node.ComputeStateDigest(Ts(200)));
    }

    [Fact]
    public async Task A_final_record_whose_fragments_are_missing_stops_the_replica()
    {
        var records = Fragmented(100, "big", Filled(2 * 1024 * 1024, 3));
        await using var harness = await StartAsync(configure: RoomForLargeValues);
        await harness.AppendAsync(records[0]);
        var end = await harness.AppendAsync(records[^1]);

        var exception = await Assert.ThrowsAsync<StorageUnavailableException>(
            () => harness.Node.WaitForOffsetAsync(end, CancellationToken.None).WaitAsync(TestTimeout));
        Assert.Contains("part of a committed transaction is missing", exception.Message);
    }

    [Fact]
    public async Task The_default_options_hold_a_value_as_large_as_a_transaction_may_write()
    {
        var directory = Path.Combine(Path.GetTempPath(), "log-storage-tests-" + Guid.NewGuid().ToString("N"));
        var journal = new Log.Journal.Client.MemoryJournal();
        var node = new StorageNode(new StorageNodeOptions { DataDirectory = directory }, journal);
        try
        {
            await node.StartAsync(CancellationToken.None);
            var value = Filled(10 * 1024 * 1024 - 64, 4);
            long end = 0;
            foreach (var record in Fragmented(100, "huge", value).Append(Heartbeat(200)))
            {
                end = await journal.AppendAsync(0, record, CancellationToken.None) + 1;
            }
            await node.WaitForOffsetAsync(end, CancellationToken.None).WaitAsync(TestTimeout);

            Assert.Equal(value, await node.GetAsync(Bytes("huge"), ReadPoint.Unfenced(Ts(150)), CancellationToken.None));
        }
        finally
        {
            await node.DisposeAsync();
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }
}
