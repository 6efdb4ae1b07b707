using Log.Journal.Records;
using Log.Journal.Time;

namespace Log.Journal.Tests;

public sealed class JournalRecordCodecTests
{
    [Fact]
    public void A_commit_round_trips_with_every_field()
    {
        var record = JournalRecord.ForCommit(Guid.NewGuid(), HybridTimestamp.From(100, 1), HybridTimestamp.From(100, 2),
            shard: 3, epoch: 9, [new JournalWrite([1, 2], [3]), new JournalWrite([4], null)]);
        var decoded = JournalRecordCodec.Decode(JournalRecordCodec.Encode(record));
        Assert.Equal(record.TransactionId, decoded.TransactionId);
        Assert.Equal(record.Kind, decoded.Kind);
        Assert.Equal(record.Start, decoded.Start);
        Assert.Equal(record.Commit, decoded.Commit);
        Assert.Equal(record.Closed, decoded.Closed);
        Assert.Equal(3, decoded.Shard);
        Assert.Equal(9, decoded.Epoch);
        Assert.Equal(2, decoded.Writes.Count);
        Assert.Equal(new byte[] { 1, 2 }, decoded.Writes[0].Key);
        Assert.Equal(new byte[] { 3 }, decoded.Writes[0].Value);
        Assert.Null(decoded.Writes[1].Value);
    }

    [Fact]
    public void A_heartbeat_round_trips()
    {
        var record = JournalRecord.ForHeartbeat(HybridTimestamp.From(555, 0), shard: 1, epoch: 2);
        var decoded = JournalRecordCodec.Decode(JournalRecordCodec.Encode(record));
        Assert.Equal(JournalRecordKind.Heartbeat, decoded.Kind);
        Assert.Equal(record.Closed, decoded.Closed);
        Assert.Empty(decoded.Writes);
    }

    [Fact]
    public void A_region_heartbeat_with_a_durable_end_round_trips_as_version_5_and_one_without_reads_as_unknown()
    {
        var saying = JournalRecord.ForHeartbeat(HybridTimestamp.From(555, 0), shard: 0, epoch: 2, durableEnd: 41);
        var decoded = JournalRecordCodec.Decode(JournalRecordCodec.Encode(saying));
        Assert.Equal((JournalRecord.RegionDurableEndFormatVersion, 41L), (decoded.FormatVersion, decoded.DurableEnd));

        // A heartbeat of before the field: an array of 18 values (keys 0 to 17), two fewer than now, the last two being
        // key 18's 0 and key 19's nil (a batch's candidates; one byte each).
        var bytes = JournalRecordCodec.Encode(JournalRecord.ForHeartbeat(HybridTimestamp.From(555, 0), shard: 0, epoch: 2));
        Assert.Equal(new byte[] { 0xdc, 0, 20 }, bytes[..3]);
        Assert.Equal(new byte[] { 0, 0xc0 }, bytes[^2..]);
        var older = bytes[..^2];
        older[2] = 18;
        var read = JournalRecordCodec.Decode(older);
        Assert.Equal((JournalRecordKind.Heartbeat, 0L), (read.Kind, read.DurableEnd));
    }

    [Fact]
    public void Only_a_version_5_heartbeat_carries_a_durable_end()
    {
        var heartbeat = JournalRecord.ForHeartbeat(HybridTimestamp.From(555, 0), shard: 0, epoch: 2, durableEnd: 41);
        Assert.Throws<ArgumentException>(() => JournalRecordCodec.Encode(heartbeat with { FormatVersion = JournalRecord.RegionFormatVersion }));
        Assert.Throws<ArgumentException>(() => JournalRecordCodec.Encode(heartbeat with { DurableEnd = -1 }));
        var commit = JournalRecord.ForCommit(Guid.NewGuid(), HybridTimestamp.From(100, 1), HybridTimestamp.From(100, 2), 0, 2, [new JournalWrite([1], [2])]);
        Assert.Throws<ArgumentException>(() => JournalRecordCodec.Encode(commit with { FormatVersion = JournalRecord.RegionDurableEndFormatVersion, DurableEnd = 3 }));
    }

    [Fact]
    public void Garbage_and_truncated_bytes_are_invalid_data()
    {
        var bytes = JournalRecordCodec.Encode(JournalRecord.ForHeartbeat(HybridTimestamp.From(555, 0), 1, 2));
        Assert.Throws<InvalidDataException>(() => JournalRecordCodec.Decode(bytes.AsMemory(0, bytes.Length / 2)));
        Assert.Throws<InvalidDataException>(() => JournalRecordCodec.Decode(new byte[] { 0xC1, 0xFF, 0x00 }));
        Assert.Throws<InvalidDataException>(() => JournalRecordCodec.Decode(ReadOnlyMemory<byte>.Empty));
    }

    [Fact]
    public void A_well_formed_record_that_breaks_an_invariant_is_refused_both_ways()
    {
        var backwards = JournalRecord.ForCommit(Guid.NewGuid(), HybridTimestamp.From(100, 5), HybridTimestamp.From(100, 5), 0, 0, []);
        Assert.Throws<ArgumentException>(() => JournalRecordCodec.Encode(backwards));
        var bytes = MessagePack.MessagePackSerializer.Serialize(backwards);
        Assert.Throws<InvalidDataException>(() => JournalRecordCodec.Decode(bytes));
    }
}
