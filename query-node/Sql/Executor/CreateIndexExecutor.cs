using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Binder;
using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Parser.Ast;

namespace Log.QueryNode.Sql.Executor;

/// <summary>
/// CREATE [UNIQUE] INDEX: binds the definition and adds the index to the table's descriptor in the building state,
/// which every writer maintains but no query reads. The entries for the rows already there are written after this
/// transaction commits, by <see cref="IndexBuild"/> in transactions of its own, which marks the index valid when done
/// (the statement's result asks the session for that build).
/// </summary>
internal static class CreateIndexExecutor
{
    public static async ValueTask<StatementResult> ExecuteAsync(IndexStmt statement, SqlCatalog catalog, ITransactionStore store, CancellationToken cancellationToken)
    {
        SqlEngine.CheckSchema(statement.Relation);
        if (statement.IsAsync) throw new SqlException(SqlState.FeatureNotSupported, "CREATE INDEX ASYNC is not supported", statement.Location + 1);
        string tableName = SqlEngine.CatalogNameOf(statement.Relation);
        // An index lives in its table's schema.
        if (statement.Name is { } given) statement = statement with { Name = RelationNames.InSchemaOf(tableName, given) };
        if (statement.Name is { } requested && await catalog.RelationExistsAsync(store, statement.Name, cancellationToken))
        {
            if (statement.IfNotExists)
            {
                return new StatementResult(null, null, "CREATE INDEX") { Notices = [$"relation \"{RelationNames.NameOf(requested)}\" already exists, skipping"] };
            }
            throw new SqlException(SqlState.DuplicateTable, $"relation \"{RelationNames.NameOf(requested)}\" already exists");
        }
        TableDescriptor table = await catalog.GetTableAsync(store, tableName, cancellationToken)
            ?? throw new SqlException(SqlState.UndefinedTable, $"relation \"{RelationNames.Display(tableName)}\" does not exist", statement.Relation.Location + 1);
        IndexDescriptor index = await BindWithFreeNameAsync(table, statement, catalog, store, cancellationToken);

        SqlCatalog.WriteTable(store, table.WithSchema(indexes: [.. table.Indexes, index], nextIndexId: table.NextIndexId + 1));
        return new StatementResult(null, null, "CREATE INDEX") { IndexBuilds = [new IndexBuildRequest(table.Name, index.Name)] };
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
