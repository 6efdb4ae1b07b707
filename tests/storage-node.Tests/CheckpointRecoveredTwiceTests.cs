using Log.Journal.Records;
using static Log.StorageNode.Tests.StorageNodeHarness;

namespace Log.StorageNode.Tests;

/// <summary>A checkpoint recovered once is recovered again at the next start (a replica that crashes twice in a row
/// before its next checkpoint), though FASTER's recovery added its empty delta log to the checkpoint's folder.</summary>
public sealed class CheckpointRecoveredTwiceTests
{
    [Fact]
    public async Task A_checkpoint_recovered_once_is_recovered_again_after_a_second_crash()
    {
        var harness = await StorageNodeHarness.StartAsync(configure: CheckpointTests.Manual);
        try
        {
            for (ulong timestamp = 10; timestamp < 40; timestamp++)
            {
                await harness.MemoryJournal.AppendAsync(0, JournalRecord.ForCommit(Guid.NewGuid(), Ts(timestamp - 1), Ts(timestamp), 0, 1,
                    [new JournalWrite(Bytes($"key-{timestamp}"), Bytes($"value-{timestamp}"))]), CancellationToken.None);
            }
            await harness.Node.WaitForOffsetAsync(harness.MemoryJournal.EndOffset(0), CancellationToken.None).WaitAsync(TestTimeout);
            var checkpoint = await harness.Node.CheckpointAsync(CancellationToken.None);
            Assert.NotNull(checkpoint);
            var digest = harness.Node.ComputeStateDigest(Ts(39));

            for (var crash = 1; crash <= 2; crash++)
            {
                harness = await harness.RestartAsync(CheckpointTests.Manual);
                Assert.Equal(checkpoint.Sequence, harness.Node.NewestCheckpoint?.Sequence);
                Assert.Equal(0, harness.Node.AppliedWriteCount);
                Assert.Equal(digest, harness.Node.ComputeStateDigest(Ts(39)));
            }
        }
        finally
        {
            await harness.DisposeAsync();
        }
    }
}
