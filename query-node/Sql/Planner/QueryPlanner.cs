using Log.QueryNode.Sql.Binder;
using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Executor;
using Log.QueryNode.Sql.Executor.Operators;
using Log.QueryNode.Sql.Parser.Ast;
using Log.QueryNode.Sql.Plan;
using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Planner;

/// <summary>A planned statement: its operator tree, and the plans of its subqueries and WITH queries by id.</summary>
internal sealed class PlannedQuery(PhysicalOperator root, PhysicalOperator?[] subplans, PhysicalOperator?[] commonTables)
{
    public PhysicalOperator Root { get; } = root;

    public StatementState NewState(Execution.ITransactionStore store, StatementContext statement) => new(store, statement, subplans, commonTables);
}

/// <summary>
/// Turns a logical plan into physical operators. Filters move down to the scans they can run in (choosing the primary
/// key access path from them) and into the sides of joins; an inner join takes the filter terms that read both sides
/// as join conditions. An equality between the two sides makes a hash join; anything else, and every lateral join, a
/// nested loop. A sort over a table read along its primary key in that order is dropped, so reading stops at a LIMIT.
/// </summary>
internal sealed partial class QueryPlanner
{
    private readonly BindContext _context;
    private readonly ConstantFolder _folder;
    private readonly PhysicalOperator?[] _subplans;
    private readonly PhysicalOperator?[] _commonTables;

    private QueryPlanner(BindContext context)
    {
        _context = context;
        _folder = new ConstantFolder(context.Statement);
        _subplans = new PhysicalOperator?[context.SubqueryCount];
        _commonTables = new PhysicalOperator?[context.CommonTables.Count];
    }

    public static PlannedQuery Plan(LogicalPlan plan, BindContext context)
    {
        var planner = new QueryPlanner(context);
        PhysicalOperator root = planner.Build(plan);
        ScanColumns.Push(root);
        planner.PlanDataModifyingCommonTables();
        return new PlannedQuery(root, planner._subplans, planner._commonTables);
    }

    private PhysicalOperator Build(LogicalPlan plan)
    {
        switch (plan)
        {
            case LogicalScan scan:
                return BuildScan(scan, []);
            case LogicalFilter filter:
                return BuildFiltered(filter.Input, Conjuncts.Of(PrepareCondition(filter.Predicate)).ToList());
            case LogicalProject project:
                return BuildProject(project, Build(project.Input));
            case LogicalValues values:
                IReadOnlyList<BoundExpression>[] rows = values.Rows.Select(row => _folder.FoldAll(row)).ToArray();
                foreach (IReadOnlyList<BoundExpression> row in rows) Register(row);
                return new ValuesOperator(rows);
            case LogicalFunctionScan function:
                IReadOnlyList<BoundExpression> arguments = _folder.FoldAll(function.Arguments);
                Register(arguments);
                return new FunctionScanOperator(function.Function, arguments, function.WithOrdinality, function.Name)
                {
                    RecordColumns = function.RecordColumnNames?.Zip(function.OutputTypes).ToArray(),
                };
            case LogicalProjectSet projectSet:
            {
                BoundSetFunctionCall[] functions = projectSet.Functions
                    .Select(function => function with { Arguments = _folder.FoldAll(function.Arguments) }).ToArray();
                foreach (BoundSetFunctionCall function in functions) Register(function.Arguments);
                return new ProjectSetOperator(Build(projectSet.Input), projectSet.Input.Width, functions);
            }
            case LogicalJoin join:
                return BuildJoin(join, [], [], []);
            case LogicalAggregate aggregate:
                Register(aggregate.GroupKeys);
                return new AggregateOperator(Build(aggregate.Input), aggregate.GroupKeys, aggregate.Aggregates, aggregate.GroupingSets,
                    AggregateOperator.NeedsSortedGroups(aggregate.GroupKeys, aggregate.Aggregates, aggregate.GroupingSets));
            case LogicalWindow window:
                Register(WindowOperator.Expressions(window.Window, window.Functions));
                return new WindowOperator(Build(window.Input), window.Window, window.Functions);
            case LogicalSort sort:
                return BuildSort(sort);
            case LogicalDistinct distinct:
                return distinct.DistinctOn is null
                    ? new DistinctOperator(Build(distinct.Input), distinct.KeyWidth)
                    : new DistinctOnOperator(Build(distinct.Input), distinct.DistinctOn);
            case LogicalLimit { Input: LogicalSort sorted, Limit: not null } limit:
                Register(limit.Limit);
                Register(limit.Offset);
                return new LimitOperator(BuildSort(sorted, limit), limit.Limit, limit.Offset);
            case LogicalLimit limit:
                Register(limit.Limit);
                Register(limit.Offset);
                return new LimitOperator(Build(limit.Input), limit.Limit, limit.Offset);
            case LogicalTrim trim:
                return new TrimOperator(Build(trim.Input), trim.Width);
            case LogicalSetOperation setOperation:
                return new SetOperationOperator(setOperation.Operation, setOperation.All, Build(setOperation.Left), Build(setOperation.Right), setOperation.Width);
            case LogicalSubqueryScan subquery:
                Register(subquery.Arguments);
                return new SubqueryScanOperator(Build(subquery.Query), subquery.Arguments);
            case LogicalCteScan cteScan:
                PlanCommonTable(cteScan.Table);
                return new CteScanOperator(cteScan.Table.Id, cteScan.ReferenceName, cteScan.Table.OuterParameterIndexes);
            case LogicalRecursiveUnion union:
                return new RecursiveUnionOperator(union.Table.Id, Build(union.Initial), Build(union.Recursive), union.All, union.Width);
            case LogicalWorkTableScan workTable:
                return new WorkTableScanOperator(workTable.Table.Id);
            case LogicalModify modify:
                return BuildModify(modify);
            default:
                throw new InvalidOperationException($"no physical operator for {plan.GetType().Name}");
        }
    }

