using Log.Journal.Records;
using Log.Journal.Time;

namespace Log.Journal.Tests;

/// <summary>The fencing rule readers apply: once an EpochStart is read, records of older writers count no more.</summary>
public sealed class WriterEpochFilterTests
{
    private static JournalRecord EpochStart(long epoch) => new() { Kind = JournalRecordKind.EpochStart, TransactionId = Guid.NewGuid(), Epoch = epoch };

    private static JournalRecord Commit(long epoch, ulong at) =>
        JournalRecord.ForCommit(Guid.NewGuid(), new HybridTimestamp(at - 1), new HybridTimestamp(at), 0, epoch, []);

    [Fact]
    public void Records_of_an_older_writer_after_a_newer_epoch_start_are_ignored_and_the_newer_writers_count()
    {
        var filter = new WriterEpochFilter();
        JournalRecord[] partition =
        [
            EpochStart(10), Commit(10, 100), JournalRecord.ForHeartbeat(new HybridTimestamp(110), 0, 10),
            EpochStart(20), Commit(10, 120), JournalRecord.ForHeartbeat(new HybridTimestamp(125), 0, 10), Commit(20, 130),
        ];

        var admitted = partition.Select(filter.Admits).ToArray();

        Assert.Equal([true, true, true, true, false, false, true], admitted);
        Assert.Equal(20, filter.Epoch);
        Assert.Equal(2, filter.FencedCount);
    }

    [Fact]
    public void An_older_epoch_start_does_not_lower_the_epoch_and_a_newer_writer_is_never_fenced()
    {
        var filter = new WriterEpochFilter();

        Assert.True(filter.Admits(EpochStart(20)));
        Assert.True(filter.Admits(EpochStart(5)));
        Assert.False(filter.Admits(Commit(5, 100)));
        Assert.True(filter.Admits(Commit(30, 110)));
        Assert.Equal(20, filter.Epoch);
    }

    [Fact]
    public void A_reader_resuming_mid_partition_with_its_saved_epoch_keeps_ignoring_the_old_writer()
    {
        var resumed = new WriterEpochFilter(epoch: 20);

        Assert.False(resumed.Admits(Commit(10, 100)));
        Assert.True(resumed.Admits(Commit(20, 110)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new WriterEpochFilter(-1));
    }

    [Fact]
    public void Records_written_before_any_epoch_start_count_as_they_always_did()
    {
        var filter = new WriterEpochFilter();

        Assert.True(filter.Admits(Commit(0, 100)));
        Assert.True(filter.Admits(Commit(3, 110)));
        Assert.Equal(0, filter.FencedCount);
    }
}
