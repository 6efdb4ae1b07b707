using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Catalog.System;
using Log.QueryNode.Sql.Parser.Ast;
using Log.QueryNode.Sql.Plan;

namespace Log.QueryNode.Sql.Binder;

/// <summary>
/// A view that INSERT, UPDATE or DELETE names, resolved to the table it writes (PostgreSQL's rewriteTargetView):
/// Item is the view as the statement sees it, its columns expressions over the base table's row; BaseOrdinals gives
/// for each view column the base table column it is (-1 for a column that is not a plain column, which cannot be
/// written); Condition is every WHERE on the way down (UPDATE and DELETE see only the view's rows); Checks are the
/// WITH CHECK OPTION conditions the rows written must satisfy, the innermost view's first.
/// </summary>
internal sealed record ViewTarget(TableDescriptor Table, string ViewName, ScopeItem Item, IReadOnlyList<int> BaseOrdinals,
    BoundExpression? Condition, IReadOnlyList<ViewCheck> Checks)
{
    /// <summary>The index of the view column named <paramref name="name"/>, or -1.</summary>
    public int ColumnIndex(string name) => SqlBinder.IndexOfColumn(Item, name);
}

/// <summary>A WITH CHECK OPTION condition over the base table's row, and the view whose it is (for the 44000 error).</summary>
internal sealed record ViewCheck(string ViewName, BoundExpression Condition);

internal sealed partial class SqlBinder
{
    private const string NotBaseColumnDetail = "View columns that are not columns of their base relation are not updatable.";

    /// <summary>The view a data-modifying statement names, resolved down to its table; null when it names a table.</summary>
    private ViewTarget? FindTargetView(RangeVar relation, ModifyKind kind)
    {
        SqlEngine.CheckRelationSchema(relation, _context.Relations);
        string name = SqlEngine.CatalogNameOf(relation, _context.Relations);
        if (_context.FindTable(name) is not null || !_context.Views.TryGetValue(name, out BoundView? view)) return null;
        return ResolveViewTarget(view, relation.Alias ?? view.View.Name, relation.Location, kind, cascadedFromAbove: false, depth: 0);
    }

    private ViewTarget ResolveViewTarget(BoundView view, string referenceName, int location, ModifyKind kind, bool cascadedFromAbove, int depth)
    {
        string viewName = RelationNames.NameOf(view.View.Name);
        if (depth > SqlLimits.ViewNestingDepthMax)
        {
            throw new SqlException(SqlState.ProgramLimitExceeded, $"views nest more than {SqlLimits.ViewNestingDepthMax} levels deep");
        }
        SelectStmt query = view.Query;
        if (ViewShapes.NotUpdatableReason(query) is { } reason) throw NotUpdatableView(viewName, kind, reason);
        var inner = (RangeVar)query.From[0];
        string innerName = SqlEngine.CatalogNameOf(inner, _context.Relations);
        string innerReference = inner.Alias ?? inner.RelationName;
        bool cascaded = cascadedFromAbove || view.View.CheckOption == "cascaded";
        TableDescriptor table;
        ScopeItem innerItem;
        IReadOnlyList<int> innerOrdinals;
        BoundExpression? condition = null;
        var checks = new List<ViewCheck>();
        if (_context.FindTable(innerName) is { } baseTable)
        {
            table = baseTable;
            innerItem = TableItem(table, innerReference, offset: 0, inner.Location);
            innerOrdinals = Enumerable.Range(0, table.Columns.Count).ToArray();
        }
        else if (_context.Views.TryGetValue(innerName, out BoundView? innerView))
        {
            ViewTarget nested = ResolveViewTarget(innerView, innerReference, inner.Location, kind, cascaded, depth + 1);
            table = nested.Table;
            innerItem = nested.Item with { Name = innerReference };
            innerOrdinals = nested.BaseOrdinals;
            condition = nested.Condition;
            checks.AddRange(nested.Checks);
        }
        else
        {
            throw NotUpdatableView(viewName, kind, "Views that do not select from a single table or view are not automatically updatable.");
        }

        // The view's query over the relation under it: each output column, and its WHERE.
        var scope = new BindScope(parent: null);
        scope.AddItem(innerItem);
        var binder = new SqlBinder(_context, scope);
        var expressions = new List<BoundExpression>();
        var ordinals = new List<int>();
        foreach (ResTarget target in query.TargetList)
        {
            if (target.Value is ColumnRef { Star: true })
            {
                for (int index = 0; index < innerItem.Columns.Count; index++)
                {
                    expressions.Add(innerItem.Columns[index].Expression);
                    ordinals.Add(innerOrdinals[index]);
                }
                continue;
            }
            expressions.Add(binder.Bind(target.Value));
            int innerIndex = target.Value is ColumnRef reference ? IndexOfColumn(innerItem, reference.Fields[^1]) : -1;
            ordinals.Add(innerIndex >= 0 ? innerOrdinals[innerIndex] : -1);
        }
        int width = Math.Min(view.View.ColumnNames.Count, expressions.Count);
        var columns = new ScopeColumn[width];
        for (int index = 0; index < width; index++)
        {
            columns[index] = new ScopeColumn(view.View.ColumnNames[index], expressions[index]);
        }
        if (kind != ModifyKind.Delete && ordinals.Take(width).All(ordinal => ordinal < 0))
        {
            throw NotUpdatableView(viewName, kind, "Views that have no updatable columns are not automatically updatable.");
        }
        if (query.Where is not null)
        {
            binder._aggregateForbiddenIn = "WHERE";
            BoundExpression where = binder.CoerceToBoolean(binder.Bind(query.Where), query.Where, "WHERE");
            condition = condition is null ? where : new BoundBoolean(BoolExprKind.And, [condition, where]);
            if (cascaded || view.View.CheckOption is not null) checks.Add(new ViewCheck(viewName, where));
        }
        var item = new ScopeItem(referenceName, columns, location);
        return new ViewTarget(table, viewName, item, ordinals.Take(width).ToArray(), condition, checks);
    }

