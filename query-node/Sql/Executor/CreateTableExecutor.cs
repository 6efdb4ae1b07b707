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
        if (await catalog.RelationKindAsync(store, name, cancellationToken) is not null)
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
        TableDescriptor table = new(tableId, probe.Name, probe.Version, probe.NextColumnId, probe.Columns, probe.PrimaryKeyOrdinals);
        SqlCatalog.WriteTable(store, table);
        return new StatementResult(null, null, "CREATE TABLE");
    }
}
