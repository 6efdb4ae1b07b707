using Log.Journal.Client;
using Log.Journal.Records;
using static Log.StorageNode.Tests.StorageNodeHarness;

namespace Log.StorageNode.Tests;

/// <summary>Checkpoints of a replica of two partitions: the manifest records each partition's next offset, a recovery
/// replays each partition only after it and reaches the state of a full replay, a torn manifest falls back to an older
/// checkpoint or a full replay, and a manifest of format version 1 (one partition) still recovers.</summary>
public sealed class MultiPartitionCheckpointTests
{
    private static readonly int[] BothShards = [0, 1];

    /// <summary>Two partitions, checkpoints only when a test asks (a restart is then a crash).</summary>
    internal static StorageNodeOptions TwoPartitionsManual(StorageNodeOptions options) => CheckpointTests.Manual(options) with { PartitionCount = 2 };

    private static long[] Ends(StorageNodeHarness harness) => [harness.MemoryJournal.EndOffset(0), harness.MemoryJournal.EndOffset(1)];

    private static Task CatchUpAsync(StorageNodeHarness harness) =>
        harness.Node.WaitForOffsetsAsync(Ends(harness), CancellationToken.None).WaitAsync(TestTimeout);

    /// <summary>A seeded workload over both partitions: single-shard commits of keys of the partition's own key space
    /// (inserts, updates, deletes), heartbeats, and cross-shard transactions (a prepare on each shard, the coordinator's
    /// decision, the participant's copy), every one decided. Ends with a heartbeat on both; returns the last timestamp and
    /// the writes a replica applies for it.</summary>
    private static async Task<(ulong Timestamp, long Writes)> AppendWorkloadAsync(StorageNodeHarness harness, Random random, ulong timestamp, int count)
    {
        var journal = harness.MemoryJournal;
        long applied = 0;
        for (var index = 0; index < count; index++)
        {
            timestamp += (ulong)random.Next(1, 4);
            var shard = random.Next(2);
            if (random.Next(6) == 0)
            {
                var transaction = Guid.NewGuid();
                await journal.AppendAsync(0, JournalRecord.ForPrepare(transaction, Ts(timestamp - 1), Ts(timestamp), 0, 1,
                    [RandomWrite(random, 0, timestamp)], BothShards), CancellationToken.None);
                await journal.AppendAsync(1, JournalRecord.ForPrepare(transaction, Ts(timestamp - 1), Ts(timestamp), 1, 1,
                    [RandomWrite(random, 1, timestamp)], BothShards), CancellationToken.None);
                timestamp += 1;
                var aborted = random.Next(4) == 0;
                var commit = aborted ? 0UL : timestamp;
                await journal.AppendAsync(0, JournalRecord.ForDecision(transaction, Ts(commit), Ts(timestamp), 0, 1, BothShards), CancellationToken.None);
                await journal.AppendAsync(1, JournalRecord.ForDecision(transaction, Ts(commit), Ts(timestamp), 1, 1, BothShards), CancellationToken.None);
                applied += aborted ? 0 : 2;
                continue;
            }
            var writes = Enumerable.Range(0, random.Next(1, 4)).Select(_ => RandomWrite(random, shard, timestamp)).ToList();
            applied += writes.Count;
            await journal.AppendAsync(shard, JournalRecord.ForCommit(Guid.NewGuid(), Ts(timestamp - 1), Ts(timestamp), shard, 1, writes),
                CancellationToken.None);
            if (random.Next(5) == 0)
            {
                await journal.AppendAsync(1 - shard, JournalRecord.ForHeartbeat(Ts(timestamp), 1 - shard, 1), CancellationToken.None);
            }
        }
        await journal.AppendAsync(0, JournalRecord.ForHeartbeat(Ts(timestamp), 0, 1), CancellationToken.None);
        await journal.AppendAsync(1, JournalRecord.ForHeartbeat(Ts(timestamp), 1, 1), CancellationToken.None);
        await CatchUpAsync(harness);
        return (timestamp, applied);
    }

    /// <summary>A write of a key of <paramref name="shard"/>'s key space (every key belongs to one shard).</summary>
    private static JournalWrite RandomWrite(Random random, int shard, ulong timestamp) =>
        new(Bytes($"shard-{shard}-key-{random.Next(200):D4}"), random.Next(4) == 0 ? null : Bytes($"value-{timestamp}-{random.Next()}"));

    /// <summary>The digest a replica of both partitions that replays them from offset 0 computes at <paramref name="at"/>.</summary>
    private static async Task<byte[]> FullReplayDigestAsync(IJournalReader journal, ulong at)
    {
        await using var reference = await StorageNodeHarness.StartAsync(journal,
            options => options with { PartitionCount = 2, CheckpointsEnabled = false });
        await CatchUpAsync(reference);
        return reference.Node.ComputeStateDigest(Ts(at));
    }

