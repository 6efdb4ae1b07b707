using Log.QueryNode.Sql.Binder;
using Log.QueryNode.Sql.Executor.Operators;
using Log.QueryNode.Sql.Plan;

namespace Log.QueryNode.Sql.Planner;

internal sealed partial class QueryPlanner
{
    /// <summary>INSERT, UPDATE or DELETE: the input is planned as any query (UPDATE's and DELETE's WHERE goes down into the
    /// scan of the target, which chooses its access path from it); RETURNING and ON CONFLICT may hold subqueries.</summary>
    private PhysicalOperator BuildModify(LogicalModify modify)
    {
        PhysicalOperator input = Build(modify.Input);
        if (modify.Returning is not null) Register(modify.Returning);
        if (modify.OnConflict is { } conflict)
        {
            if (conflict.Assignments is not null) Register(conflict.Assignments);
            Register(conflict.Where);
        }
        foreach (ViewCheck check in modify.ViewChecks) Register(check.Condition);
        return new ModifyTableOperator(modify.Kind, modify.Table, modify.ReferenceName, input, modify.OnConflict, modify.Returning)
        {
            ViewChecks = modify.ViewChecks,
        };
    }

    /// <summary>Data-modifying WITH queries run even when nothing reads them, so each is planned whether referenced or not.</summary>
    private void PlanDataModifyingCommonTables()
    {
        foreach (CommonTable table in _context.CommonTables)
        {
            if (table.IsDataModifying) PlanCommonTable(table);
        }
    }
}
