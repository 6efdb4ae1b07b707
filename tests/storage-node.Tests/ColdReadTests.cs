using Log.Journal.Records;
using static Log.StorageNode.Tests.StorageNodeHarness;

namespace Log.StorageNode.Tests;

/// <summary>Reads of records that have left FASTER's in-memory log (4 MiB here): scans and point reads through the
/// asynchronous path give exactly what a reference model holds, before and after a restart.</summary>
public sealed class ColdReadTests
{
    [Fact]
    public async Task ScansAndPointReadsOfRecordsOnDiskSeeEveryRow()
    {
        const int rows = 60_000;
        const int rowsPerCommit = 2_000;
        var value = new string('v', 100);
        await using var harness = await StartAsync();
        ulong commit = 10;
        for (var first = 0; first < rows; first += rowsPerCommit)
        {
            var writes = Enumerable.Range(first, rowsPerCommit).Select(row => new JournalWrite(Key(row), Bytes($"{row}-{value}"))).ToList();
            await harness.AppendCommitAsync(commit, commit + 1, writes);
            commit += 10;
        }
        // Some rows changed later, so some reads below the newest commit walk back from a newer head.
        var updated = Enumerable.Range(0, rows).Where(row => row % 97 == 0).ToList();
        var snapshot = commit;
        await harness.AppendCommitAsync(commit, commit + 1, updated.Select(row => new JournalWrite(Key(row), Bytes($"new {row}"))).ToList());
        await harness.AppendAllAndWaitAsync(Heartbeat(commit + 5));

        await CheckAsync(harness.Node);
        await using var restarted = await harness.RestartAsync();
        await restarted.Node.WaitForOffsetAsync(restarted.MemoryJournal.EndOffset(0), CancellationToken.None).WaitAsync(TestTimeout);
        await CheckAsync(restarted.Node);

        async Task CheckAsync(StorageNode node)
        {
            var at = ReadPoint.Unfenced(Ts(snapshot));
            var scanned = await node.ScanAsync([], null, at, int.MaxValue, CancellationToken.None);
            Assert.Equal(rows, scanned.Count);
            for (var row = 0; row < rows; row++)
            {
                Assert.Equal(Convert.ToHexString(Key(row)), Convert.ToHexString(scanned[row].Key));
                Assert.Equal($"{row}-{value}", Text(scanned[row].Value));
            }
            var newest = await node.ScanAsync([], null, ReadPoint.Unfenced(Ts(snapshot + 5)), int.MaxValue, CancellationToken.None);
            Assert.Equal(updated.Select(row => $"new {row}"), updated.Select(row => Text(newest[row].Value)));
            var random = new Random(5);
            for (var read = 0; read < 200; read++)
            {
                var row = random.Next(rows);
                Assert.Equal($"{row}-{value}", Text(await node.GetAsync(Key(row), at, CancellationToken.None)));
            }
        }
    }

    /// <summary>A node whose log keeps 2 MiB in memory (most records on disk) and one that keeps everything in memory
    /// apply the same seeded inserts, updates and deletes (some rows too large to be read in bulk); their scans agree
    /// with each other and with a model at every snapshot, the oldest ones included, and again after a restart.</summary>
    [Fact]
    public async Task ScansOfColdRecordsGiveWhatScansInMemoryGiveAtEverySnapshot()
    {
        const int rows = 12_000;
        await using var cold = await StartAsync(configure: options => options with { LogMemorySizeBytes = 2L << 20 });
        await using var warm = await StartAsync(configure: options => options with { LogMemorySizeBytes = 128L << 20 });
        var snapshots = await WriteSeededRoundsAsync(rows, rounds: 4, new Random(23), cold, warm);

        foreach (var (timestamp, visible) in snapshots)
        {
            var expected = visible.Select(pair => $"{pair.Key}={pair.Value}").ToList();
            Assert.Equal(expected, await ScanTextAsync(warm.Node, timestamp));
            Assert.Equal(expected, await ScanTextAsync(cold.Node, timestamp));
        }
        // Most head records came from disk in bulk; the large rows (20,000 bytes) through FASTER.
        var (inBulk, throughFaster) = cold.Node.ColdHeadReads;
        Assert.True(inBulk > 2 * rows, $"{inBulk} head records read in bulk");
        Assert.True(throughFaster > 0, "no head record read through FASTER");
        Assert.True(inBulk > 10 * throughFaster, $"{inBulk} head records read in bulk, {throughFaster} through FASTER");
        Assert.Equal((0L, 0L), warm.Node.ColdHeadReads);
        await using var restarted = await cold.RestartAsync();
        await restarted.Node.WaitForOffsetAsync(restarted.MemoryJournal.EndOffset(0), CancellationToken.None).WaitAsync(TestTimeout);
        foreach (var (timestamp, visible) in snapshots)
        {
            Assert.Equal(visible.Select(pair => $"{pair.Key}={pair.Value}").ToList(), await ScanTextAsync(restarted.Node, timestamp));
        }

        static async Task<List<string>> ScanTextAsync(StorageNode node, ulong timestamp) =>
            [.. (await node.ScanAsync([], null, ReadPoint.Unfenced(Ts(timestamp)), int.MaxValue, CancellationToken.None))
                .Select(entry => $"{Convert.ToHexString(entry.Key)}={Text(entry.Value)}")];
    }

    /// <summary>Applies the same seeded rounds of writes to every node: all <paramref name="rows"/> rows at first, then
    /// each round about a third of them changed and a tenth deleted, one row in fifty too large to be read in bulk
    /// (20,000 bytes: longer than the gap a bulk read spans between two heads, so that the next head's range never holds
    /// it whole, as it could hold a row of a few KB now that heads lie next to each other); then a heartbeat past the last commit. Returns, for each round, a timestamp that sees it and the
    /// rows visible there (hex key to value).</summary>
    internal static async Task<List<(ulong Timestamp, List<(string Key, string Value)> Visible)>> WriteSeededRoundsAsync(int rows, int rounds,
        Random random, params StorageNodeHarness[] nodes)
    {
        var model = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var snapshots = new List<(ulong Timestamp, List<(string Key, string Value)> Visible)>();
        ulong commit = 10;
        for (var round = 0; round < rounds; round++)
        {
            for (var first = 0; first < rows; first += 1_000)
            {
                var writes = new List<JournalWrite>();
                for (var row = first; row < first + 1_000; row++)
                {
                    var draw = random.Next(30);
                    if (round > 0 && draw >= 10)
                    {
                        continue;
                    }
                    var key = Convert.ToHexString(Key(row));
                    if (round > 0 && draw < 3)
                    {
                        model.Remove(key);
                        writes.Add(new JournalWrite(Key(row), null));
                        continue;
                    }
                    var value = $"{round}:{row}:" + new string((char)('a' + random.Next(26)), random.Next(50) == 0 ? 20_000 : random.Next(1, 120));
                    model[key] = value;
                    writes.Add(new JournalWrite(Key(row), Bytes(value)));
                }
                foreach (var node in nodes)
                {
                    await node.AppendCommitAsync(commit, commit + 1, writes);
                }
                commit += 10;
            }
            snapshots.Add((commit - 9, [.. model.Select(pair => (pair.Key, pair.Value))]));
        }
        foreach (var node in nodes)
        {
            await node.AppendAllAndWaitAsync(Heartbeat(commit + 5));
        }
        return snapshots;
    }

    internal static byte[] Key(int row) => [0x05, 0x01, (byte)(row >> 16), (byte)(row >> 8), (byte)row];
}
