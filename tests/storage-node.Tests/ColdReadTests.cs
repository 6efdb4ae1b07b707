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

    private static byte[] Key(int row) => [0x05, 0x01, (byte)(row >> 16), (byte)(row >> 8), (byte)row];
}
