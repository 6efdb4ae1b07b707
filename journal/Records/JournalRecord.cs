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

    /// <summary>
    /// A leading piece of a commit whose write set is too large for one record: it carries a
    /// slice of the encoded write set and makes nothing visible. The <see cref="Commit"/> record
    /// with the same transaction id and the last <see cref="JournalRecord.FragmentIndex"/> ends the
    /// transaction; until then (and forever, if it never comes) the fragments are ignored.
    /// See <see cref="JournalFragmenter"/> and <see cref="FragmentAssembler"/>.
    /// </summary>
    CommitFragment = 4,

    /// <summary>
    /// One participant shard's part of a transaction whose writes span several shards: its writes (keys it owns),
    /// checked for conflicts and held in flight, and <see cref="JournalRecord.CommitTimestamp"/> is its proposed
    /// timestamp: the transaction commits at or above it, or not at all. It makes nothing visible; the
    /// <see cref="Decision"/> in the coordinator's partition does (adjudicator/README.md, "Cross-shard commits").
    /// Readers hold the partition's resolved timestamp below the proposal until they have seen the decision.
    /// </summary>
    Prepare = 5,

    /// <summary>
    /// The outcome of a cross-shard transaction, written only in its coordinator's partition: commit at
    /// <see cref="JournalRecord.CommitTimestamp"/> (the highest proposal), or abort (CommitTimestamp 0). The first
    /// Decision for a transaction id in that partition is the truth; a later one is ignored.
    /// </summary>
    Decision = 6,

    /// <summary>
    /// Ends a lost region's stream (multi-region, adjudicator/README.md "Regions"): appended to the surviving copies of
    /// that region's topic, after the longest prefix any of them holds, with an epoch above the lost writer's. Readers
    /// take nothing of the topic after it; the merge decides without the region from then on.
    /// </summary>
    RegionSeal = 7,

    /// <summary>
    /// Appended by a surviving region to its own topic when a sealed region (<see cref="JournalRecord.Region"/>) comes
    /// back: the merge counts that region again from this record on, closed at <see cref="JournalRecord.ClosedTimestamp"/>,
    /// and the returning region proposes only above it.
    /// </summary>
    RegionRejoin = 8,

    /// <summary>
    /// Several candidates of a region topic in one record (multi-region, adjudicator/README.md "Commits batched into one
    /// record"): <see cref="JournalRecord.Batch"/> holds them, each with its own transaction, start and commit timestamps
    /// (strictly ascending) and write set. Readers unpack it into one Commit record per candidate before the merge
    /// (<see cref="RegionCommitBatch.Unpack"/>); its own <see cref="JournalRecord.CommitTimestamp"/> and
    /// <see cref="JournalRecord.ClosedTimestamp"/> are its last candidate's.
    /// </summary>
    CommitBatch = 9,
}

/// <summary>One write of a committed transaction: a key and its new value, or null for a delete.
/// Keys and values are opaque bytes to the journal.</summary>
[MessagePackObject]
public sealed record JournalWrite(
    [property: Key(0)] byte[] Key,
    [property: Key(1)] byte[]? Value);

/// <summary>One candidate of a <see cref="JournalRecordKind.CommitBatch"/> record: what a Commit record of a region topic
/// carries of its own (the rest, shard and epoch, is the batch's).</summary>
[MessagePackObject]
public sealed record JournalBatchedCommit(
    [property: Key(0)] Guid TransactionId,
    [property: Key(1)] ulong StartTimestamp,
    [property: Key(2)] ulong CommitTimestamp,
    [property: Key(3)] IReadOnlyList<JournalWrite> Writes,
    [property: Key(4)] IReadOnlyList<byte[]>? CheckKeys);

/// <summary>
/// The value of one journal record. Integer keys and a format version first, so that fields can
/// be added without breaking readers of older records.
///
/// Format versions: 1 had no fragments (keys 0-8). 2 added the fragment fields (keys 9-12); a
/// version 1 record reads as an unfragmented one (FragmentCount 1), so old partitions still replay. 3 added the
/// cross-shard kinds (Prepare, Decision) and their fields (keys 13-14); only those records are written as version 3,
/// so every other record keeps its version 2 bytes. Key 15 (<see cref="PreparesFromOffset"/>) came later without a
/// new version: a record without it reads as 0, which is what a writer that never held a prepare writes. 4 added the
/// region records (keys 16-17). 5 added a region heartbeat's <see cref="DurableEnd"/> (key 18): only a heartbeat that
/// carries one is written as version 5, and a record without it reads as 0, "unknown". 6 added the CommitBatch of
/// multi-region mode (key 19), written only for its own kind.
/// </summary>
[MessagePackObject]
public sealed record JournalRecord
{
    public const int CurrentFormatVersion = 2;

