using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Binder;
using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Parser.Ast;
using Log.QueryNode.Sql.Planner;

namespace Log.QueryNode.Sql.Executor;

/// <summary>
/// CREATE [UNIQUE] INDEX: binds the definition, writes an entry for every row of the table (checking uniqueness as
/// it goes), and only then writes the table's descriptor with the index valid, all in the statement's transaction.
/// Every row read joins the commit's conflict check, so a transaction that changed or deleted one of them after this
/// one started fails this one (40001) instead of leaving a stale entry; and any DML that read the old descriptor
/// fails at its own commit (OC001).
/// </summary>
internal static class CreateIndexExecutor
{
    public static async ValueTask<StatementResult> ExecuteAsync(IndexStmt statement, SqlCatalog catalog, ITransactionStore store, CancellationToken cancellationToken)
    {
        SqlEngine.CheckSchema(statement.Relation);
        if (statement.IsAsync) throw new SqlException(SqlState.FeatureNotSupported, "CREATE INDEX ASYNC is not supported", statement.Location + 1);
        if (statement.Name is { } requested && await catalog.RelationExistsAsync(store, requested, cancellationToken))
        {
            if (statement.IfNotExists)
            {
                return new StatementResult(null, null, "CREATE INDEX") { Notices = [$"relation \"{requested}\" already exists, skipping"] };
            }
            throw new SqlException(SqlState.DuplicateTable, $"relation \"{requested}\" already exists");
        }
        string tableName = statement.Relation.RelationName;
        TableDescriptor table = await catalog.GetTableAsync(store, tableName, cancellationToken)
            ?? throw new SqlException(SqlState.UndefinedTable, $"relation \"{tableName}\" does not exist", statement.Relation.Location + 1);
        IndexDescriptor index = await BindWithFreeNameAsync(table, statement, catalog, store, cancellationToken);

        var writes = new StatementWrites(store, deferred: false);
        var building = table.WithSchema(indexes: [.. table.Indexes, index], nextIndexId: table.NextIndexId + 1);
        WriteIndex writeIndex = WriteSchema.For(building).Indexes[^1];
        var fullScan = AccessPathPlanner.Choose(table, where: null);
        await foreach (StoredRow row in RowSource.ReadAsync(store, table, fullScan, cancellationToken))
        {
            store.AddConflictCheck(row.Key, isSchema: false);
            await RowWriter.AddEntryAsync(building, writeIndex, writes, row.Key, row.Values, cancellationToken);
        }
        var valid = building.Indexes.Select(existing => existing.Id == index.Id ? existing with { State = IndexState.Valid } : existing).ToArray();
        SqlCatalog.WriteTable(store, building.WithSchema(indexes: valid));
        return new StatementResult(null, null, "CREATE INDEX");
    }

    /// <summary>An unnamed index takes PostgreSQL's generated name, skipping names any relation already has.</summary>
    private static async ValueTask<IndexDescriptor> BindWithFreeNameAsync(TableDescriptor table, IndexStmt statement, SqlCatalog catalog,
        ITransactionStore store, CancellationToken cancellationToken)
    {
        var taken = new HashSet<string>(table.Indexes.Select(existing => existing.Name), StringComparer.Ordinal) { table.Name };
        while (true)
        {
            IndexDescriptor index = ConstraintDefinitionBinder.BindIndex(table, statement, taken.Contains);
            if (statement.Name is not null || !await catalog.RelationExistsAsync(store, index.Name, cancellationToken)) return index;
            taken.Add(index.Name);
        }
    }
}
