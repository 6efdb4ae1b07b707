using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Catalog;

namespace Log.QueryNode.Sql.Executor;

/// <summary>
/// The driver every durable job shares (<see cref="IndexBuild"/>, <see cref="TableRewriteJob"/>): each round reads the
/// job record and its target at a fresh snapshot, runs one bounded batch and records how far it got in the same
/// transaction, so a job that stops goes on after its last committed batch. The last batch (fewer rows than asked)
/// completes the target in that transaction too. A batch that loses a conflict to concurrent writers is retried
/// smaller: under many writers a batch of a thousand rows may always meet one of them, while a batch of a few rows
/// commits; it grows back after commits, and after <see cref="SqlLimits.IndexBuildBatchRetriesMax"/> lost batches in a
/// row the job fails with 40001. A job whose target is gone (DROP INDEX, DROP TABLE) is recorded as cancelled.
/// </summary>
internal abstract class BatchedJob<TTarget>(string jobId, IIndexBuildTransactions transactions, TimeProvider time) where TTarget : class
{
    /// <summary>The job's id (sys.jobs' job_id).</summary>
    protected string JobId => jobId;

    /// <summary>The job's target if it still exists and still belongs to this job.</summary>
    protected abstract ValueTask<TTarget?> ReadTargetAsync(ITransactionStore store, JobDescriptor job, CancellationToken cancellationToken);

    /// <summary>Works on the next rows after <paramref name="resumeAfter"/>; returns the last row key read, how many rows
    /// were read, and the error that ends the job, if any (then nothing of the batch must be committed).</summary>
    protected abstract ValueTask<(byte[]? Last, int Rows, SqlException? Error)> RunBatchAsync(ITransactionStore store, TTarget target,
        byte[]? resumeAfter, int batchRows, CancellationToken cancellationToken);

    /// <summary>Makes the finished work visible (in the last batch's transaction).</summary>
    protected abstract void Complete(ITransactionStore store, TTarget target);

    /// <summary>Takes the unfinished work off its target, which is then as it was before the job.</summary>
    protected abstract void Abandon(ITransactionStore store, TTarget target);

    /// <summary>The job record's details when its target is gone.</summary>
    protected abstract string CancelledDetails { get; }

    /// <summary>The 40001 a job gets when concurrent writers keep winning.</summary>
    protected abstract SqlException Conflict(JobDescriptor job);

    /// <summary>Runs the job to its end; returns its final record (null if it does not exist) and, for a failed job,
    /// the error the statement that waits for it reports.</summary>
    public async ValueTask<(JobDescriptor? Job, SqlException? Error)> RunAsync(CancellationToken cancellationToken)
    {
        int batchRows = SqlLimits.IndexBuildBatchRowsMax;
        for (int attempt = 0; ; attempt++)
        {
            ITransactionStore store = await transactions.BeginAsync(cancellationToken);
            JobDescriptor? job = await SqlCatalog.GetJobAsync(store, jobId, cancellationToken);
            if (job is null || job.IsFinished) return (job, null);
            JobDescriptor next;
            if (await ReadTargetAsync(store, job, cancellationToken) is not { } target)
            {
                next = Update(job, JobDescriptor.Cancelled, CancelledDetails);
            }
            else
            {
                (byte[]? last, int rows, SqlException? error) = await RunBatchAsync(store, target, job.ResumeAfter, batchRows, cancellationToken);
                if (error is not null)
                {
                    return (await FailAsync(error, cancellationToken), error);
                }
                if (rows < batchRows)
                {
                    Complete(store, target);
                    next = Update(job, JobDescriptor.Completed, null) with { RowsProcessed = job.RowsProcessed + rows, ResumeAfter = null };
                }
                else
                {
                    next = Update(job, JobDescriptor.Processing, null) with { RowsProcessed = job.RowsProcessed + rows, ResumeAfter = last };
                }
            }
            SqlCatalog.WriteJob(store, next);
            if (await transactions.TryCommitAsync(store, cancellationToken))
            {
                if (next.IsFinished) return (next, null);
                attempt = 0;
                batchRows = Math.Min(SqlLimits.IndexBuildBatchRowsMax, batchRows * 2);
                continue;
            }
            batchRows = Math.Max(SqlLimits.IndexBuildBatchRowsMin, batchRows / 2);
            if (attempt >= SqlLimits.IndexBuildBatchRetriesMax)
            {
                SqlException conflict = Conflict(job);
                return (await FailAsync(conflict, cancellationToken), conflict);
            }
        }
    }

    /// <summary>Ends a job that cannot go on: abandons its work on the target and records the reason; returns the job's
    /// record as it then stands.</summary>
    private async ValueTask<JobDescriptor?> FailAsync(SqlException reason, CancellationToken cancellationToken)
    {
        for (int attempt = 0; attempt < SqlLimits.IndexBuildBatchRetriesMax; attempt++)
        {
            ITransactionStore store = await transactions.BeginAsync(cancellationToken);
            JobDescriptor? job = await SqlCatalog.GetJobAsync(store, jobId, cancellationToken);
            if (job is null || job.IsFinished) return job;
            if (await ReadTargetAsync(store, job, cancellationToken) is { } target) Abandon(store, target);
            JobDescriptor failed = Update(job, JobDescriptor.Failed, reason.Message);
            SqlCatalog.WriteJob(store, failed);
            if (await transactions.TryCommitAsync(store, cancellationToken)) return failed;
        }
        return await SqlCatalog.GetJobAsync(await transactions.BeginAsync(cancellationToken), jobId, cancellationToken);
    }

    private JobDescriptor Update(JobDescriptor job, string status, string? details) =>
        job with { Status = status, Details = details, UpdateTimeUtc = time.GetUtcNow().UtcDateTime };
}
