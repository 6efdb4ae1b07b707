using Log.Adjudicator;
using Log.Journal.Time;
using Log.StorageNode;

namespace Log.QueryNode.Execution;

/// <summary>Separate transactions over the node's adjudicator and storage: a snapshot taken as a session's BEGIN takes
/// it, the body, and a commit; a write-write conflict (another node allocated
/// from the same sequence meanwhile) or a commit refused as too old (the shard restarted meanwhile) retries from a new
/// snapshot, up to <see cref="AttemptsMax"/> times.</summary>
public sealed class SeparateTransactionRunner(IAdjudicator adjudicator, ISnapshotSource snapshots, IStorageReader storage, HybridClock clock,
    TransactionLimits limits, UniqueIdGenerator? uniqueIds = null) : ISeparateTransactions
{
    /// <summary>Tries of one separate transaction before it gives up with 40001: each conflict means another node
    /// committed an allocation in between, so a few hundred tries cover far more racing nodes than a cluster has.</summary>
    public const int AttemptsMax = 200;

    public async ValueTask<T> RunAsync<T>(Func<ITransactionStore, ValueTask<T>> body, CancellationToken cancellationToken)
    {
        for (int attempt = 1; ; attempt++)
        {
            var snapshot = attempt == 1 ? await snapshots.TakeAsync(cancellationToken) : await snapshots.TakeAfterConflictAsync(cancellationToken);
            var transaction = new Transaction(snapshot.ReadPoint, storage, clock, limits, uniqueIds);
            T result = await body(transaction);
            if (!transaction.NeedsAdjudication) return result;
            CommitResult commit = await adjudicator.CommitAsync(transaction.ToCommitRequest(), cancellationToken);
            switch (commit.Outcome)
            {
                case CommitOutcome.Committed:
                    clock.Observe(commit.CommitTimestamp);
                    return result;
                case CommitOutcome.DataConflict or CommitOutcome.SchemaConflict when attempt < AttemptsMax:
                    continue;
                // Snapshots are never below the shard's window, so this is a shard that restarted during the
                // transaction (or a window at its memory bound). Nothing was written, and the retry's snapshot (after a
                // fence) is above the new horizon, so it is tried again as a conflict is: a query node's start
                // allocates its node id this way and must not stop for a restart it raced.
                case CommitOutcome.TooOld when attempt < AttemptsMax:
                    continue;
                case CommitOutcome.TooOld:
                    throw TooOldCommit.Answer(transaction.Start, clock.Now(), limits.MaxTransactionDuration);
                case CommitOutcome.DataConflict or CommitOutcome.SchemaConflict:
                    throw new SqlException(SqlState.SerializationFailure, "could not allocate sequence values: too many concurrent allocations, please retry: (OC000)");
                default:
                    throw new SqlException(SqlState.IoError, $"could not allocate sequence values: {commit.Outcome} {commit.FailureReason}");
            }
        }
    }
}