    [Fact]
    public async Task Recovery_from_a_checkpoint_of_two_partitions_gives_the_state_of_a_full_replay()
    {
        var random = new Random(23);
        var harness = await StorageNodeHarness.StartAsync(configure: TwoPartitionsManual);
        try
        {
            var (timestamp, _) = await AppendWorkloadAsync(harness, random, 10, 200);
            var first = await harness.Node.CheckpointAsync(CancellationToken.None);
            Assert.NotNull(first);
            Assert.Equal(Ends(harness), first.NextOffsets);
            var atFirst = timestamp;
            var digestAtFirst = harness.Node.ComputeStateDigest(Ts(atFirst));

            (timestamp, _) = await AppendWorkloadAsync(harness, random, timestamp, 150);
            var second = await harness.Node.CheckpointAsync(CancellationToken.None);
            Assert.NotNull(second);
            Assert.Equal(Ends(harness), second.NextOffsets);
            Assert.NotEqual(first.NextOffsets, second.NextOffsets);
            (timestamp, var writesAfter) = await AppendWorkloadAsync(harness, random, timestamp, 100);
            var live = harness.Node.ComputeStateDigest(Ts(timestamp));
            Assert.Equal(await FullReplayDigestAsync(harness.Journal, timestamp), live);

            // A crash: the newest checkpoint is recovered, with every partition's offset, and each partition replayed after it.
            harness = await harness.RestartAsync(TwoPartitionsManual);
            Assert.Equal(second.Sequence, harness.Node.NewestCheckpoint?.Sequence);
            Assert.Equal(second.NextOffsets, harness.Node.NewestCheckpoint?.NextOffsets);
            Assert.True(harness.Node.ResolvedTimestamp >= second.ResolvedTimestamp);
            await CatchUpAsync(harness);
            // Only the records after each partition's offset were applied again.
            Assert.Equal(writesAfter, harness.Node.AppliedWriteCount);
            Assert.Equal(live, harness.Node.ComputeStateDigest(Ts(timestamp)));
            Assert.Equal(digestAtFirst, harness.Node.ComputeStateDigest(Ts(atFirst)));

            // A torn newest manifest is never used: the older checkpoint is, and the state is the same.
            var manifests = StorageNode.ListManifests(Path.Combine(harness.Directory, "storage"));
            var newest = await File.ReadAllBytesAsync(manifests[0]);
            await File.WriteAllBytesAsync(manifests[0], newest[..(newest.Length / 2)]);
            harness = await harness.RestartAsync(TwoPartitionsManual);
            Assert.Equal(first.Sequence, harness.Node.NewestCheckpoint?.Sequence);
            Assert.Equal(first.NextOffsets, harness.Node.NewestCheckpoint?.NextOffsets);
            await CatchUpAsync(harness);
            Assert.Equal(live, harness.Node.ComputeStateDigest(Ts(timestamp)));

            // With every manifest torn, a full replay, again the same state.
            foreach (var manifest in StorageNode.ListManifests(Path.Combine(harness.Directory, "storage")))
            {
                var bytes = await File.ReadAllBytesAsync(manifest);
                bytes[bytes.Length / 3] ^= 0x20;
                await File.WriteAllBytesAsync(manifest, bytes);
            }
            harness = await harness.RestartAsync(TwoPartitionsManual);
            Assert.Null(harness.Node.NewestCheckpoint);
            await CatchUpAsync(harness);
            Assert.Equal(live, harness.Node.ComputeStateDigest(Ts(timestamp)));
        }
        finally
        {
            await harness.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_checkpoint_taken_while_a_prepare_waits_for_its_decision_resumes_that_partition_at_the_prepare()
    {
        var harness = await StorageNodeHarness.StartAsync(configure: TwoPartitionsManual);
        try
        {
            var journal = harness.MemoryJournal;
            var transaction = Guid.NewGuid();
            await journal.AppendAsync(0, JournalRecord.ForCommit(Guid.NewGuid(), Ts(4), Ts(5), 0, 1, [new JournalWrite(Bytes("shard-0-a"), Bytes("a"))]),
                CancellationToken.None);
            await journal.AppendAsync(0, JournalRecord.ForPrepare(transaction, Ts(9), Ts(10), 0, 1,
                [new JournalWrite(Bytes("shard-0-x"), Bytes("x"))], BothShards), CancellationToken.None);
            // Records after the prepare, on both partitions, while its decision is still to come (a steady cross-shard load
            // always has one): a checkpoint is taken all the same.
            await journal.AppendAsync(0, JournalRecord.ForCommit(Guid.NewGuid(), Ts(14), Ts(15), 0, 1, [new JournalWrite(Bytes("shard-0-b"), Bytes("b"))]),
                CancellationToken.None);
            await journal.AppendAsync(1, JournalRecord.ForHeartbeat(Ts(20), 1, 1), CancellationToken.None);
            await journal.AppendAsync(1, JournalRecord.ForCommit(Guid.NewGuid(), Ts(20), Ts(21), 1, 1, [new JournalWrite(Bytes("shard-1-a"), Bytes("c"))]),
                CancellationToken.None);
            await CatchUpAsync(harness);
            Assert.Equal(9UL, harness.Node.ResolvedTimestamp.Value);
            var checkpoint = await harness.Node.CheckpointAsync(CancellationToken.None);
            Assert.NotNull(checkpoint);
            // Partition 0 resumes at the prepare (offset 1), partition 1 after its last record.
            Assert.Equal([1L, 2L], checkpoint.NextOffsets);

            // A crash, then the decision: the recovery reads the prepare again and applies it at the decision; the commit
            // after it, read again, changes nothing.
            harness = await harness.RestartAsync(TwoPartitionsManual);
            Assert.Equal(checkpoint.Sequence, harness.Node.NewestCheckpoint?.Sequence);
            await journal.AppendAsync(0, JournalRecord.ForDecision(transaction, Ts(22), Ts(22), 0, 1, BothShards), CancellationToken.None);
            await journal.AppendAsync(1, JournalRecord.ForDecision(transaction, Ts(22), Ts(22), 1, 1, BothShards), CancellationToken.None);
            await CatchUpAsync(harness);
            Assert.Equal("x", await harness.GetAsync("shard-0-x", 22));
            Assert.Null(await harness.GetAsync("shard-0-x", 21));
            Assert.Equal("a", await harness.GetAsync("shard-0-a", 22));
            Assert.Equal("b", await harness.GetAsync("shard-0-b", 22));
            Assert.Equal(await FullReplayDigestAsync(harness.Journal, 22), harness.Node.ComputeStateDigest(Ts(22)));

            // Decided now: the next checkpoint resumes every partition at its end.
            var next = await harness.Node.CheckpointAsync(CancellationToken.None);
            Assert.NotNull(next);
            Assert.Equal(Ends(harness), next.NextOffsets);
        }
        finally
        {
            await harness.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_manifest_of_an_older_format_version_is_not_used_nor_one_of_other_partitions()
    {
        var harness = await StorageNodeHarness.StartAsync(configure: options => TwoPartitionsManual(options) with { PartitionCount = 1 });
        try
        {
            await harness.AppendAllAndWaitAsync(Commit(10, ("a", "one")), Commit(11, ("b", "two")), Heartbeat(12));
            var checkpoint = await harness.Node.CheckpointAsync(CancellationToken.None);
            Assert.NotNull(checkpoint);
            var path = StorageNode.ListManifests(Path.Combine(harness.Directory, "storage"))[0];
            var manifest = CheckpointManifest.Decode(await File.ReadAllBytesAsync(path), out var problem);
            Assert.True(manifest is not null, problem);
            Assert.Equal(CheckpointManifest.CurrentFormatVersion, manifest.FormatVersion);
            // Folders of formats 1 (no list of partitions) and 2 hold two records per version: never read with format 3's rules.
            foreach (var older in new[] { manifest with { FormatVersion = 1, Partitions = null }, manifest with { FormatVersion = 2 } })
            {
                Assert.Null(CheckpointManifest.Decode(older.Encode(), out problem));
                Assert.Contains($"format version is {older.FormatVersion}", problem);
                Assert.Contains("rebuilt from the journal", problem);
            }
            await File.WriteAllBytesAsync(path, (manifest with { FormatVersion = 2 }).Encode());

            harness = await harness.RestartAsync(options => TwoPartitionsManual(options) with { PartitionCount = 1 });
            Assert.Null(harness.Node.NewestCheckpoint);
            await harness.Node.WaitForOffsetAsync(3, CancellationToken.None).WaitAsync(StorageNodeHarness.TestTimeout);
            Assert.Equal("two", await harness.GetAsync("b", 12));
            Assert.NotNull(await harness.Node.CheckpointAsync(CancellationToken.None));

            // A replica of two partitions cannot resume from a checkpoint of one: it replays both from offset 0.
            harness = await harness.RestartAsync(TwoPartitionsManual);
            Assert.Null(harness.Node.NewestCheckpoint);
            await harness.MemoryJournal.AppendAsync(1, JournalRecord.ForHeartbeat(Ts(12), 1, 1), CancellationToken.None);
            await CatchUpAsync(harness);
            Assert.Equal("one", await harness.GetAsync("a", 12));
        }
        finally
        {
            await harness.DisposeAsync();
        }
    }
}
