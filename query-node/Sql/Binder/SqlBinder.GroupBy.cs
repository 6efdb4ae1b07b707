using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Parser.Ast;
using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Binder;

/// <summary>
/// GROUP BY (PostgreSQL's transformGroupClause and expand_grouping_sets): keys resolve as an input column, else an
/// output column name, else a select-list position; ROLLUP, CUBE, GROUPING SETS and () expand to a list of grouping
/// sets, and several items combine as their cross product. Then the aggregation rewrite turns expressions over input
/// rows into expressions over the aggregated row: [group keys, grouping flags (with grouping sets), aggregates].
/// </summary>
internal sealed partial class SqlBinder
{
    /// <summary>PostgreSQL's limit on the number of grouping sets a GROUP BY expands to.</summary>
    private const int GroupingSetsMax = 4096;

    /// <summary>PostgreSQL's statement_too_complex.</summary>
    private const string StatementTooComplex = "54001";

    private (List<BoundExpression> Keys, List<IReadOnlyList<int>>? Sets) BindGroupBy(IReadOnlyList<Expression> items, List<BoundExpression> targets, List<ResultColumn> columns)
    {
        var keys = new List<BoundExpression>();
        List<List<int>> sets = [[]];
        bool hasGroupingSets = false;
        foreach (Expression item in items)
        {
            List<List<int>> itemSets;
            if (item is GroupingSet set)
            {
                hasGroupingSets |= set.Kind != GroupingSetKind.Empty || items.Count == 1;
                itemSets = ExpandGroupingSet(set, keys, targets, columns);
            }
            else
            {
                itemSets = [[GroupKeyIndex(item, keys, targets, columns)]];
            }
            var product = new List<List<int>>();
            foreach (List<int> left in sets)
            {
                foreach (List<int> right in itemSets)
                {
                    product.Add([.. left, .. right.Where(key => !left.Contains(key))]);
                    if (product.Count > GroupingSetsMax) throw TooManyGroupingSets(item);
                }
            }
            sets = product;
        }
        // One set is a plain GROUP BY (GROUP BY a, () is GROUP BY a; GROUP BY () is one group, as with no GROUP BY).
        if (sets.Count == 1 || !hasGroupingSets) return (keys, null);
        return (keys, sets.Select(set => (IReadOnlyList<int>)set.Order().ToArray()).ToList());
    }

    private static SqlException TooManyGroupingSets(Expression item) =>
        new(StatementTooComplex, $"too many grouping sets present (maximum {GroupingSetsMax})", item.Location + 1);

    private List<List<int>> ExpandGroupingSet(GroupingSet set, List<BoundExpression> keys, List<BoundExpression> targets, List<ResultColumn> columns)
    {
        switch (set.Kind)
        {
            case GroupingSetKind.Empty:
                return [[]];
            case GroupingSetKind.Simple:
                return [Unit(set, keys, targets, columns)];
            case GroupingSetKind.Rollup:
            {
                List<List<int>> units = set.Content.Select(element => Unit(element, keys, targets, columns)).ToList();
                var result = new List<List<int>>();
                for (int count = units.Count; count >= 0; count--) result.Add(units.Take(count).SelectMany(unit => unit).Distinct().ToList());
                return result;
            }
            case GroupingSetKind.Cube:
            {
                List<List<int>> units = set.Content.Select(element => Unit(element, keys, targets, columns)).ToList();
                if (units.Count > 12) throw TooManyGroupingSets(set);
                var result = new List<List<int>>();
                int all = (1 << units.Count) - 1;
                for (int mask = all; mask >= 0; mask--)
                {
                    var members = new List<int>();
                    for (int index = 0; index < units.Count; index++)
                    {
                        if ((mask & (1 << (units.Count - 1 - index))) != 0) members.AddRange(units[index]);
                    }
                    result.Add(members.Distinct().ToList());
                }
                return result;
            }
            default:
            {
                var result = new List<List<int>>();
                foreach (Expression element in set.Content)
                {
                    result.AddRange(element is GroupingSet inner ? ExpandGroupingSet(inner, keys, targets, columns) : [[GroupKeyIndex(element, keys, targets, columns)]]);
                    if (result.Count > GroupingSetsMax) throw TooManyGroupingSets(set);
                }
                return result;
            }
        }
    }

