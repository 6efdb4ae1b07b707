using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Parser.Ast;

namespace Log.QueryNode.Sql.Executor;

/// <summary>DROP TABLE: deletes the catalog entries only. The rows stay where they are, unreachable: they live under the
/// table's id, which nothing names any more, and table ids are never reused, so a new table of the same name starts
/// empty and a transaction that raced the drop fails on the descriptor it read (OC001) instead of writing into it.
/// Deleting the rows here would count every one of them against the transaction's row and byte limits, so a table
/// of more than 3,000 rows could not be dropped at all.</summary>
internal static class DropTableExecutor
{
    public static async ValueTask<StatementResult> ExecuteAsync(DropStmt drop, SqlCatalog catalog, ITransactionStore store, StatementContext statement, CancellationToken cancellationToken)
    {
        var tables = new List<TableDescriptor>();
        var notices = new List<string>();
        foreach (RangeVar relation in drop.Objects)
        {
            if (SqlEngine.SkipsMissingSchema(relation, drop.MissingOk, notices, statement.Relations)) continue;
            TableDescriptor? table = await catalog.GetTableAsync(store, SqlEngine.CatalogNameOf(relation, statement.Relations), cancellationToken);
            if (table is null && await catalog.GetTableOfIndexAsync(store, SqlEngine.CatalogNameOf(relation, statement.Relations), cancellationToken) is not null)
            {
                throw new SqlException(EngineSqlState.WrongObjectType, $"\"{relation.RelationName}\" is not a table", hint: "Use DROP INDEX to remove an index.");
            }
            if (table is null)
            {
                await DropChecks.ThrowIfOtherKindAsync(catalog, store, SqlEngine.CatalogNameOf(relation, statement.Relations), ObjectType.Table, cancellationToken);
                if (!drop.MissingOk) throw new SqlException(SqlState.UndefinedTable, $"table \"{relation.RelationName}\" does not exist");
                notices.Add($"table \"{relation.RelationName}\" does not exist, skipping");
                continue;
            }
            if (!tables.Exists(existing => existing.Id == table.Id)) tables.Add(table);
        }
        notices.AddRange(await ForeignKeyDefinition.DropAsync(tables, drop.Cascade, catalog, store, cancellationToken));
        foreach (TableDescriptor table in tables)
        {
            SqlCatalog.DeleteTable(store, table);
            await SqlCatalog.MoveCommentsAsync(store, table.Name, newName: null, cancellationToken);
            foreach (IndexDescriptor index in table.Indexes) await SqlCatalog.MoveCommentsAsync(store, index.Name, newName: null, cancellationToken);
            // Sequences OWNED BY a column of the table (serial and identity columns) go with it, as in PostgreSQL.
            foreach (SequenceDescriptor sequence in await SqlCatalog.GetOwnedSequencesAsync(store, table.Name, cancellationToken))
            {
                SqlCatalog.DeleteSequence(store, sequence);
                await SqlCatalog.MoveCommentsAsync(store, sequence.Name, newName: null, cancellationToken);
            }
        }
        return new StatementResult(null, null, "DROP TABLE") { Notices = notices };
    }
}