    /// <summary>A WHERE, HAVING or join condition as it will run: constants folded, OR chains and long IN lists simplified.</summary>
    private BoundExpression PrepareCondition(BoundExpression condition) => PredicateSimplifier.Simplify(_folder.Fold(condition));

    private void PlanCommonTable(CommonTable table)
    {
        if (_commonTables[table.Id] is not null) return;
        _commonTables[table.Id] = new ValuesOperator([]); // a placeholder while the plan is built (a recursive reference)
        _commonTables[table.Id] = Build(table.Plan!);
    }

    /// <summary>Plans the subqueries an expression holds (once each).</summary>
    private void Register(IEnumerable<BoundExpression> expressions)
    {
        foreach (BoundExpression expression in expressions) Register(expression);
    }

    private void Register(BoundExpression? expression)
    {
        if (expression is null) return;
        foreach (BoundSubquery subquery in SubqueryFinder.Find(expression))
        {
            if (_subplans[subquery.Id] is null) _subplans[subquery.Id] = Build(subquery.Plan);
        }
    }

    private static bool HasSubquery(BoundExpression expression) => BoundExpressionTree.Any(expression, node => node is BoundSubquery);

    /// <summary>A plan with filter terms to apply: pushed into a scan or into the sides of a join where they can run.</summary>
    private PhysicalOperator BuildFiltered(LogicalPlan input, List<BoundExpression> terms)
    {
        switch (input)
        {
            case LogicalScan scan:
                return BuildScan(scan, terms);
            case LogicalJoin join:
                return BuildJoin(join, terms, [], []);
            case LogicalFilter filter:
                return BuildFiltered(filter.Input, [.. Conjuncts.Of(PrepareCondition(filter.Predicate)), .. terms]);
            case LogicalProject project when terms.Any(term => ReadsPassedThroughColumnsOnly(term, project)):
            {
                // A term over columns the projection only passes on is checked below it, so the projection's other
                // expressions (subqueries most of all: asyncpg's type query selects from a subquery of pg_type with
                // three) run only for the rows that pass, as PostgreSQL's subquery pull-up has them.
                List<BoundExpression> below = terms.Where(term => ReadsPassedThroughColumnsOnly(term, project))
                    .Select(term => ThroughProjection(term, project)).ToList();
                PhysicalOperator projected = BuildProject(project, BuildFiltered(project.Input, below));
                List<BoundExpression> above = terms.Where(term => !ReadsPassedThroughColumnsOnly(term, project)).ToList();
                if (above.Count == 0) return projected;
                BoundExpression remaining = Conjuncts.Combine(above)!;
                Register(remaining);
                return new FilterOperator(projected, remaining);
            }
            default:
                BoundExpression predicate = Conjuncts.Combine(terms)!;
                Register(predicate);
                return new FilterOperator(Build(input), predicate);
        }
    }

