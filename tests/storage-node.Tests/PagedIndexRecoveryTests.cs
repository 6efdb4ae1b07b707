using Log.Journal.Records;
using static Log.StorageNode.Tests.StorageNodeHarness;

namespace Log.StorageNode.Tests;

/// <summary>A storage node whose ordered index lives in the pages of its key files: recovery, eviction and damage.</summary>
public sealed class PagedIndexRecoveryTests
{
    /// <summary>Manual checkpoints (<see cref="CheckpointTests.Manual"/>) and a one-byte index cache: every clean page
    /// leaves memory as soon as it may, so scans and applying read pages from the key file all the time.</summary>
    private static StorageNodeOptions TinyCache(StorageNodeOptions options) => CheckpointTests.Manual(options) with { OrderedIndexCacheBytes = 1 };

    /// <summary>Commits of a seeded workload over <paramref name="keySpace"/> keys (enough for many pages): inserts,
    /// updates and deletes, a few keys a commit; returns the last commit timestamp.</summary>
    private static async Task<ulong> AppendWorkloadAsync(StorageNodeHarness harness, Random random, ulong timestamp, int count, int keySpace = 6_000)
    {
        for (var index = 0; index < count; index++)
        {
            timestamp += (ulong)random.Next(1, 4);
            var writes = new List<JournalWrite>();
            for (var write = random.Next(1, 30); write > 0; write--)
            {
                var key = Bytes($"row-{random.Next(keySpace):D6}");
                writes.Add(new JournalWrite(key, random.Next(5) == 0 ? null : Bytes($"value-{timestamp}-{random.Next()}")));
            }
            await harness.AppendAsync(JournalRecord.ForCommit(Guid.NewGuid(), Ts(timestamp - 1), Ts(timestamp), 0, 1,
                writes.DistinctBy(write => Convert.ToHexString(write.Key)).ToList()));
        }
        await harness.AppendAsync(Heartbeat(timestamp));
        await CatchUpAsync(harness);
        return timestamp;
    }

    private static Task CatchUpAsync(StorageNodeHarness harness) =>
        harness.Node.WaitForOffsetAsync(harness.MemoryJournal.EndOffset(0), CancellationToken.None).WaitAsync(TestTimeout);

    /// <summary>A node with a one-byte index cache, 300 commits of the workload and a checkpoint of them.</summary>
    private static async Task<(StorageNodeHarness Harness, ulong Timestamp, StorageCheckpoint Checkpoint)> StartCheckpointedAsync(Random random)
    {
        var harness = await StorageNodeHarness.StartAsync(configure: TinyCache);
        var timestamp = await AppendWorkloadAsync(harness, random, 10, 300);
        var checkpoint = await harness.Node.CheckpointAsync(CancellationToken.None);
        Assert.NotNull(checkpoint);
        return (harness, timestamp, checkpoint);
    }

    private static async Task<List<string>> ScanAllAsync(StorageNodeHarness harness, ulong at) =>
        (await harness.Node.ScanAsync([], null, ReadPoint.Unfenced(Ts(at)), int.MaxValue, CancellationToken.None))
            .Select(pair => $"{Text(pair.Key)}={Text(pair.Value)}").ToList();

    [Fact]
    public async Task RecoveryFromAPagedKeyFileUnderATinyCacheGivesTheLiveState()
    {
        var random = new Random(21);
        var harness = await StorageNodeHarness.StartAsync(configure: TinyCache);
        try
        {
            var timestamp = await AppendWorkloadAsync(harness, random, 10, 400);
            var first = await harness.Node.CheckpointAsync(CancellationToken.None);
            Assert.NotNull(first);
            var firstTimestamp = timestamp;
            // After the checkpoint the index's pages are clean: they leave memory, and applying reads them back.
            timestamp = await AppendWorkloadAsync(harness, random, timestamp, 200);
            Assert.NotNull(await harness.Node.CheckpointAsync(CancellationToken.None));
            timestamp = await AppendWorkloadAsync(harness, random, timestamp, 100);
            var keyFile = Path.Combine(harness.Directory, "storage", "keys", KeyFile.FileNameFor(harness.Node.NewestCheckpoint!.Token));
            Assert.Equal("LOGKEYS2"u8.ToArray(), File.ReadAllBytes(keyFile).AsSpan(0, 8).ToArray());

            var liveDigest = harness.Node.ComputeStateDigest(Ts(timestamp));
            var liveAtFirst = harness.Node.ComputeStateDigest(Ts(firstTimestamp));
            var liveScan = await ScanAllAsync(harness, timestamp);
            Assert.True(liveScan.Count > 2_000, $"{liveScan.Count} rows");

            // A crash: the newest checkpoint's key file is read on demand by the recovered index.
            harness = await harness.RestartAsync(TinyCache);
            await CatchUpAsync(harness);
            Assert.Equal(liveDigest, harness.Node.ComputeStateDigest(Ts(timestamp)));
            Assert.Equal(liveAtFirst, harness.Node.ComputeStateDigest(Ts(firstTimestamp)));
            Assert.Equal(liveScan, await ScanAllAsync(harness, timestamp));

            // The same with the whole index in memory (an unbounded cache) reading the same files.
            harness = await harness.RestartAsync(options => CheckpointTests.Manual(options) with { OrderedIndexCacheBytes = long.MaxValue });
            await CatchUpAsync(harness);
            Assert.Equal(liveScan, await ScanAllAsync(harness, timestamp));
            Assert.Equal(liveDigest, harness.Node.ComputeStateDigest(Ts(timestamp)));
        }
        finally
        {
            await harness.DisposeAsync();
        }
    }

