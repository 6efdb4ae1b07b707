using Log.QueryNode.Sql.Parser.Ast;
using Log.QueryNode.Sql.Plan;

namespace Log.QueryNode.Sql.Binder;

internal sealed partial class SqlBinder
{
    /// <summary>UPDATE target [FROM items] [WHERE] SET ... [RETURNING]: the rows of the target (joined with FROM, filtered)
    /// projected to their new values followed by the key and the FROM columns, which RETURNING reads. A target row
    /// that joins several FROM rows is updated once, with one of them (PostgreSQL's rule).</summary>
    public BoundModification BindUpdate(UpdateStmt update)
    {
        if (update.With is not null) BindWith(update.With);
        (var table, string referenceName, LogicalPlan plan, ViewTarget? view) = BindTargetRows(update.Relation, update.FromClause, update.Where, ModifyKind.Update);
        // Through a view, SET names the view's columns and the other columns of the base row stay as they are.
        BoundExpression[] newValues = view is null
            ? BindAssignments(table, update.TargetList, _scope.Items[0].Columns)
            : BindAssignments(table, ViewAssignments(view, update.TargetList), TableItem(table, table.Name, offset: 0, update.Relation.Location).Columns);
        var projection = new BoundExpression[plan.Width];
        newValues.CopyTo(projection, 0);
        for (int ordinal = newValues.Length; ordinal < projection.Length; ordinal++)
        {
            projection[ordinal] = new BoundColumn(ordinal, plan.OutputTypes[ordinal], $"column{ordinal + 1}", -1);
        }
        plan = new LogicalProject(plan, projection);
        BoundReturning? returning = BindReturning(update.ReturningList);
        return new BoundModification(new LogicalModify(ModifyKind.Update, table, referenceName, plan, null, returning?.Projection)
        {
            ViewChecks = view?.Checks ?? [],
        }, returning?.Columns);
    }
}
