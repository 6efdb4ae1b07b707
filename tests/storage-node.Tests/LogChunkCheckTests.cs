using Log.Journal.Records;
using static Log.StorageNode.Tests.StorageNodeHarness;

namespace Log.StorageNode.Tests;

/// <summary>
/// A recovery checks the log chunks it reads, not the whole log: a damaged chunk that FASTER's recovery loads makes the
/// checkpoint unusable (the node falls back to a full replay), and one it does not load is found at the first read of
/// it, which fails with a clear error (never a wrong row), stops the node, and keeps the next start off that checkpoint.
/// The log is larger than the 4 MiB FASTER keeps in memory, so recovery loads only its last pages.
/// </summary>
public sealed class LogChunkCheckTests
{
    private const int Rows = 40_000;
    private const int RowsPerCommit = 2_000;

    [Fact]
    public async Task ADamagedChunkThatRecoveryDoesNotReadIsFoundAtItsFirstRead()
    {
        var (harness, manifest, snapshot) = await LoadAndCheckpointAsync();
        try
        {
            // Early in the log: far below the last pages, which recovery loads into memory.
            var damaged = manifest.LogBeginAddress + (1L << 20);
            Assert.True(damaged < manifest.LogFinalAddress - (8L << 20), $"the log ends at {manifest.LogFinalAddress}");
            FlipByte(harness.Directory, damaged);

            harness = await harness.RestartAsync(CheckpointTests.Manual);
            Assert.Equal(manifest.Sequence, harness.Node.NewestCheckpoint?.Sequence);
            Assert.Null(harness.Node.FailureReason);
            var (checkedChunks, totalChunks) = harness.Node.VerifiedLogChunks;
            Assert.True(checkedChunks > 0 && checkedChunks < totalChunks, $"{checkedChunks} of {totalChunks} chunks checked at recovery");
            // A row whose records recovery loaded reads fine.
            Assert.Equal(Value(Rows - 1), Text(await harness.Node.GetAsync(Key(Rows - 1), ReadPoint.Unfenced(Ts(snapshot)), CancellationToken.None)));

            // The scan reads every row, so the damaged chunk too: it fails, and the node says why.
            var failure = await Record.ExceptionAsync(async () =>
                await harness.Node.ScanAsync([], null, ReadPoint.Unfenced(Ts(snapshot)), int.MaxValue, CancellationToken.None));
            Assert.NotNull(failure);
            Assert.True(failure is InvalidDataException or StorageUnavailableException, failure.ToString());
            Assert.Contains("fails the checksum", harness.Node.FailureReason);
            await Assert.ThrowsAsync<StorageUnavailableException>(async () =>
                await harness.Node.GetAsync(Key(Rows - 1), ReadPoint.Unfenced(Ts(snapshot)), CancellationToken.None));

            // The checkpoint is gone: the next start replays the journal and has every row.
            harness = await harness.RestartAsync(CheckpointTests.Manual);
            Assert.Null(harness.Node.NewestCheckpoint);
            await harness.Node.WaitForOffsetAsync(harness.MemoryJournal.EndOffset(0), CancellationToken.None).WaitAsync(TestTimeout);
            await CheckEveryRowAsync(harness.Node, snapshot);
        }
        finally
        {
            await harness.DisposeAsync();
        }
    }

    [Fact]
    public async Task ADamagedChunkThatRecoveryReadsMakesTheCheckpointUnusable()
    {
        var (harness, manifest, snapshot) = await LoadAndCheckpointAsync();
        try
        {
            // In the last page below the final address, which recovery loads.
            FlipByte(harness.Directory, manifest.LogFinalAddress - 100);

            harness = await harness.RestartAsync(CheckpointTests.Manual);
            Assert.Null(harness.Node.NewestCheckpoint);
            await harness.Node.WaitForOffsetAsync(harness.MemoryJournal.EndOffset(0), CancellationToken.None).WaitAsync(TestTimeout);
            Assert.Null(harness.Node.FailureReason);
            await CheckEveryRowAsync(harness.Node, snapshot);
        }
        finally
        {
            await harness.DisposeAsync();
        }
    }

