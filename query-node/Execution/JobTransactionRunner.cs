using Log.Adjudicator;
using Log.Journal.Time;
using Log.QueryNode.Sql;
using Log.StorageNode;

namespace Log.QueryNode.Execution;

/// <summary>The transactions of background jobs (index builds) over the node's adjudicator and storage: a snapshot taken
/// now (closed at the adjudicator, as a session's BEGIN takes it) and a commit that reports a lost conflict as false, so
/// that the job retries its step. They belong to no session, so a job outlives the connection that started it.</summary>
public sealed class JobTransactionRunner(IAdjudicator adjudicator, IStorageReader storage, HybridClock clock, TransactionLimits limits,
    UniqueIdGenerator? uniqueIds = null) : IIndexBuildTransactions
{
    public async ValueTask<ITransactionStore> BeginAsync(CancellationToken cancellationToken)
    {
        HybridTimestamp start = clock.Now();
        var fence = await adjudicator.CloseTimestampAsync(start, cancellationToken);
        return new Transaction(Transaction.ReadPointOf(start, fence, clock), storage, clock, limits, uniqueIds);
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
                return false;
            default:
                throw new SqlException(SqlState.IoError, $"could not commit a job's step: {commit.Outcome} {commit.FailureReason}");
        }
    }
}
