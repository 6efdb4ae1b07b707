using Log.Journal.Client;
using Log.Journal.Records;
using static Log.StorageNode.Tests.StorageNodeHarness;

namespace Log.StorageNode.Tests;

/// <summary>Checkpoints: recovery gives the state a full replay gives, and a damaged checkpoint is never used.</summary>
public sealed class CheckpointTests
{
    /// <summary>Checkpoints only when a test asks (no interval, no distance, no last one at shutdown), so a restart is a crash.</summary>
    internal static StorageNodeOptions Manual(StorageNodeOptions options) => options with
    {
        CheckpointInterval = TimeSpan.FromHours(1),
        CheckpointJournalDistanceMax = long.MaxValue,
        CheckpointWriteDistanceMax = long.MaxValue,
        CheckpointOnShutdown = false,
        CheckpointLogChunkBytes = 1L << 16,
    };

    /// <summary>Appends <paramref name="count"/> commits of a seeded random workload (inserts, updates, deletes over a
    /// small key space, some transactions writing several keys) and heartbeats; returns the last commit timestamp.</summary>
    private static async Task<ulong> AppendWorkloadAsync(StorageNodeHarness harness, Random random, ulong fromTimestamp, int count)
    {
        var timestamp = fromTimestamp;
        for (var index = 0; index < count; index++)
        {
            timestamp += (ulong)random.Next(1, 4);
            var writes = new List<JournalWrite>();
            for (var write = random.Next(1, 4); write > 0; write--)
            {
                var key = Bytes($"key-{random.Next(300):D4}");
                writes.Add(new JournalWrite(key, random.Next(4) == 0 ? null : Bytes($"value-{timestamp}-{random.Next()}")));
            }
            await harness.AppendAsync(JournalRecord.ForCommit(Guid.NewGuid(), Ts(timestamp - 1), Ts(timestamp), 0, 1, writes));
            if (random.Next(5) == 0)
            {
                await harness.AppendAsync(Heartbeat(timestamp));
            }
        }
        await harness.AppendAsync(Heartbeat(timestamp));
        await harness.Node.WaitForOffsetAsync(harness.MemoryJournal.EndOffset(0), CancellationToken.None).WaitAsync(TestTimeout);
        return timestamp;
    }

    /// <summary>The digest a node that replays the whole journal from offset 0 computes at <paramref name="at"/>.</summary>
    private static async Task<byte[]> FullReplayDigestAsync(IJournalReader journal, ulong at)
    {
        await using var reference = await StorageNodeHarness.StartAsync(journal, options => options with { CheckpointsEnabled = false });
        await reference.Node.WaitForOffsetAsync(((MemoryJournal)journal).EndOffset(0), CancellationToken.None).WaitAsync(TestTimeout);
        return reference.Node.ComputeStateDigest(Ts(at));
    }

    [Fact]
    public async Task RecoveryFromEachCheckpointGivesTheStateOfAFullReplay()
    {
        var random = new Random(11);
        var harness = await StorageNodeHarness.StartAsync(configure: Manual);
        try
        {
            var checkpoints = new List<(StorageCheckpoint Checkpoint, ulong Timestamp)>();
            ulong timestamp = 10;
            for (var round = 0; round < 3; round++)
            {
                timestamp = await AppendWorkloadAsync(harness, random, timestamp, 150);
                var checkpoint = await harness.Node.CheckpointAsync(CancellationToken.None);
                Assert.NotNull(checkpoint);
                Assert.Equal(harness.Node.NextOffset, checkpoint.NextOffset);
                checkpoints.Add((checkpoint, timestamp));
            }
            timestamp = await AppendWorkloadAsync(harness, random, timestamp, 100);
            var liveDigest = harness.Node.ComputeStateDigest(Ts(timestamp));
            Assert.Equal(await FullReplayDigestAsync(harness.Journal, timestamp), liveDigest);
            var liveAtCheckpoints = checkpoints.Select(entry => harness.Node.ComputeStateDigest(Ts(entry.Timestamp))).ToList();

            // Two kept: the first was deleted when the third was written.
            Assert.Equal(2, StorageNode.ListManifests(Path.Combine(harness.Directory, "storage")).Count);

            // A crash (no last checkpoint): the newest is recovered, and the journal after it replayed.
            harness = await harness.RestartAsync(Manual);
            Assert.Equal(checkpoints[2].Checkpoint.Sequence, harness.Node.NewestCheckpoint?.Sequence);
            await harness.Node.WaitForOffsetAsync(harness.MemoryJournal.EndOffset(0), CancellationToken.None).WaitAsync(TestTimeout);
            Assert.Equal(liveDigest, harness.Node.ComputeStateDigest(Ts(timestamp)));
            for (var index = 0; index < checkpoints.Count; index++)
            {
                Assert.Equal(liveAtCheckpoints[index], harness.Node.ComputeStateDigest(Ts(checkpoints[index].Timestamp)));
            }

            // The older kept checkpoint, once the newest is gone, gives the same state too.
            File.Delete(StorageNode.ListManifests(Path.Combine(harness.Directory, "storage"))[0]);
            harness = await harness.RestartAsync(Manual);
            Assert.Equal(checkpoints[1].Checkpoint.Sequence, harness.Node.NewestCheckpoint?.Sequence);
            Assert.Equal(checkpoints[1].Checkpoint.NextOffset, harness.Node.NewestCheckpoint?.NextOffset);
            await harness.Node.WaitForOffsetAsync(harness.MemoryJournal.EndOffset(0), CancellationToken.None).WaitAsync(TestTimeout);
            Assert.Equal(liveDigest, harness.Node.ComputeStateDigest(Ts(timestamp)));
            Assert.Equal(liveAtCheckpoints[1], harness.Node.ComputeStateDigest(Ts(checkpoints[1].Timestamp)));

            // More writes after a recovery, another checkpoint, another crash: still the state of a full replay.
            timestamp = await AppendWorkloadAsync(harness, random, timestamp, 100);
            Assert.NotNull(await harness.Node.CheckpointAsync(CancellationToken.None));
            timestamp = await AppendWorkloadAsync(harness, random, timestamp, 50);
            harness = await harness.RestartAsync(Manual);
            await harness.Node.WaitForOffsetAsync(harness.MemoryJournal.EndOffset(0), CancellationToken.None).WaitAsync(TestTimeout);
            Assert.Equal(await FullReplayDigestAsync(harness.Journal, timestamp), harness.Node.ComputeStateDigest(Ts(timestamp)));
        }
        finally
        {
            await harness.DisposeAsync();
        }
    }

