using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Parser.Ast;
using Log.QueryNode.Sql.Plan;
using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Binder;

/// <summary>A bound query: its plan, and the description of the rows it returns.</summary>
internal sealed record BoundQuery(LogicalPlan Plan, IReadOnlyList<ResultColumn> Columns)
{
    public IReadOnlyList<SqlType> Types => Plan.OutputTypes;

    /// <summary>For each output column of type record, the fields its records have, where the binder knows them.</summary>
    public IReadOnlyList<RecordShape?>? Shapes { get; init; }
}

internal sealed partial class SqlBinder
{
    /// <summary>Binds a whole query at this binder's level: WITH, then a set operation, a VALUES list or a SELECT.</summary>
    public BoundQuery BindQuery(SelectStmt select)
    {
        if (select.With is not null) BindWith(select.With);
        if (select.Op != SetOperation.None) return BindSetOperation(select);
        if (select.ValuesLists is not null) return BindValuesQuery(select);
        return BindSimpleSelect(select);
    }

    /// <summary>A query nested in this one (a subquery in an expression): a level of its own whose parent is this one.</summary>
    private SqlBinder ChildLevel() => new(_context, new BindScope(_scope));

    private BoundQuery BindSimpleSelect(SelectStmt select)
    {
        if (_scope.Items.Count > 0) throw new InvalidOperationException("a SELECT is bound in a scope of its own");
        DeclareWindows(select.WindowClause);
        LogicalPlan plan = BindFromClause(select.From);
        if (select.ForUpdate) MarkLockedRelations(plan, select);

        if (select.Where is not null)
        {
            _aggregateCalls = null;
            _windowCalls = null;
            _aggregateForbiddenIn = "WHERE";
            plan = new LogicalFilter(plan, CoerceToBoolean(Bind(select.Where), select.Where, "WHERE"));
        }

        // The select list, with * expanded.
        var targets = new List<BoundExpression>();
        var columns = new List<ResultColumn>();
        _aggregateCalls = [];
        _windowCalls = [];
        _setFunctionCalls = [];
        _aggregateForbiddenIn = "WHERE";
        foreach (ResTarget target in select.TargetList)
        {
            if (target.Value is ColumnRef { Star: true } star)
            {
                ExpandStar(star, targets, columns);
                continue;
            }
            if (target.Value is FieldIndirection { Star: true } fieldStar)
            {
                ExpandFieldStarTarget(fieldStar, targets, columns);
                continue;
            }
            BoundExpression bound = Bind(target.Value);
            if (bound.Type.Kind == TypeKind.Unknown) bound = CoerceUnknown(bound, SqlType.Text, target.Value.Location);
            targets.Add(bound);
            columns.Add(ResultColumnOf(target.Name ?? ColumnNaming.FigureName(target.Value), bound));
        }

        if (targets.Count > SqlLimits.TargetListEntriesMax)
        {
            // The parser counts the entries as written; * can expand past the limit.
            throw new SqlException(EngineSqlState.TooManyColumns, $"target lists can have at most {SqlLimits.TargetListEntriesMax} entries");
        }

        RecordShape?[] shapes = targets.Select(RecordShape.PassedOn).ToArray();

        // GROUP BY: keys, and the grouping sets over them (null for a plain GROUP BY).
        List<BoundAggregateCall> selectAggregates = _aggregateCalls;
        List<BoundWindowCall> windowCalls = _windowCalls;
        List<BoundSetFunctionCall> setFunctionCalls = _setFunctionCalls;
        _aggregateCalls = null;
        _windowCalls = null;
        _setFunctionCalls = null;
        _aggregateForbiddenIn = "GROUP BY";
        (List<BoundExpression> groupKeys, List<IReadOnlyList<int>>? groupingSets) = BindGroupBy(select.GroupBy, targets, columns);
        if (groupKeys.Any(ContainsSetFunction))
        {
            // PostgreSQL runs such a key's function below the aggregation; Log runs set-returning functions above it only.
            throw new SqlException(SqlState.FeatureNotSupported, "set-returning functions in GROUP BY are not supported");
        }

        _aggregateCalls = selectAggregates;
        _aggregateForbiddenIn = "HAVING";
        BoundExpression? having = null;
        if (select.Having is not null)
        {
            having = CoerceToBoolean(Bind(select.Having), select.Having, "HAVING");
        }

        // ORDER BY: an output column name or position, else an expression over the input (a hidden column).
        _windowCalls = windowCalls;
        _setFunctionCalls = setFunctionCalls;
        var sortKeys = new List<(int Index, bool Descending, bool NullsFirst)>();
        int visibleCount = targets.Count;
        foreach (SortBy sortBy in select.SortClause)
        {
            int index = BindSortTarget(sortBy.Expression, targets, columns, visibleCount, select.Distinct);
            bool descending = sortBy.Direction == SortByDirection.Descending;
            bool nullsFirst = sortBy.Nulls switch { SortByNulls.First => true, SortByNulls.Last => false, _ => descending };
            sortKeys.Add((index, descending, nullsFirst));
        }

        // DISTINCT ON: its expressions lead the sort (PostgreSQL requires ORDER BY to start with them).
        List<int>? distinctOn = null;
        if (select.DistinctOn is not null)
        {
            distinctOn = [];
            foreach (Expression expression in select.DistinctOn)
            {
                int index = BindSortTarget(expression, targets, columns, visibleCount, distinct: false);
                if (!distinctOn.Contains(index)) distinctOn.Add(index);
            }
            for (int index = 0; index < sortKeys.Count && index < distinctOn.Count; index++)
            {
                if (!distinctOn.Contains(sortKeys[index].Index))
                {
                    throw new SqlException(SqlState.InvalidColumnReference, "SELECT DISTINCT ON expressions must match initial ORDER BY expressions",
                        select.DistinctOn[0].Location + 1);
                }
            }
            var leading = distinctOn.Where(index => !sortKeys.Exists(key => key.Index == index)).Select(index => (index, false, false)).ToList();
            sortKeys.InsertRange(Math.Min(sortKeys.Count, distinctOn.Count - leading.Count), leading);
        }
        _windowCalls = null;
        _setFunctionCalls = null;

        if (select.ForUpdate) CheckSelectLocking(select, _aggregateCalls.Count > 0, windowCalls.Count > 0);

        bool isAggregate = groupKeys.Count > 0 || _aggregateCalls.Count > 0 || having is not null || select.GroupBy.Count > 0 || _groupingCallSeen;
        if (isAggregate)
        {
            if (groupingSets is null) AddFunctionallyDependentKeys(groupKeys, [.. targets, .. having is null ? [] : new[] { having }]);
            var aggregation = new AggregationRewrite(groupKeys, groupingSets is not null);
            CheckGroupingArguments([.. targets, .. having is null ? [] : new[] { having }], groupKeys);
            for (int index = 0; index < targets.Count; index++) targets[index] = RewriteForAggregation(targets[index], aggregation);
            if (having is not null) having = RewriteForAggregation(having, aggregation);
            var aggregates = aggregation.Calls.Select(call => call.Aggregate).ToArray();
            plan = new LogicalAggregate(plan, groupKeys, aggregates, groupingSets);
            if (having is not null) plan = new LogicalFilter(plan, having);
        }
        _aggregateCalls = null;
        if (windowCalls.Count > 0) plan = PlanWindows(plan, targets);
        if (setFunctionCalls.Count > 0) plan = PlanSetFunctions(plan, targets);

        plan = new LogicalProject(plan, targets);
        if (distinctOn is not null)
        {
            plan = new LogicalSort(plan, sortKeys.Select(key => new SortKey(key.Index, key.Descending, key.NullsFirst, targets[key.Index].Type)).ToArray());
            plan = new LogicalDistinct(plan, visibleCount, distinctOn);
        }
        else
        {
            if (select.Distinct) plan = new LogicalDistinct(plan, visibleCount, distinctOn: null);
            if (sortKeys.Count > 0)
            {
                plan = new LogicalSort(plan, sortKeys.Select(key => new SortKey(key.Index, key.Descending, key.NullsFirst, targets[key.Index].Type)).ToArray());
            }
        }
        plan = BindLimitClause(plan, select);
        if (targets.Count > visibleCount) plan = new LogicalTrim(plan, visibleCount);
        return new BoundQuery(plan, columns) { Shapes = shapes };
    }

