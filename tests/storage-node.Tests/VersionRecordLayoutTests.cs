using Log.Journal.Client;
using Log.Journal.Records;
using Log.Journal.Time;
using static Log.StorageNode.Tests.StorageNodeHarness;

namespace Log.StorageNode.Tests;

/// <summary>The record format: a key's newest version lives only in its head record, a version record is written when
/// its version is superseded, every older version stays reachable by the walk back, and re-applying any part of the
/// journal (a replay after a checkpoint) writes nothing twice and breaks no chain.</summary>
public sealed class VersionRecordLayoutTests : IDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), "log-version-layout-tests-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private VersionStore OpenStore() => new(directory, new StorageNodeOptions
    {
        DataDirectory = directory,
        HashIndexBucketCount = 1 << 10,
        LogMemorySizeBytes = 4L << 20,
        LogPageSizeBytes = 1L << 20,
        LogSegmentSizeBytes = 1L << 24,
    });

    private static string? Visible(VersionStore store, string key, ulong timestamp) =>
        store.ReadVisible(Bytes(key), timestamp) is { Found: true, Value: var value } ? Text(value) ?? "(tombstone)" : null;

    [Fact]
    public void A_new_key_writes_one_record_and_each_update_adds_the_version_record_of_the_one_it_supersedes()
    {
        const int keyCount = 50;
        using var store = OpenStore();
        var emptyTail = store.TailAddress;
        for (var index = 0; index < keyCount; index++)
        {
            Assert.Equal(ApplyOutcome.NewKey, store.Apply(Bytes($"k{index:D3}"), 10, Bytes($"first-{index:D3}")));
        }
        Assert.Equal(new LogRecordCounts(keyCount, 0), store.CountLiveRecords());
        var insertBytes = store.TailAddress - emptyTail;

        var insertedTail = store.TailAddress;
        for (var index = 0; index < keyCount; index++)
        {
            Assert.Equal(ApplyOutcome.NewVersion, store.Apply(Bytes($"k{index:D3}"), 20, Bytes($"other-{index:D3}")));
        }
        // Every update: the superseded version's record, then the new head (the old head record is now garbage). The
        // values are as long as the first ones, so an update appends about twice what an insert did (a version record's
        // key is 8 bytes longer than a head's); with a version record beside every head the two were the same.
        Assert.Equal(new LogRecordCounts(keyCount, keyCount), store.CountLiveRecords());
        var updateBytes = store.TailAddress - insertedTail;
        Assert.True(updateBytes >= 2 * insertBytes && updateBytes < 3 * insertBytes, $"inserts appended {insertBytes} bytes, updates {updateBytes}");

        // A delete is a version too: a tombstone head, and the version it supersedes moves to its record.
        for (var index = 0; index < keyCount; index += 2)
        {
            Assert.Equal(ApplyOutcome.NewVersion, store.Apply(Bytes($"k{index:D3}"), 30, null));
        }
        Assert.Equal(new LogRecordCounts(keyCount, keyCount + keyCount / 2), store.CountLiveRecords());
        for (var index = 0; index < keyCount; index++)
        {
            var key = $"k{index:D3}";
            Assert.Null(Visible(store, key, 9));
            Assert.Equal($"first-{index:D3}", Visible(store, key, 10));
            Assert.Equal($"first-{index:D3}", Visible(store, key, 19));
            Assert.Equal($"other-{index:D3}", Visible(store, key, 29));
            Assert.Equal(index % 2 == 0 ? "(tombstone)" : $"other-{index:D3}", Visible(store, key, 30));
        }
        // A key that is deleted before it ever had a value: its tombstone head alone.
        Assert.Equal(ApplyOutcome.NewKey, store.Apply(Bytes("never"), 40, null));
        Assert.Equal(new LogRecordCounts(keyCount + 1, keyCount + keyCount / 2), store.CountLiveRecords());
        Assert.Equal("(tombstone)", Visible(store, "never", 40));
        Assert.Null(Visible(store, "never", 39));
    }

    [Fact]
    public void A_long_chain_reads_every_version_and_reapplying_any_of_it_changes_nothing()
    {
        var random = new Random(20261206);
        using var store = OpenStore();
        // key -> (commit ts, value or null for a tombstone), in commit order.
        var history = new Dictionary<string, List<(ulong Timestamp, string? Value)>>();
        var written = new List<(string Key, ulong Timestamp, string? Value)>();
        for (ulong timestamp = 1; timestamp <= 600; timestamp++)
        {
            var key = $"key-{random.Next(12):D2}";
            var value = random.Next(5) == 0 ? null : $"v{timestamp}-{new string('x', random.Next(300))}";
            var outcome = store.Apply(Bytes(key), timestamp, value is null ? null : Bytes(value));
            Assert.Equal(history.ContainsKey(key) ? ApplyOutcome.NewVersion : ApplyOutcome.NewKey, outcome);
            if (!history.TryGetValue(key, out var versions))
            {
                history[key] = versions = [];
            }
            versions.Add((timestamp, value));
            written.Add((key, timestamp, value));
        }
        // One head per key, one version record per version below it.
        Assert.Equal(new LogRecordCounts(history.Count, written.Count - history.Count), store.CountLiveRecords());
        var tailBefore = store.TailAddress;

        // A replay re-applies versions that are heads and versions that are version records, in order and not: each is
        // skipped, and nothing is written.
        foreach (var (key, timestamp, value) in written.Concat(Enumerable.Reverse(written)).Concat(written.OrderBy(_ => random.Next())))
        {
            Assert.Equal(ApplyOutcome.Skipped, store.Apply(Bytes(key), timestamp, value is null ? null : Bytes(value)));
        }
        Assert.Equal(tailBefore, store.TailAddress);
        Assert.Equal(new LogRecordCounts(history.Count, written.Count - history.Count), store.CountLiveRecords());

        foreach (var (key, versions) in history)
        {
            Assert.Null(Visible(store, key, versions[0].Timestamp - 1));
            for (var index = 0; index < versions.Count; index++)
            {
                var until = index + 1 < versions.Count ? versions[index + 1].Timestamp - 1 : 1_000;
                foreach (var at in new[] { versions[index].Timestamp, until })
                {
                    Assert.Equal(versions[index].Value ?? "(tombstone)", Visible(store, key, at));
                }
            }
        }
    }

    [Fact]
    public async Task Collection_leaves_one_head_per_key_and_the_version_records_above_the_horizon()
    {
        const long startMilliseconds = 1_700_000_000_000;
        static HybridTimestamp At(long number) => HybridTimestamp.From(startMilliseconds + number * 100, 0);
        await using var harness = await StorageNodeHarness.StartAsync(configure: options => options with
        {
            SnapshotRetention = TimeSpan.FromSeconds(10),
            GarbageCollectionInterval = TimeSpan.FromHours(1),
            CheckpointsEnabled = false,
        });
        // Five keys, each written at commits 1..300 in turn (60 versions each; key 4 deleted at every tenth write of it).
        var newest = new Dictionary<string, (long Number, string? Value)>();
        for (long number = 1; number <= 300; number++)
        {
            var key = $"key-{number % 5}";
            string? value = number % 5 == 4 && number % 50 == 49 ? null : $"value-{number}";
            await harness.AppendAsync(JournalRecord.ForCommit(Guid.NewGuid(), new HybridTimestamp(At(number).Value - 1), At(number), 0, 1,
                [new JournalWrite(Bytes(key), value is null ? null : Bytes(value))]));
            await harness.AppendAsync(JournalRecord.ForHeartbeat(At(number), 0, 1));
            newest[key] = (number, value);
        }
        await harness.Node.WaitForOffsetAsync(harness.MemoryJournal.EndOffset(0), CancellationToken.None).WaitAsync(TestTimeout);
        Assert.Equal(new LogRecordCounts(5, 295), harness.Node.CountLiveRecords().Live);
        var horizon = harness.Node.TrimHorizon; // commit 200's time: 100 commits (20 per key) above it
        Assert.Equal(At(200), horizon);
        var timestamps = Enumerable.Range(200, 101).Select(number => At(number)).ToList();
        var digests = timestamps.Select(harness.Node.ComputeStateDigest).ToList();

        var collection = await harness.Node.CollectGarbageAsync(force: false, CancellationToken.None);

        Assert.NotNull(collection);
        // Per key: 20 versions above the horizon, of which the newest is the head; the newest at or below it (commit
        // 196..200) stays as a version record; the 39 older ones go.
        Assert.Equal(5 * 39, collection.VersionsRemoved);
        Assert.Equal(new LogRecordCounts(5, 5 * 20), harness.Node.CountLiveRecords().Live);
        Assert.Equal(digests, timestamps.Select(harness.Node.ComputeStateDigest).ToList());
        foreach (var (key, (number, value)) in newest)
        {
            Assert.Equal(value, await harness.GetAsync(key, At(number).Value));
        }

        // Once the horizon passes every commit, a key keeps its head alone, a deleted key too (its tombstone).
        await harness.AppendAsync(JournalRecord.ForHeartbeat(HybridTimestamp.From(startMilliseconds + 300 * 100 + 11_000, 0), 0, 1));
        await harness.Node.WaitForOffsetAsync(harness.MemoryJournal.EndOffset(0), CancellationToken.None).WaitAsync(TestTimeout);
        Assert.Equal(5 * 20, (await harness.Node.CollectGarbageAsync(force: false, CancellationToken.None))!.VersionsRemoved);
        Assert.Equal(new LogRecordCounts(5, 0), harness.Node.CountLiveRecords().Live);
        var now = harness.Node.ResolvedTimestamp.Value;
        foreach (var (key, (_, value)) in newest)
        {
            Assert.Equal(value, await harness.GetAsync(key, now));
        }
        // A key whose chain was collected takes new versions as before.
        await harness.AppendAsync(JournalRecord.ForCommit(Guid.NewGuid(), new HybridTimestamp(now), new HybridTimestamp(now + 1), 0, 1,
            [new JournalWrite(Bytes("key-1"), Bytes("after"))]));
        await harness.AppendAsync(JournalRecord.ForHeartbeat(new HybridTimestamp(now + 1), 0, 1));
        await harness.Node.WaitForOffsetAsync(harness.MemoryJournal.EndOffset(0), CancellationToken.None).WaitAsync(TestTimeout);
        Assert.Equal("after", await harness.GetAsync("key-1", now + 1));
        Assert.Equal(newest["key-1"].Value, await harness.GetAsync("key-1", now));
        Assert.Equal(new LogRecordCounts(5, 1), harness.Node.CountLiveRecords().Live);
    }

    [Fact]
    public async Task A_replay_from_inside_a_checkpoint_taken_mid_chain_rewrites_nothing_and_gives_the_same_state()
    {
        var random = new Random(8);
        var harness = await StorageNodeHarness.StartAsync(configure: CheckpointTests.Manual);
        try
        {
            // Updates and deletes over few keys, so that every key has a chain across the checkpoint.
            ulong timestamp = 0;
            async Task AppendAsync(int count)
            {
                for (var index = 0; index < count; index++)
                {
                    timestamp += 2;
                    var writes = Enumerable.Range(0, random.Next(1, 4))
                        .Select(_ => new JournalWrite(Bytes($"key-{random.Next(8)}"), random.Next(5) == 0 ? null : Bytes($"value-{timestamp}-{random.Next()}")))
                        .ToList();
                    await harness.AppendAsync(JournalRecord.ForCommit(Guid.NewGuid(), Ts(timestamp - 1), Ts(timestamp), 0, 1, writes));
                }
                await harness.AppendAsync(Heartbeat(timestamp));
                await harness.Node.WaitForOffsetAsync(harness.MemoryJournal.EndOffset(0), CancellationToken.None).WaitAsync(TestTimeout);
            }
            await AppendAsync(200);
            var checkpoint = await harness.Node.CheckpointAsync(CancellationToken.None);
            Assert.NotNull(checkpoint);
            var (live, tail) = harness.Node.CountLiveRecords();

            // Make the checkpoint say it covers only the first 50 records: a recovery from it replays 151 commits whose
            // versions are all in the store already, as heads or as version records.
            var path = StorageNode.ListManifests(Path.Combine(harness.Directory, "storage"))[0];
            var manifest = CheckpointManifest.Decode(await File.ReadAllBytesAsync(path), out var problem);
            Assert.True(manifest is not null, problem);
            Assert.Equal(201, manifest.NextOffset);
            var rewound = manifest with
            {
                NextOffset = 50,
                Partitions = [manifest.Positions[0] with { NextOffset = 50 }],
            };
            await File.WriteAllBytesAsync(path, rewound.Encode());

            harness = await harness.RestartAsync(CheckpointTests.Manual);
            Assert.Equal(checkpoint.Sequence, harness.Node.NewestCheckpoint?.Sequence);
            await harness.Node.WaitForOffsetAsync(harness.MemoryJournal.EndOffset(0), CancellationToken.None).WaitAsync(TestTimeout);
            // Nothing appended: every replayed version was found as the key's head or below it.
            Assert.Equal(rewound.LogFinalAddress, tail);
            Assert.Equal((live, tail), harness.Node.CountLiveRecords());

            // Then more of the chains, and every state at every timestamp is the one a full replay gives.
            await AppendAsync(100);
            await using var reference = await StorageNodeHarness.StartAsync(harness.Journal, options => options with { CheckpointsEnabled = false });
            await reference.Node.WaitForOffsetAsync(harness.MemoryJournal.EndOffset(0), CancellationToken.None).WaitAsync(TestTimeout);
            for (ulong at = 1; at <= timestamp; at += 3)
            {
                Assert.Equal(reference.Node.ComputeStateDigest(Ts(at)), harness.Node.ComputeStateDigest(Ts(at)));
            }
            Assert.Equal(reference.Node.CountLiveRecords().Live, harness.Node.CountLiveRecords().Live);
        }
        finally
        {
            await harness.DisposeAsync();
        }
    }
}
