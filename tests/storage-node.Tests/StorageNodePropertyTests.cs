using Log.Journal.Records;
using static Log.StorageNode.Tests.StorageNodeHarness;

namespace Log.StorageNode.Tests;

/// <summary>Random journals checked against a plain reference model: key -> list of (commit ts, value or null).</summary>
public sealed class StorageNodePropertyTests
{
    private static readonly byte[] KeyAlphabet = [0x00, 0x01, 0x7F, 0x80, 0xFE, 0xFF];

    private sealed class ReferenceModel
    {
        public readonly SortedDictionary<byte[], List<(ulong Timestamp, byte[]? Value)>> Versions = new(KeyComparer.Instance);

        public void Apply(ulong timestamp, IReadOnlyList<JournalWrite> writes)
        {
            foreach (var write in writes)
            {
                if (!Versions.TryGetValue(write.Key, out var list))
                {
                    Versions[write.Key] = list = [];
                }
                if (list.Count > 0 && list[^1].Timestamp == timestamp)
                {
                    list[^1] = (timestamp, write.Value);
                }
                else
                {
                    list.Add((timestamp, write.Value));
                }
            }
        }

        public byte[]? Get(byte[] key, ulong timestamp)
        {
            if (!Versions.TryGetValue(key, out var list))
            {
                return null;
            }
            byte[]? visible = null;
            foreach (var (versionTimestamp, value) in list)
            {
                if (versionTimestamp <= timestamp)
                {
                    visible = value;
                }
            }
            return visible;
        }

        public List<KeyValue> Scan(byte[] start, byte[]? end, ulong timestamp, int limit) =>
            Versions.Keys
                .Where(key => KeyComparer.Instance.Compare(key, start) >= 0
                    && (end is null || KeyComparer.Instance.Compare(key, end) < 0))
                .Select(key => (Key: key, Value: Get(key, timestamp)))
                .Where(pair => pair.Value is not null)
                .Take(limit)
                .Select(pair => new KeyValue(pair.Key, pair.Value!))
                .ToList();
    }

    private static byte[] RandomKey(Random random)
    {
        var key = new byte[random.Next(1, 4)];
        for (var index = 0; index < key.Length; index++)
        {
            key[index] = KeyAlphabet[random.Next(KeyAlphabet.Length)];
        }
        return key;
    }

    private static (List<JournalRecord> Records, ReferenceModel Model, ulong LastTimestamp) Generate(int seed, int commitCount)
    {
        var random = new Random(seed);
        var model = new ReferenceModel();
        var records = new List<JournalRecord>();
        ulong timestamp = 0;
        for (var commit = 0; commit < commitCount; commit++)
        {
            timestamp += (ulong)random.Next(1, 4);
            var writes = new List<JournalWrite>();
            for (var write = random.Next(1, 5); write > 0; write--)
            {
                var value = random.Next(4) == 0 ? null : BitConverter.GetBytes(random.Next()).AsSpan(0, random.Next(0, 5)).ToArray();
                writes.Add(new JournalWrite(RandomKey(random), value));
            }
            var record = JournalRecord.ForCommit(Guid.NewGuid(), new(timestamp - 1), new(timestamp), 0, 1, writes);
            model.Apply(timestamp, writes);
            records.Add(record);
            if (random.Next(10) == 0)
            {
                records.Add(Heartbeat(timestamp + 1));
            }
            if (random.Next(15) == 0)
            {
                // A redelivered earlier commit: must change nothing.
                records.Add(records[random.Next(records.Count)]);
            }
        }
        records.Add(Heartbeat(timestamp + 10));
        return (records, model, timestamp + 10);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task ReadsMatchTheReferenceModelWhileRecordsAreApplied(int seed)
    {
        var (records, model, lastTimestamp) = Generate(seed, commitCount: 400);
        await using var harness = await StorageNodeHarness.StartAsync(configure: options => options with { ScanBatchKeyCount = 8 });
        var keys = model.Versions.Keys.ToList();
        keys.Add([0x42]); // never written

        // Readers run while the journal is appended and applied: any timestamp at or below the
        // resolved one must already read exactly like the model's complete history.
        using var stop = new CancellationTokenSource();
        var readers = Enumerable.Range(0, 2).Select(reader => Task.Run(async () =>
        {
            var random = new Random(seed * 100 + reader);
            var checkedReads = 0;
            while (!stop.IsCancellationRequested || checkedReads == 0)
            {
                var timestamp = (ulong)random.NextInt64(0, (long)harness.Node.ResolvedTimestamp.Value + 1);
                var key = keys[random.Next(keys.Count)];
                var actual = await harness.Node.GetAsync(key, ReadPoint.Unfenced(Ts(timestamp)), CancellationToken.None);
                Assert.Equal(model.Get(key, timestamp), actual);
                checkedReads++;
            }
            return checkedReads;
        })).ToList();

        foreach (var record in records)
        {
            await harness.MemoryJournal.AppendAsync(0, record, CancellationToken.None);
        }
        await harness.Node.WaitForOffsetAsync(records.Count, CancellationToken.None).WaitAsync(TestTimeout);
        await stop.CancelAsync();
        foreach (var reader in readers)
        {
            Assert.True(await reader.WaitAsync(TestTimeout) > 0);
        }

        var check = new Random(seed);
        for (var round = 0; round < 200; round++)
        {
            var timestamp = (ulong)check.NextInt64(0, (long)lastTimestamp + 1);
            var key = keys[check.Next(keys.Count)];
            Assert.Equal(model.Get(key, timestamp), await harness.Node.GetAsync(key, ReadPoint.Unfenced(Ts(timestamp)), CancellationToken.None));

            var start = check.Next(5) == 0 ? [] : RandomKey(check);
            var end = check.Next(3) == 0 ? null : RandomKey(check);
            var limit = check.Next(0, 40);
            var expected = model.Scan(start, end, timestamp, limit);
            var actual = await harness.Node.ScanAsync(start, end, ReadPoint.Unfenced(Ts(timestamp)), limit, CancellationToken.None);
            Assert.Equal(expected.Select(Describe), actual.Select(Describe));

            // Backwards: the same range from its end, a page of 8 keys at a time inside the node.
            var backward = model.Scan(start, end, timestamp, int.MaxValue).AsEnumerable().Reverse().Take(limit);
            var actualBackward = await harness.Node.ScanBackwardAsync(start, end, ReadPoint.Unfenced(Ts(timestamp)), limit, CancellationToken.None);
            Assert.Equal(backward.Select(Describe), actualBackward.Select(Describe));
        }
    }

    private static string Describe(KeyValue pair) => $"{Convert.ToHexString(pair.Key)}={Convert.ToHexString(pair.Value)}";
}