    /// <summary>An ORDER BY or DISTINCT ON item: an output column name or position, else an expression over the input,
    /// which reuses an equal select-list entry or becomes a hidden one.</summary>
    private int BindSortTarget(Expression expression, List<BoundExpression> targets, List<ResultColumn> columns, int visibleCount, bool distinct)
    {
        if (expression is A_Const { Kind: ConstantKind.Integer } position)
        {
            return PositionIndex(position, visibleCount, "ORDER BY");
        }
        if (expression is ColumnRef { Fields.Count: 1, Star: false } name && FindOutputColumn(name.Fields[0], columns, "ORDER BY", name.Location) is int outputIndex and >= 0)
        {
            return outputIndex;
        }
        BoundExpression bound = Bind(expression);
        if (bound.Type.Kind == TypeKind.Unknown) bound = CoerceUnknown(bound, SqlType.Text, expression.Location);
        int index = targets.IndexOf(bound);
        if (index >= 0 && index < visibleCount) return index;
        if (index >= 0) return index;
        if (distinct)
        {
            throw new SqlException(SqlState.InvalidColumnReference, "for SELECT DISTINCT, ORDER BY expressions must appear in select list", expression.Location + 1);
        }
        targets.Add(bound);
        return targets.Count - 1;
    }

    private LogicalPlan BindLimitClause(LogicalPlan plan, SelectStmt select)
    {
        _aggregateForbiddenIn = "LIMIT";
        BoundExpression? limit = BindLimit(select.Limit, "LIMIT");
        _aggregateForbiddenIn = "OFFSET";
        BoundExpression? offset = BindLimit(select.Offset, "OFFSET");
        return limit is null && offset is null ? plan : new LogicalLimit(plan, limit, offset);
    }