    /// <summary>An element of ROLLUP/CUBE: one expression or a parenthesized list, which acts as one unit.</summary>
    private List<int> Unit(Expression element, List<BoundExpression> keys, List<BoundExpression> targets, List<ResultColumn> columns) => element switch
    {
        GroupingSet { Kind: GroupingSetKind.Simple } simple => simple.Content.Select(item => GroupKeyIndex(item, keys, targets, columns)).Distinct().ToList(),
        GroupingSet { Kind: GroupingSetKind.Empty } => [],
        GroupingSet nested => throw new SqlException(SqlState.SyntaxError, "syntax error in grouping set", nested.Location + 1),
        _ => [GroupKeyIndex(element, keys, targets, columns)],
    };

    /// <summary>A GROUP BY expression: an input column name wins over an output name; an integer is a select-list position.</summary>
    private int GroupKeyIndex(Expression item, List<BoundExpression> keys, List<BoundExpression> targets, List<ResultColumn> columns)
    {
        BoundExpression key;
        if (item is A_Const { Kind: ConstantKind.Integer } position)
        {
            key = TargetAtPosition(position, targets, "GROUP BY");
        }
        else if (item is ColumnRef { Fields.Count: 1, Star: false } name && _scope.Resolve(name.Fields, name.Location) is null
            && FindOutputColumn(name.Fields[0], columns, "GROUP BY", name.Location) is int outputIndex and >= 0)
        {
            key = targets[outputIndex];
        }
        else
        {
            key = Bind(item);
            if (key.Type.Kind == TypeKind.Unknown) key = CoerceUnknown(key, SqlType.Text, item.Location);
        }
        int index = keys.FindIndex(candidate => BoundExpressionTree.Equivalent(candidate, key));
        if (index >= 0) return index;
        keys.Add(key);
        return keys.Count - 1;
    }

    /// <summary>The state of one aggregation rewrite: the group keys, whether the aggregated row has grouping flags
    /// (one per key, 1 where the row's grouping set leaves the key out), and the aggregate calls found so far.</summary>
    private sealed class AggregationRewrite(List<BoundExpression> groupKeys, bool hasGroupingFlags)
    {
        public List<BoundExpression> GroupKeys { get; } = groupKeys;
        public bool HasGroupingFlags { get; } = hasGroupingFlags;
        public List<BoundAggregateCall> Calls { get; } = [];

        public int FirstAggregateColumn => GroupKeys.Count * (HasGroupingFlags ? 2 : 1);
    }

    /// <summary>Turns an expression over input rows into one over aggregated rows: group keys and aggregate calls become
    /// columns of the aggregated row, GROUPING(...) arithmetic over its flags; any other column reference is an error
    /// (42803). Window calls keep their place, their arguments and windows rewritten the same way.</summary>
    private static BoundExpression RewriteForAggregation(BoundExpression expression, AggregationRewrite rewrite)
    {
        List<BoundExpression> groupKeys = rewrite.GroupKeys;
        for (int index = 0; index < groupKeys.Count; index++)
        {
            if (BoundExpressionTree.Equivalent(groupKeys[index], expression)) return new BoundColumn(index, expression.Type, "group key", -1);
        }
        switch (expression)
        {
            case BoundAggregateCall call:
                int aggregateIndex = rewrite.Calls.IndexOf(call);
                if (aggregateIndex < 0)
                {
                    rewrite.Calls.Add(call);
                    aggregateIndex = rewrite.Calls.Count - 1;
                }
                return new BoundColumn(rewrite.FirstAggregateColumn + aggregateIndex, call.Type, "aggregate", -1);
            case BoundGroupingCall grouping:
                return RewriteGrouping(grouping, rewrite);
            case BoundColumn column:
                throw new SqlException(SqlState.GroupingError,
                    $"column \"{column.DisplayName}\" must appear in the GROUP BY clause or be used in an aggregate function", column.Location + 1);
            default:
                return BoundExpressionTree.MapChildren(expression, inner => RewriteForAggregation(inner, rewrite));
        }
    }

