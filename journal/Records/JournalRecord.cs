using Log.Journal.Time;
using MessagePack;

namespace Log.Journal.Records;

public enum JournalRecordKind
{
    /// <summary>A committed transaction: its write set became visible at <see cref="JournalRecord.CommitTimestamp"/>.</summary>
    Commit = 1,

    /// <summary>The writer of the partition promises never to commit at or below <see cref="JournalRecord.ClosedTimestamp"/>.</summary>
    Heartbeat = 2,

    /// <summary>A new leader took over the partition with a higher <see cref="JournalRecord.Epoch"/>.</summary>
    EpochStart = 3,
}

/// <summary>One write of a committed transaction: a key and its new value, or null for a delete.
/// Keys and values are opaque bytes to the journal.</summary>
[MessagePackObject]
public sealed record JournalWrite(
    [property: Key(0)] byte[] Key,
    [property: Key(1)] byte[]? Value);

/// <summary>
/// The value of one journal record. Integer keys and a format version first, so that fields can
/// be added without breaking readers of older records.
/// </summary>
[MessagePackObject]
public sealed record JournalRecord
{
    public const int CurrentFormatVersion = 1;

    [Key(0)] public int FormatVersion { get; init; } = CurrentFormatVersion;
    [Key(1)] public JournalRecordKind Kind { get; init; }
    [Key(2)] public Guid TransactionId { get; init; }
    [Key(3)] public ulong StartTimestamp { get; init; }
    [Key(4)] public ulong CommitTimestamp { get; init; }
    [Key(5)] public int Shard { get; init; }
    [Key(6)] public long Epoch { get; init; }
    [Key(7)] public IReadOnlyList<JournalWrite> Writes { get; init; } = [];
    [Key(8)] public ulong ClosedTimestamp { get; init; }

    [IgnoreMember] public HybridTimestamp Start => new(StartTimestamp);
    [IgnoreMember] public HybridTimestamp Commit => new(CommitTimestamp);
    [IgnoreMember] public HybridTimestamp Closed => new(ClosedTimestamp);

    public static JournalRecord ForCommit(Guid transactionId, HybridTimestamp start, HybridTimestamp commit,
        int shard, long epoch, IReadOnlyList<JournalWrite> writes) => new()
        {
            Kind = JournalRecordKind.Commit,
            TransactionId = transactionId,
            StartTimestamp = start.Value,
            CommitTimestamp = commit.Value,
            Shard = shard,
            Epoch = epoch,
            Writes = writes,
            ClosedTimestamp = commit.Value,
        };

    public static JournalRecord ForHeartbeat(HybridTimestamp closed, int shard, long epoch) => new()
    {
        Kind = JournalRecordKind.Heartbeat,
        Shard = shard,
        Epoch = epoch,
        ClosedTimestamp = closed.Value,
    };
}