    /// <summary>FOR UPDATE and its kin: every stored table read by this SELECT (not its subqueries), or those its OF lists
    /// name, lock the rows they return. A name that no FROM item has is 42P01, as in PostgreSQL.</summary>
    private void MarkLockedRelations(LogicalPlan plan, SelectStmt select)
    {
        foreach (LockingClause clause in select.LockingClauses)
        {
            if (clause.Relations.Count == 0)
            {
                MarkForUpdate(plan, name: null);
                continue;
            }
            foreach ((string name, int location) in clause.Relations)
            {
                if (!_scope.Items.Any(item => item.Name == name))
                {
                    throw new SqlException(SqlState.UndefinedTable, $"relation \"{name}\" in {clause.Strength} clause not found in FROM clause", location + 1);
                }
                if (!MarkForUpdate(plan, name))
                {
                    throw new SqlException(SqlState.FeatureNotSupported, $"{clause.Strength} of \"{name}\", which is not a stored table, is not supported", location + 1);
                }
            }
        }
    }

    /// <summary>Marks the scans of <paramref name="plan"/> (all, or those known by <paramref name="name"/>); whether any was.</summary>
    private static bool MarkForUpdate(LogicalPlan plan, string? name)
    {
        switch (plan)
        {
            case LogicalScan scan when name is null || scan.ReferenceName == name:
                scan.ForUpdate = true;
                return true;
            case LogicalJoin join:
                return MarkForUpdate(join.Left, name) | MarkForUpdate(join.Right, name);
            default:
                return false;
        }
    }

    /// <summary>PostgreSQL's CheckSelectLocking: a locking clause needs rows that come from stored rows one to one.</summary>
    private static void CheckSelectLocking(SelectStmt select, bool hasAggregates, bool hasWindowFunctions)
    {
        string? what = select.Distinct || select.DistinctOn is not null ? "DISTINCT clause"
            : select.GroupBy.Count > 0 ? "GROUP BY clause"
            : select.Having is not null ? "HAVING clause"
            : hasAggregates ? "aggregate functions"
            : hasWindowFunctions ? "window functions"
            : null;
        if (what is not null) throw LockingNotAllowed(select, what);
    }

    private static SqlException LockingNotAllowed(SelectStmt select, string what) =>
        new(SqlState.FeatureNotSupported, $"{select.LockingClauses[0].Strength} is not allowed with {what}");