    /// <summary>GROUPING's arguments must be group keys; PostgreSQL checks them before the other column references.</summary>
    private static void CheckGroupingArguments(IEnumerable<BoundExpression> expressions, List<BoundExpression> groupKeys)
    {
        foreach (BoundExpression expression in expressions)
        {
            if (!BoundExpressionTree.Any(expression, node => node is BoundGroupingCall)) continue;
            var rewrite = new AggregationRewrite(groupKeys, hasGroupingFlags: false);
            BoundExpressionTree.Any(expression, node =>
            {
                if (node is BoundGroupingCall grouping) RewriteGrouping(grouping, rewrite);
                return false;
            });
        }
    }

    /// <summary>GROUPING(a, b, ...): bit n-1-i is set when argument i is not grouped in the row's grouping set.</summary>
    private static BoundExpression RewriteGrouping(BoundGroupingCall grouping, AggregationRewrite rewrite)
    {
        BoundExpression? result = null;
        int count = grouping.Arguments.Count;
        if (count > 31)
        {
            throw new SqlException(SqlState.SyntaxError, "GROUPING must have fewer than 32 arguments", grouping.ArgumentLocations[0] + 1);
        }
        for (int index = 0; index < count; index++)
        {
            int key = rewrite.GroupKeys.FindIndex(candidate => BoundExpressionTree.Equivalent(candidate, grouping.Arguments[index]));
            if (key < 0)
            {
                throw new SqlException(SqlState.GroupingError, "arguments to GROUPING must be grouping expressions of the associated query level",
                    grouping.ArgumentLocations[index] + 1);
            }
            if (!rewrite.HasGroupingFlags) continue;
            BoundExpression flag = new BoundColumn(rewrite.GroupKeys.Count + key, SqlType.Int4, "grouping flag", -1);
            BoundExpression term = new BoundArithmetic(ArithmeticOperator.Multiply, flag, new BoundConstant(1 << (count - 1 - index), SqlType.Int4), SqlType.Int4);
            result = result is null ? term : new BoundArithmetic(ArithmeticOperator.Add, result, term, SqlType.Int4);
        }
        return result ?? new BoundConstant(0, SqlType.Int4);
    }

    /// <summary>
    /// PostgreSQL's functional dependency rule (check_functional_grouping): when the group keys hold every column of a
    /// FROM table's primary key, the table's other columns have one value per group and may be used ungrouped in the
    /// select list, HAVING and ORDER BY. Those that are used (outside aggregate calls) join the group keys, which groups
    /// the same rows and lets the aggregation rewrite find them; any other ungrouped column stays a 42803.
    /// </summary>
    private void AddFunctionallyDependentKeys(List<BoundExpression> groupKeys, IReadOnlyList<BoundExpression> expressions)
    {
        var dependent = new List<BoundExpression>();
        foreach (ScopeItem item in _scope.Items)
        {
            if (item.Columns.Count == 0 || item.Columns[0].Table is not { HasHiddenRowId: false } table || item.Columns.Count != table.Columns.Count) continue;
            bool isTable = true;
            for (int ordinal = 0; ordinal < item.Columns.Count && isTable; ordinal++)
            {
                isTable = item.Columns[ordinal].Table == table && item.Columns[ordinal].TableOrdinal == ordinal;
            }
            if (!isTable) continue;
            bool keyGrouped = table.PrimaryKeyOrdinals.All(ordinal =>
                groupKeys.Exists(key => BoundExpressionTree.Equivalent(key, item.Columns[ordinal].Expression)));
            if (keyGrouped) dependent.AddRange(item.Columns.Select(column => column.Expression));
        }
        if (dependent.Count == 0) return;
        var used = new List<BoundColumn>();
        foreach (BoundExpression expression in expressions) CollectUngroupedColumns(expression, used);
        foreach (BoundColumn column in used)
        {
            if (groupKeys.Exists(key => BoundExpressionTree.Equivalent(key, column))) continue;
            if (dependent.Exists(candidate => BoundExpressionTree.Equivalent(candidate, column))) groupKeys.Add(column);
        }
    }

    /// <summary>The column references of an expression outside its aggregate calls.</summary>
    private static void CollectUngroupedColumns(BoundExpression expression, List<BoundColumn> found)
    {
        switch (expression)
        {
            case BoundAggregateCall:
                return;
            case BoundColumn column:
                found.Add(column);
                return;
        }
        foreach (BoundExpression child in BoundExpressionTree.Children(expression)) CollectUngroupedColumns(child, found);
    }
}