    /// <summary>The version of Prepare and Decision records, the first to carry <see cref="Participants"/>.</summary>
    public const int CrossShardFormatVersion = 3;

    /// <summary>The version of RegionSeal and RegionRejoin records, the first to carry <see cref="Region"/>.</summary>
    public const int RegionFormatVersion = 4;

    /// <summary>The version of a region heartbeat that carries <see cref="DurableEnd"/>.</summary>
    public const int RegionDurableEndFormatVersion = 5;

    /// <summary>The version of CommitBatch records, the first to carry <see cref="Batch"/>.</summary>
    public const int RegionBatchFormatVersion = 6;

    /// <summary>The newest format version readers accept.</summary>
    public const int NewestReadableFormatVersion = RegionBatchFormatVersion;

    /// <summary>The oldest format version readers still accept.</summary>
    public const int OldestReadableFormatVersion = 1;

    [Key(0)] public int FormatVersion { get; init; } = CurrentFormatVersion;
    [Key(1)] public JournalRecordKind Kind { get; init; }
    [Key(2)] public Guid TransactionId { get; init; }
    [Key(3)] public ulong StartTimestamp { get; init; }
    [Key(4)] public ulong CommitTimestamp { get; init; }
    [Key(5)] public int Shard { get; init; }
    [Key(6)] public long Epoch { get; init; }
    [Key(7)] public IReadOnlyList<JournalWrite> Writes { get; init; } = [];
    [Key(8)] public ulong ClosedTimestamp { get; init; }

    /// <summary>Position of this record among its transaction's fragments (0-based). The final
    /// <see cref="JournalRecordKind.Commit"/> record has index <see cref="FragmentCount"/> - 1.</summary>
    [Key(9)] public int FragmentIndex { get; init; }

    /// <summary>How many records carry this transaction's write set: 1 for every record that is
    /// not part of a fragmented commit (its writes, if any, are in <see cref="Writes"/>).</summary>
    [Key(10)] public int FragmentCount { get; init; } = 1;

    /// <summary>This fragment's slice of the MessagePack-encoded write set, when FragmentCount &gt; 1.</summary>
    [Key(11)] public byte[]? FragmentBytes { get; init; }

    /// <summary>On the final record of a fragmented commit: the length of the whole encoded write
    /// set, checked when the slices are put together.</summary>
    [Key(12)] public long WriteSetBytes { get; init; }

    /// <summary>On Prepare and Decision records: every shard that takes part in the transaction, ascending.</summary>
    [Key(13)] public IReadOnlyList<int>? Participants { get; init; }

    /// <summary>On Prepare and Decision records: the shard whose partition holds the decision (the lowest participant).</summary>
    [Key(14)] public int Coordinator { get; init; }

    /// <summary>
    /// On a record with a timestamp (a commit's final record, a heartbeat, a prepare, a decision): the lowest offset at
    /// which a Prepare of this partition's writer may lie whose decision the writer had not learned when it assigned
    /// this record; 0 when there was none. A restarted adjudicator reads the partition from here, not from its
    /// beginning, to hold the keys of every undecided prepare again before it decides anything (adjudicator/README.md).
    /// Records written before the field existed read as 0.
    /// </summary>
    [Key(15)] public long PreparesFromOffset { get; init; }

    /// <summary>
    /// On a commit of a region topic (multi-region): the keys it checks beyond its writes (FOR UPDATE rows and schema
    /// entries), so that every region's merge decides it the same way. Null elsewhere, and in records written before
    /// the field existed.
    /// </summary>
    [Key(16)] public IReadOnlyList<byte[]>? CheckKeys { get; init; }

    /// <summary>On a RegionRejoin record: the region that comes back.</summary>
    [Key(17)] public string? Region { get; init; }

