using Log.Journal.Records;
using static Log.StorageNode.Tests.StorageNodeHarness;

namespace Log.StorageNode.Tests;

/// <summary>Batches of point reads (<see cref="StorageNode.GetManyAsync"/>, a key lookup join's batch) over records that
/// have left FASTER's in-memory log: the head records on disk are read in bulk, and every read gives what a reference
/// model holds, at every snapshot, beside a node that keeps everything in memory, before and after a restart.</summary>
public sealed class PointReadTests
{
    [Fact]
    public async Task BatchesOfPointReadsOfColdRecordsGiveWhatTheModelHoldsAtEverySnapshot()
    {
        const int rows = 12_000;
        const int rounds = 3;
        var random = new Random(41);
        await using var cold = await StartAsync(configure: options => options with { LogMemorySizeBytes = 2L << 20 });
        await using var warm = await StartAsync(configure: options => options with { LogMemorySizeBytes = 128L << 20 });
        var model = new Dictionary<int, string>();
        var snapshots = new List<(ulong Timestamp, Dictionary<int, string> Visible)>();
        ulong commit = 10;
        for (var round = 0; round < rounds; round++)
        {
            for (var first = 0; first < rows; first += 1_000)
            {
                var writes = new List<JournalWrite>();
                for (var row = first; row < first + 1_000; row++)
                {
                    // Everything at first, then about a third of the rows changed and a tenth deleted each round; some
                    // rows too large for a bulk read (3,000 bytes).
                    var draw = random.Next(30);
                    if (round > 0 && draw >= 10)
                    {
                        continue;
                    }
                    if (round > 0 && draw < 3)
                    {
                        model.Remove(row);
                        writes.Add(new JournalWrite(Key(row), null));
                        continue;
                    }
                    var value = $"{round}:{row}:" + new string((char)('a' + random.Next(26)), random.Next(50) == 0 ? 3_000 : random.Next(1, 120));
                    model[row] = value;
                    writes.Add(new JournalWrite(Key(row), Bytes(value)));
                }
                await cold.AppendCommitAsync(commit, commit + 1, writes);
                await warm.AppendCommitAsync(commit, commit + 1, writes);
                commit += 10;
            }
            snapshots.Add((commit - 9, new Dictionary<int, string>(model)));
        }
        await cold.AppendAllAndWaitAsync(Heartbeat(commit + 5));
        await warm.AppendAllAndWaitAsync(Heartbeat(commit + 5));

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
                var at = ReadPoint.Unfenced(Ts(timestamp));
                for (var batch = 0; batch < 8; batch++)
                {
                    // Random rows in random order, some twice, some never written (beyond the last row).
                    var batchRows = Enumerable.Range(0, 512).Select(_ => draws.Next(rows + rows / 20)).ToList();
                    batchRows.AddRange(batchRows.Take(20));
                    var keys = batchRows.Select(Key).ToList();
                    reads += keys.Count;
                    var expected = batchRows.Select(row => visible.GetValueOrDefault(row)).ToList();
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

    private static byte[] Key(int row) => [0x05, 0x01, (byte)(row >> 16), (byte)(row >> 8), (byte)row];
}
