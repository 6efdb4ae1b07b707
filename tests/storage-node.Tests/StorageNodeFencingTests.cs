using Log.Journal.Records;
using static Log.StorageNode.Tests.StorageNodeHarness;

namespace Log.StorageNode.Tests;

/// <summary>A replica ignores what a fenced adjudicator appended after a newer one's EpochStart, also after a
/// recovery from a checkpoint taken between the two.</summary>
public sealed class StorageNodeFencingTests
{
    private static JournalRecord EpochStart(long epoch) => new() { Kind = JournalRecordKind.EpochStart, TransactionId = Guid.NewGuid(), Epoch = epoch };

    private static JournalRecord CommitOf(long epoch, ulong at, string key) => Commit(at, (key, "v")) with { Epoch = epoch };

    private static StorageNodeOptions Manual(StorageNodeOptions options) => options with
    {
        CheckpointInterval = TimeSpan.FromHours(1),
        CheckpointJournalDistanceMax = long.MaxValue,
        CheckpointWriteDistanceMax = long.MaxValue,
        CheckpointOnShutdown = false,
    };

    [Fact]
    public async Task A_fenced_writers_commits_and_heartbeats_change_nothing_and_a_checkpoint_keeps_the_epoch()
    {
        var harness = await StartAsync(configure: Manual);
        try
        {
            await harness.AppendAllAndWaitAsync(EpochStart(10), CommitOf(10, 100, "old-before"), EpochStart(20), CommitOf(20, 110, "new"));
            Assert.NotNull(await harness.Node.CheckpointAsync(CancellationToken.None));
            // The old writer, resumed, appends after the newer one's EpochStart: a commit far ahead and a heartbeat.
            await harness.AppendAllAndWaitAsync(CommitOf(10, 500, "zombie"), JournalRecord.ForHeartbeat(Ts(900), 0, 10), CommitOf(20, 120, "new-after"));

            Assert.Equal("v", await harness.GetAsync("old-before", 120));
            Assert.Equal("v", await harness.GetAsync("new", 120));
            Assert.Equal("v", await harness.GetAsync("new-after", 120));
            Assert.Null(await harness.GetAsync("zombie", 120));
            // Its timestamps did not move the resolved timestamp either.
            Assert.Equal(Ts(120), harness.Node.ResolvedTimestamp);
            var digest = harness.Node.ComputeStateDigest(Ts(120));

            // Recovered from the checkpoint (taken after the newer EpochStart), it replays the zombie's records again.
            harness = await harness.RestartAsync(Manual);
            await harness.Node.WaitForOffsetAsync(harness.MemoryJournal.EndOffset(0), CancellationToken.None).WaitAsync(TestTimeout);
            Assert.NotNull(harness.Node.NewestCheckpoint);
            Assert.Null(await harness.GetAsync("zombie", 120));
            Assert.Equal(digest, harness.Node.ComputeStateDigest(Ts(120)));
        }
        finally
        {
            await harness.DisposeAsync();
        }
    }
}
