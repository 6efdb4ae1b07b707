using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Parser.Ast;

namespace Log.QueryNode.Sql.Executor;

/// <summary>CREATE [OR REPLACE] VIEW and DROP VIEW. A view is its query's text and its column names; the binder reads
/// the view wherever it is named (see SqlBinder.From), so a view always runs against the current tables.</summary>
internal static class ViewExecutor
{
    /// <summary>Writes a view whose query has been bound (by the engine) to <paramref name="queryColumns"/>.</summary>
    public static async ValueTask<StatementResult> CreateAsync(ViewStmt create, IReadOnlyList<string> queryColumns, SqlCatalog catalog, ITransactionStore store,
        StatementContext statement, CancellationToken cancellationToken)
    {
        SqlEngine.CheckSchema(create.View, statement.Relations);
        string name = SqlEngine.CatalogNameOf(create.View, statement.Relations);
        if (create.Aliases is { } aliases && aliases.Count > queryColumns.Count)
        {
            throw new SqlException(SqlState.SyntaxError, "CREATE VIEW specifies more column names than columns");
        }
        string[] columns = [.. create.Aliases ?? [], .. queryColumns.Skip(create.Aliases?.Count ?? 0)];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (string column in columns)
        {
            if (!seen.Add(column)) throw new SqlException(SqlState.DuplicateColumn, $"column \"{column}\" specified more than once");
        }
        ViewDescriptor? existing = await SqlCatalog.GetViewAsync(store, name, cancellationToken);
        if (existing is null && await catalog.RelationKindAsync(store, name, cancellationToken) is not null)
        {
            throw new SqlException(SqlState.DuplicateTable, $"relation \"{name}\" already exists");
        }
        if (existing is not null && !create.Replace) throw new SqlException(SqlState.DuplicateTable, $"relation \"{name}\" already exists");
        if (existing is not null)
        {
            if (columns.Length < existing.ColumnNames.Count) throw new SqlException("42P16", "cannot drop columns from view");
            for (int index = 0; index < existing.ColumnNames.Count; index++)
            {
                if (columns[index] != existing.ColumnNames[index])
                {
                    throw new SqlException("42P16", $"cannot change name of view column \"{existing.ColumnNames[index]}\" to \"{columns[index]}\"",
                        hint: "Use ALTER VIEW ... RENAME COLUMN ... to change name of view column instead.");
                }
            }
        }
        if (create.CheckOption is not null && Catalog.System.ViewShapes.NotUpdatableReason(create.Query) is { } reason)
        {
            throw new SqlException(SqlState.FeatureNotSupported, "WITH CHECK OPTION is supported only on automatically updatable views", hint: reason);
        }
        long id = existing?.Id ?? await SqlCatalog.AllocateTableIdAsync(store, cancellationToken);
        SqlCatalog.WriteView(store, new ViewDescriptor(id, name, columns, create.QueryText) { CheckOption = create.CheckOption });
        return new StatementResult(null, null, "CREATE VIEW");
    }

    public static async ValueTask<StatementResult> DropAsync(DropStmt drop, SqlCatalog catalog, ITransactionStore store, StatementContext statement, CancellationToken cancellationToken)
    {
        var views = new List<ViewDescriptor>();
        var notices = new List<string>();
        foreach (RangeVar relation in drop.Objects)
        {
            if (SqlEngine.SkipsMissingSchema(relation, drop.MissingOk, notices, statement.Relations)) continue;
            ViewDescriptor? view = await SqlCatalog.GetViewAsync(store, SqlEngine.CatalogNameOf(relation, statement.Relations), cancellationToken);
            if (view is null)
            {
                await DropChecks.ThrowIfOtherKindAsync(catalog, store, SqlEngine.CatalogNameOf(relation, statement.Relations), ObjectType.View, cancellationToken);
                if (!drop.MissingOk) throw new SqlException(SqlState.UndefinedTable, $"view \"{relation.RelationName}\" does not exist");
                notices.Add($"view \"{relation.RelationName}\" does not exist, skipping");
                continue;
            }
            if (!views.Exists(existing => existing.Id == view.Id)) views.Add(view);
        }
        foreach (ViewDescriptor view in views)
        {
            SqlCatalog.DeleteView(store, view);
            await SqlCatalog.MoveCommentsAsync(store, view.Name, newName: null, cancellationToken);
        }
        return new StatementResult(null, null, "DROP VIEW") { Notices = notices };
    }
}
