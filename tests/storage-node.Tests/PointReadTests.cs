using static Log.StorageNode.Tests.ColdReadTests;
using static Log.StorageNode.Tests.StorageNodeHarness;

namespace Log.StorageNode.Tests;

/// <summary>Batches of point reads (<see cref="StorageNode.GetManyAsync"/>, a key lookup join's batch) of records that
/// have left FASTER's in-memory log are read in bulk, and give what a node holding everything in memory and a model
/// give, at every snapshot, before and after a restart.</summary>
public sealed class PointReadTests
{
    [Fact]
    public async Task BatchesOfPointReadsOfColdRecordsGiveWhatTheModelHoldsAtEverySnapshot()
    {
        const int rows = 12_000;
        await using var cold = await StartAsync(configure: options => options with { LogMemorySizeBytes = 2L << 20 });
        await using var warm = await StartAsync(configure: options => options with { LogMemorySizeBytes = 128L << 20 });
        var snapshots = await WriteSeededRoundsAsync(rows, rounds: 3, new Random(41), cold, warm);

        var reads = 0;
        var (bulkBefore, _) = cold.Node.ColdHeadReads;
        await CheckAsync(cold.Node, warm.Node);
        // The cold node read many head records of the batches from disk in bulk (a quarter of the reads at least: with
        // 2 MiB of log in memory most records are on disk), the warm one none from disk.
        var (bulkAfter, _) = cold.Node.ColdHeadReads;
        Assert.True(bulkAfter - bulkBefore > reads / 4, $"{bulkAfter - bulkBefore} head records of {reads} read in bulk");
        Assert.Equal((0L, 0L), warm.Node.ColdHeadReads);
        await using var restarted = await cold.RestartAsync();
        await restarted.Node.WaitForOffsetAsync(restarted.MemoryJournal.EndOffset(0), CancellationToken.None).WaitAsync(TestTimeout);
        await CheckAsync(restarted.Node, warm.Node);

        async Task CheckAsync(StorageNode node, StorageNode reference)
        {
            var draws = new Random(7);
            foreach (var (timestamp, visible) in snapshots)
            {
                var model = visible.ToDictionary(pair => pair.Key, pair => pair.Value);
                var at = ReadPoint.Unfenced(Ts(timestamp));
                for (var batch = 0; batch < 8; batch++)
                {
                    // Random rows in random order, some twice, some never written (beyond the last row).
                    var batchRows = Enumerable.Range(0, 512).Select(_ => draws.Next(rows + rows / 20)).ToList();
                    batchRows.AddRange(batchRows.Take(20));
                    var keys = batchRows.Select(Key).ToList();
                    reads += keys.Count;
                    var expected = keys.Select(key => model.GetValueOrDefault(Convert.ToHexString(key))).ToList();
                    Assert.Equal(expected, (await node.GetManyAsync(keys, at, CancellationToken.None)).Select(Text).ToList());
                    Assert.Equal(expected, (await reference.GetManyAsync(keys, at, CancellationToken.None)).Select(Text).ToList());
                }
            }
        }
    }

    [Fact]
    public async Task ABatchOfNoKeysAndAStoreOfNoKeysReadNothing()
    {
        await using var harness = await StartAsync();
        await harness.AppendAllAndWaitAsync(Heartbeat(20));
        var at = ReadPoint.Unfenced(Ts(15));
        Assert.Empty(await harness.Node.GetManyAsync([], at, CancellationToken.None));
        Assert.Equal([null, null], await harness.Node.GetManyAsync([Key(1), Key(2)], at, CancellationToken.None));
    }
}
