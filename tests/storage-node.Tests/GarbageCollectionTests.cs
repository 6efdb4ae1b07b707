using System.Diagnostics;
using System.Buffers.Binary;
using Log.Journal.Client;
using Log.Journal.Records;
using Log.Journal.Time;
using static Log.StorageNode.Tests.StorageNodeHarness;

namespace Log.StorageNode.Tests;

/// <summary>Version garbage collection, the snapshot horizon and log compaction: what a read at or above the horizon
/// sees never changes, a read below it is refused, and a crash in the middle of it loses nothing.</summary>
public sealed class GarbageCollectionTests
{
    /// <summary>Commits 100 ms apart in wall-clock time, so that a 10-second retention leaves most of them below the horizon.</summary>
    private const long CommitSpacingMilliseconds = 100;
    private const long StartMilliseconds = 1_700_000_000_000;
    private static readonly TimeSpan Retention = TimeSpan.FromSeconds(10);

    /// <summary>Collection and checkpoints only when a test asks; a short retention; a small log in small files.</summary>
    private static StorageNodeOptions Manual(StorageNodeOptions options) => options with
    {
        SnapshotRetention = Retention,
        GarbageCollectionInterval = TimeSpan.FromHours(1),
        GarbageCollectionBatchKeyCount = 64,
        CheckpointInterval = TimeSpan.FromHours(1),
        CheckpointJournalDistanceMax = long.MaxValue,
        CheckpointWriteDistanceMax = long.MaxValue,
        CheckpointOnShutdown = false,
        CheckpointLogChunkBytes = 1L << 16,
        LogSegmentSizeBytes = 1L << 20,
        CompactionStepBytesMax = 1L << 20,
    };

    private static StorageNodeOptions WithoutCollection(StorageNodeOptions options) => Manual(options) with
    {
        GarbageCollectionEnabled = false,
        CheckpointsEnabled = false,
    };

    private static HybridTimestamp Before(HybridTimestamp timestamp) => new(timestamp.Value - 1);

    private static HybridTimestamp At(long commitNumber) => HybridTimestamp.From(StartMilliseconds + commitNumber * CommitSpacingMilliseconds, 0);

    /// <summary>Appends commits <paramref name="from"/> .. <paramref name="from"/> + <paramref name="count"/> - 1 of a seeded
    /// random workload (inserts, updates, deletes over a small key space, several keys per transaction) with a heartbeat
    /// after each, and waits until the node applied them.</summary>
    private static async Task AppendWorkloadAsync(StorageNodeHarness harness, Random random, long from, int count, int keySpace = 200)
    {
        for (var number = from; number < from + count; number++)
        {
            var writes = new List<JournalWrite>();
            for (var write = random.Next(1, 5); write > 0; write--)
            {
                var key = Bytes($"key-{random.Next(keySpace):D4}");
                writes.Add(new JournalWrite(key, random.Next(6) == 0 ? null : Bytes($"value-{number}-{random.Next()}-{new string('x', random.Next(200))}")));
            }
            await harness.AppendAsync(JournalRecord.ForCommit(Guid.NewGuid(), Before(At(number)), At(number), 0, 1, writes));
            await harness.AppendAsync(JournalRecord.ForHeartbeat(At(number), 0, 1));
        }
        await harness.Node.WaitForOffsetAsync(harness.MemoryJournal.EndOffset(0), CancellationToken.None).WaitAsync(TestTimeout);
    }

    /// <summary>The digests a node that replays the whole journal without collecting computes at each timestamp.</summary>
    private static async Task<List<byte[]>> ReferenceDigestsAsync(IJournalReader journal, IEnumerable<HybridTimestamp> timestamps)
    {
        await using var reference = await StorageNodeHarness.StartAsync(journal, WithoutCollection);
        await reference.Node.WaitForOffsetAsync(((MemoryJournal)journal).EndOffset(0), CancellationToken.None).WaitAsync(TestTimeout);
        return timestamps.Select(reference.Node.ComputeStateDigest).ToList();
    }

    private static List<HybridTimestamp> TimestampsAtOrAboveHorizon(StorageNode node, long lastCommit)
    {
        var horizon = node.TrimHorizon;
        var timestamps = new List<HybridTimestamp> { horizon };
        for (var number = lastCommit; At(number) >= horizon; number -= 7)
        {
            timestamps.Add(At(number));
        }
        return timestamps;
    }