    [Fact]
    public async Task ACheckpointWithAFormatOneKeyFileStillRecovers()
    {
        var random = new Random(22);
        var (harness, timestamp, checkpoint) = await StartCheckpointedAsync(random);
        try
        {
            timestamp = await AppendWorkloadAsync(harness, random, timestamp, 50);
            var liveDigest = harness.Node.ComputeStateDigest(Ts(timestamp));
            await harness.Node.DisposeAsync();

            // Rewrite the checkpoint's key file as format 1 wrote it, and its manifest entry to match.
            var storage = Path.Combine(harness.Directory, "storage");
            var manifestPath = StorageNode.ListManifests(storage)[0];
            var manifest = CheckpointManifest.Decode(File.ReadAllBytes(manifestPath), out _)!;
            var relative = $"{StorageNode.KeyFolderName}/{KeyFile.FileNameFor(manifest.Token)}";
            var keyPath = Path.Combine(storage, relative);
            var keys = new List<(byte[], long)>();
            using (var paged = KeyFile.Read(keyPath, manifest.Token, out var problem, out _))
            {
                Assert.Null(problem);
                paged!.ForEach((key, address) => keys.Add((key.ToArray(), address)));
            }
            var sha = PagedKeyFileTests.WriteFormatOne(keyPath, keys);
            var files = manifest.Files.Select(file => file.Path == relative ? new FileChecksum(file.Path, new FileInfo(keyPath).Length, sha) : file).ToList();
            File.WriteAllBytes(manifestPath, (manifest with { Files = files }).Encode());

            // The checkpoint passes every check with its format 1 key file (not the rebuild from FASTER's log).
            var validated = harness.Node.ValidateCheckpoint(storage, manifestPath, out var loaded, out var validationProblem);
            Assert.Null(validationProblem);
            Assert.NotNull(validated);
            Assert.Equal(keys.Count, loaded!.Count);
            loaded.Dispose();
            harness = await harness.RestartAsync(TinyCache);
            Assert.Equal(checkpoint.Sequence, harness.Node.NewestCheckpoint?.Sequence);
            await CatchUpAsync(harness);
            Assert.Equal(liveDigest, harness.Node.ComputeStateDigest(Ts(timestamp)));

            // The next checkpoint writes pages again, and recovers from them.
            timestamp = await AppendWorkloadAsync(harness, random, timestamp, 50);
            var next = await harness.Node.CheckpointAsync(CancellationToken.None);
            Assert.NotNull(next);
            Assert.Equal("LOGKEYS2"u8.ToArray(), File.ReadAllBytes(Path.Combine(storage, StorageNode.KeyFolderName, KeyFile.FileNameFor(next.Token))).AsSpan(0, 8).ToArray());
            liveDigest = harness.Node.ComputeStateDigest(Ts(timestamp));
            harness = await harness.RestartAsync(TinyCache);
            await CatchUpAsync(harness);
            Assert.Equal(next.Sequence, harness.Node.NewestCheckpoint?.Sequence);
            Assert.Equal(liveDigest, harness.Node.ComputeStateDigest(Ts(timestamp)));
        }
        finally
        {
            await harness.DisposeAsync();
        }
    }

    [Fact]
    public async Task ACorruptPageOfTheRecoveredKeyFileIsAClearErrorWhenRead()
    {
        var random = new Random(23);
        var (harness, timestamp, checkpoint) = await StartCheckpointedAsync(random);
        try
        {
            await harness.Node.DisposeAsync();
            var keyPath = Path.Combine(harness.Directory, "storage", StorageNode.KeyFolderName, KeyFile.FileNameFor(checkpoint.Token));
            CheckpointTests.DamageFile(keyPath, 100, CheckpointTests.Damage.FlipByte);

            // Only the directory is read at start, and it is sound: the checkpoint is used.
            harness = await harness.RestartAsync(TinyCache);
            Assert.Equal(checkpoint.Sequence, harness.Node.NewestCheckpoint?.Sequence);
            // The first page is read by the first scan, and fails its checksum: an error naming the file, never a wrong answer.
            var error = await Assert.ThrowsAnyAsync<Exception>(async () => await ScanAllAsync(harness, timestamp));
            Assert.Contains("fails its checksum", error.Message);
            Assert.Contains(keyPath, error.Message);
        }
        finally
        {
            await harness.DisposeAsync();
        }
    }
}
