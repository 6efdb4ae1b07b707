using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Catalog.System;
using Log.QueryNode.Sql.Encoding;
using Log.QueryNode.Sql.Planner;

namespace Log.QueryNode.Sql.Executor;

/// <summary>
/// The backfill of a new index while writes continue, in bounded transactions of its own, driven by its job record
/// (<see cref="JobDescriptor"/>). CREATE INDEX commits the index in the building state and the job together, so from
/// then on every writer maintains the index's entries (a writer that read the older descriptor fails at commit, OC001).
/// Each batch reads the next rows of the table at a fresh snapshot, writes their entries, and records in the job how
/// far it got, in one transaction: a build that stops (a crash, a shutdown) goes on after the last committed batch
/// when it runs again, and never leaves the index half-valid, since only the last batch marks it valid. A row a writer
/// changed or deleted after the batch's snapshot had its entry deleted or rewritten by that writer, and the batch
/// writes the same entry key, so one of the two fails at commit (the batch is retried); a row inserted after the
/// snapshot has its entry from its writer. A duplicate in a unique index drops the index and fails the job with
/// 23505, as CREATE UNIQUE INDEX does. DROP INDEX cancels the job: the next batch finds the index gone (or a resumed
/// build does) and records the job as cancelled.
/// </summary>
internal sealed class IndexBuild(SqlCatalog catalog, string jobId, IIndexBuildTransactions transactions, TimeProvider time)
{
    /// <summary>Runs the job to its end; returns its final record (null if it does not exist) and, for a failed build,
    /// the error CREATE INDEX reports.</summary>
    public async ValueTask<(JobDescriptor? Job, SqlException? Error)> RunAsync(CancellationToken cancellationToken)
    {
        // A batch that loses a conflict to concurrent writers is retried smaller: under many writers a batch of a
        // thousand rows may always meet one of them, while a batch of a few rows commits. It grows back after commits.
        int batchRows = SqlLimits.IndexBuildBatchRowsMax;
        for (int attempt = 0; ; attempt++)
        {
            ITransactionStore store = await transactions.BeginAsync(cancellationToken);
            JobDescriptor? job = await SqlCatalog.GetJobAsync(store, jobId, cancellationToken);
            if (job is null || job.IsFinished) return (job, null);
            (TableDescriptor Table, IndexDescriptor Index)? building = await ReadBuildingIndexAsync(store, job, cancellationToken);
            JobDescriptor next;
            SqlException? error = null;
            if (building is null)
            {
                next = Update(job, JobDescriptor.Cancelled, "cancelled: the index was dropped before its build finished");
            }
            else
            {
                (TableDescriptor table, IndexDescriptor index) = building.Value;
                (byte[]? last, int rows, SqlException? duplicate) = await WriteBatchAsync(store, table, index, job.ResumeAfter, batchRows, cancellationToken);
                if (duplicate is not null)
                {
                    // Nothing of the batch is committed: a fresh transaction drops the index and fails the job.
                    store = await transactions.BeginAsync(cancellationToken);
                    if (await ReadBuildingIndexAsync(store, job, cancellationToken) is not { } current) continue;
                    DropIndex(store, current.Table, current.Index);
                    next = Update(job, JobDescriptor.Failed, duplicate.Message);
                    error = duplicate;
                }
                else if (rows < batchRows)
                {
                    SqlCatalog.WriteTable(store, table.WithSchema(indexes: table.Indexes
                        .Select(existing => existing.Id == index.Id ? existing with { State = IndexState.Valid } : existing).ToArray()));
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
                if (next.IsFinished) return (next, error);
                attempt = 0;
                batchRows = Math.Min(SqlLimits.IndexBuildBatchRowsMax, batchRows * 2);
                continue;
            }
            batchRows = Math.Max(SqlLimits.IndexBuildBatchRowsMin, batchRows / 2);
            if (attempt >= SqlLimits.IndexBuildBatchRetriesMax)
            {
                SqlException conflict = Conflict(job.ObjectName);
                await FailAsync(conflict, cancellationToken);
                return (null, conflict);
            }
        }
    }

    /// <summary>Ends a job that cannot go on: drops its index (a build is never left half-done but marked usable) and
    /// records the reason.</summary>
    private async ValueTask FailAsync(SqlException reason, CancellationToken cancellationToken)
    {
        for (int attempt = 0; attempt < SqlLimits.IndexBuildBatchRetriesMax; attempt++)
        {
            ITransactionStore store = await transactions.BeginAsync(cancellationToken);
            JobDescriptor? job = await SqlCatalog.GetJobAsync(store, jobId, cancellationToken);
            if (job is null || job.IsFinished) return;
            if (await ReadBuildingIndexAsync(store, job, cancellationToken) is { } building) DropIndex(store, building.Table, building.Index);
            SqlCatalog.WriteJob(store, Update(job, JobDescriptor.Failed, reason.Message));
            if (await transactions.TryCommitAsync(store, cancellationToken)) return;
        }
    }

    private JobDescriptor Update(JobDescriptor job, string status, string? details) =>
        job with { Status = status, Details = details, UpdateTimeUtc = time.GetUtcNow().UtcDateTime };

    private static void DropIndex(ITransactionStore store, TableDescriptor table, IndexDescriptor index)
    {
        SqlCatalog.DeleteIndexName(store, index.Name);
        SqlCatalog.WriteTable(store, table.WithSchema(indexes: table.Indexes.Where(existing => existing.Id != index.Id).ToArray()));
    }

    /// <summary>The job's index, if it still exists and is still building (the same index: its OID matches, so an index
    /// dropped and created again under the name is not mistaken for it).</summary>
    private async ValueTask<(TableDescriptor Table, IndexDescriptor Index)?> ReadBuildingIndexAsync(ITransactionStore store, JobDescriptor job, CancellationToken cancellationToken)
    {
        TableDescriptor? table = await catalog.GetTableOfIndexAsync(store, job.ObjectName, cancellationToken);
        IndexDescriptor? index = table?.FindIndex(job.ObjectName);
        if (index is not { State: IndexState.Building }) return null;
        return ObjectIds.Index(ObjectIds.Relation(table!.Id), index.Id) == job.ObjectId ? (table, index) : null;
    }

    /// <summary>Entries for the next rows after <paramref name="resumeAfter"/>; returns the last row key read, how many
    /// rows were read, and the duplicate found, if any (then nothing must be committed).</summary>
    private static async ValueTask<(byte[]? Last, int Rows, SqlException? Duplicate)> WriteBatchAsync(ITransactionStore store, TableDescriptor table,
        IndexDescriptor descriptor, byte[]? resumeAfter, int batchRows, CancellationToken cancellationToken)
    {
        AccessPath all = AccessPathPlanner.Choose(table, where: null);
        AccessPath path = resumeAfter is null ? all : all with { Start = [.. resumeAfter, 0x00] }; // the first key after it
        WriteIndex index = WriteSchema.For(table).Indexes.First(candidate => candidate.Descriptor.Id == descriptor.Id);
        var writes = new StatementWrites(store, deferred: false);
        byte[]? last = null;
        int rows = 0;
        await foreach (StoredRow row in RowSource.ReadAsync(store, table, path, cancellationToken))
        {
            SqlException? duplicate = await RowWriter.AddBuildEntryAsync(table, index, writes, row.Key, row.Values, cancellationToken);
            if (duplicate is not null) return (null, rows, duplicate);
            last = row.Key;
            if (++rows == batchRows) break;
        }
        return (last, rows, null);
    }

    private static SqlException Conflict(string indexName) => new(SqlState.SerializationFailure,
        $"could not build index \"{indexName}\": concurrent writes kept conflicting with it, please retry: (OC000)");
}
