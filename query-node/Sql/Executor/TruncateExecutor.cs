using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Parser.Ast;

namespace Log.QueryNode.Sql.Executor;

/// <summary>
/// TRUNCATE gives each table a new, empty storage id, as PostgreSQL gives it a new relfilenode: the descriptor is
/// rewritten under the same name with an id from the counter, so the statement writes a few catalog keys whatever the
/// table's size (deleting the rows would meet the 3,000-row transaction limit), it is atomic and undone by a rollback
/// like any DDL, and a transaction that raced it fails on the descriptor it read (OC001) instead of writing rows under
/// the old id. The old rows stay under the old id, which nothing names any more (as after DROP TABLE). Deleting in
/// bounded internal transactions instead would leave a half-emptied table visible after a failure and could not be
/// rolled back. The table's relation id (its oid) changes with the storage id.
/// </summary>
internal static class TruncateExecutor
{
    public static async ValueTask<StatementResult> ExecuteAsync(TruncateStmt truncate, SqlCatalog catalog, SequenceGenerator generator, ITransactionStore store,
        StatementContext statement, CancellationToken cancellationToken)
    {
        var tables = new List<TableDescriptor>();
        foreach (RangeVar relation in truncate.Relations)
        {
            SqlEngine.CheckSchema(relation, statement.Relations);
            TableDescriptor? table = await catalog.GetTableAsync(store, SqlEngine.CatalogNameOf(relation, statement.Relations), cancellationToken);
            if (table is null)
            {
                if (await catalog.RelationKindAsync(store, SqlEngine.CatalogNameOf(relation, statement.Relations), cancellationToken) is not null)
                {
                    throw new SqlException(SqlState.WrongObjectType, $"\"{relation.RelationName}\" is not a table");
                }
                throw new SqlException(SqlState.UndefinedTable, $"relation \"{relation.RelationName}\" does not exist", relation.Location + 1);
            }
            if (!tables.Exists(existing => existing.Id == table.Id)) tables.Add(table);
        }
        foreach (TableDescriptor table in tables)
        {
            // PostgreSQL's heap_truncate_check_FK: a referenced table may only be emptied with every table referencing it.
            if (table.ReferencedBy.FirstOrDefault(referencing => !tables.Exists(truncated => truncated.Name == referencing)) is { } outside)
            {
                throw new SqlException(SqlState.FeatureNotSupported, "cannot truncate a table referenced in a foreign key constraint",
                    detail: $"Table \"{RelationNames.NameOf(outside)}\" references \"{RelationNames.NameOf(table.Name)}\".", hint: $"Truncate table \"{RelationNames.NameOf(outside)}\" at the same time, or use TRUNCATE ... CASCADE.");
            }
        }
        foreach (TableDescriptor table in tables)
        {
            long storageId = await SqlCatalog.AllocateTableIdAsync(store, cancellationToken);
            var emptied = new TableDescriptor(storageId, table.Name, table.Version + 1, table.NextColumnId, table.Columns, table.PrimaryKeyOrdinals,
                table.Indexes, table.Checks, table.NextIndexId, table.ForeignKeys, table.ReferencedBy);
            store.Delete(CatalogKeys.NameById(table.Id));
            SqlCatalog.WriteTable(store, emptied);
            if (!truncate.RestartSequences) continue;
            foreach (SequenceDescriptor sequence in await SqlCatalog.GetOwnedSequencesAsync(store, table.Name, cancellationToken))
            {
                generator.Forget(sequence.Id);
                SqlCatalog.WriteSequenceState(store, sequence.Id, new SequenceState(sequence.Start, IsCalled: false));
            }
        }
        return new StatementResult(null, null, "TRUNCATE TABLE");
    }
}