    private ProjectOperator BuildProject(LogicalProject project, PhysicalOperator input)
    {
        IReadOnlyList<BoundExpression> expressions = _folder.FoldAll(project.Expressions);
        Register(expressions);
        return new ProjectOperator(input, expressions);
    }

    /// <summary>Whether a filter term reads only columns that the projection passes on unchanged from its input, and
    /// holds nothing that must see the projected row (a subquery, an aggregate, a window or set-returning function).</summary>
    private static bool ReadsPassedThroughColumnsOnly(BoundExpression term, LogicalProject project) =>
        !BoundExpressionTree.Any(term, node => node is BoundSubquery or BoundAggregateCall or BoundWindowCall or BoundGroupingCall or BoundSetFunctionCall
            || (node is BoundColumn column && (column.Ordinal >= project.Expressions.Count || project.Expressions[column.Ordinal] is not BoundColumn)));

    /// <summary>The term with each column read from the projection's input instead of its output.</summary>
    private static BoundExpression ThroughProjection(BoundExpression term, LogicalProject project) => term is BoundColumn column
        ? ((BoundColumn)project.Expressions[column.Ordinal]) with { DisplayName = column.DisplayName, Location = column.Location }
        : BoundExpressionTree.MapChildren(term, child => ThroughProjection(child, project));

    private PhysicalOperator BuildScan(LogicalScan scan, List<BoundExpression> terms)
    {
        if (scan.Relation is Catalog.System.SystemRelation system)
        {
            // Read whole: the rows are computed in memory, so there is no access path to choose.
            var source = new SystemRelationScanOperator(system, scan.ReferenceName);
            if (terms.Count == 0) return source;
            BoundExpression predicate = Conjuncts.Combine(terms)!;
            Register(predicate);
            return new FilterOperator(source, predicate);
        }
        TableDescriptor table = scan.Relation.Table ?? throw new InvalidOperationException($"relation {scan.Relation.Name} has no stored table");
        var pushed = terms.Where(term => !HasSubquery(term)).ToList();
        var rest = terms.Where(HasSubquery).ToList();
        BoundExpression? filter = Conjuncts.Combine(pushed);
        AccessPath path = AccessPathPlanner.Choose(table, filter);
        PhysicalOperator result = scan.WithRowKey
            ? new RowKeyScanOperator(table, scan.ReferenceName, path, filter)
            : new TableScanOperator(table, scan.ReferenceName, path, filter, scan.ForUpdate);
        if (rest.Count > 0)
        {
            BoundExpression predicate = Conjuncts.Combine(rest)!;
            Register(predicate);
            result = new FilterOperator(result, predicate);
        }
        return result;
    }

