using static Log.StorageNode.Tests.StorageNodeHarness;

namespace Log.StorageNode.Tests;

/// <summary>
/// Scans start at each key's newest head record (its address kept in the ordered index) and batch reads share one
/// read session; both are shortcuts, so a scan and a batch read at any timestamp must give what point reads give.
/// </summary>
public sealed class SnapshotScanTests
{
    [Fact]
    public async Task ScansAndBatchReadsSeeEachSnapshotAsPointReadsDo()
    {
        await using var harness = await StorageNodeHarness.StartAsync();
        var random = new Random(3);
        var keys = Enumerable.Range(0, 300).Select(index => $"key{index:D4}").ToArray();
        var records = new List<Log.Journal.Records.JournalRecord>();
        for (ulong timestamp = 10; timestamp <= 200; timestamp += 10)
        {
            var writes = keys.Where(_ => random.Next(4) == 0)
                .Select(key => (key, random.Next(5) == 0 ? null : $"{key}@{timestamp}"))
                .ToArray();
            records.Add(Commit(timestamp, writes));
        }
        await harness.AppendAllAndWaitAsync([.. records, Heartbeat(300)]);

        for (ulong timestamp = 5; timestamp <= 300; timestamp += 15)
        {
            var at = ReadPoint.Unfenced(Ts(timestamp));
            var expected = new List<(string, string)>();
            foreach (var key in keys)
            {
                if (await harness.GetAsync(key, timestamp) is { } value) expected.Add((key, value));
            }
            var scanned = await harness.Node.ScanAsync(Bytes("key"), Bytes("kez"), at, keys.Length, CancellationToken.None);
            Assert.Equal(expected, scanned.Select(pair => (Text(pair.Key)!, Text(pair.Value)!)).ToList());

            var many = await harness.Node.GetManyAsync(keys.Select(Bytes).ToList(), at, CancellationToken.None);
            Assert.Equal(expected.Count, many.Count(value => value is not null));
            for (var index = 0; index < keys.Length; index++)
            {
                Assert.Equal(await harness.GetAsync(keys[index], timestamp), Text(many[index]));
            }
        }
    }
}
