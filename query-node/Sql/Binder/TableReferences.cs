using Log.QueryNode.Sql.Parser.Ast;

namespace Log.QueryNode.Sql.Binder;

/// <summary>
/// Every table name a statement's parse tree mentions in a FROM clause, a WITH query, a subquery or as the target of
/// a data-modifying statement. The engine looks these up in the catalog before binding, so that the binder itself
/// never waits on storage. Names that turn out to be WITH queries are looked up too (and not found, or found and
/// unused): harmless.
/// </summary>
internal static class TableReferences
{
    public static List<RangeVar> Collect(Node node)
    {
        // An explicit stack: operator chains (1 + 1 + ... ) nest as deep as they are long, deeper than the binder's
        // depth limit, which must be the one to report them.
        var found = new List<RangeVar>();
        var pending = new Stack<Node>();
        pending.Push(node);
        while (pending.Count > 0) Expand(pending.Pop(), pending, found);
        found.Reverse();
        return found;
    }

    private static void Visit(Node? node, Stack<Node> pending)
    {
        if (node is not null) pending.Push(node);
    }

    private static void VisitAll<T>(IEnumerable<T> nodes, Stack<Node> pending) where T : Node
    {
        foreach (T node in nodes) pending.Push(node);
    }

    private static void Expand(Node? node, Stack<Node> pending, List<RangeVar> found)
    {
        switch (node)
        {
            case null:
                return;
            case RangeVar rangeVar:
                found.Add(rangeVar);
                return;
            case SelectStmt select:
                if (select.With is not null) Visit(select.With, pending);
                VisitAll(select.TargetList, pending);
                VisitAll(select.From, pending);
                Visit(select.Where, pending);
                VisitAll(select.GroupBy, pending);
                Visit(select.Having, pending);
                if (select.DistinctOn is not null) VisitAll(select.DistinctOn, pending);
                foreach (WindowDef window in select.WindowClause) Visit(window, pending);
                if (select.ValuesLists is not null) foreach (IReadOnlyList<Expression> row in select.ValuesLists) VisitAll(row, pending);
                VisitAll(select.SortClause, pending);
                Visit(select.Limit, pending);
                Visit(select.Offset, pending);
                Visit(select.Larg, pending);
                Visit(select.Rarg, pending);
                return;
            case InsertStmt insert:
                if (insert.With is not null) Visit(insert.With, pending);
                found.Add(insert.Relation);
                foreach (IReadOnlyList<Expression> row in insert.ValuesLists) VisitAll(row, pending);
                Visit(insert.Select, pending);
                if (insert.OnConflict is { } conflict)
                {
                    VisitAll(conflict.TargetList, pending);
                    Visit(conflict.Where, pending);
                }
                if (insert.ReturningList is not null) VisitAll(insert.ReturningList, pending);
                return;
            case UpdateStmt update:
                if (update.With is not null) Visit(update.With, pending);
                found.Add(update.Relation);
                VisitAll(update.TargetList, pending);
                VisitAll(update.FromClause, pending);
                Visit(update.Where, pending);
                if (update.ReturningList is not null) VisitAll(update.ReturningList, pending);
                return;
            case DeleteStmt delete:
                if (delete.With is not null) Visit(delete.With, pending);
                found.Add(delete.Relation);
                VisitAll(delete.UsingClause, pending);
                Visit(delete.Where, pending);
                if (delete.ReturningList is not null) VisitAll(delete.ReturningList, pending);
                return;
            case WithClause with:
                foreach (CommonTableExpr cte in with.Ctes) Visit(cte.Query, pending);
                return;
            case RangeSubselect subselect:
                Visit(subselect.Subquery, pending);
                return;
            case RangeFunction function:
                Visit(function.Function, pending);
                return;
            case JoinExpr join:
                Visit(join.Left, pending);
                Visit(join.Right, pending);
                Visit(join.Quals, pending);
                return;
            case ResTarget target:
                Visit(target.Value, pending);
                return;
            case SortBy sortBy:
                Visit(sortBy.Expression, pending);
                return;
            case WindowDef window:
                VisitAll(window.PartitionBy, pending);
                VisitAll(window.OrderBy, pending);
                if (window.Frame is { } frame)
                {
                    Visit(frame.Start.Offset, pending);
                    Visit(frame.End.Offset, pending);
                }
                return;
            case SubLink link:
                Visit(link.TestExpression, pending);
                Visit(link.Subselect, pending);
                return;
            case A_Expr expression:
                Visit(expression.Left, pending);
                Visit(expression.Right, pending);
                return;
            case BoolExpr boolExpr:
                VisitAll(boolExpr.Arguments, pending);
                return;
            case NullTest nullTest:
                Visit(nullTest.Argument, pending);
                return;
            case BooleanTest booleanTest:
                Visit(booleanTest.Argument, pending);
                return;
            case InExpr inExpr:
                Visit(inExpr.Argument, pending);
                VisitAll(inExpr.List, pending);
                return;
            case BetweenExpr between:
                Visit(between.Argument, pending);
                Visit(between.Low, pending);
                Visit(between.High, pending);
                return;
            case LikeExpr like:
                Visit(like.Argument, pending);
                Visit(like.Pattern, pending);
                Visit(like.Escape, pending);
                return;
            case SimilarToExpr similar:
                Visit(similar.Argument, pending);
                Visit(similar.Pattern, pending);
                Visit(similar.Escape, pending);
                return;
            case TypeCast cast:
                Visit(cast.Argument, pending);
                return;
            case FuncCall call:
                VisitAll(call.Arguments, pending);
                if (call.AggregateOrder is not null) VisitAll(call.AggregateOrder, pending);
                Visit(call.Filter, pending);
                Visit(call.Over, pending);
                return;
            case CaseExpr caseExpr:
                Visit(caseExpr.Argument, pending);
                foreach (CaseWhen when in caseExpr.Whens)
                {
                    Visit(when.Condition, pending);
                    Visit(when.Result, pending);
                }
                Visit(caseExpr.Else, pending);
                return;
            case A_ArrayOpExpr arrayOp:
                Visit(arrayOp.Left, pending);
                Visit(arrayOp.Right, pending);
                return;
            case A_ArrayExpr array:
                VisitAll(array.Elements, pending);
                return;
            case A_Indirection indirection:
                Visit(indirection.Argument, pending);
                foreach (A_Indices indices in indirection.Indirection)
                {
                    Visit(indices.Lower, pending);
                    Visit(indices.Upper, pending);
                }
                return;
            case RowExpr row:
                VisitAll(row.Arguments, pending);
                return;
            case GroupingSet set:
                VisitAll(set.Content, pending);
                return;
            case ExplainStmt explain:
                Visit(explain.Query, pending);
                return;
            default:
                return;
        }
    }
}
