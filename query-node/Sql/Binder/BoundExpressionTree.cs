namespace Log.QueryNode.Sql.Binder;

/// <summary>The direct sub-expressions of a bound expression, for walks that do not care about the node kind.</summary>
internal static class BoundExpressionTree
{
    public static IEnumerable<BoundExpression> Children(BoundExpression expression)
    {
        switch (expression)
        {
            case BoundCast cast:
                return [cast.Operand];
            case BoundArithmetic arithmetic:
                return [arithmetic.Left, arithmetic.Right];
            case BoundNegate negate:
                return [negate.Operand];
            case BoundComparison comparison:
                return [comparison.Left, comparison.Right];
            case BoundIsDistinct distinct:
                return [distinct.Left, distinct.Right];
            case BoundConcat concat:
                return [concat.Left, concat.Right];
            case BoundBoolean boolean:
                return boolean.Arguments;
            case BoundNullTest nullTest:
                return [nullTest.Operand];
            case BoundBooleanTest booleanTest:
                return [booleanTest.Operand];
            case BoundIn inExpression:
                return [inExpression.Operand, .. inExpression.List];
            case BoundLike like:
                return [like.Operand, like.Pattern];
            case BoundCase caseExpression:
                var children = new List<BoundExpression>();
                foreach ((BoundExpression condition, BoundExpression result) in caseExpression.Whens)
                {
                    children.Add(condition);
                    children.Add(result);
                }
                if (caseExpression.Else is not null) children.Add(caseExpression.Else);
                return children;
            case BoundFunction function:
                return function.Arguments;
            case BoundSetFunctionCall setFunction:
                return setFunction.Arguments;
            case BoundRow row:
                return row.Fields;
            case BoundFieldSelect fieldSelect:
                return [fieldSelect.Operand];
            case BoundSubquery subquery:
                return subquery.Test is null ? subquery.Arguments : [.. subquery.Arguments, subquery.Test];
            case BoundAggregateCall call:
                return AggregateChildren(call.Aggregate);
            case BoundGroupingCall grouping:
                return grouping.Arguments;
            case BoundWindowCall window:
                return [.. window.Function.Arguments, .. window.Function.Aggregate is null ? [] : AggregateChildren(window.Function.Aggregate),
                    .. window.Window.PartitionBy, .. window.Window.OrderBy.Select(item => item.Expression)];
            default:
                return [];
        }
    }

    private static IEnumerable<BoundExpression> AggregateChildren(BoundAggregate aggregate) =>
        [.. aggregate.Arguments, .. aggregate.Filter is null ? [] : new[] { aggregate.Filter }, .. aggregate.OrderBy.Select(item => item.Expression)];

    /// <summary>The aggregate with each of its expressions replaced by <paramref name="map"/>(expression).</summary>
    public static BoundAggregate MapAggregate(BoundAggregate aggregate, Func<BoundExpression, BoundExpression> map) => aggregate with
    {
        Arguments = aggregate.Arguments.Select(map).ToArray(),
        Filter = aggregate.Filter is null ? null : map(aggregate.Filter),
        OrderBy = aggregate.OrderBy.Select(item => item with { Expression = map(item.Expression) }).ToArray(),
    };

    /// <summary>Whether any node of the expression satisfies the predicate.</summary>
    public static bool Any(BoundExpression expression, Func<BoundExpression, bool> predicate)
    {
        if (predicate(expression)) return true;
        foreach (BoundExpression child in Children(expression)) if (Any(child, predicate)) return true;
        return false;
    }