    /// <summary>
    /// On a heartbeat of a region topic (multi-region): the offset below which every record of the topic was
    /// acknowledged to its writer as held by two regions' journals when it appended this heartbeat, so that a reader of
    /// one copy learns of the second copy without reading another (adjudicator/README.md, "The protocol"). Always at or
    /// below the heartbeat's own offset. 0: unknown (not said, or a record written before the field existed).
    /// </summary>
    [Key(18)] public long DurableEnd { get; init; }

    /// <summary>On a CommitBatch record: its candidates, in strictly ascending commit timestamp. Null elsewhere.</summary>
    [Key(19)] public IReadOnlyList<JournalBatchedCommit>? Batch { get; init; }

    [IgnoreMember] public HybridTimestamp Start => new(StartTimestamp);
    [IgnoreMember] public HybridTimestamp Commit => new(CommitTimestamp);
    [IgnoreMember] public HybridTimestamp Closed => new(ClosedTimestamp);

    /// <summary>True for a leading fragment and for the final record of a fragmented commit.</summary>
    [IgnoreMember] public bool IsFragment => FragmentCount > 1;

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

    public static JournalRecord ForPrepare(Guid transactionId, HybridTimestamp start, HybridTimestamp proposed,
        int shard, long epoch, IReadOnlyList<JournalWrite> writes, IReadOnlyList<int> participants) => new()
        {
            FormatVersion = CrossShardFormatVersion,
            Kind = JournalRecordKind.Prepare,
            TransactionId = transactionId,
            StartTimestamp = start.Value,
            CommitTimestamp = proposed.Value,
            Shard = shard,
            Epoch = epoch,
            Writes = writes,
            Participants = participants,
            Coordinator = participants[0],
        };

    /// <summary>A decision: commit at <paramref name="commit"/>, or abort when it is <see cref="HybridTimestamp.Zero"/>.
    /// Its closed timestamp is the commit timestamp (the coordinator observed it before appending), or
    /// <paramref name="closed"/> for an abort.</summary>
    public static JournalRecord ForDecision(Guid transactionId, HybridTimestamp commit, HybridTimestamp closed,
        int shard, long epoch, IReadOnlyList<int> participants) => new()
        {
            FormatVersion = CrossShardFormatVersion,
            Kind = JournalRecordKind.Decision,
            TransactionId = transactionId,
            CommitTimestamp = commit.Value,
            ClosedTimestamp = HybridTimestamp.Max(commit, closed).Value,
            Shard = shard,
            Epoch = epoch,
            Participants = participants,
            Coordinator = participants[0],
        };

    /// <summary>Whether a Decision record commits its transaction (an abort has no commit timestamp).</summary>
    [IgnoreMember] public bool IsCommitDecision => Kind == JournalRecordKind.Decision && CommitTimestamp != 0;

    /// <summary>The end of a lost region's stream, appended to the survivors' copies of its topic.</summary>
    public static JournalRecord ForRegionSeal(int shard, long epoch) => new()
    {
        FormatVersion = RegionFormatVersion,
        Kind = JournalRecordKind.RegionSeal,
        Shard = shard,
        Epoch = epoch,
    };

    /// <summary>A sealed region counts again from here, closed at <paramref name="closed"/>.</summary>
    public static JournalRecord ForRegionRejoin(string region, HybridTimestamp closed, int shard, long epoch) => new()
    {
        FormatVersion = RegionFormatVersion,
        Kind = JournalRecordKind.RegionRejoin,
        Region = region,
        ClosedTimestamp = closed.Value,
        Shard = shard,
        Epoch = epoch,
    };

    /// <summary>A promise never to commit at or below <paramref name="closed"/>; with <paramref name="durableEnd"/>
    /// above 0 (a region topic's writer), also the offset below which its topic is in two regions' journals.</summary>
    public static JournalRecord ForHeartbeat(HybridTimestamp closed, int shard, long epoch, long durableEnd = 0) => new()
    {
        FormatVersion = durableEnd > 0 ? RegionDurableEndFormatVersion : CurrentFormatVersion,
        Kind = JournalRecordKind.Heartbeat,
        Shard = shard,
        Epoch = epoch,
        ClosedTimestamp = closed.Value,
        DurableEnd = durableEnd,
    };
}