    [Fact]
    public async Task CollectionKeepsEveryDigestAtOrAboveTheHorizonAndRefusesReadsBelowIt()
    {
        var random = new Random(20261205);
        await using var harness = await StorageNodeHarness.StartAsync(configure: Manual);
        await AppendWorkloadAsync(harness, random, 1, 400);
        var horizon = harness.Node.TrimHorizon;
        Assert.Equal(At(400).PhysicalMilliseconds - (long)Retention.TotalMilliseconds, horizon.PhysicalMilliseconds);
        var timestamps = TimestampsAtOrAboveHorizon(harness.Node, 400);
        var before = timestamps.Select(harness.Node.ComputeStateDigest).ToList();

        var collection = await harness.Node.CollectGarbageAsync(force: false, CancellationToken.None);

        Assert.NotNull(collection);
        Assert.Equal(horizon, collection.Horizon);
        Assert.True(collection.VersionsRemoved > 100, $"only {collection.VersionsRemoved} versions removed");
        Assert.Equal(before, timestamps.Select(harness.Node.ComputeStateDigest).ToList());
        Assert.Equal(await ReferenceDigestsAsync(harness.Journal, timestamps), timestamps.Select(harness.Node.ComputeStateDigest).ToList());
        // Nothing new to collect: a second pass removes nothing (it may compact), a forced one removes nothing either.
        Assert.Equal(0, (await harness.Node.CollectGarbageAsync(force: false, CancellationToken.None))?.VersionsRemoved ?? 0);
        Assert.Equal(0, (await harness.Node.CollectGarbageAsync(force: true, CancellationToken.None))!.VersionsRemoved);

        // Below the horizon: refused, by every kind of read, never answered from newer versions.
        var tooOld = Before(horizon);
        var point = ReadPoint.Unfenced(tooOld);
        var refused = await Assert.ThrowsAsync<SnapshotTooOldException>(async () => await harness.Node.GetAsync(Bytes("key-0001"), point, CancellationToken.None));
        Assert.Equal("72000", refused.SqlState);
        Assert.Equal("snapshot too old", refused.Message);
        await Assert.ThrowsAsync<SnapshotTooOldException>(async () => await harness.Node.GetManyAsync([Bytes("key-0001")], point, CancellationToken.None));
        await Assert.ThrowsAsync<SnapshotTooOldException>(async () => await harness.Node.ScanAsync([], null, point, 10, CancellationToken.None));
        await Assert.ThrowsAsync<SnapshotTooOldException>(async () => await harness.Node.ScanBackwardAsync([], null, point, 10, CancellationToken.None));
        Assert.Throws<SnapshotTooOldException>(() => harness.Node.ComputeStateDigest(tooOld));

        // More commits move the horizon on; the next pass collects what they superseded, and a restart that recovers a
        // checkpoint taken after collecting (and replays the journal after it) gives the same digests again.
        await AppendWorkloadAsync(harness, random, 401, 200);
        Assert.True((await harness.Node.CollectGarbageAsync(force: false, CancellationToken.None))!.VersionsRemoved > 0);
        Assert.NotNull(await harness.Node.CheckpointAsync(CancellationToken.None));
        await AppendWorkloadAsync(harness, random, 601, 50);
        timestamps = TimestampsAtOrAboveHorizon(harness.Node, 650);
        var reference = await ReferenceDigestsAsync(harness.Journal, timestamps);
        Assert.Equal(reference, timestamps.Select(harness.Node.ComputeStateDigest).ToList());
        await using var restarted = await harness.RestartAsync(Manual);
        Assert.NotNull(restarted.Node.NewestCheckpoint);
        await restarted.Node.WaitForOffsetAsync(restarted.MemoryJournal.EndOffset(0), CancellationToken.None).WaitAsync(TestTimeout);
        Assert.Equal(reference, timestamps.Select(restarted.Node.ComputeStateDigest).ToList());
    }