    /// <summary>
    /// A join with filter terms from above it. Terms that read one side only go down into that side where that keeps
    /// the join's meaning (the preserved side of an outer join keeps its rows, so only WHERE terms filter it; the
    /// nullable side may take ON terms). The rest of an inner join's terms join its condition; an outer join's WHERE
    /// terms that read both sides stay above it.
    /// </summary>
    private PhysicalOperator BuildJoin(LogicalJoin join, List<BoundExpression> whereTerms, List<BoundExpression> leftTerms, List<BoundExpression> rightTerms)
    {
        int leftWidth = join.Left.Width;
        int rightWidth = join.Right.Width;
        JoinType kind = join.Kind == JoinType.Cross ? JoinType.Inner : join.Kind;
        var above = new List<BoundExpression>();
        var conditionTerms = new List<BoundExpression>();
        foreach (BoundExpression term in whereTerms)
        {
            bool readsLeft = BoundExpressionTree.ReadsColumns(term, 0, leftWidth);
            bool readsRight = BoundExpressionTree.ReadsColumns(term, leftWidth, rightWidth);
            // A lateral item runs once per left row with that row's values, so a term over the left side only (a
            // subquery in it too) is checked before it: an error of the item, 1/x say, never surfaces for a row the
            // term drops, as in PostgreSQL, whose lateral items see only the rows the scan below kept. The rest wait
            // for the item's row.
            if (join.Lateral && !readsRight && kind is JoinType.Inner or JoinType.Left) leftTerms.Add(term);
            else if (HasSubquery(term)) above.Add(term);
            else if (!readsRight && kind is JoinType.Inner or JoinType.Left) leftTerms.Add(term);
            else if (join.Lateral) above.Add(term);
            else if (!readsLeft && kind is JoinType.Inner or JoinType.Right) rightTerms.Add(BoundExpressionTree.ShiftColumns(term, -leftWidth));
            else if (kind == JoinType.Inner) conditionTerms.Add(term);
            else above.Add(term);
        }
        var residual = new List<BoundExpression>();
        if (join.Condition is not null)
        {
            foreach (BoundExpression term in Conjuncts.Of(PrepareCondition(join.Condition)))
            {
                bool readsLeft = BoundExpressionTree.ReadsColumns(term, 0, leftWidth);
                bool readsRight = BoundExpressionTree.ReadsColumns(term, leftWidth, rightWidth);
                if (HasSubquery(term) || join.Lateral) residual.Add(term);
                else if (!readsRight && readsLeft && kind is JoinType.Inner or JoinType.Right) leftTerms.Add(term);
                else if (!readsLeft && readsRight && kind is JoinType.Inner or JoinType.Left) rightTerms.Add(BoundExpressionTree.ShiftColumns(term, -leftWidth));
                else conditionTerms.Add(term);
            }
        }
        PhysicalOperator left = leftTerms.Count > 0 ? BuildFiltered(join.Left, leftTerms) : Build(join.Left);
        PhysicalOperator right = rightTerms.Count > 0 ? BuildFiltered(join.Right, rightTerms) : Build(join.Right);

        var leftKeys = new List<BoundExpression>();
        var rightKeys = new List<BoundExpression>();
        var keyTerms = new List<BoundComparison>();
        if (!join.Lateral)
        {
            foreach (BoundExpression term in conditionTerms)
            {
                if (term is BoundComparison { Operator: ComparisonOperator.Equal } equality && equality.OperandType.Kind != TypeKind.Bpchar)
                {
                    if (IsSideOnly(equality.Left, 0, leftWidth) && IsSideOnly(equality.Right, leftWidth, rightWidth))
                    {
                        leftKeys.Add(equality.Left);
                        rightKeys.Add(BoundExpressionTree.ShiftColumns(equality.Right, -leftWidth));
                        keyTerms.Add(equality);
                        continue;
                    }
                    if (IsSideOnly(equality.Right, 0, leftWidth) && IsSideOnly(equality.Left, leftWidth, rightWidth))
                    {
                        leftKeys.Add(equality.Right);
                        rightKeys.Add(BoundExpressionTree.ShiftColumns(equality.Left, -leftWidth));
                        keyTerms.Add(equality);
                        continue;
                    }
                }
                residual.Add(term);
            }
        }
        else
        {
            residual.AddRange(conditionTerms);
        }
        BoundExpression? residualCondition = Conjuncts.Combine(residual);
        Register(residualCondition);
        PhysicalOperator result = leftKeys.Count > 0
            ? KeyLookupJoin(kind, left, right, leftWidth, rightWidth, leftKeys, rightKeys, keyTerms, residual, residualCondition)
                ?? new HashJoinOperator(kind, left, right, leftWidth, rightWidth, leftKeys, rightKeys, residualCondition)
            : new NestedLoopJoinOperator(kind, left, right, leftWidth, rightWidth, residualCondition, join.Lateral);
        if (above.Count > 0)
        {
            BoundExpression predicate = Conjuncts.Combine(above)!;
            Register(predicate);
            result = new FilterOperator(result, predicate);
        }
        return result;
    }

