namespace Log.QueryNode.Sql.Parser.Ast;

/// <summary>
/// The direct children of a parse node, for walks that look for something anywhere in a statement (the tables it
/// names, whether it writes). Walks keep their own stack instead of recursing: a left-deep chain of operators
/// (1 + 1 + ...) nests as deep as it is long.
/// </summary>
internal static class ParseTree
{
    /// <summary>Every node under <paramref name="root"/>, itself first, then its children's subtrees left to right (the
    /// order they are written in, which pg_constraint.conkey of a CHECK constraint follows); <paramref name="descend"/>
    /// says whether to look inside a node (all nodes when null).</summary>
    public static IEnumerable<Node> Walk(Node root, Func<Node, bool>? descend = null)
    {
        var pending = new Stack<Node>();
        pending.Push(root);
        var children = new List<Node>();
        while (pending.TryPop(out Node? node))
        {
            yield return node;
            if (descend is not null && !descend(node)) continue;
            children.Clear();
            foreach (Node? child in Children(node))
            {
                if (child is not null) children.Add(child);
            }
            for (int index = children.Count - 1; index >= 0; index--) pending.Push(children[index]);
        }
    }

    public static IEnumerable<Node?> Children(Node node)
    {
        switch (node)
        {
            case SelectStmt select:
                return [
                    select.With, .. select.TargetList, .. select.From, select.Where, .. select.GroupBy, select.Having,
                    .. select.DistinctOn ?? [], .. select.WindowClause, .. (select.ValuesLists?.SelectMany(row => row) ?? []),
                    .. select.SortClause, select.Limit, select.Offset, select.Larg, select.Rarg,
                ];
            case InsertStmt insert:
                return [
                    insert.With, insert.Relation, .. insert.ValuesLists.SelectMany(row => row), insert.Select,
                    .. insert.OnConflict?.TargetList ?? [], insert.OnConflict?.Where, .. insert.ReturningList ?? [],
                ];
            case UpdateStmt update:
                return [update.With, update.Relation, .. update.TargetList, .. update.FromClause, update.Where, .. update.ReturningList ?? []];
            case DeleteStmt delete:
                return [delete.With, delete.Relation, .. delete.UsingClause, delete.Where, .. delete.ReturningList ?? []];
            case ExplainStmt explain:
                return [explain.Query];
            case CreateTableAsStmt createAs:
                return [createAs.Query];
            case WithClause with:
                return with.Ctes.Select(cte => cte.Query);
            case RangeSubselect subselect:
                return [subselect.Subquery];
            case RangeFunction function:
                return [function.Function];
            case JoinExpr join:
                return [join.Left, join.Right, join.Quals];
            case ResTarget target:
                return [target.Value];
            case SortBy sortBy:
                return [sortBy.Expression];
            case WindowDef window:
                return [.. window.PartitionBy, .. window.OrderBy, window.Frame?.Start.Offset, window.Frame?.End.Offset];
            case SubLink link:
                return [link.TestExpression, link.Subselect];
            case A_Expr expression:
                return [expression.Left, expression.Right];
            case BoolExpr boolean:
                return boolean.Arguments;
            case NullTest nullTest:
                return [nullTest.Argument];
            case BooleanTest booleanTest:
                return [booleanTest.Argument];
            case InExpr inExpr:
                return [inExpr.Argument, .. inExpr.List];
            case BetweenExpr between:
                return [between.Argument, between.Low, between.High];
            case LikeExpr like:
                return [like.Argument, like.Pattern, like.Escape];
            case SimilarToExpr similar:
                return [similar.Argument, similar.Pattern, similar.Escape];
            case TypeCast cast:
                return [cast.Argument];
            case FuncCall call:
                return [.. call.Arguments, .. call.AggregateOrder ?? [], call.Filter, call.Over];
            case CaseExpr caseExpr:
                return [caseExpr.Argument, .. caseExpr.Whens.SelectMany(when => new[] { when.Condition, when.Result }), caseExpr.Else];
            case A_ArrayOpExpr arrayOp:
                return [arrayOp.Left, arrayOp.Right];
            case A_ArrayExpr array:
                return array.Elements;
            case A_Indirection indirection:
                return [indirection.Argument, .. indirection.Indirection.SelectMany(indices => new[] { indices.Lower, indices.Upper })];
            case FieldIndirection field:
                return [field.Argument];
            case RowExpr row:
                return row.Arguments;
            case GroupingSet set:
                return set.Content;
            default:
                return [];
        }
    }
}