    /// <summary>
    /// The apply loop queues each version record it writes with the commit that superseded it: a pass deletes the ones
    /// the horizon has reached without visiting a key, and a walk over every key afterwards finds nothing more to remove
    /// (the queue held all of it). With a queue too small for them, the rest is collected by walking.
    /// </summary>
    [Theory]
    [InlineData(1 << 19)]
    [InlineData(100)]
    public async Task QueuedVersionsAreCollectedWithoutAWalkAndAWalkFindsNothingLeft(int queuedVersionsMax)
    {
        var random = new Random(20261207);
        StorageNodeOptions Configure(StorageNodeOptions options) => Manual(options) with { GarbageCollectionQueuedVersionsMax = queuedVersionsMax };
        await using var harness = await StorageNodeHarness.StartAsync(configure: Configure);
        await AppendWorkloadAsync(harness, random, 1, 400);
        var timestamps = TimestampsAtOrAboveHorizon(harness.Node, 400);
        var reference = await ReferenceDigestsAsync(harness.Journal, timestamps);

        var collection = await harness.Node.CollectGarbageAsync(force: false, CancellationToken.None);

        Assert.NotNull(collection);
        Assert.True(collection.VersionsRemoved > 100, $"only {collection.VersionsRemoved} versions removed");
        // A queue with room for every supersession needs no walk; one without room walks (the journal wrote far more).
        Assert.Equal(queuedVersionsMax > 100, collection.KeysVisited == 0);
        Assert.Equal(reference, timestamps.Select(harness.Node.ComputeStateDigest).ToList());
        Assert.Equal(0, (await harness.Node.CollectGarbageAsync(force: true, CancellationToken.None))!.VersionsRemoved);
        Assert.Equal(reference, timestamps.Select(harness.Node.ComputeStateDigest).ToList());

        // The horizon moves on: the next pass takes what is newly below it, from the queue or by walking, the same way.
        await AppendWorkloadAsync(harness, random, 401, 200);
        Assert.True((await harness.Node.CollectGarbageAsync(force: false, CancellationToken.None))!.VersionsRemoved > 0);
        Assert.Equal(0, (await harness.Node.CollectGarbageAsync(force: true, CancellationToken.None))!.VersionsRemoved);
        timestamps = TimestampsAtOrAboveHorizon(harness.Node, 600);
        Assert.Equal(await ReferenceDigestsAsync(harness.Journal, timestamps), timestamps.Select(harness.Node.ComputeStateDigest).ToList());
    }

    [Fact]
    public async Task APassWalksTheKeysOnlyOnceTheHorizonReachesAVersionItCanRemove()
    {
        var random = new Random(20261206);
        // Without the apply loop's queue every pass walks the keys.
        await using var harness = await StorageNodeHarness.StartAsync(configure: options => Manual(options) with { GarbageCollectionQueuedVersionsMax = 0 });
        await AppendWorkloadAsync(harness, random, 1, 50, keySpace: 20);
        // The horizon (the resolved timestamp less the retention) is below every commit that superseded a version: no
        // version can go, and the pass does not visit a key to find that out.
        Assert.True(harness.Node.TrimHorizon < At(1));
        Assert.Null(await harness.Node.CollectGarbageAsync(force: false, CancellationToken.None));

        // Past the last of them: one pass removes what they superseded, and the next has nothing left to walk for.
        await harness.AppendAsync(JournalRecord.ForHeartbeat(HybridTimestamp.From(At(50).PhysicalMilliseconds + (long)Retention.TotalMilliseconds + 1_000, 0), 0, 1));
        await harness.Node.WaitForOffsetAsync(harness.MemoryJournal.EndOffset(0), CancellationToken.None).WaitAsync(TestTimeout);
        var collection = await harness.Node.CollectGarbageAsync(force: false, CancellationToken.None);
        Assert.NotNull(collection);
        Assert.True(collection.VersionsRemoved > 0, $"{collection.VersionsRemoved} versions removed");
        Assert.True(collection.KeysVisited > 0);
        await harness.AppendAsync(JournalRecord.ForHeartbeat(HybridTimestamp.From(At(50).PhysicalMilliseconds + (long)Retention.TotalMilliseconds + 2_000, 0), 0, 1));
        await harness.Node.WaitForOffsetAsync(harness.MemoryJournal.EndOffset(0), CancellationToken.None).WaitAsync(TestTimeout);
        Assert.Equal(0, (await harness.Node.CollectGarbageAsync(force: false, CancellationToken.None))?.KeysVisited ?? 0);
    }