    /// <summary>
    /// A nested loop with batched primary-key lookups, when the join is inner or left, its right side is a plain scan of
    /// a stored table (its pushed filter runs on each row found), and equalities of the join condition fix every
    /// primary key column of that table to an expression of the left row (or the scan's filter to a constant). The key columns must compare as they are
    /// stored: the equality's operand type is the column's own (integers of any width encode alike), so the encoded
    /// key of the left value finds exactly the rows the equality accepts. The other equalities join the residual.
    /// The operator turns into the hash join when the left side is large (see <see cref="KeyLookupJoinOperator"/>).
    /// </summary>
    private static PhysicalOperator? KeyLookupJoin(JoinType kind, PhysicalOperator left, PhysicalOperator right, int leftWidth, int rightWidth,
        List<BoundExpression> leftKeys, List<BoundExpression> rightKeys, List<BoundComparison> keyTerms, List<BoundExpression> residual,
        BoundExpression? hashResidual)
    {
        if (kind is not (JoinType.Inner or JoinType.Left) || right is not TableScanOperator { Table: { HasHiddenRowId: false } table } scan) return null;
        IReadOnlyList<int> keyOrdinals = table.PrimaryKeyOrdinals;
        var lookupKeys = new BoundExpression?[keyOrdinals.Count];
        var usedTerms = new bool[keyTerms.Count];
        for (int keyIndex = 0; keyIndex < keyOrdinals.Count; keyIndex++)
        {
            for (int term = 0; term < keyTerms.Count && lookupKeys[keyIndex] is null; term++)
            {
                if (!usedTerms[term] && rightKeys[term] is BoundColumn column && column.Ordinal == keyOrdinals[keyIndex]
                    && ComparesAsStored(column.Type, keyTerms[term].OperandType, leftKeys[term].Type))
                {
                    lookupKeys[keyIndex] = leftKeys[term];
                    usedTerms[term] = true;
                }
            }
            lookupKeys[keyIndex] ??= ConstantKey(scan.Filter, keyOrdinals[keyIndex]);
            if (lookupKeys[keyIndex] is null) return null;
        }
        var lookupResidual = new List<BoundExpression>(residual);
        for (int term = 0; term < keyTerms.Count; term++)
        {
            if (!usedTerms[term]) lookupResidual.Add(keyTerms[term]);
        }
        return new KeyLookupJoinOperator(kind, left, scan, leftWidth, rightWidth, lookupKeys!, Conjuncts.Combine(lookupResidual),
            leftKeys, rightKeys, hashResidual);
    }

    /// <summary>The constant (or parameter) that a term of a scan's filter sets a key column equal to, or null.</summary>
    private static BoundExpression? ConstantKey(BoundExpression? filter, int ordinal)
    {
        if (filter is null) return null;
        foreach (BoundExpression term in Conjuncts.Of(filter))
        {
            if (term is not BoundComparison { Operator: ComparisonOperator.Equal } equality) continue;
            (BoundExpression columnSide, BoundExpression constantSide) = equality.Left is BoundColumn ? (equality.Left, equality.Right) : (equality.Right, equality.Left);
            // A prepared statement's parameter is as good as a constant: the lookup evaluates its keys when it runs.
            if (columnSide is BoundColumn column && column.Ordinal == ordinal && constantSide is BoundConstant { Value: not null } or BoundParameter
                && ComparesAsStored(column.Type, equality.OperandType, constantSide.Type))
            {
                return constantSide;
            }
        }
        return null;
    }

