using Log.QueryNode.Sql.Binder;
using Log.QueryNode.Sql.Parser;
using Log.QueryNode.Sql.Parser.Ast;
using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Catalog.System;

/// <summary>
/// What information_schema says about a view beyond its stored descriptor: its column types, which exist only where
/// the view's query is bound (Log stores the query text and the column names), and whether it is automatically
/// updatable in PostgreSQL's sense (view_query_is_auto_updatable), which is what is_updatable and is_insertable_into
/// report.
/// </summary>
internal static class ViewShapes
{
    /// <summary>The view's query, or null when its stored text no longer parses as one SELECT.</summary>
    private static SelectStmt? Query(ViewDescriptor view)
    {
        try
        {
            return SqlParser.ParseAll(view.QueryText) is [{ Statement: SelectStmt select }] ? select : null;
        }
        catch (Execution.SqlException)
        {
            return null;
        }
    }

    /// <summary>The types of every view's columns, each view bound over the snapshot's tables and views; a view whose
    /// query no longer binds has none (PostgreSQL's dependencies prevent that; Log's DDL does not track them all).</summary>
    public static Dictionary<string, IReadOnlyList<SqlType>> ColumnTypes(CatalogSnapshot catalog)
    {
        var views = new Dictionary<string, BoundView>(StringComparer.Ordinal);
        foreach (ViewDescriptor view in catalog.Views)
        {
            if (Query(view) is { } query) views[view.Name] = new BoundView(view, query);
        }
        var tables = new Dictionary<string, TableDescriptor>(StringComparer.Ordinal);
        foreach (TableDescriptor table in catalog.Tables) tables.TryAdd(table.Name, table);
        var context = new BindContext(null, tables) { Views = views };
        var types = new Dictionary<string, IReadOnlyList<SqlType>>(StringComparer.Ordinal);
        foreach (BoundView view in views.Values)
        {
            try
            {
                types[view.View.Name] = new SqlBinder(context, new BindScope(parent: null)) { IsStatementLevel = true }.BindQuery(view.Query).Types;
            }
            catch (Execution.SqlException)
            {
                // Listed without columns, as a relation whose columns cannot be described.
            }
        }
        return types;
    }

    /// <summary>A view column's type as PostgreSQL records it: an untyped literal's column is text, as PostgreSQL
    /// resolves a view's unknown output columns.</summary>
    public static SqlType ResolvedColumnType(SqlType type) => type.Kind == TypeKind.Unknown ? SqlType.Text : type;

    /// <summary>One relation in FROM, no WITH, DISTINCT, GROUP BY, HAVING, LIMIT, OFFSET, set operation, aggregate or
    /// window function, and at least one output column that is a plain column of that relation.</summary>
    public static bool IsAutomaticallyUpdatable(ViewDescriptor view)
    {
        if (Query(view) is not { } select) return false;
        if (select.Op != SetOperation.None || select.With is not null || select.Distinct || select.DistinctOn is not null || select.GroupBy.Count > 0
            || select.Having is not null || select.Limit is not null || select.Offset is not null || select.ValuesLists is not null
            || select.WindowClause.Count > 0 || select.From is not [RangeVar])
        {
            return false;
        }
        bool aggregateOrWindow = select.TargetList.Any(target => ParseTree.Walk(target.Value)
            .Any(node => node is FuncCall call && (call.Over is not null || SqlBinder.IsAggregateName(call.Name))));
        return !aggregateOrWindow && select.TargetList.Any(target => target.Value is ColumnRef);
    }
}
