using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Parser.Ast;

namespace Log.QueryNode.Sql.Binder;

internal sealed partial class SqlBinder
{
    public BoundUpdate BindUpdate(UpdateStmt update)
    {
        TableDescriptor table = _table!;
        _aggregateCalls = null;
        _aggregateForbiddenIn = "UPDATE";
        var assignments = new List<(int, BoundExpression)>();
        foreach (ResTarget target in update.TargetList)
        {
            int ordinal = table.OrdinalOf(target.Name!);
            if (ordinal < 0)
            {
                throw new SqlException(SqlState.UndefinedColumn, $"column \"{target.Name}\" of relation \"{table.Name}\" does not exist", target.Location + 1);
            }
            if (assignments.Exists(assignment => assignment.Item1 == ordinal))
            {
                throw new SqlException(SqlState.SyntaxError, $"multiple assignments to same column \"{target.Name}\"", target.Location + 1);
            }
            ColumnDescriptor column = table.Columns[ordinal];
            BoundExpression value = target.Value is SetToDefault
                ? DefaultOf(column)
                : CoerceForAssignment(Bind(target.Value), column, target.Value.Location);
            assignments.Add((ordinal, value));
        }
        BoundExpression? where = null;
        if (update.Where is not null)
        {
            _aggregateForbiddenIn = "WHERE";
            where = CoerceToBoolean(Bind(update.Where), update.Where, "WHERE");
        }
        return new BoundUpdate(table, assignments, where, BindReturning(update.ReturningList));
    }
}
