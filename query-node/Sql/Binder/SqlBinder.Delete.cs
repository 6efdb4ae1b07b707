using Log.QueryNode.Sql.Parser.Ast;
using Log.QueryNode.Sql.Plan;

namespace Log.QueryNode.Sql.Binder;

internal sealed partial class SqlBinder
{
    /// <summary>DELETE FROM target [USING items] [WHERE] [RETURNING]: the rows of the target (joined with USING, filtered);
    /// a target row that joins several USING rows is deleted (and returned) once.</summary>
    public BoundModification BindDelete(DeleteStmt delete)
    {
        if (delete.With is not null) BindWith(delete.With);
        (var table, string referenceName, LogicalPlan plan, _) = BindTargetRows(delete.Relation, delete.UsingClause, delete.Where, ModifyKind.Delete);
        BoundReturning? returning = BindReturning(delete.ReturningList);
        return new BoundModification(new LogicalModify(ModifyKind.Delete, table, referenceName, plan, null, returning?.Projection), returning?.Columns);
    }
}
