using Log.QueryNode.Execution;
using Log.QueryNode.Sql;
using Log.StorageNode;

namespace Log.QueryNode.Sessions;

/// <summary>Index builds: a CREATE INDEX commits its index in the building state with its job, and once its
/// transaction has committed the session starts the job (which runs in transactions of its own, apart from the
/// session) and, for a plain CREATE INDEX, awaits it before it answers, so that it returns with the index valid or with
/// the build's error. CREATE INDEX ASYNC has returned the job's id and leaves the job running.</summary>
public sealed partial class QuerySession
{
    /// <summary>The builds the open transaction's CREATE INDEX statements asked for.</summary>
    private readonly List<IndexBuildRequest> pendingIndexBuilds = [];
    private Transaction? pendingIndexBuildsTransaction;

    private void AddIndexBuilds(Transaction owner, IReadOnlyList<IndexBuildRequest> builds)
    {
        if (builds.Count == 0) return;
        if (!ReferenceEquals(pendingIndexBuildsTransaction, owner))
        {
            pendingIndexBuilds.Clear(); // left over from a transaction that rolled back
            pendingIndexBuildsTransaction = owner;
        }
        pendingIndexBuilds.AddRange(builds);
    }

    /// <summary>How many builds the transaction has asked for so far (a savepoint remembers it).</summary>
    private int PendingIndexBuildCount(Transaction owner) => ReferenceEquals(pendingIndexBuildsTransaction, owner) ? pendingIndexBuilds.Count : 0;

    /// <summary>ROLLBACK TO: the builds asked for after the savepoint are forgotten with their indexes.</summary>
    private void TruncatePendingIndexBuilds(Transaction owner, int count)
    {
        if (!ReferenceEquals(pendingIndexBuildsTransaction, owner) || pendingIndexBuilds.Count <= count) return;
        pendingIndexBuilds.RemoveRange(count, pendingIndexBuilds.Count - count);
    }

    /// <summary>Runs the builds of a transaction that has just committed.</summary>
    private async ValueTask RunIndexBuildsAsync(Transaction committed, CancellationToken cancellationToken)
    {
        if (!ReferenceEquals(pendingIndexBuildsTransaction, committed)) return;
        IndexBuildRequest[] builds = [.. pendingIndexBuilds];
        pendingIndexBuilds.Clear();
        pendingIndexBuildsTransaction = null;
        var transactions = new BuildTransactions(this);
        var awaited = new List<Task>();
        foreach (IndexBuildRequest build in builds)
        {
            Task running = engine.StartIndexBuild(build, transactions);
            if (build.IsAsync) _ = running.ContinueWith(static task => _ = task.Exception, TaskScheduler.Default); // its outcome is in sys.jobs
            else awaited.Add(running);
        }
        foreach (Task running in awaited) await running.WaitAsync(cancellationToken);
    }

    /// <summary>A transaction on a new snapshot, as BEGIN takes one (see <see cref="Transaction.FailsChangedKeysEarly"/>).</summary>
    private async ValueTask<Transaction> OpenTransactionAsync(bool failsChangedKeysEarly, CancellationToken cancellationToken)
    {
        // A retry reserves the key it lost before its snapshot, which then holds the commit it lost to.
        LocalWriter? reserved = null;
        if (failsChangedKeysEarly && retryReservationKey is { } lostKey)
        {
            retryReservationKey = null;
            if (LocalWriters is { } registry) reserved = await registry.ReserveAsync(lostKey, limits.LocalWriterWaitMax, cancellationToken);
        }
        try
        {
            var snapshot = lastCommitConflicted ? await snapshots.TakeAfterConflictAsync(cancellationToken) : await snapshots.TakeAsync(cancellationToken);
            lastCommitConflicted = false;
            // With other query nodes, their DDL in this snapshot must have moved the catalog version before a plan is reused.
            if (engine.CatalogChanges is { } catalogChanges) await catalogChanges.WaitThroughAsync(snapshot, cancellationToken);
            return new Transaction(snapshot.ReadPoint, storage, clock, limits, engine.UniqueIds) { FailsChangedKeysEarly = failsChangedKeysEarly, LocalWriters = LocalWriters, Writer = reserved };
        }
        catch
        {
            reserved?.End(Log.Journal.Time.HybridTimestamp.Zero);
            throw;
        }
    }

    private sealed class BuildTransactions(QuerySession session) : IIndexBuildTransactions
    {
        public async ValueTask<ITransactionStore> BeginAsync(CancellationToken cancellationToken) =>
            await session.OpenTransactionAsync(failsChangedKeysEarly: false, cancellationToken);

        public async ValueTask<bool> TryCommitAsync(ITransactionStore transaction, CancellationToken cancellationToken)
        {
            try
            {
                await session.CommitAsync((Transaction)transaction, cancellationToken);
                return true;
            }
            catch (SqlException exception) when (exception.SqlState == SqlState.SerializationFailure)
            {
                return false;
            }
        }
    }
}
