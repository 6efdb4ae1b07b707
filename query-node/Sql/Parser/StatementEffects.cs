using Log.QueryNode.Sql.Parser.Ast;

namespace Log.QueryNode.Sql.Parser;

/// <summary>What running a parsed statement may do beyond reading: write rows (INSERT / UPDATE / DELETE, also inside
/// WITH) or lock them (FOR UPDATE and its kin, anywhere in a query), so the session knows whether it is read-only.
/// The walk keeps its own stack: a long left-deep operator chain is deeper than the thread's stack.</summary>
internal static class StatementEffects
{
    public static bool WritesOrLocks(Statement statement)
    {
        var pending = new Stack<Node>();
        pending.Push(statement);
        while (pending.TryPop(out Node? node))
        {
            switch (node)
            {
                case InsertStmt or UpdateStmt or DeleteStmt:
                    return true;
                case ExplainStmt explain:
                    if (IsAnalyze(explain)) pending.Push(explain.Query);
                    break;
                case SelectStmt select:
                    if (select.ForUpdate) return true;
                    PushQueryParts(select, pending);
                    break;
                case FromItem item:
                    PushFromItemParts(item, pending);
                    break;
                case Expression expression:
                    PushExpressionParts(expression, pending);
                    break;
            }
        }
        return false;
    }

    /// <summary>EXPLAIN runs its statement only with ANALYZE (bare, or with a true value).</summary>
    public static bool IsAnalyze(ExplainStmt explain) =>
        explain.Options.TryGetValue("analyze", out string? value) && value?.ToLowerInvariant() is null or "true" or "on" or "1" or "yes";

    private static void PushAll(IEnumerable<Node?>? nodes, Stack<Node> pending)
    {
        if (nodes is null) return;
        foreach (Node? node in nodes)
        {
            if (node is not null) pending.Push(node);
        }
    }

    private static void PushQueryParts(SelectStmt select, Stack<Node> pending)
    {
        if (select.With is { } with) PushAll(with.Ctes.Select(cte => cte.Query), pending);
        PushAll([select.Larg, select.Rarg, select.Where, select.Having, select.Limit, select.Offset], pending);
        PushAll(select.From, pending);
        PushAll(select.TargetList.Select(target => target.Value), pending);
        PushAll(select.DistinctOn, pending);
        PushAll(select.GroupBy, pending);
        PushAll(select.SortClause.Select(sort => sort.Expression), pending);
        if (select.ValuesLists is { } rows) PushAll(rows.SelectMany(row => row), pending);
    }

    private static void PushFromItemParts(FromItem item, Stack<Node> pending)
    {
        switch (item)
        {
            case RangeSubselect subselect:
                pending.Push(subselect.Subquery);
                break;
            case RangeFunction function:
                pending.Push(function.Function);
                break;
            case JoinExpr join:
                PushAll([join.Left, join.Right, join.Quals], pending);
                break;
        }
    }

    private static void PushExpressionParts(Expression expression, Stack<Node> pending)
    {
        switch (expression)
        {
            case SubLink subLink:
                PushAll([subLink.Subselect, subLink.TestExpression], pending);
                break;
            case A_Expr binary:
                PushAll([binary.Left, binary.Right], pending);
                break;
            case BoolExpr boolean:
                PushAll(boolean.Arguments, pending);
                break;
            case NullTest test:
                pending.Push(test.Argument);
                break;
            case BooleanTest test:
                pending.Push(test.Argument);
                break;
            case InExpr test:
                pending.Push(test.Argument);
                PushAll(test.List, pending);
                break;
            case BetweenExpr between:
                PushAll([between.Argument, between.Low, between.High], pending);
                break;
            case LikeExpr like:
                PushAll([like.Argument, like.Pattern, like.Escape], pending);
                break;
            case SimilarToExpr similar:
                PushAll([similar.Argument, similar.Pattern, similar.Escape], pending);
                break;
            case TypeCast cast:
                pending.Push(cast.Argument);
                break;
            case FuncCall call:
                PushAll(call.Arguments, pending);
                PushAll([call.Filter], pending);
                if (call.AggregateOrder is { } order) PushAll(order.Select(sort => sort.Expression), pending);
                break;
            case A_ArrayOpExpr arrayOp:
                PushAll([arrayOp.Left, arrayOp.Right], pending);
                break;
            case A_ArrayExpr array:
                PushAll(array.Elements, pending);
                break;
            case A_Indirection indirection:
                pending.Push(indirection.Argument);
                PushAll(indirection.Indirection.SelectMany(indices => new[] { indices.Lower, indices.Upper }), pending);
                break;
            case RowExpr row:
                PushAll(row.Arguments, pending);
                break;
            case GroupingSet set:
                PushAll(set.Content, pending);
                break;
            case CaseExpr caseExpression:
                PushAll([caseExpression.Argument, caseExpression.Else], pending);
                PushAll(caseExpression.Whens.SelectMany(when => new[] { when.Condition, when.Result }), pending);
                break;
        }
    }
}