    /// <summary>ORDER BY and LIMIT over the output of a set operation or VALUES: only output columns, by name or position.</summary>
    private BoundQuery BindOutputOrdering(BoundQuery query, SelectStmt select, string what)
    {
        LogicalPlan plan = query.Plan;
        if (select.SortClause.Count > 0)
        {
            var keys = new List<SortKey>();
            foreach (SortBy sortBy in select.SortClause)
            {
                int index;
                if (sortBy.Expression is A_Const { Kind: ConstantKind.Integer } position)
                {
                    index = PositionIndex(position, query.Columns.Count, "ORDER BY");
                }
                else if (sortBy.Expression is ColumnRef { Fields.Count: 1, Star: false } name)
                {
                    index = FindOutputColumn(name.Fields[0], query.Columns.ToList(), "ORDER BY", name.Location);
                    if (index < 0)
                    {
                        throw new SqlException(SqlState.UndefinedColumn, $"column \"{name.Fields[0]}\" does not exist", name.Location + 1);
                    }
                }
                else
                {
                    throw new SqlException(SqlState.FeatureNotSupported, $"invalid {what} ORDER BY clause", sortBy.Expression.Location + 1,
                        detail: "Only result column names can be used, not expressions or functions.",
                        hint: $"Add the expression/function to every SELECT, or move the {what} into a FROM clause.");
                }
                bool descending = sortBy.Direction == SortByDirection.Descending;
                bool nullsFirst = sortBy.Nulls switch { SortByNulls.First => true, SortByNulls.Last => false, _ => descending };
                keys.Add(new SortKey(index, descending, nullsFirst, query.Types[index]));
            }
            plan = new LogicalSort(plan, keys);
        }
        if (select.ForUpdate) throw LockingNotAllowed(select, what);
        return query with { Plan = BindLimitClause(plan, select) };
    }

    private BoundQuery BindSetOperation(SelectStmt select)
    {
        string name = select.Op.ToString().ToUpperInvariant();
        BoundQuery left = BindSetOperand(select.Larg!);
        BoundQuery right = BindSetOperand(select.Rarg!);
        if (left.Columns.Count != right.Columns.Count)
        {
            throw new SqlException(SqlState.SyntaxError, $"each {name} query must have the same number of columns", select.Rarg!.Location + 1);
        }
        var types = new SqlType[left.Columns.Count];
        for (int index = 0; index < types.Length; index++)
        {
            types[index] = CommonSetType(left.Types[index], right.Types[index], name, select.Rarg!.Location);
        }
        LogicalPlan leftPlan = CastColumns(left.Plan, types);
        LogicalPlan rightPlan = CastColumns(right.Plan, types);
        var columns = new ResultColumn[types.Length];
        for (int index = 0; index < columns.Length; index++) columns[index] = ResultColumn.For(left.Columns[index].Name, types[index]);
        var query = new BoundQuery(new LogicalSetOperation(select.Op, select.All, leftPlan, rightPlan, types), columns);
        return BindOutputOrdering(query, select, "UNION/INTERSECT/EXCEPT");
    }

    /// <summary>An operand of a set operation: a query of this same level (it sees this level's WITH queries).</summary>
    private BoundQuery BindSetOperand(SelectStmt operand)
    {
        var binder = new SqlBinder(_context, _scope.CreateSibling());
        return binder.BindQuery(operand);
    }

    /// <summary>select_common_type for two set operation columns: unknown follows the other side, both unknown is text.</summary>
    private static SqlType CommonSetType(SqlType left, SqlType right, string context, int location)
    {
        if (left.Kind == TypeKind.Unknown) return right.Kind == TypeKind.Unknown ? SqlType.Text : right.WithoutModifier;
        if (right.Kind == TypeKind.Unknown || left == right) return left == right ? left : left.WithoutModifier;
        if (left.Kind == right.Kind) return left.WithoutModifier;
        if (left.IsNumber && right.IsNumber) return left.NumericRank >= right.NumericRank ? left.WithoutModifier : right.WithoutModifier;
        if (left.IsString && right.IsString) return SqlType.Text;
        if (left.IsDateTime && right.IsDateTime) return left.DateTimeRank >= right.DateTimeRank ? left.WithoutModifier : right.WithoutModifier;
        throw new SqlException(SqlState.DatatypeMismatch, $"{context} types {left.DisplayName} and {right.DisplayName} cannot be matched", location + 1);
    }