    [Fact]
    public async Task ACleanStopTakesALastCheckpointAndTheNextStartReplaysNothing()
    {
        var harness = await StorageNodeHarness.StartAsync();
        try
        {
            var timestamp = await AppendWorkloadAsync(harness, new Random(5), 10, 200);
            var digest = harness.Node.ComputeStateDigest(Ts(timestamp));
            var end = harness.Node.NextOffset;
            harness = await harness.RestartAsync();
            Assert.Equal(end, harness.Node.NewestCheckpoint?.NextOffset);
            Assert.Equal(end, harness.Node.NextOffset);
            Assert.True(harness.Node.ResolvedTimestamp >= Ts(timestamp));
            Assert.Equal(digest, harness.Node.ComputeStateDigest(Ts(timestamp)));
            Assert.Equal(await harness.GetAsync("key-0001", timestamp),
                Text((await harness.Node.ScanAsync(Bytes("key-0001"), Bytes("key-0002"), ReadPoint.Unfenced(Ts(timestamp)), 1, CancellationToken.None))
                    .SingleOrDefault().Value));
        }
        finally
        {
            await harness.DisposeAsync();
        }
    }

    [Fact]
    public async Task TheJournalDistanceTriggersACheckpoint()
    {
        await using var harness = await StorageNodeHarness.StartAsync(configure: options => options with { CheckpointJournalDistanceMax = 50 });
        await AppendWorkloadAsync(harness, new Random(3), 10, 120);
        var deadline = DateTime.UtcNow + TestTimeout;
        while (harness.Node.NewestCheckpoint is null && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }
        Assert.NotNull(harness.Node.NewestCheckpoint);
        Assert.True(harness.Node.NewestCheckpoint.NextOffset >= 50);
    }

    public enum Damage { Truncate, FlipByte, Delete }

    public enum FileKind { Manifest, KeyFile, IndexTable, IndexInfo, LogInfo, NewestLogPart, SharedLogPart }