    /// <summary>Whether an equality on a key column of <paramref name="columnType"/>, compared as <paramref name="operandType"/>
    /// with a value of <paramref name="valueType"/>, holds exactly when the value's key encoding is the column's.</summary>
    private static bool ComparesAsStored(SqlType columnType, SqlType operandType, SqlType valueType)
    {
        if (columnType.IsInteger) return operandType.IsInteger && valueType.IsInteger;
        return columnType.Kind == operandType.Kind && valueType.Kind == columnType.Kind
            && columnType.Kind is TypeKind.Text or TypeKind.Varchar or TypeKind.Numeric or TypeKind.Float8 or TypeKind.Bool
                or TypeKind.Date or TypeKind.Timestamp or TypeKind.TimestampTz;
    }

    /// <summary>Whether an expression reads columns of one side only (and some column of it), with no subquery.</summary>
    private static bool IsSideOnly(BoundExpression expression, int first, int count) =>
        !HasSubquery(expression)
        && BoundExpressionTree.ReadsColumns(expression, first, count)
        && !BoundExpressionTree.Any(expression, node => node is BoundColumn column && (column.Ordinal < first || column.Ordinal >= first + count));

    /// <summary>A sort, or nothing when its input comes in its order already: along the primary key, or (under a
    /// <paramref name="limit"/>) along an index in the sort's order (<see cref="OrderedIndexPlanner"/>). Under a limit
    /// the sort knows its LIMIT and OFFSET, to keep only the first rows when they are few (top-N).</summary>
    private PhysicalOperator BuildSort(LogicalSort sort, LogicalLimit? limit = null)
    {
        PhysicalOperator input = Build(sort.Input);
        if (ReadsInKeyOrder(sort, input) || (limit is not null && OrderedIndexPlanner.TryReadInIndexOrder(sort, input))) return input;
        return new SortOperator(input, sort.Keys, limit?.Limit, limit?.Offset);
    }

    /// <summary>
    /// Whether the sort's input already comes in its order: a projection over a stored table read along its primary key
    /// (a point read, a range or a full scan; not a list of points, which come in the list's order), with the sort keys
    /// on the first primary key columns, all ascending, or all descending, which reading the key range backwards gives
    /// (PostgreSQL's "Index Scan Backward" on the primary key). Key encodings order like the values for the types
    /// checked here, and primary key columns are never NULL (so NULLS FIRST or LAST does not matter).
    /// </summary>
    private static bool ReadsInKeyOrder(LogicalSort sort, PhysicalOperator input)
    {
        if (!InPrimaryKeyOrder(sort, input, out TableScanOperator? scan, out bool backward)) return false;
        if (backward) scan!.ReadAlong(scan.Path with { Backward = true });
        return true;
    }

    private static bool InPrimaryKeyOrder(LogicalSort sort, PhysicalOperator input, out TableScanOperator? tableScan, out bool backward)
    {
        tableScan = null;
        backward = sort.Keys.Count > 0 && sort.Keys[0].Descending;
        if (sort.Input is not LogicalProject project || input is not ProjectOperator projectOperator) return false;
        PhysicalOperator source = projectOperator.Input;
        if (source is FilterOperator filter) source = filter.Children[0];
        if (source is not TableScanOperator { Table: { HasHiddenRowId: false } table } scan
            || scan.Path.Kind is not (AccessKind.PointLookup or AccessKind.RangeScan or AccessKind.FullScan)
            || sort.Keys.Count > table.PrimaryKeyOrdinals.Count
            || scan.Path.Backward)
        {
            return false;
        }
        tableScan = scan;
        for (int index = 0; index < sort.Keys.Count; index++)
        {
            SortKey key = sort.Keys[index];
            if (key.Descending != backward
                || project.Expressions[key.Ordinal] is not BoundColumn column
                || column.Ordinal != table.PrimaryKeyOrdinals[index]
                || !(column.Type.IsInteger || column.Type.Kind is TypeKind.Text or TypeKind.Varchar or TypeKind.Numeric or TypeKind.Float8
                    or TypeKind.Bool or TypeKind.Date or TypeKind.Timestamp or TypeKind.TimestampTz))
            {
                return false;
            }
        }
        return true;
    }
}