    [Fact]
    public async Task UpdatesOfFewKeysAreCompactedAndTheLogFilesShrink()
    {
        await using var harness = await StorageNodeHarness.StartAsync(configure: Manual);
        var value = new string('v', 400);
        // 40 keys updated 150 times each, 2 s apart (so the 10 s horizon holds only the last five updates): ~12,000 records
        // of ~450 bytes, about 5 MiB of log in 1 MiB files.
        for (var number = 1L; number <= 150; number++)
        {
            var writes = Enumerable.Range(0, 40).Select(key => new JournalWrite(Bytes($"row-{key:D3}"), Bytes($"{number}-{value}"))).ToList();
            await harness.AppendAsync(JournalRecord.ForCommit(Guid.NewGuid(), Before(At(number * 20)), At(number * 20), 0, 1, writes));
            await harness.AppendAsync(JournalRecord.ForHeartbeat(At(number * 20), 0, 1));
        }
        await harness.Node.WaitForOffsetAsync(harness.MemoryJournal.EndOffset(0), CancellationToken.None).WaitAsync(TestTimeout);
        // A checkpoint makes the log read-only up to its tail, which compaction needs.
        Assert.NotNull(await harness.Node.CheckpointAsync(CancellationToken.None));
        var logFolder = Path.Combine(harness.Directory, "storage", "log");
        var sizeBefore = FolderBytes(logFolder);
        var timestamps = TimestampsAtOrAboveHorizon(harness.Node, 150 * 20);
        var reference = await ReferenceDigestsAsync(harness.Journal, timestamps);

        var collection = await harness.Node.CollectGarbageAsync(force: false, CancellationToken.None);

        Assert.NotNull(collection);
        Assert.True(collection.LogBeginAfter > collection.LogBeginBefore, "the log was not compacted");
        Assert.Equal(reference, timestamps.Select(harness.Node.ComputeStateDigest).ToList());
        // The checkpoint compaction asks for deletes the files below the new begin address.
        await harness.AppendAllAndWaitAsync(JournalRecord.ForHeartbeat(At(150 * 20), 0, 1));
        Assert.NotNull(await harness.Node.CheckpointAsync(CancellationToken.None));
        // FASTER deletes the segment files below the begin address in the background once the checkpoint has moved it.
        var sizeAfter = FolderBytes(logFolder);
        for (var waited = Stopwatch.StartNew(); sizeAfter >= sizeBefore / 2 && waited.Elapsed < TestTimeout; sizeAfter = FolderBytes(logFolder))
        {
            await Task.Delay(50);
        }
        Assert.True(sizeAfter < sizeBefore / 2, $"log files hold {sizeAfter} bytes after compaction, {sizeBefore} before");
        Assert.Equal(reference, timestamps.Select(harness.Node.ComputeStateDigest).ToList());
        await using var restarted = await harness.RestartAsync(Manual);
        await restarted.Node.WaitForOffsetAsync(restarted.MemoryJournal.EndOffset(0), CancellationToken.None).WaitAsync(TestTimeout);
        Assert.Equal(reference, timestamps.Select(restarted.Node.ComputeStateDigest).ToList());
    }

