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

    /// <summary>A visiting scan hands over the pairs a copying scan returns (in place, from FASTER's log page, for heads
    /// in memory and visible), pages by its last key, and stops where its visitor says.</summary>
    [Fact]
    public async Task VisitingScansSeeWhatCopyingScansSee()
    {
        await using var harness = await StorageNodeHarness.StartAsync();
        var random = new Random(5);
        var keys = Enumerable.Range(0, 400).Select(index => $"key{index:D4}").ToArray();
        var records = new List<Log.Journal.Records.JournalRecord>();
        for (ulong timestamp = 10; timestamp <= 200; timestamp += 10)
        {
            var writes = keys.Where(_ => random.Next(3) == 0)
                .Select(key => (key, random.Next(5) == 0 ? null : $"{key}@{timestamp}"))
                .ToArray();
            records.Add(Commit(timestamp, writes));
        }
        await harness.AppendAllAndWaitAsync([.. records, Heartbeat(300)]);

        for (ulong timestamp = 5; timestamp <= 300; timestamp += 25)
        {
            var at = ReadPoint.Unfenced(Ts(timestamp));
            var expected = (await harness.Node.ScanAsync(Bytes("key"), Bytes("kez"), at, keys.Length, CancellationToken.None))
                .Select(pair => (Text(pair.Key)!, Text(pair.Value)!)).ToList();

            // Pages of 7 pairs, each starting after the last key of the one before.
            var visitor = new CollectingVisitor(stopAfter: int.MaxValue);
            var from = Bytes("key");
            while (true)
            {
                var visited = await harness.Node.VisitAsync(from, Bytes("kez"), at, 7, visitor, CancellationToken.None);
                Assert.False(visited.Stopped);
                if (visited.Count > 0) Assert.Equal(visitor.Pairs[^1].Key, Text(visited.LastKey));
                if (visited.Count < 7) break;
                from = [.. visited.LastKey!, 0];
            }
            Assert.Equal(expected, visitor.Pairs.Select(pair => (pair.Key, pair.Value)).ToList());

            var stopping = new CollectingVisitor(stopAfter: 3);
            var stopped = await harness.Node.VisitAsync(Bytes("key"), Bytes("kez"), at, keys.Length, stopping, CancellationToken.None);
            Assert.Equal(Math.Min(3, expected.Count), stopped.Count);
            Assert.Equal(expected.Count >= 3, stopped.Stopped);
            Assert.Equal(expected.Take(3).ToList(), stopping.Pairs.Select(pair => (pair.Key, pair.Value)).ToList());
        }
    }

    private sealed class CollectingVisitor(int stopAfter) : IKeyValueVisitor
    {
        public List<(string Key, string Value)> Pairs { get; } = [];

        public bool Visit(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
        {
            Pairs.Add((System.Text.Encoding.UTF8.GetString(key), System.Text.Encoding.UTF8.GetString(value)));
            return Pairs.Count < stopAfter;
        }
    }
}
