using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Encoding;
using Log.QueryNode.Sql.Planner;

namespace Log.QueryNode.Sql.Executor;

/// <summary>
/// The backfill of a new index while writes continue, in bounded transactions of its own. CREATE INDEX commits the
/// index in the building state first, so from then on every writer maintains its entries (a writer that read the
/// older descriptor fails at commit, OC001). Each batch reads the next rows of the table at a fresh snapshot and
/// writes their entries. A row a writer changed or deleted after the batch's snapshot had its entry deleted or
/// rewritten by that writer, and the batch writes the same entry key, so one of the two fails at commit (the batch is
/// retried); a row inserted after the snapshot has its entry from its writer. When every batch has committed, the
/// index is complete and consistent and is marked valid. A duplicate in a unique index drops the index and fails
/// the build with 23505, as CREATE UNIQUE INDEX does.
/// </summary>
internal sealed class IndexBuild(SqlCatalog catalog, IndexBuildRequest request, IIndexBuildTransactions transactions)
{
    public async ValueTask RunAsync(CancellationToken cancellationToken)
    {
        byte[]? resumeAfter = null;
        bool scanned = false;
        while (!scanned)
        {
            for (int attempt = 0; ; attempt++)
            {
                ITransactionStore store = await transactions.BeginAsync(cancellationToken);
                (TableDescriptor Table, IndexDescriptor Index)? building = await ReadBuildingIndexAsync(store, cancellationToken);
                if (building is null) return; // dropped meanwhile
                (byte[]? last, int rows, SqlException? duplicate) = await WriteBatchAsync(store, building.Value.Table, building.Value.Index, resumeAfter, cancellationToken);
                if (duplicate is not null)
                {
                    await FinishAsync(valid: false, cancellationToken);
                    throw duplicate;
                }
                if (await transactions.TryCommitAsync(store, cancellationToken))
                {
                    resumeAfter = last ?? resumeAfter;
                    scanned = rows < SqlLimits.IndexBuildBatchRowsMax;
                    break;
                }
                if (attempt >= SqlLimits.IndexBuildBatchRetriesMax) throw Conflict();
            }
        }
        await FinishAsync(valid: true, cancellationToken);
    }

    private async ValueTask<(TableDescriptor, IndexDescriptor)?> ReadBuildingIndexAsync(ITransactionStore store, CancellationToken cancellationToken)
    {
        TableDescriptor? table = await catalog.GetTableAsync(store, request.TableName, cancellationToken);
        IndexDescriptor? index = table?.FindIndex(request.IndexName);
        return index is { State: IndexState.Building } ? (table!, index) : null;
    }

    /// <summary>Entries for the next rows after <paramref name="resumeAfter"/>; returns the last row key read, how many
    /// rows were read, and the duplicate found, if any (then nothing must be committed).</summary>
    private static async ValueTask<(byte[]? Last, int Rows, SqlException? Duplicate)> WriteBatchAsync(ITransactionStore store, TableDescriptor table,
        IndexDescriptor descriptor, byte[]? resumeAfter, CancellationToken cancellationToken)
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
            if (++rows == SqlLimits.IndexBuildBatchRowsMax) break;
        }
        return (last, rows, null);
    }

    /// <summary>Marks the index valid, or drops it after a failed build.</summary>
    private async ValueTask FinishAsync(bool valid, CancellationToken cancellationToken)
    {
        for (int attempt = 0; ; attempt++)
        {
            ITransactionStore store = await transactions.BeginAsync(cancellationToken);
            (TableDescriptor Table, IndexDescriptor Index)? building = await ReadBuildingIndexAsync(store, cancellationToken);
            if (building is null) return;
            (TableDescriptor table, IndexDescriptor index) = building.Value;
            IndexDescriptor[] indexes = valid
                ? table.Indexes.Select(existing => existing.Id == index.Id ? existing with { State = IndexState.Valid } : existing).ToArray()
                : table.Indexes.Where(existing => existing.Id != index.Id).ToArray();
            if (!valid) SqlCatalog.DeleteIndexName(store, index.Name);
            SqlCatalog.WriteTable(store, table.WithSchema(indexes: indexes));
            if (await transactions.TryCommitAsync(store, cancellationToken)) return;
            if (attempt >= SqlLimits.IndexBuildBatchRetriesMax) throw Conflict();
        }
    }

    private SqlException Conflict() => new(SqlState.SerializationFailure,
        $"could not build index \"{request.IndexName}\": concurrent writes kept conflicting with it, please retry: (OC000)");
}