    /// <summary>A projection that casts a plan's columns to the given types (nothing when they already are).</summary>
    private static LogicalPlan CastColumns(LogicalPlan plan, IReadOnlyList<SqlType> types)
    {
        bool same = true;
        for (int index = 0; index < types.Count; index++) same &= plan.OutputTypes[index] == types[index];
        if (same) return plan;
        var expressions = new BoundExpression[types.Count];
        for (int index = 0; index < expressions.Length; index++)
        {
            SqlType from = plan.OutputTypes[index];
            var column = new BoundColumn(index, from, $"column{index + 1}", -1);
            expressions[index] = from == types[index] ? column
                : from.Kind == TypeKind.Unknown ? new BoundCast(column, types[index], ValueCast.Context.Explicit)
                : new BoundCast(column, types[index], ValueCast.Context.Implicit);
        }
        return new LogicalProject(plan, expressions);
    }

    /// <summary>VALUES (...), (...): each column takes the common type of its entries; columns are column1, column2 ...</summary>
    private BoundQuery BindValuesQuery(SelectStmt select)
    {
        (LogicalValues values, _) = BindValuesLists(select.ValuesLists!, "VALUES");
        var columns = new ResultColumn[values.Width];
        for (int index = 0; index < columns.Length; index++) columns[index] = ResultColumn.For($"column{index + 1}", values.OutputTypes[index]);
        return BindOutputOrdering(new BoundQuery(values, columns), select, "VALUES");
    }

    private (LogicalValues Values, int Width) BindValuesLists(IReadOnlyList<IReadOnlyList<Expression>> lists, string context)
    {
        int width = lists[0].Count;
        var rows = new List<BoundExpression[]>(lists.Count);
        _aggregateCalls = null;
        _windowCalls = null;
        _aggregateForbiddenIn = "VALUES";
        foreach (IReadOnlyList<Expression> list in lists)
        {
            if (list.Count != width)
            {
                throw new SqlException(SqlState.SyntaxError, "VALUES lists must all be the same length", list.Count > 0 ? list[0].Location + 1 : null);
            }
            var row = new BoundExpression[width];
            for (int index = 0; index < width; index++) row[index] = Bind(list[index]);
            rows.Add(row);
        }
        var types = new SqlType[width];
        for (int column = 0; column < width; column++)
        {
            var entries = rows.Select(row => row[column]).ToArray();
            var sources = lists.Select(list => list[column]).ToArray();
            types[column] = CommonType(entries, sources, context);
            BoundExpression[] coerced = CoerceAll(entries, sources, types[column]);
            for (int index = 0; index < rows.Count; index++)
            {
                // Strings of several kinds meet at text; keep one type per column.
                rows[index][column] = coerced[index].Type == types[column] || coerced[index].Type.Kind == TypeKind.Unknown
                    ? coerced[index]
                    : CastTo(coerced[index], types[column], ValueCast.Context.Implicit, sources[index].Location);
            }
        }
        return (new LogicalValues(rows, types), width);
    }

    /// <summary><c>*</c> (every item whose columns are visible, in FROM order) or <c>t.*</c> (that item's columns).</summary>
    private void ExpandStar(ColumnRef star, List<BoundExpression> targets, List<ResultColumn> columns)
    {
        IEnumerable<ScopeItem> items;
        if (star.Fields.Count > 0)
        {
            string qualifier = star.Fields[^1];
            ScopeItem? item = _scope.FindItem(qualifier);
            if (item is null)
            {
                throw new SqlException(SqlState.UndefinedTable, $"missing FROM-clause entry for table \"{qualifier}\"", star.Location + 1);
            }
            items = [item];
        }
        else
        {
            items = _scope.Items.Where(item => item.ColumnsVisible);
            if (!items.Any())
            {
                throw new SqlException(SqlState.SyntaxError, "SELECT * with no tables specified is not valid", star.Location + 1);
            }
        }
        foreach (ScopeItem item in items)
        {
            foreach (ScopeColumn column in item.Columns)
            {
                BoundExpression expression = column.Expression is BoundColumn bound ? bound with { Location = star.Location } : column.Expression;
                targets.Add(expression);
                columns.Add(column.Table is not null
                    ? ResultColumn.ForTableColumn(column.Name, expression.Type, column.Table, column.TableOrdinal)
                    : ResultColumn.For(column.Name, expression.Type));
            }
        }
    }

