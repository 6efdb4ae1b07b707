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
        var context = new BindContext(null, tables) { Views = views, Relations = catalog.Relations };
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

    /// <summary>Whether INSERT, UPDATE and DELETE reach the view's table (PostgreSQL's relation_is_updatable without
    /// triggers and rules): the view and every view under it are automatically updatable, and at least one column is.</summary>
    public static bool IsAutomaticallyUpdatable(CatalogSnapshot catalog, ViewDescriptor view) =>
        UpdatableColumns(catalog, view, depth: 0) is { } columns && columns.Any(updatable => updatable);

    /// <summary>Per column of the view, whether it is a plain column of an updatable base relation (PostgreSQL's
    /// view_cols_are_auto_updatable, through every view under it); null when the view is not automatically updatable.</summary>
    public static bool[]? UpdatableColumns(CatalogSnapshot catalog, ViewDescriptor view, int depth = 0)
    {
        if (depth > SqlLimits.ViewNestingDepthMax || Query(view) is not { } select || NotUpdatableReason(select) is not null) return null;
        var from = (RangeVar)select.From[0];
        string name = RelationNames.Compose(from.SchemaName ?? SqlCatalog.DefaultSchema, from.RelationName);
        IReadOnlyList<string> baseNames;
        bool[] baseUpdatable;
        if (catalog.Tables.FirstOrDefault(table => table.Name == name) is { } baseTable)
        {
            baseNames = baseTable.Columns.Select(column => column.Name).ToArray();
            baseUpdatable = baseNames.Select(_ => true).ToArray();
        }
        else if (catalog.Views.FirstOrDefault(candidate => candidate.Name == name) is { } baseView
            && UpdatableColumns(catalog, baseView, depth + 1) is { } inner)
        {
            baseNames = baseView.ColumnNames;
            baseUpdatable = inner;
        }
        else
        {
            return null;
        }
        var columns = new List<bool>();
        foreach (ResTarget target in select.TargetList)
        {
            if (target.Value is ColumnRef { Star: true })
            {
                columns.AddRange(baseUpdatable);
                continue;
            }
            int ordinal = target.Value is ColumnRef reference ? baseNames.ToList().IndexOf(reference.Fields[^1]) : -1;
            columns.Add(ordinal >= 0 && baseUpdatable[ordinal]);
        }
        return [.. columns.Take(view.ColumnNames.Count)];
    }

    /// <summary>Why a view's query is not automatically updatable, in PostgreSQL's words (the DETAIL of its 55000 errors),
    /// or null when it is: one table or view in FROM, and no DISTINCT, GROUP BY, HAVING, WITH, set operation, LIMIT,
    /// OFFSET, aggregate or window function.</summary>
    public static string? NotUpdatableReason(SelectStmt select)
    {
        if (select.Distinct || select.DistinctOn is not null) return "Views containing DISTINCT are not automatically updatable.";
        if (select.GroupBy.Count > 0) return "Views containing GROUP BY are not automatically updatable.";
        if (select.Having is not null) return "Views containing HAVING are not automatically updatable.";
        if (select.With is not null) return "Views containing WITH are not automatically updatable.";
        if (select.Op != SetOperation.None) return "Views containing UNION, INTERSECT, or EXCEPT are not automatically updatable.";
        if (select.Limit is not null || select.Offset is not null) return "Views containing LIMIT or OFFSET are not automatically updatable.";
        var calls = select.TargetList.SelectMany(target => ParseTree.Walk(target.Value)).OfType<FuncCall>().ToList();
        if (calls.Any(call => call.Over is null && SqlBinder.IsAggregateName(call.Name))) return "Views that return aggregate functions are not automatically updatable.";
        if (calls.Any(call => call.Over is not null) || select.WindowClause.Count > 0) return "Views that return window functions are not automatically updatable.";
        if (select.ValuesLists is not null || select.From is not [RangeVar]) return "Views that do not select from a single table or view are not automatically updatable.";
        return null;
    }
}
