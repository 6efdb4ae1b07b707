using Log.Journal.Records;
using Log.Journal.Time;

namespace Log.Journal.Tests;

public sealed class CrossShardRecordTests
{
    private static readonly int[] Participants = [0, 2];

    [Fact]
    public void A_prepare_and_a_decision_round_trip_as_version_3_while_other_records_stay_version_2()
    {
        var id = Guid.NewGuid();
        var prepare = JournalRecord.ForPrepare(id, HybridTimestamp.From(100, 0), HybridTimestamp.From(100, 5), 2, 7,
            [new JournalWrite([1], [2])], Participants);
        var decision = JournalRecord.ForDecision(id, HybridTimestamp.From(101, 0), HybridTimestamp.From(100, 9), 0, 7, Participants);

        var preparedBack = JournalRecordCodec.Decode(JournalRecordCodec.Encode(prepare));
        var decidedBack = JournalRecordCodec.Decode(JournalRecordCodec.Encode(decision));

        Assert.Equal(JournalRecordKind.Prepare, preparedBack.Kind);
        Assert.Equal(3, preparedBack.FormatVersion);
        Assert.Equal(Participants, preparedBack.Participants);
        Assert.Equal(0, preparedBack.Coordinator);
        Assert.Equal(HybridTimestamp.From(100, 5), preparedBack.Commit);
        Assert.True(decidedBack.IsCommitDecision);
        Assert.Equal(HybridTimestamp.From(101, 0), decidedBack.Commit);
        Assert.Equal(HybridTimestamp.From(101, 0), decidedBack.Closed);
        Assert.Equal(2, JournalRecordCodec.Decode(JournalRecordCodec.Encode(JournalRecord.ForHeartbeat(HybridTimestamp.From(5, 0), 0, 1))).FormatVersion);
    }

    [Fact]
    public void Where_undecided_prepares_begin_round_trips_and_reads_as_zero_from_a_record_written_without_it()
    {
        var heartbeat = JournalRecord.ForHeartbeat(HybridTimestamp.From(5, 0), 0, 1) with { PreparesFromOffset = 42 };
        Assert.Equal(42, JournalRecordCodec.Decode(JournalRecordCodec.Encode(heartbeat)).PreparesFromOffset);
        Assert.NotNull(JournalRecordCodec.Validate(heartbeat with { PreparesFromOffset = -1 }));

        // A record as a writer before the field wrote it: an array of keys 0 to 14.
        var older = new object?[] { 2, (int)JournalRecordKind.Heartbeat, Guid.Empty, 0UL, 0UL, 0, 1L, Array.Empty<object>(),
            HybridTimestamp.From(5, 0).Value, 0, 1, null, 0L, null, 0 };
        var decoded = JournalRecordCodec.Decode(MessagePack.MessagePackSerializer.Serialize(older));
        Assert.Equal(JournalRecordKind.Heartbeat, decoded.Kind);
        Assert.Equal(0, decoded.PreparesFromOffset);
    }

    [Fact]
    public void Malformed_cross_shard_records_are_refused()
    {
        var id = Guid.NewGuid();
        var prepare = JournalRecord.ForPrepare(id, HybridTimestamp.From(100, 0), HybridTimestamp.From(100, 5), 2, 7, [], Participants);
        Assert.Null(JournalRecordCodec.Validate(prepare));
        Assert.NotNull(JournalRecordCodec.Validate(prepare with { FormatVersion = 2 }));
        Assert.NotNull(JournalRecordCodec.Validate(prepare with { Participants = [2, 0] }));
        Assert.NotNull(JournalRecordCodec.Validate(prepare with { Participants = [2] }));
        Assert.NotNull(JournalRecordCodec.Validate(prepare with { Shard = 1 }));
        Assert.NotNull(JournalRecordCodec.Validate(prepare with { CommitTimestamp = prepare.StartTimestamp }));
        var decision = JournalRecord.ForDecision(id, HybridTimestamp.Zero, HybridTimestamp.From(100, 9), 0, 7, Participants);
        Assert.Null(JournalRecordCodec.Validate(decision));
        Assert.False(decision.IsCommitDecision);
        Assert.NotNull(JournalRecordCodec.Validate(decision with { Writes = [new JournalWrite([1], null)] }));
        Assert.Throws<InvalidDataException>(() => JournalRecordCodec.Decode(
            MessagePack.MessagePackSerializer.Serialize(prepare with { FormatVersion = JournalRecord.NewestReadableFormatVersion + 1 })));
    }

    [Fact]
    public void The_tracker_resolves_to_the_lowest_partition_and_holds_below_an_undecided_prepare()
    {
        var tracker = new CrossShardTracker(2);
        var ready = new List<ReadyCommit>();
        var id = Guid.NewGuid();
        tracker.Accept(0, JournalRecord.ForHeartbeat(new HybridTimestamp(50), 0, 1), ready);
        tracker.Accept(1, JournalRecord.ForHeartbeat(new HybridTimestamp(30), 1, 1), ready);
        Assert.Equal(new HybridTimestamp(30), tracker.Resolved);

        tracker.Accept(1, JournalRecord.ForPrepare(id, new HybridTimestamp(10), new HybridTimestamp(40), 1, 1,
            [new JournalWrite([9], [9])], [0, 1]), ready);
        tracker.Accept(1, JournalRecord.ForHeartbeat(new HybridTimestamp(90), 1, 1), ready);
        Assert.Equal(new HybridTimestamp(39), tracker.Resolved);
        Assert.Empty(ready);

        tracker.Accept(0, JournalRecord.ForDecision(id, new HybridTimestamp(60), new HybridTimestamp(60), 0, 1, [0, 1]), ready);
        Assert.Equal(new HybridTimestamp(60), tracker.Resolved);
        Assert.Equal(new HybridTimestamp(60), Assert.Single(ready).CommitTimestamp);
        Assert.Equal(0, tracker.PendingPrepareCount);
    }
}
