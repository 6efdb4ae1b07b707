using Log.QueryNode.Sql.Binder;
using Log.QueryNode.Sql.Executor.Operators;

namespace Log.QueryNode.Sql.Executor;

/// <summary>
/// Pushes the projection into the table scans: walks a finished operator tree from its root, tracking which columns
/// of each operator's rows anything above reads, and tells each table scan the columns it must decode (the others
/// stay NULL in its rows, which nothing reads). Decoding a stored row is much of a scan's cost, and a query often
/// needs two columns of ten. The walk knows the operators whose column use is plain to see (projection, filter,
/// aggregate, sort, limit, trim, hash and key lookup joins); below any other operator, or an expression with a
/// subquery (whose correlated references read the row), every column is decoded, as before.
/// </summary>
internal static class ScanColumns
{
    public static void Push(PhysicalOperator root) => Visit(root, needed: null);

    /// <param name="needed">The columns of the operator's rows read above it, by ordinal; null for all.</param>
    private static void Visit(PhysicalOperator node, HashSet<int>? needed)
    {
        switch (node)
        {
            case TableScanOperator scan:
                if (needed is null || (scan.Filter is not null && !AddColumns(scan.Filter, needed))) return;
                scan.DecodeOnly(needed);
                return;
            case ProjectOperator project:
            {
                var reads = new HashSet<int>();
                Visit(project.Input, AddColumns(project.Expressions, reads) ? reads : null);
                return;
            }
            case ProjectSetOperator projectSet:
            {
                if (needed is null)
                {
                    Visit(projectSet.Input, null);
                    return;
                }
                var reads = needed.Where(ordinal => ordinal < projectSet.InputWidth).ToHashSet();
                Visit(projectSet.Input, AddColumns(projectSet.Functions.SelectMany(function => function.Arguments), reads) ? reads : null);
                return;
            }
            case FilterOperator filter:
                Visit(filter.Children[0], needed is not null && AddColumns(filter.Predicate, needed) ? needed : null);
                return;
            case AggregateOperator aggregate:
            {
                var reads = new HashSet<int>();
                bool plain = AddColumns(aggregate.GroupKeys, reads);
                foreach (BoundAggregate call in aggregate.Aggregates)
                {
                    plain &= AddColumns(call.Arguments, reads) && (call.Filter is null || AddColumns(call.Filter, reads))
                        && AddColumns(call.OrderBy.Select(item => item.Expression), reads);
                }
                Visit(aggregate.Children[0], plain ? reads : null);
                return;
            }
            case SortOperator sort:
                if (needed is not null) foreach (Plan.SortKey key in sort.Keys) needed.Add(key.Ordinal);
                Visit(sort.Children[0], needed);
                return;
            case LimitOperator limit:
                Visit(limit.Children[0], needed);
                return;
            case TrimOperator trim:
                Visit(trim.Children[0], needed ?? [.. Enumerable.Range(0, trim.Width)]);
                return;
            case HashJoinOperator join:
            {
                (HashSet<int>? left, HashSet<int>? right) = Split(needed, join.LeftWidth);
                bool plain = left is not null && right is not null && AddColumns(join.LeftKeys, left) && AddColumns(join.RightKeys, right)
                    && AddJoined(join.Residual, left, right, join.LeftWidth);
                if (plain) join.ReadOnly(JoinedColumns(needed!, join.Residual));
                Visit(join.Children[0], plain ? left : null);
                Visit(join.Children[1], plain ? right : null);
                return;
            }
            case KeyLookupJoinOperator join:
            {
                (HashSet<int>? left, HashSet<int>? right) = Split(needed, join.LeftWidth);
                bool plain = left is not null && right is not null && AddColumns(join.KeyExpressions, left) && AddColumns(join.LeftHashKeys, left)
                    && AddColumns(join.RightHashKeys, right) && AddJoined(join.Residual, left, right, join.LeftWidth)
                    && AddJoined(join.HashResidual, left, right, join.LeftWidth);
                if (plain) join.ReadOnly(JoinedColumns(needed!, join.Residual, join.HashResidual));
                Visit(join.Children[0], plain ? left : null);
                Visit(join.Children[1], plain ? right : null);
                return;
            }
            default:
                return; // its scans decode every column
        }
    }

    /// <summary>The columns of a joined row read above it and by its join conditions (which read no subquery: the
    /// caller has checked).</summary>
    private static HashSet<int> JoinedColumns(HashSet<int> needed, params BoundExpression?[] conditions)
    {
        var columns = new HashSet<int>(needed);
        foreach (BoundExpression? condition in conditions)
        {
            if (condition is not null) AddColumns(condition, columns);
        }
        return columns;
    }

    /// <summary>The columns of a joined row as those of its left row and of its right row.</summary>
    private static (HashSet<int>? Left, HashSet<int>? Right) Split(HashSet<int>? needed, int leftWidth)
    {
        if (needed is null) return (null, null);
        var left = new HashSet<int>();
        var right = new HashSet<int>();
        foreach (int ordinal in needed)
        {
            if (ordinal < leftWidth) left.Add(ordinal);
            else right.Add(ordinal - leftWidth);
        }
        return (left, right);
    }

    private static bool AddJoined(BoundExpression? condition, HashSet<int> left, HashSet<int> right, int leftWidth)
    {
        if (condition is null) return true;
        var joined = new HashSet<int>();
        if (!AddColumns(condition, joined)) return false;
        foreach (int ordinal in joined)
        {
            if (ordinal < leftWidth) left.Add(ordinal);
            else right.Add(ordinal - leftWidth);
        }
        return true;
    }

    private static bool AddColumns(IEnumerable<BoundExpression> expressions, HashSet<int> columns)
    {
        foreach (BoundExpression expression in expressions)
        {
            if (!AddColumns(expression, columns)) return false;
        }
        return true;
    }

    /// <summary>Adds the columns the expression reads; false when it holds a subquery (which may read any).</summary>
    private static bool AddColumns(BoundExpression expression, HashSet<int> columns)
    {
        switch (expression)
        {
            case BoundSubquery:
                return false;
            case BoundColumn column:
                columns.Add(column.Ordinal);
                return true;
            default:
                foreach (BoundExpression child in BoundExpressionTree.Children(expression))
                {
                    if (!AddColumns(child, columns)) return false;
                }
                return true;
        }
    }
}
