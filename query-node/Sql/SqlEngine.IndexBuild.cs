using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Executor;

namespace Log.QueryNode.Sql;

/// <summary>An index to build: its job, and whether the statement returns at once (CREATE INDEX ASYNC) or awaits it.</summary>
public sealed record IndexBuildRequest(string IndexName, string JobId, bool IsAsync);

/// <summary>The transactions an index build runs in, each its own (begun at a fresh snapshot, committed through the
/// adjudicator). TryCommitAsync returns false when the commit lost a conflict (40001).</summary>
public interface IIndexBuildTransactions
{
    ValueTask<ITransactionStore> BeginAsync(CancellationToken cancellationToken);

    ValueTask<bool> TryCommitAsync(ITransactionStore transaction, CancellationToken cancellationToken);
}

public sealed partial class SqlEngine
{
    private IndexBuildJobs? _jobs;

    private IndexBuildJobs Jobs => LazyInitializer.EnsureInitialized(ref _jobs, () => new IndexBuildJobs(_catalog, JobTime, CatalogChanged));

    /// <summary>The clock of job records (their start and update times, and how long sys.jobs keeps finished ones).</summary>
    public TimeProvider JobTime { get; init; } = TimeProvider.System;

    /// <summary>The node's own transactions for index build jobs, so that a build outlives the session that started
    /// it; without them (an engine over an in-memory store in tests) a build runs in the transactions its caller gives.</summary>
    public IIndexBuildTransactions? JobTransactions { get; init; }

    /// <summary>Starts the build CREATE INDEX committed (see <see cref="IndexBuild"/>) and returns its task; the task
    /// throws the build's error (23505 for a duplicate in a unique index, after dropping the index) when it failed,
    /// and 57014 when it was cancelled by DROP INDEX.</summary>
    public Task StartIndexBuild(IndexBuildRequest request, IIndexBuildTransactions transactions)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(transactions);
        Task<(JobDescriptor? Job, SqlException? Error)> build = Jobs.Start(request.JobId, JobTransactions ?? transactions);
        return Outcome(build, request.IndexName);
    }

    /// <summary>Runs an index build to its end (what a plain CREATE INDEX waits for).</summary>
    public async ValueTask BuildIndexAsync(IndexBuildRequest request, IIndexBuildTransactions transactions, CancellationToken cancellationToken) =>
        await StartIndexBuild(request, transactions).WaitAsync(cancellationToken);

    /// <summary>sys.wait_for_job: waits for the job to end; true when it completed.</summary>
    internal ValueTask<bool> WaitForJobAsync(string jobId, IIndexBuildTransactions? transactions, CancellationToken cancellationToken)
    {
        IIndexBuildTransactions through = JobTransactions ?? transactions
            ?? throw new SqlException(SqlState.FeatureNotSupported, "sys.wait_for_job is not supported without a query node");
        return Jobs.WaitAsync(jobId, through, cancellationToken);
    }

    private async ValueTask<StatementResult> ExecuteCallAsync(Parser.Ast.CallStmt call, IReadOnlyList<object?>? parameters, CancellationToken cancellationToken)
    {
        string jobId = CallExecutor.JobId(call, parameters);
        bool succeeded = await WaitForJobAsync(jobId, transactions: null, cancellationToken);
        return new StatementResult(CallExecutor.Columns, [[succeeded]], "CALL");
    }

    /// <summary>Resumes the index builds a crash or a shutdown cut short; returns how many.</summary>
    public ValueTask<int> ResumeJobsAsync(CancellationToken cancellationToken) =>
        JobTransactions is null ? ValueTask.FromResult(0) : Jobs.ResumeAsync(JobTransactions, cancellationToken);

    /// <summary>Stops the running builds (the node is stopping); they resume at its next start.</summary>
    public ValueTask StopJobsAsync() => _jobs?.StopAsync() ?? ValueTask.CompletedTask;

    private static async Task Outcome(Task<(JobDescriptor? Job, SqlException? Error)> build, string indexName)
    {
        (JobDescriptor? job, SqlException? error) = await build;
        if (error is not null) throw error;
        if (job is { Status: JobDescriptor.Cancelled, JobType: JobDescriptor.TableRewriteType })
        {
            throw new SqlException(SqlState.QueryCanceled, $"canceling rewrite of table \"{indexName}\": the table was dropped");
        }
        if (job is { Status: JobDescriptor.Cancelled })
        {
            throw new SqlException(SqlState.QueryCanceled, $"canceling index build of \"{indexName}\": the index was dropped");
        }
    }
}
