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
    : BatchedJob<IndexBuild.BuildingIndex>(jobId, transactions, time)
{
    /// <summary>The index a job builds, with its table.</summary>
    internal sealed record BuildingIndex(TableDescriptor Table, IndexDescriptor Index);

    protected override string CancelledDetails => "cancelled: the index was dropped before its build finished";

    protected override ValueTask<(byte[]? Last, int Rows, SqlException? Error)> RunBatchAsync(ITransactionStore store, BuildingIndex target,
        byte[]? resumeAfter, int batchRows, CancellationToken cancellationToken) =>
        WriteBatchAsync(store, target.Table, target.Index, resumeAfter, batchRows, cancellationToken);

    protected override void Complete(ITransactionStore store, BuildingIndex target) =>
        SqlCatalog.WriteTable(store, target.Table.WithSchema(indexes: target.Table.Indexes
            .Select(existing => existing.Id == target.Index.Id ? existing with { State = IndexState.Valid } : existing).ToArray()));

    /// <summary>A build that cannot finish drops its index: it is never left half-done but marked usable.</summary>
    protected override void Abandon(ITransactionStore store, BuildingIndex target)
    {
        SqlCatalog.DeleteIndexName(store, target.Index.Name);
        SqlCatalog.WriteTable(store, target.Table.WithSchema(indexes: target.Table.Indexes.Where(existing => existing.Id != target.Index.Id).ToArray()));
    }

    protected override SqlException Conflict(JobDescriptor job) => new(SqlState.SerializationFailure,
        $"could not build index \"{job.ObjectName}\": concurrent writes kept conflicting with it, please retry: (OC000)");

    /// <summary>The job's index, if it still exists and is still building (the same index: its OID matches, so an index
    /// dropped and created again under the name is not mistaken for it).</summary>
    protected override async ValueTask<BuildingIndex?> ReadTargetAsync(ITransactionStore store, JobDescriptor job, CancellationToken cancellationToken)
    {
        TableDescriptor? table = await catalog.GetTableOfIndexAsync(store, job.ObjectName, cancellationToken);
        IndexDescriptor? index = table?.FindIndex(job.ObjectName);
        if (index is not { State: IndexState.Building }) return null;
        return ObjectIds.Index(ObjectIds.Relation(table!.Id), index.Id) == job.ObjectId ? new BuildingIndex(table, index) : null;
    }

    /// <summary>Entries for the next rows after <paramref name="resumeAfter"/>; returns the last row key read, how many
    /// rows were read, and the duplicate found, if any (then nothing must be committed).</summary>
    private static async ValueTask<(byte[]? Last, int Rows, SqlException? Duplicate)> WriteBatchAsync(ITransactionStore store, TableDescriptor table,
        IndexDescriptor descriptor, byte[]? resumeAfter, int batchRows, CancellationToken cancellationToken)
    {
        AccessPath all = AccessPathPlanner.Choose(table, where: null);
        AccessPath path = resumeAfter is null ? all : all with { Start = [.. resumeAfter, 0x00] }; // the first key after it
        WriteIndex index = WriteSchema.For(table).Indexes.First(candidate => candidate.Descriptor.Id == descriptor.Id);
        var writes = new StatementWrites(store, deferred: false, new StatementContext(cancellationToken));
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

}