    [Fact]
    public async Task AnUndamagedLogIsCheckedChunkByChunkAsItIsRead()
    {
        var (harness, manifest, snapshot) = await LoadAndCheckpointAsync();
        try
        {
            harness = await harness.RestartAsync(CheckpointTests.Manual);
            Assert.Equal(manifest.Sequence, harness.Node.NewestCheckpoint?.Sequence);
            var (atRecovery, total) = harness.Node.VerifiedLogChunks;
            Assert.True(atRecovery < total, $"{atRecovery} of {total} chunks checked at recovery");
            await CheckEveryRowAsync(harness.Node, snapshot);
            // More writes and a checkpoint whose first chunks are partly new: it checks the old part before hashing it.
            await harness.AppendCommitAsync(snapshot + 10, snapshot + 11, [new JournalWrite(Key(0), Bytes("changed"))]);
            await harness.AppendAllAndWaitAsync(Heartbeat(snapshot + 20));
            Assert.NotNull(await harness.Node.CheckpointAsync(CancellationToken.None));
            Assert.Equal(total, harness.Node.VerifiedLogChunks.Checked);
            Assert.Null(harness.Node.FailureReason);
        }
        finally
        {
            await harness.DisposeAsync();
        }
    }

    /// <summary>
    /// A checkpoint taken while commits keep coming holds records of FASTER's next version below its final address;
    /// recovering it marks them invalid and writes their pages back, so bytes under the manifest's checksums change.
    /// Recovering it a second time (after a crash with no checkpoint in between) must still use it: the first recovery
    /// brought the checksums of the chunks it wrote up to date, and nothing wrote below the final address after that.
    /// FASTER flushes a partly filled page from the start of the sector holding its flushed address, so the flush of the
    /// page holding the final address after the first recovery writes the last sector below it again, from memory, where
    /// recovery cleared the record headers' dirty bits: the log there must stay byte for byte as the recovery left it.
    /// </summary>
    [Fact]
    public async Task ACheckpointRecoveredOnceIsRecoveredAgainAfterAnotherCrash()
    {
        var harness = await StartAsync(configure: CheckpointTests.Manual);
        try
        {
            ulong commit = 10;
            using var stop = new CancellationTokenSource();
            var appending = Task.Run(async () =>
            {
                for (var round = 0; !stop.IsCancellationRequested; round++)
                {
                    await harness.AppendCommitAsync(commit, commit + 1,
                        Enumerable.Range(round * 50 % Rows, 50).Select(row => new JournalWrite(Key(row), Bytes(Value(row + round)))).ToList());
                    commit += 10;
                    var end = await harness.AppendAsync(Heartbeat(commit));
                    // A few records ahead of applying at most, so that applying goes on during the checkpoint.
                    await harness.Node.WaitForOffsetAsync(end - 20, CancellationToken.None);
                }
            });
            await harness.Node.WaitForOffsetAsync(200, CancellationToken.None).WaitAsync(TestTimeout);
            var checkpoint = await harness.Node.CheckpointAsync(CancellationToken.None);
            await harness.Node.WaitForOffsetAsync(checkpoint!.NextOffset + 200, CancellationToken.None).WaitAsync(TestTimeout);
            await stop.CancelAsync();
            await appending;
            await harness.AppendAsync(Heartbeat(commit + 10));
            await harness.Node.WaitForOffsetAsync(harness.MemoryJournal.EndOffset(0), CancellationToken.None).WaitAsync(TestTimeout);
            var digest = harness.Node.ComputeStateDigest(Ts(commit + 10));

            var warnings = new List<string>();
            var logger = new CompactionCrashTests.LineLogger(line =>
            {
                lock (warnings)
                {
                    warnings.Add(line);
                }
            }, Microsoft.Extensions.Logging.LogLevel.Information);
            for (var restart = 0; restart < 2; restart++)
            {
                await harness.Node.DisposeAsync();
                harness = await StartAsync(harness.Journal, CheckpointTests.Manual, harness.Directory, logger);
                Assert.True(checkpoint.Sequence == harness.Node.NewestCheckpoint?.Sequence, $"restart {restart}:\n" + string.Join("\n", warnings));
                var storage = Path.Combine(harness.Directory, StorageNode.StorageFolderName);
                var finalAddress = (CheckpointManifest.Decode(File.ReadAllBytes(StorageNode.ListManifests(storage)[0]), out var problem)
                    ?? throw new InvalidOperationException(problem)).LogFinalAddress;
                var (from, recovered) = ReadLogBelow(harness.Directory, finalAddress);
                await harness.Node.WaitForOffsetAsync(harness.MemoryJournal.EndOffset(0), CancellationToken.None).WaitAsync(TestTimeout);
                Assert.Equal(Convert.ToHexString(digest), Convert.ToHexString(harness.Node.ComputeStateDigest(Ts(commit + 10))));
                if (restart == 0)
                {
                    // More than the 4 MiB of log FASTER keeps in memory, so the page holding the final address is flushed.
                    for (var first = 0; first < Rows / 2; first += RowsPerCommit)
                    {
                        await harness.AppendCommitAsync(commit + 20 + (ulong)first, commit + 21 + (ulong)first,
                            Enumerable.Range(first, RowsPerCommit).Select(row => new JournalWrite(Key(row), Bytes(Value(row + 1)))).ToList());
                    }
                    await harness.AppendAllAndWaitAsync(Heartbeat(commit + 30 + Rows));
                    var (_, flushed) = ReadLogBelow(harness.Directory, finalAddress);
                    var same = recovered.AsSpan().CommonPrefixLength(flushed);
                    Assert.True(same == recovered.Length, $"the log changed at address {from + same}, {recovered.Length - same} bytes below the final address");
                }
            }
        }
        finally
        {
            await harness.DisposeAsync();
        }
    }

