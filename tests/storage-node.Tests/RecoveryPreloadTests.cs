using Log.Journal.Client;
using static Log.StorageNode.Tests.StorageNodeHarness;

namespace Log.StorageNode.Tests;

/// <summary>
/// A recovery reads back into memory only the last pages of the log below the checkpoint's final address
/// (<see cref="StorageNodeOptions.RecoveryPreloadPages"/>), not as many as the in-memory log holds: it reads and checks
/// fewer of the log's chunks before the node can answer, and every row is still read right (from disk, checked on first
/// read) afterwards. The harness's log has 1 MiB pages and 4 MiB in memory; the checkpoint's chunks are 64 KiB.
/// </summary>
public sealed class RecoveryPreloadTests
{
    [Fact]
    public async Task ARecoveryThatPreloadsOnePageChecksFewerChunksAndReadsEveryRow()
    {
        var (harness, manifest, snapshot) = await LogChunkCheckTests.LoadAndCheckpointAsync();
        try
        {
            Assert.True(manifest.LogFinalAddress - manifest.LogBeginAddress > 8L << 20, $"the log holds {manifest.LogFinalAddress - manifest.LogBeginAddress} bytes");
            harness = await harness.RestartAsync(options => CheckpointTests.Manual(options) with { RecoveryPreloadPages = null });
            Assert.Equal(manifest.Sequence, harness.Node.NewestCheckpoint?.Sequence);
            var (checkedWhenMemoryFull, total) = harness.Node.VerifiedLogChunks;
            var digest = Convert.ToHexString(await ComputeDigestAsync(harness, snapshot));

            harness = await harness.RestartAsync(options => CheckpointTests.Manual(options) with { RecoveryPreloadPages = 1 });
            Assert.Equal(manifest.Sequence, harness.Node.NewestCheckpoint?.Sequence);
            var (checkedWithOnePage, _) = harness.Node.VerifiedLogChunks;
            // Two pages of 1 MiB at most (the one holding the final address and the one before), against four.
            Assert.True(checkedWithOnePage > 0 && checkedWithOnePage * 3 / 2 <= checkedWhenMemoryFull,
                $"{checkedWithOnePage} chunks checked with one page preloaded, {checkedWhenMemoryFull} with the memory filled, of {total}");
            Assert.Null(harness.Node.FailureReason);

            Assert.Equal(digest, Convert.ToHexString(await ComputeDigestAsync(harness, snapshot)));
            await LogChunkCheckTests.CheckEveryRowAsync(harness.Node, snapshot);
            Assert.Null(harness.Node.FailureReason);
        }
        finally
        {
            await harness.DisposeAsync();
        }
    }

    [Fact]
    public void ANegativePreloadIsRefused()
    {
        var options = new StorageNodeOptions { DataDirectory = Path.GetTempPath(), RecoveryPreloadPages = -1 };
        Assert.Throws<ArgumentException>(() => new StorageNode(options, new MemoryJournal()));
    }

    private static Task<byte[]> ComputeDigestAsync(StorageNodeHarness harness, ulong snapshot) =>
        harness.Node.ComputeStateDigestAsync(ReadPoint.Unfenced(Ts(snapshot)), CancellationToken.None);
}