    /// <summary>
    /// Once the horizon has passed every update, one pass leaves the log holding the live rows alone: compaction reaches
    /// the log's tail without waiting for a checkpoint to make it read-only, the deletes' tombstones go with the rest,
    /// the next checkpoint is the only one kept (the older one's log is gone), and the files hold the log from the page
    /// it begins in.
    /// </summary>
    [Fact]
    public async Task AnUpdatedLogSettlesToItsLiveRowsInOneCheckpointAndTheFilesFromItsBegin()
    {
        const int keyCount = 20;
        const int valueBytes = 300;
        static StorageNodeOptions Settling(StorageNodeOptions options) => Manual(options) with
        {
            LogSegmentSizeBytes = 1L << 20, // one page, as by default
            CompactionStepBytesMax = 64L << 20,
        };
        await using var harness = await StorageNodeHarness.StartAsync(configure: Settling);
        var value = new string('v', valueBytes);
        async Task UpdateAsync(long from, long until)
        {
            for (var number = from; number <= until; number++)
            {
                var writes = Enumerable.Range(0, keyCount).Select(key => new JournalWrite(Bytes($"row-{key:D3}"), Bytes($"{number}-{value}"))).ToList();
                await harness.AppendAsync(JournalRecord.ForCommit(Guid.NewGuid(), Before(At(number)), At(number), 0, 1, writes));
                await harness.AppendAsync(JournalRecord.ForHeartbeat(At(number), 0, 1));
            }
            await harness.Node.WaitForOffsetAsync(harness.MemoryJournal.EndOffset(0), CancellationToken.None).WaitAsync(TestTimeout);
        }
        // About 9 MiB of log: 600 updates of 20 rows (a head and a version record each), a checkpoint after the first 300.
        await UpdateAsync(1, 300);
        var first = await harness.Node.CheckpointAsync(CancellationToken.None);
        Assert.NotNull(first);
        await UpdateAsync(301, 600);
        // The horizon passes the last update: every version but the heads is garbage.
        var settledAt = HybridTimestamp.From(At(600).PhysicalMilliseconds + (long)Retention.TotalMilliseconds + 1_000, 0);
        await harness.AppendAllAndWaitAsync(JournalRecord.ForHeartbeat(settledAt, 0, 1));
        var tailBefore = harness.Node.CountLiveRecords().TailAddress;
        var reference = await ReferenceDigestsAsync(harness.Journal, [settledAt, harness.Node.TrimHorizon]);

        var collection = await harness.Node.CollectGarbageAsync(force: false, CancellationToken.None);

        Assert.NotNull(collection);
        Assert.Equal(keyCount * 599L, collection.VersionsRemoved);
        // Compacted past the log written since the checkpoint, and past the tombstones the pass itself wrote.
        Assert.True(collection.LogBeginAfter > tailBefore, $"the log begins at {collection.LogBeginAfter}, it ended at {tailBefore} before the pass");
        var (live, tail) = harness.Node.CountLiveRecords();
        Assert.Equal(new LogRecordCounts(keyCount, 0), live);
        var liveBytes = keyCount * (valueBytes + 64L);
        Assert.True(tail - collection.LogBeginAfter <= 2 * liveBytes, $"{tail - collection.LogBeginAfter} bytes of log in use for {liveBytes} bytes of rows");

        var second = await harness.Node.CheckpointAsync(CancellationToken.None);
        Assert.NotNull(second);
        var storage = Path.Combine(harness.Directory, "storage");
        Assert.Single(Directory.GetFiles(Path.Combine(storage, "manifests"), "manifest-*.json"));
        Assert.Single(Directory.GetDirectories(Path.Combine(storage, "faster", "index-checkpoints")));
        Assert.Single(Directory.GetFiles(Path.Combine(storage, "keys")));
        // FASTER deletes the segments below the begin address in the background.
        var segmentBits = StorageNodeOptions.Log2(1L << 20);
        var beginSegment = collection.LogBeginAfter >> segmentBits;
        var logFolder = Path.Combine(storage, "log");
        for (var waited = Stopwatch.StartNew(); Directory.GetFiles(logFolder, "versions.log.*").Length > 1 + (tail >> segmentBits) - beginSegment && waited.Elapsed < TestTimeout;)
        {
            await Task.Delay(50);
        }
        Assert.Equal(1 + (tail >> segmentBits) - beginSegment, Directory.GetFiles(logFolder, "versions.log.*").Length);
        Assert.Equal(reference, new[] { settledAt, harness.Node.TrimHorizon }.Select(harness.Node.ComputeStateDigest).ToList());

        // A start recovers that checkpoint over the compacted log, with the same rows.
        await using var restarted = await harness.RestartAsync(Settling);
        Assert.Equal(second.Sequence, restarted.Node.NewestCheckpoint?.Sequence);
        await restarted.Node.WaitForOffsetAsync(restarted.MemoryJournal.EndOffset(0), CancellationToken.None).WaitAsync(TestTimeout);
        Assert.Equal(reference, new[] { settledAt, restarted.Node.TrimHorizon }.Select(restarted.Node.ComputeStateDigest).ToList());
    }