    /// <summary>The same node with each direct child replaced by <paramref name="map"/>(child); leaves are returned as they are.</summary>
    public static BoundExpression MapChildren(BoundExpression expression, Func<BoundExpression, BoundExpression> map)
    {
        switch (expression)
        {
            case BoundCast cast:
                return cast with { Operand = map(cast.Operand) };
            case BoundArithmetic arithmetic:
                return arithmetic with { Left = map(arithmetic.Left), Right = map(arithmetic.Right) };
            case BoundNegate negate:
                return negate with { Operand = map(negate.Operand) };
            case BoundComparison comparison:
                return comparison with { Left = map(comparison.Left), Right = map(comparison.Right) };
            case BoundIsDistinct distinct:
                return distinct with { Left = map(distinct.Left), Right = map(distinct.Right) };
            case BoundConcat concat:
                return concat with { Left = map(concat.Left), Right = map(concat.Right) };
            case BoundBoolean boolean:
                return boolean with { Arguments = boolean.Arguments.Select(map).ToArray() };
            case BoundNullTest nullTest:
                return nullTest with { Operand = map(nullTest.Operand) };
            case BoundBooleanTest booleanTest:
                return booleanTest with { Operand = map(booleanTest.Operand) };
            case BoundIn inExpression:
                return inExpression with { Operand = map(inExpression.Operand), List = inExpression.List.Select(map).ToArray() };
            case BoundLike like:
                return like with { Operand = map(like.Operand), Pattern = map(like.Pattern) };
            case BoundCase caseExpression:
                return caseExpression with
                {
                    Whens = caseExpression.Whens.Select(when => (map(when.Condition), map(when.Result))).ToArray(),
                    Else = caseExpression.Else is null ? null : map(caseExpression.Else),
                };
            case BoundFunction function:
                return function with { Arguments = function.Arguments.Select(map).ToArray() };
            case BoundSetFunctionCall setFunction:
                return setFunction with { Arguments = setFunction.Arguments.Select(map).ToArray() };
            case BoundRow row:
                return row with { Fields = row.Fields.Select(map).ToArray() };
            case BoundFieldSelect fieldSelect:
                return fieldSelect with { Operand = map(fieldSelect.Operand) };
            case BoundSubquery subquery:
                // Only the outer side: the arguments and the tested value; the subquery's own plan is another level.
                return subquery with { Arguments = subquery.Arguments.Select(map).ToArray(), Test = subquery.Test is null ? null : map(subquery.Test) };
            case BoundAggregateCall call:
                return call with { Aggregate = MapAggregate(call.Aggregate, map) };
            case BoundGroupingCall grouping:
                return grouping with { Arguments = grouping.Arguments.Select(map).ToArray() };
            case BoundWindowCall window:
                return window with
                {
                    Function = window.Function with
                    {
                        Arguments = window.Function.Arguments.Select(map).ToArray(),
                        Aggregate = window.Function.Aggregate is null ? null : MapAggregate(window.Function.Aggregate, map),
                    },
                    Window = window.Window with
                    {
                        PartitionBy = window.Window.PartitionBy.Select(map).ToArray(),
                        OrderBy = window.Window.OrderBy.Select(item => item with { Expression = map(item.Expression) }).ToArray(),
                    },
                };
            case BoundColumn or BoundConstant or BoundOuterParam or BoundParameter:
                return expression;
            default:
                throw new InvalidOperationException($"cannot rewrite {expression.GetType().Name}");
        }
    }

    /// <summary>Whether two expressions compute the same thing: the same node kinds with the same operators, types
    /// and constants all the way down (record equality stops at nodes that hold lists, such as function arguments).
    /// GROUP BY matches select-list expressions to its keys this way.</summary>
    public static bool Equivalent(BoundExpression left, BoundExpression right)
    {
        if (ReferenceEquals(left, right)) return true;
        if (left.GetType() != right.GetType() || left.Type != right.Type) return false;
        bool sameNode = (left, right) switch
        {
            (BoundFunction a, BoundFunction b) => a.Function == b.Function,
            (BoundBoolean a, BoundBoolean b) => a.Kind == b.Kind,
            (BoundIn a, BoundIn b) => a.IsNot == b.IsNot,
            (BoundCase a, BoundCase b) => a.Whens.Count == b.Whens.Count && (a.Else is null) == (b.Else is null),
            (BoundSubquery or BoundAggregateCall or BoundGroupingCall or BoundWindowCall or BoundSetFunctionCall, _) => left.Equals(right),
            _ when !Children(left).Any() => left.Equals(right),
            _ => MapChildren(left, _ => ChildMarker).Equals(MapChildren(right, _ => ChildMarker)),
        };
        if (!sameNode) return false;
        using IEnumerator<BoundExpression> leftChildren = Children(left).GetEnumerator();
        using IEnumerator<BoundExpression> rightChildren = Children(right).GetEnumerator();
        while (true)
        {
            bool leftMore = leftChildren.MoveNext();
            if (leftMore != rightChildren.MoveNext()) return false;
            if (!leftMore) return true;
            if (!Equivalent(leftChildren.Current, rightChildren.Current)) return false;
        }
    }

    /// <summary>Stands for every child when two nodes are compared without their children.</summary>
    private static readonly BoundConstant ChildMarker = new(null, Types.SqlType.Unknown);

    /// <summary>Moves every column ordinal of the expression (not inside subquery plans) by <paramref name="offset"/>.</summary>
    public static BoundExpression ShiftColumns(BoundExpression expression, int offset) => offset == 0 ? expression : expression is BoundColumn column
        ? column with { Ordinal = column.Ordinal + offset }
        : MapChildren(expression, child => ShiftColumns(child, offset));

    /// <summary>Whether the expression reads any column of the row in [first, first + count).</summary>
    public static bool ReadsColumns(BoundExpression expression, int first, int count) =>
        Any(expression, node => node is BoundColumn column && column.Ordinal >= first && column.Ordinal < first + count);
}
