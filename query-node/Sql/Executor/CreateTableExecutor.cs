using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Binder;
using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Parser.Ast;

namespace Log.QueryNode.Sql.Executor;

internal static class CreateTableExecutor
{
    public static async ValueTask<StatementResult> ExecuteAsync(CreateStmt create, SqlCatalog catalog, ITransactionStore store, CancellationToken cancellationToken)
    {
        string name = create.Relation.RelationName;
        if (await catalog.GetTableAsync(store, name, cancellationToken) is not null)
        {
            if (create.IfNotExists)
            {
                return new StatementResult(null, null, "CREATE TABLE") { Notices = [$"relation \"{name}\" already exists, skipping"] };
            }
            throw new SqlException(SqlState.DuplicateTable, $"relation \"{name}\" already exists");
        }
        // Validate the definition before taking an id, so a bad definition writes nothing.
        TableDescriptor probe = TableDefinitionBinder.Bind(create, tableId: 0);
        long tableId = await SqlCatalog.AllocateTableIdAsync(store, cancellationToken);
        TableDescriptor table = new(tableId, probe.Name, probe.Version, probe.NextColumnId, probe.Columns, probe.PrimaryKeyOrdinals,
            probe.Indexes, probe.Checks, probe.NextIndexId);
        await CheckIndexNamesAreFreeAsync(table, catalog, store, cancellationToken);
        SqlCatalog.WriteTable(store, table);
        return new StatementResult(null, null, "CREATE TABLE");
    }

    /// <summary>A table and its indexes share the relation namespace: neither may take an existing relation's name.</summary>
    private static async ValueTask CheckIndexNamesAreFreeAsync(TableDescriptor table, SqlCatalog catalog, ITransactionStore store, CancellationToken cancellationToken)
    {
        foreach (string name in table.Indexes.Select(index => index.Name).Prepend(table.Name))
        {
            if (await catalog.RelationExistsAsync(store, name, cancellationToken))
            {
                throw new SqlException(SqlState.DuplicateTable, $"relation \"{name}\" already exists");
            }
        }
    }
}
