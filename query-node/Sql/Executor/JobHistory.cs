using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Catalog;

namespace Log.QueryNode.Sql.Executor;

/// <summary>
/// Keeps sys.jobs from growing forever: a finished job (completed, failed or cancelled) stays for
/// <see cref="SqlLimits.JobHistoryRetentionMinutes"/> after its last update, and at most the newest
/// <see cref="SqlLimits.JobHistoryFinishedJobsMax"/> finished jobs stay, as DSQL keeps a job's history for a while
/// after it ends (for sys.jobs and sys.wait_for_job to answer). Unfinished jobs are never removed: their records are
/// what a build resumes from. The removal is its own transaction, run when a job finishes and when a query node starts;
/// losing a conflict to another node's removal (or anything else) only leaves the work for the next time.
/// </summary>
internal static class JobHistory
{
    /// <summary>The finished jobs to remove at <paramref name="nowUtc"/>.</summary>
    public static IEnumerable<JobDescriptor> Expired(IEnumerable<JobDescriptor> jobs, DateTime nowUtc, TimeSpan retention, int finishedJobsMax)
    {
        DateTime oldestKept = nowUtc - retention;
        return jobs.Where(job => job.IsFinished)
            .OrderByDescending(job => job.UpdateTimeUtc)
            .ThenByDescending(job => job.JobId, StringComparer.Ordinal)
            .Where((job, newest) => newest >= finishedJobsMax || job.UpdateTimeUtc < oldestKept);
    }

    /// <summary>Removes the expired jobs in one transaction; returns how many (0 when the commit lost a conflict).</summary>
    public static async ValueTask<int> RemoveExpiredAsync(IIndexBuildTransactions transactions, DateTime nowUtc, CancellationToken cancellationToken)
    {
        ITransactionStore store = await transactions.BeginAsync(cancellationToken);
        List<JobDescriptor> expired = Expired(await SqlCatalog.GetJobsAsync(store, cancellationToken), nowUtc,
            TimeSpan.FromMinutes(SqlLimits.JobHistoryRetentionMinutes), SqlLimits.JobHistoryFinishedJobsMax)
            .Take(SqlLimits.JobHistoryRemovedPerTransactionMax).ToList();
        if (expired.Count == 0) return 0;
        foreach (JobDescriptor job in expired) SqlCatalog.DeleteJob(store, job.JobId);
        return await transactions.TryCommitAsync(store, cancellationToken) ? expired.Count : 0;
    }
}