    /// <summary>
    /// What kill -9 leaves on disk is the files as they are at that instant: a copy of the folder taken while collection
    /// and compaction run is that. A node started on each copy recovers (a checkpoint, or a full replay) and holds every
    /// acknowledged transfer, and the bank's total, exactly as a node that never stopped.
    /// </summary>
    [Fact]
    public async Task AFolderCopiedDuringCompactionRecoversEveryTransferAndTheTotal()
    {
        const int accountCount = 20;
        const long initialBalance = 1_000;
        var random = new Random(7);
        await using var harness = await StorageNodeHarness.StartAsync(configure: Manual);
        await harness.AppendAsync(JournalRecord.ForCommit(Guid.NewGuid(), Before(At(0)), At(0), 0, 1,
            Enumerable.Range(0, accountCount).Select(account => new JournalWrite(Account(account), Balance(initialBalance))).ToList()));
        var balances = Enumerable.Repeat(initialBalance, accountCount).ToArray();
        var copies = new List<string>();
        var compactions = 0;
        try
        {
            long number = 1;
            for (var round = 0; round < 4; round++)
            {
                for (var transfer = 0; transfer < 150; transfer++, number++)
                {
                    var source = random.Next(accountCount);
                    var target = (source + 1 + random.Next(accountCount - 1)) % accountCount;
                    var amount = random.Next(1, 50);
                    balances[source] -= amount;
                    balances[target] += amount;
                    await harness.AppendAsync(JournalRecord.ForCommit(Guid.NewGuid(), Before(At(number)), At(number), 0, 1,
                    [
                        new JournalWrite(Account(source), Balance(balances[source], 300)),
                        new JournalWrite(Account(target), Balance(balances[target], 300)),
                    ]));
                    await harness.AppendAsync(JournalRecord.ForHeartbeat(At(number), 0, 1));
                }
                await harness.Node.WaitForOffsetAsync(harness.MemoryJournal.EndOffset(0), CancellationToken.None).WaitAsync(TestTimeout);
                Assert.NotNull(await harness.Node.CheckpointAsync(CancellationToken.None));
                var collecting = harness.Node.CollectGarbageAsync(force: true, CancellationToken.None);
                // Copies at different moments of the pass (and one after it, before the checkpoint that truncates).
                for (var copy = 0; copy < 2; copy++)
                {
                    copies.Add(CopyFolder(harness.Directory));
                    await Task.Yield();
                }
                var collection = await collecting;
                compactions += collection!.LogBeginAfter > collection.LogBeginBefore ? 1 : 0;
                copies.Add(CopyFolder(harness.Directory));
            }
            Assert.True(compactions > 0, "no collection compacted the log");
            var lastCommit = At(number - 1);
            var expected = harness.Node.ComputeStateDigest(lastCommit);
            Assert.Equal(accountCount * initialBalance, await TotalAsync(harness.Node, lastCommit));
            foreach (var copy in copies)
            {
                await using var recovered = await StorageNodeHarness.StartAsync(harness.Journal, Manual, copy);
                await recovered.Node.WaitForOffsetAsync(harness.MemoryJournal.EndOffset(0), CancellationToken.None).WaitAsync(TestTimeout);
                Assert.Equal(expected, recovered.Node.ComputeStateDigest(lastCommit));
                Assert.Equal(accountCount * initialBalance, await TotalAsync(recovered.Node, lastCommit));
                for (var account = 0; account < accountCount; account++)
                {
                    var stored = await recovered.Node.GetAsync(Account(account), ReadPoint.Unfenced(lastCommit), CancellationToken.None);
                    Assert.Equal(balances[account], BinaryPrimitives.ReadInt64BigEndian(stored));
                }
            }
        }
        finally
        {
            foreach (var copy in copies.Where(Directory.Exists))
            {
                Directory.Delete(copy, recursive: true);
            }
        }
    }

    private static byte[] Account(int account) => Bytes($"account-{account:D3}");

    private static byte[] Balance(long balance, int paddingBytes = 0)
    {
        var bytes = new byte[sizeof(long) + paddingBytes];
        BinaryPrimitives.WriteInt64BigEndian(bytes, balance);
        return bytes;
    }

    private static async Task<long> TotalAsync(StorageNode node, HybridTimestamp at)
    {
        var rows = await node.ScanAsync(Bytes("account-"), Bytes("account."), ReadPoint.Unfenced(at), 1_000, CancellationToken.None);
        return rows.Sum(row => BinaryPrimitives.ReadInt64BigEndian(row.Value));
    }

    private static long FolderBytes(string folder) =>
        new DirectoryInfo(folder).EnumerateFiles("*", SearchOption.AllDirectories).Sum(file => file.Length);

    private static string CopyFolder(string source)
    {
        var target = Path.Combine(Path.GetTempPath(), "log-storage-crash-copy-" + Guid.NewGuid().ToString("N"));
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var destination = Path.Combine(target, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            try
            {
                File.Copy(file, destination);
            }
            catch (FileNotFoundException)
            {
                // Deleted while copying (an outdated checkpoint): kill -9 at that instant would not have it either.
            }
        }
        return target;
    }
}