    /// <summary>An output column; a plain table column (not an expression over it) carries its table's OID and
    /// attribute number, as PostgreSQL's markTargetListOrigins marks a target that is a Var. This runs on the bound
    /// select list before aggregation rewrites it, so a grouped column keeps its origin as in PostgreSQL.</summary>
    private ResultColumn ResultColumnOf(string name, BoundExpression bound)
    {
        if (bound is BoundColumn column)
        {
            foreach (ScopeItem item in _scope.Items)
            {
                foreach (ScopeColumn candidate in item.Columns)
                {
                    if (candidate.Table is not null && candidate.Expression is BoundColumn origin && origin.Ordinal == column.Ordinal)
                    {
                        return ResultColumn.ForTableColumn(name, bound.Type, candidate.Table, candidate.TableOrdinal);
                    }
                }
            }
        }
        return ResultColumn.For(name, bound.Type);
    }

    private static int FindOutputColumn(string name, List<ResultColumn> columns, string clause, int location)
    {
        int found = -1;
        for (int index = 0; index < columns.Count; index++)
        {
            if (columns[index].Name != name) continue;
            if (found >= 0)
            {
                throw new SqlException(SqlState.AmbiguousColumn, $"{clause} \"{name}\" is ambiguous", location + 1);
            }
            found = index;
        }
        return found;
    }

    private static int PositionIndex(A_Const position, int count, string clause)
    {
        if (!int.TryParse(position.Text, out int value) || value < 1 || value > count)
        {
            throw new SqlException(SqlState.InvalidColumnReference, $"{clause} position {position.Text} is not in select list", position.Location + 1);
        }
        return value - 1;
    }

    private static BoundExpression TargetAtPosition(A_Const position, List<BoundExpression> targets, string clause) =>
        targets[PositionIndex(position, targets.Count, clause)];

    private BoundExpression? BindLimit(Expression? expression, string clause)
    {
        if (expression is null) return null;
        if (expression is A_Const { Kind: ConstantKind.Null }) return null;
        var scopeless = new SqlBinder(_context, new BindScope(parent: null)) { _aggregateForbiddenIn = clause };
        BoundExpression bound;
        try
        {
            bound = scopeless.Bind(expression);
        }
        catch (SqlException exception) when (exception.SqlState == SqlState.UndefinedColumn && _scope.Items.Count > 0)
        {
            throw new SqlException(SqlState.InvalidColumnReference, $"argument of {clause} must not contain variables", exception.Position);
        }
        if (!(bound.Type.IsNumber || bound.Type.Kind == TypeKind.Unknown))
        {
            throw new SqlException(SqlState.DatatypeMismatch, $"argument of {clause} must be type bigint, not type {bound.Type.DisplayName}", expression.Location + 1);
        }
        return CastTo(bound, SqlType.Int8, ValueCast.Context.Assignment, expression.Location);
    }

    /// <summary>RETURNING: a projection over the written rows.</summary>
    public BoundReturning? BindReturning(IReadOnlyList<ResTarget>? returning)
    {
        if (returning is null) return null;
        var targets = new List<BoundExpression>();
        var columns = new List<ResultColumn>();
        _aggregateCalls = null;
        _aggregateForbiddenIn = "RETURNING";
        foreach (ResTarget target in returning)
        {
            if (target.Value is ColumnRef { Star: true } star)
            {
                ExpandStar(star, targets, columns);
                continue;
            }
            if (target.Value is FieldIndirection { Star: true } fieldStar)
            {
                ExpandFieldStarTarget(fieldStar, targets, columns);
                continue;
            }
            BoundExpression bound = Bind(target.Value);
            if (bound.Type.Kind == TypeKind.Unknown) bound = CoerceUnknown(bound, SqlType.Text, target.Value.Location);
            targets.Add(bound);
            columns.Add(ResultColumnOf(target.Name ?? ColumnNaming.FigureName(target.Value), bound));
        }
        return new BoundReturning(targets, columns);
    }
}
