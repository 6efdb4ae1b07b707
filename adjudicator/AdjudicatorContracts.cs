using Log.Journal.Records;
using Log.Journal.Time;

namespace Log.Adjudicator;

/// <summary>Why a key is in a commit's conflict check, which picks the SQLSTATE detail code a
/// refused commit reports (DSQL's OC000 for data, OC001 for schema).</summary>
public enum ConflictCheckKind
{
    /// <summary>A row read with FOR UPDATE: refused (OC000) if committed by another transaction after the start.</summary>
    Data = 0,

    /// <summary>A catalog entry the transaction relied on: refused (OC001) if changed after the start.</summary>
    Schema = 1,
}

/// <summary>A key that the transaction does not write but that must not have changed since its start.</summary>
public sealed record ConflictCheck(byte[] Key, ConflictCheckKind Kind);

/// <summary>What a query node sends at COMMIT: its snapshot time and its write set.</summary>
public sealed record CommitRequest(
    Guid TransactionId,
    HybridTimestamp StartTimestamp,
    IReadOnlyList<JournalWrite> Writes,
    IReadOnlyList<ConflictCheck> Checks);

public enum CommitOutcome
{
    /// <summary>Appended to the journal and durable: the transaction committed at <see cref="CommitResult.CommitTimestamp"/>.</summary>
    Committed = 0,

    /// <summary>A written or checked data key was committed by another transaction after the start (OC000).</summary>
    DataConflict = 1,

    /// <summary>A checked schema key changed after the start (OC001).</summary>
    SchemaConflict = 2,

    /// <summary>The transaction started before the conflict window's horizon, so it cannot be checked (too old).</summary>
    TooOld = 3,

    /// <summary>The journal refused the transaction's records, or could not take them within the
    /// bounded retries: it did not commit, and retrying it is safe. <see cref="CommitResult.FailureReason"/> says why.</summary>
    NotCommitted = 4,

    /// <summary>The append of the record that commits failed after it may have reached the journal:
    /// the transaction may or may not have committed (PostgreSQL's transaction_resolution_unknown).
    /// The adjudicator rebuilds itself from the journal, which settles it for later readers.</summary>
    OutcomeUnknown = 5,

    /// <summary>The adjudicator is rebuilding itself from the journal after a failure and did not
    /// come back within <see cref="AdjudicatorOptions.RecoveryWaitTimeout"/>; nothing was decided.</summary>
    Unavailable = 6,
}

public sealed record CommitResult(
    CommitOutcome Outcome,
    HybridTimestamp CommitTimestamp,
    long JournalOffset,
    byte[]? ConflictingKey,
    string? FailureReason = null);

/// <summary>
/// A promise from the adjudicator: it will never commit at or below <see cref="Timestamp"/>, and
/// every commit at or below it is in <see cref="Partition"/> at an offset below
/// <see cref="EndOffset"/>. A storage node that has applied everything below EndOffset can
/// serve reads at Timestamp.
/// </summary>
public readonly record struct ReadFence(HybridTimestamp Timestamp, int Partition, long EndOffset);

/// <summary>The adjudicator as the query node sees it, in process or over the network.</summary>
public interface IAdjudicator
{
    Task<CommitResult> CommitAsync(CommitRequest request, CancellationToken cancellationToken);

    /// <summary>Closes <paramref name="timestamp"/>: once this returns, nothing commits at or below it.</summary>
    Task<ReadFence> CloseTimestampAsync(HybridTimestamp timestamp, CancellationToken cancellationToken);
}

/// <summary>One participant shard's part of a cross-shard transaction: the writes and checks of the keys it owns, and
/// every participant (ascending; the first is the coordinator).</summary>
public sealed record PrepareRequest(
    Guid TransactionId,
    HybridTimestamp StartTimestamp,
    IReadOnlyList<JournalWrite> Writes,
    IReadOnlyList<ConflictCheck> Checks,
    IReadOnlyList<int> Participants);

/// <summary>A cross-shard transaction's outcome: commit at <see cref="CommitTimestamp"/>, or abort when it is zero.</summary>
public sealed record DecideRequest(Guid TransactionId, HybridTimestamp CommitTimestamp, IReadOnlyList<int> Participants)
{
    public bool IsCommit => CommitTimestamp != HybridTimestamp.Zero;
}

/// <summary>
/// A shard's part in a cross-shard commit (adjudicator/README.md, "Cross-shard commits").
/// <see cref="PrepareAsync"/>: checks and holds the keys and appends a Prepare; <c>Committed</c> means prepared, at the
/// proposed timestamp in <see cref="CommitResult.CommitTimestamp"/>; any other outcome means the transaction cannot commit.
/// <see cref="DecideAsync"/>, at the coordinator only: appends the decision unless one exists, and returns the first one
/// (<c>Committed</c> at its timestamp, or <c>NotCommitted</c> for an abort).
/// <see cref="ResolveAsync"/>, at the other participants: learns the decision, appends its copy, and lets the keys go.
/// </summary>
public interface ICrossShardParticipant
{
    Task<CommitResult> PrepareAsync(PrepareRequest request, CancellationToken cancellationToken);

    Task<CommitResult> DecideAsync(DecideRequest request, CancellationToken cancellationToken);

    Task ResolveAsync(DecideRequest request, CancellationToken cancellationToken);
}