    /// <summary>
    /// Damages one file of the newest of two checkpoints, then restarts: the damaged checkpoint is never used; the node
    /// recovers the older one (or replays from 0 when the damage also hits the older one's part of the log), and ends
    /// with the state of a full replay.
    /// </summary>
    [Theory]
    [InlineData(FileKind.Manifest, Damage.Truncate)]
    [InlineData(FileKind.Manifest, Damage.FlipByte)]
    [InlineData(FileKind.KeyFile, Damage.Truncate)]
    [InlineData(FileKind.KeyFile, Damage.FlipByte)]
    [InlineData(FileKind.KeyFile, Damage.Delete)]
    [InlineData(FileKind.IndexTable, Damage.Truncate)]
    [InlineData(FileKind.IndexTable, Damage.FlipByte)]
    [InlineData(FileKind.IndexInfo, Damage.FlipByte)]
    [InlineData(FileKind.IndexInfo, Damage.Delete)]
    [InlineData(FileKind.LogInfo, Damage.Truncate)]
    [InlineData(FileKind.LogInfo, Damage.FlipByte)]
    [InlineData(FileKind.NewestLogPart, Damage.FlipByte)]
    [InlineData(FileKind.NewestLogPart, Damage.Truncate)]
    [InlineData(FileKind.SharedLogPart, Damage.FlipByte)]
    public async Task ADamagedCheckpointIsNeverUsed(FileKind kind, Damage damage)
    {
        var random = new Random(7);
        var harness = await StorageNodeHarness.StartAsync(configure: Manual);
        try
        {
            var timestamp = await AppendWorkloadAsync(harness, random, 10, 150);
            var older = await harness.Node.CheckpointAsync(CancellationToken.None);
            timestamp = await AppendWorkloadAsync(harness, random, timestamp, 150);
            var newest = await harness.Node.CheckpointAsync(CancellationToken.None);
            timestamp = await AppendWorkloadAsync(harness, random, timestamp, 30);
            Assert.NotNull(older);
            Assert.NotNull(newest);
            var storage = Path.Combine(harness.Directory, "storage");
            var manifest = CheckpointManifest.Decode(File.ReadAllBytes(StorageNode.ListManifests(storage)[0]), out _)!;
            var olderManifest = CheckpointManifest.Decode(File.ReadAllBytes(StorageNode.ListManifests(storage)[1]), out _)!;
            await harness.Node.DisposeAsync();

            var (path, offset) = kind switch
            {
                FileKind.Manifest => (StorageNode.ListManifests(storage)[0], -1L),
                // A flipped byte in the key file's directory (a page's is found when the page is read: see PagedKeyFileTests).
                FileKind.KeyFile => (Path.Combine(storage, "keys", $"{newest.Token}.keys"),
                    damage == Damage.FlipByte ? new FileInfo(Path.Combine(storage, "keys", $"{newest.Token}.keys")).Length - KeyFile.FooterBytes - 1 : -1L),
                FileKind.IndexTable => (FindCheckpointFile(storage, manifest, "index-checkpoints", "ht.dat.0"), -1L),
                FileKind.IndexInfo => (FindCheckpointFile(storage, manifest, "index-checkpoints", "info.dat.0"), -1L),
                FileKind.LogInfo => (FindCheckpointFile(storage, manifest, "cpr-checkpoints", "info.dat.0"), -1L),
                // Between the older checkpoint's final address and the newest one's: only the newest covers it.
                FileKind.NewestLogPart => (LogSegment(storage), (olderManifest.LogFinalAddress + manifest.LogFinalAddress) / 2),
                // Below the older checkpoint's final address: both cover it.
                _ => (LogSegment(storage), (olderManifest.LogBeginAddress + olderManifest.LogFinalAddress) / 2),
            };
            DamageFile(path, offset, damage);

            harness = await harness.RestartAsync(Manual);
            // A checkpoint whose only damage is its key file is still used: the ordered index is rebuilt from the log.
            var expectedSequence = kind == FileKind.SharedLogPart ? (long?)null : kind == FileKind.KeyFile ? newest.Sequence : older.Sequence;
            Assert.Equal(expectedSequence, harness.Node.NewestCheckpoint?.Sequence);
            await harness.Node.WaitForOffsetAsync(harness.MemoryJournal.EndOffset(0), CancellationToken.None).WaitAsync(TestTimeout);
            Assert.Null(harness.Node.FailureReason);
            Assert.Equal(await FullReplayDigestAsync(harness.Journal, timestamp), harness.Node.ComputeStateDigest(Ts(timestamp)));
            // The damaged checkpoint is gone, and a new one can be taken and recovered.
            if (kind != FileKind.KeyFile)
            {
                Assert.DoesNotContain(StorageNode.ListManifests(storage), file => Path.GetFileName(file) == CheckpointManifest.FileNameFor(newest.Sequence)
                    && CheckpointManifest.Decode(File.ReadAllBytes(file), out _)?.Token == newest.Token);
            }
            Assert.NotNull(await harness.Node.CheckpointAsync(CancellationToken.None));
            harness = await harness.RestartAsync(Manual);
            await harness.Node.WaitForOffsetAsync(harness.MemoryJournal.EndOffset(0), CancellationToken.None).WaitAsync(TestTimeout);
            Assert.NotNull(harness.Node.NewestCheckpoint);
            Assert.Equal(await FullReplayDigestAsync(harness.Journal, timestamp), harness.Node.ComputeStateDigest(Ts(timestamp)));
        }
        finally
        {
            await harness.DisposeAsync();
        }
    }

    private static string FindCheckpointFile(string storage, CheckpointManifest manifest, string kind, string name) =>
        manifest.Files.Select(file => Path.Combine(storage, file.Path))
            .SingleOrDefault(file => file.Contains($"/{kind}/", StringComparison.Ordinal) && Path.GetFileName(file) == name)
            ?? throw new InvalidOperationException("Files: " + string.Join(", ", manifest.Files.Select(file => file.Path)));

    private static string LogSegment(string storage) => Path.Combine(storage, "log", "versions.log.0");

    internal static void DamageFile(string path, long offset, Damage damage)
    {
        Assert.True(File.Exists(path), $"{path} exists");
        switch (damage)
        {
            case Damage.Delete:
                File.Delete(path);
                break;
            case Damage.Truncate:
            {
                using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
                file.SetLength(offset >= 0 ? offset : file.Length / 2);
                break;
            }
            default:
            {
                using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
                file.Position = offset >= 0 ? offset : file.Length / 2;
                var value = file.ReadByte();
                file.Position--;
                file.WriteByte((byte)(value ^ 0x5A));
                break;
            }
        }
    }
}
