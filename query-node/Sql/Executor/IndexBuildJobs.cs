using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Catalog;

namespace Log.QueryNode.Sql.Executor;

/// <summary>
/// The index builds and table rewrites running on this query node, one task per job id, apart from any session: CREATE INDEX ASYNC starts
/// one and returns, a plain CREATE INDEX starts one and awaits it, sys.wait_for_job awaits it (or, for a job running
/// elsewhere, polls its record), and a node starting up resumes every job its catalog has unfinished. Stopping the
/// node cancels the builds; their records say how far they got, so they go on at the next start.
/// </summary>
internal sealed class IndexBuildJobs(SqlCatalog catalog, TimeProvider time, Action onFinished)
{
    private readonly Dictionary<string, Task<(JobDescriptor? Job, SqlException? Error)>> _running = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>The job's build, started now unless it already runs here.</summary>
    public Task<(JobDescriptor? Job, SqlException? Error)> Start(string jobId, IIndexBuildTransactions transactions)
    {
        lock (_running)
        {
            if (_running.TryGetValue(jobId, out var running)) return running;
            Func<CancellationToken, ValueTask<(JobDescriptor?, SqlException?)>> run = JobDescriptor.IsTableRewrite(jobId)
                ? new TableRewriteJob(catalog, jobId, transactions, time).RunAsync
                : new IndexBuild(catalog, jobId, transactions, time).RunAsync;
            Task<(JobDescriptor?, SqlException?)> task = Task.Run(async () =>
            {
                try
                {
                    (JobDescriptor? Job, SqlException? Error) outcome = await run(_stopping.Token);
                    if (outcome.Job is { IsFinished: true }) await RemoveExpiredJobsAsync(transactions, _stopping.Token);
                    return outcome;
                }
                finally
                {
                    lock (_running) _running.Remove(jobId);
                    onFinished();
                }
            });
            _running[jobId] = task;
            return task;
        }
    }

    /// <summary>Waits for the job to end; true when it completed, false when it failed or was cancelled. A job that
    /// does not exist is 42704.</summary>
    public async ValueTask<bool> WaitAsync(string jobId, IIndexBuildTransactions transactions, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task<(JobDescriptor?, SqlException?)>? running;
            lock (_running) running = _running.GetValueOrDefault(jobId);
            if (running is not null)
            {
                try
                {
                    await running.WaitAsync(cancellationToken);
                }
                catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    // The build stopped without an outcome (the node is stopping); its record says where it is.
                }
            }
            ITransactionStore store = await transactions.BeginAsync(cancellationToken);
            JobDescriptor job = await SqlCatalog.GetJobAsync(store, jobId, cancellationToken)
                ?? throw new SqlException(SqlState.UndefinedObject, $"job \"{jobId}\" does not exist");
            if (job.IsFinished) return job.Status == JobDescriptor.Completed;
            if (running is null) await Task.Delay(SqlLimits.JobPollIntervalMs, cancellationToken);
        }
    }

    /// <summary>Removes the finished jobs sys.jobs no longer keeps (<see cref="JobHistory"/>). Best effort: a storage or
    /// commit failure leaves them for the next time and never fails the build that just ended.</summary>
    private async ValueTask RemoveExpiredJobsAsync(IIndexBuildTransactions transactions, CancellationToken cancellationToken)
    {
        try
        {
            await JobHistory.RemoveExpiredAsync(transactions, time.GetUtcNow().UtcDateTime, cancellationToken);
        }
        catch (Exception exception) when (exception is SqlException or StorageNode.StorageUnavailableException)
        {
            // Left for the next job's end or the next start.
        }
    }

    /// <summary>Starts every job the catalog has unfinished: those a crash or a shutdown cut short. Removes the finished
    /// jobs sys.jobs no longer keeps first.</summary>
    public async ValueTask<int> ResumeAsync(IIndexBuildTransactions transactions, CancellationToken cancellationToken)
    {
        await RemoveExpiredJobsAsync(transactions, cancellationToken);
        ITransactionStore store = await transactions.BeginAsync(cancellationToken);
        int resumed = 0;
        foreach (JobDescriptor job in await SqlCatalog.GetJobsAsync(store, cancellationToken))
        {
            if (job.IsFinished) continue;
            _ = Start(job.JobId, transactions);
            resumed++;
        }
        return resumed;
    }

    /// <summary>Cancels the running builds and waits for them to stop.</summary>
    public async ValueTask StopAsync()
    {
        await _stopping.CancelAsync();
        Task[] running;
        lock (_running) running = [.. _running.Values];
        try
        {
            await Task.WhenAll(running);
        }
        catch (Exception)
        {
            // Cancelled builds end with OperationCanceledException (or an error of the stopping journal); their records
            // are where the next start resumes them.
        }
    }
}
