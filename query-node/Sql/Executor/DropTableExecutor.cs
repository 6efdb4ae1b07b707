using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Encoding;
using Log.QueryNode.Sql.Parser.Ast;

namespace Log.QueryNode.Sql.Executor;

/// <summary>DROP TABLE: deletes every row key and the catalog entries. Table ids are never reused, so a transaction
/// that raced the drop cannot resurrect rows into a new table of the same name.</summary>
internal static class DropTableExecutor
{
    public static async ValueTask<StatementResult> ExecuteAsync(DropStmt drop, SqlCatalog catalog, ITransactionStore store, CancellationToken cancellationToken)
    {
        var tables = new List<TableDescriptor>();
        var notices = new List<string>();
        foreach (RangeVar relation in drop.Objects)
        {
            SqlEngine.CheckSchema(relation);
            TableDescriptor? table = await catalog.GetTableAsync(store, relation.RelationName, cancellationToken);
            if (table is null)
            {
                if (!drop.MissingOk) throw new SqlException(SqlState.UndefinedTable, $"table \"{relation.RelationName}\" does not exist");
                notices.Add($"table \"{relation.RelationName}\" does not exist, skipping");
                continue;
            }
            if (!tables.Exists(existing => existing.Id == table.Id)) tables.Add(table);
        }
        foreach (TableDescriptor table in tables)
        {
            KeyEncoder prefix = CatalogKeys.PrimaryIndexPrefix(table.Id);
            var keys = new List<byte[]>();
            await foreach (KeyValuePair<byte[], byte[]> entry in store.ScanAsync(prefix.ToArray(), prefix.ToPrefixEnd(), cancellationToken))
            {
                keys.Add(entry.Key);
            }
            foreach (byte[] key in keys) store.Delete(key);
            SqlCatalog.DeleteTable(store, table);
        }
        return new StatementResult(null, null, "DROP TABLE") { Notices = notices };
    }
}