    internal static int IndexOfColumn(ScopeItem item, string name)
    {
        for (int index = 0; index < item.Columns.Count; index++)
        {
            if (item.Columns[index].Name == name) return index;
        }
        return -1;
    }

    /// <summary>UPDATE's SET through a view: each view column named becomes its base table column (42703 for a name the
    /// view lacks, 0A000 for a column that is not a plain column of the base relation).</summary>
    private static IReadOnlyList<ResTarget> ViewAssignments(ViewTarget view, IReadOnlyList<ResTarget> targets)
    {
        var mapped = new List<ResTarget>(targets.Count);
        foreach (ResTarget target in targets)
        {
            int ordinal = ViewColumnOrdinal(view, target.Name!, target.Location, "update");
            mapped.Add(target with { Name = view.Table.Columns[ordinal].Name });
        }
        return mapped;
    }

    /// <summary>The base table ordinal of a view column a statement writes (<paramref name="verb"/>: "insert into" or "update").</summary>
    private static int ViewColumnOrdinal(ViewTarget view, string name, int location, string verb)
    {
        int index = view.ColumnIndex(name);
        if (index < 0)
        {
            throw new SqlException(SqlState.UndefinedColumn, $"column \"{name}\" of relation \"{view.ViewName}\" does not exist", location + 1);
        }
        int ordinal = view.BaseOrdinals[index];
        if (ordinal < 0)
        {
            throw new SqlException(SqlState.FeatureNotSupported, $"cannot {verb} column \"{name}\" of view \"{view.ViewName}\"", detail: NotBaseColumnDetail);
        }
        return ordinal;
    }

    private static SqlException NotUpdatableView(string viewName, ModifyKind kind, string detail)
    {
        (string message, string verb, string command) = kind switch
        {
            ModifyKind.Insert => ($"cannot insert into view \"{viewName}\"", "inserting into", "INSERT"),
            ModifyKind.Update => ($"cannot update view \"{viewName}\"", "updating", "UPDATE"),
            _ => ($"cannot delete from view \"{viewName}\"", "deleting from", "DELETE"),
        };
        return new SqlException(SqlState.ObjectNotInPrerequisiteState, message, detail: detail,
            hint: $"To enable {verb} the view, provide an INSTEAD OF {command} trigger or an unconditional ON {command} DO INSTEAD rule.");
    }
}
