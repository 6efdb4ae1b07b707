using Log.Adjudicator;
using Log.Journal.Time;
using Log.QueryNode.Sql;
using Log.StorageNode;

namespace Log.QueryNode.Execution;

/// <summary>The transactions of background jobs (index builds) over the node's adjudicator and storage: a snapshot taken
/// as a session's BEGIN takes it and a commit that reports a lost conflict as false, so
/// that the job retries its step. They belong to no session, so a job outlives the connection that started it.</summary>
public sealed class JobTransactionRunner(IAdjudicator adjudicator, ISnapshotSource snapshots, IStorageReader storage, HybridClock clock,
    TransactionLimits limits, UniqueIdGenerator? uniqueIds = null) : IIndexBuildTransactions
{
    /// <summary>Set by a refused commit: the step is retried from a snapshot that holds the commit that refused it.</summary>
    private volatile bool refused;

    public async ValueTask<ITransactionStore> BeginAsync(CancellationToken cancellationToken)
    {
        var snapshot = refused ? await snapshots.TakeAfterConflictAsync(cancellationToken) : await snapshots.TakeAsync(cancellationToken);
        refused = false;
        return new Transaction(snapshot.ReadPoint, storage, clock, limits, uniqueIds);
    }

    public async ValueTask<bool> TryCommitAsync(ITransactionStore transaction, CancellationToken cancellationToken)
    {
        var committing = (Transaction)transaction;
        if (!committing.NeedsAdjudication) return true;
        CommitResult commit = await adjudicator.CommitAsync(committing.ToCommitRequest(), cancellationToken);
        switch (commit.Outcome)
        {
            case CommitOutcome.Committed:
                clock.Observe(commit.CommitTimestamp);
                return true;
            case CommitOutcome.DataConflict or CommitOutcome.SchemaConflict:
                refused = true;
                return false;
            default:
                throw new SqlException(SqlState.IoError, $"could not commit a job's step: {commit.Outcome} {commit.FailureReason}");
        }
    }
}