    /// <summary>A node with <see cref="Rows"/> rows and one checkpoint, stopped as by a crash; its newest manifest and
    /// the timestamp every row is visible at.</summary>
    internal static async Task<(StorageNodeHarness Harness, CheckpointManifest Manifest, ulong Snapshot)> LoadAndCheckpointAsync()
    {
        var harness = await StartAsync(configure: CheckpointTests.Manual);
        ulong commit = 10;
        for (var first = 0; first < Rows; first += RowsPerCommit)
        {
            await harness.AppendCommitAsync(commit, commit + 1,
                Enumerable.Range(first, RowsPerCommit).Select(row => new JournalWrite(Key(row), Bytes(Value(row)))).ToList());
            commit += 10;
        }
        await harness.AppendAllAndWaitAsync(Heartbeat(commit));
        Assert.NotNull(await harness.Node.CheckpointAsync(CancellationToken.None));
        var storage = Path.Combine(harness.Directory, StorageNode.StorageFolderName);
        var manifest = CheckpointManifest.Decode(File.ReadAllBytes(StorageNode.ListManifests(storage)[0]), out var problem)
            ?? throw new InvalidOperationException(problem);
        await harness.Node.DisposeAsync();
        return (harness, manifest, commit);
    }

    internal static async Task CheckEveryRowAsync(StorageNode node, ulong snapshot)
    {
        var scanned = await node.ScanAsync([], null, ReadPoint.Unfenced(Ts(snapshot)), int.MaxValue, CancellationToken.None);
        Assert.Equal(Rows, scanned.Count);
        for (var row = 0; row < Rows; row++)
        {
            Assert.Equal(Value(row), Text(scanned[row].Value));
        }
    }

    /// <summary>FASTER's log in the last page (1 MiB, the harness's) below <paramref name="until"/>, or from the start of
    /// its segment (2^24 bytes) when that is nearer.</summary>
    private static (long From, byte[] Bytes) ReadLogBelow(string dataDirectory, long until)
    {
        var from = Math.Max(until - (1L << 20), (until - 1) >> 24 << 24);
        var path = Path.Combine(dataDirectory, StorageNode.StorageFolderName, "log", $"versions.log.{from >> 24}");
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        file.Position = from & ((1L << 24) - 1);
        var bytes = new byte[until - from];
        file.ReadExactly(bytes);
        return (from, bytes);
    }

    /// <summary>Flips a byte of FASTER's log at <paramref name="address"/> (segments of 2^24 bytes, the harness's).</summary>
    private static void FlipByte(string dataDirectory, long address)
    {
        var path = Path.Combine(dataDirectory, StorageNode.StorageFolderName, "log", $"versions.log.{address >> 24}");
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        file.Position = address & ((1L << 24) - 1);
        var value = file.ReadByte();
        file.Position--;
        file.WriteByte((byte)(value ^ 0x5A));
    }

    private static byte[] Key(int row) => [0x05, 0x02, (byte)(row >> 16), (byte)(row >> 8), (byte)row];

    private static string Value(int row) => $"{row}-" + new string((char)('a' + row % 26), 200);
}
