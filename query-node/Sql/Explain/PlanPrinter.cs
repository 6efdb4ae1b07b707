using System.Diagnostics;
using System.Globalization;
using Log.QueryNode.Sql.Binder;
using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Executor;
using Log.QueryNode.Sql.Executor.Operators;
using Log.QueryNode.Sql.Parser.Ast;
using Log.QueryNode.Sql.Plan;
using Log.QueryNode.Sql.Planner;
using Log.QueryNode.Sql.Types;
using SortKey = Log.QueryNode.Sql.Plan.SortKey;

namespace Log.QueryNode.Sql.Explain;

/// <summary>
/// Writes a physical operator tree in PostgreSQL's EXPLAIN text format: one line per node ("Seq Scan on t",
/// "Index Scan using t_pkey on t", "Hash Join" over its inner side's "Hash"), its detail lines ("Index Cond:",
/// "Filter:", "Hash Cond:", "Sort Key:", "Group Key:"), children under "->  " with PostgreSQL's indentation.
/// Operators that PostgreSQL folds into others are not printed: projections (PostgreSQL computes target lists in
/// every node) and filters (a "Filter:" line of the node below). Columns are qualified as PostgreSQL qualifies them:
/// when the statement reads more than one relation, or with VERBOSE. Row estimates are simple ones (a full scan
/// 1,000 rows, a key lookup 1, each filter a half, an aggregate without keys 1 ...), not PostgreSQL's cost model,
/// and costs are derived from them.
/// </summary>
internal sealed class PlanPrinter
{
    private const double FullScanRows = 1000;
    private const double RangeScanRows = 100;
    private const double FilterSelectivity = 0.5;
    private const double GroupsMax = 200;
    private const double FunctionRows = 1000;
    private const double CostPerRow = 0.01;

    private readonly ExplainOptions _options;
    private readonly PlanInstrumentation? _instrumentation;
    private readonly StatementState _state;
    private Types.DateTimeSettings Settings => _state.Statement.DateTimeSettings;
    private readonly IReadOnlyList<CommonTable> _commonTables;
    private readonly List<string> _lines = [];
    private bool _qualify;
    private bool _multipleRelations;

    public PlanPrinter(ExplainOptions options, PlanInstrumentation? instrumentation, StatementState state, IReadOnlyList<CommonTable> commonTables)
    {
        _options = options;
        _instrumentation = instrumentation;
        _state = state;
        _commonTables = commonTables;
    }

    public List<string> Print(PhysicalOperator root)
    {
        _multipleRelations = CountRelations(root) > 1;
        _qualify = _options.Verbose || _multipleRelations;
        PrintNode(root, indent: -1, inheritedFilters: [], pendingSubqueries: [], commonTablesHere: true);
        return _lines;
    }

    /// <summary>The relations the statement reads (PostgreSQL's range table length, roughly): scans of tables, WITH
    /// queries, functions and VALUES lists, plus an INSERT's target and its <c>excluded</c>.</summary>
    private int CountRelations(PhysicalOperator node)
    {
        int count = 0;
        var pending = new Stack<PhysicalOperator>();
        pending.Push(node);
        foreach (PhysicalOperator? plan in _state.Subplans) if (plan is not null) pending.Push(plan);
        foreach (PhysicalOperator? plan in _state.CommonTablePlans) if (plan is not null) pending.Push(plan);
        var seen = new HashSet<PhysicalOperator>(ReferenceEqualityComparer.Instance);
        while (pending.TryPop(out PhysicalOperator? current))
        {
            if (!seen.Add(current)) continue;
            count += current switch
            {
                TableScanOperator or RowKeyScanOperator or CteScanOperator or FunctionScanOperator or SubqueryScanOperator => 1,
                ValuesOperator values => values.RowCount > 1 ? 1 : 0,
                ModifyTableOperator { Kind: ModifyKind.Insert } insert => insert.OnConflict?.Action == OnConflictAction.DoUpdate ? 2 : 1,
                _ => 0,
            };
            foreach (PhysicalOperator child in current.Children) pending.Push(child);
        }
        return count;
    }

    /// <summary>Prints a node. <paramref name="indent"/> is where its "->" goes (-1 for the root, which has none);
    /// filters and subqueries of folded nodes above it come along to be printed here.</summary>
    private void PrintNode(PhysicalOperator node, int indent, List<BoundExpression> inheritedFilters, List<BoundSubquery> pendingSubqueries, bool commonTablesHere,
        ProjectOperator? projection = null)
    {
        switch (node)
        {
            case FilterOperator filter:
                PrintNode(filter.Children[0], indent, [filter.Predicate, .. inheritedFilters], pendingSubqueries, commonTablesHere, projection);
                return;
            case ProjectOperator project when project.Input is not null && !ComputesOverSetFunctions(project):
                var carried = new List<BoundSubquery>(pendingSubqueries);
                foreach (BoundExpression expression in project.Expressions) carried.AddRange(SubqueryFinder.Find(expression));
                // Filters above a projection read its output, not its input: PostgreSQL never builds that shape.
                PrintNode(project.Input, indent, inheritedFilters.Count == 0 ? [] : inheritedFilters, carried, commonTablesHere, project);
                return;
            case TrimOperator trim:
                PrintNode(trim.Children[0], indent, inheritedFilters, pendingSubqueries, commonTablesHere, projection);
                return;
        }

        var details = new List<string>();
        var subqueries = new List<BoundSubquery>(pendingSubqueries);
        if (_options.Verbose)
        {
            // Target lists are qualified only when the statement reads several relations, VERBOSE or not (show_plan_tlist).
            _qualify = _multipleRelations;
            if (OutputOf(node, projection) is { } output) details.Add("Output: " + string.Join(", ", output));
            _qualify = true;
        }
        string header = Header(node, details, subqueries, inheritedFilters);
        int detailIndent = indent < 0 ? 2 : indent + 6;
        string prefix = indent < 0 ? "" : new string(' ', indent) + "->  ";
        _lines.Add(prefix + header + Annotation(node));
        foreach (string detail in details) _lines.Add(new string(' ', detailIndent) + detail);

        if (commonTablesHere)
        {
            for (int id = 0; id < _state.CommonTablePlans.Length; id++)
            {
                if (_state.CommonTablePlans[id] is not { } plan || id >= _commonTables.Count) continue;
                _lines.Add(new string(' ', detailIndent) + "CTE " + _commonTables[id].Name);
                PrintNode(plan, detailIndent + 2, [], [], commonTablesHere: false);
            }
        }
        foreach (BoundSubquery subquery in subqueries.Where(subquery => subquery.Arguments.Count == 0).DistinctBy(subquery => subquery.Id))
        {
            _lines.Add(new string(' ', detailIndent) + $"InitPlan {subquery.Id + 1} (returns ${subquery.Id})");
            if (_state.Subplans[subquery.Id] is { } plan) PrintNode(plan, detailIndent + 2, [], [], commonTablesHere: false);
        }

        switch (node)
        {
            case HashJoinOperator hashJoin:
                PrintNode(hashJoin.Children[0], detailIndent, [], [], false);
                PrintHash(hashJoin.Children[1], detailIndent);
                break;
            default:
                foreach (PhysicalOperator child in node.Children) PrintNode(child, detailIndent, [], [], false);
                break;
        }

        foreach (BoundSubquery subquery in subqueries.Where(subquery => subquery.Arguments.Count > 0).DistinctBy(subquery => subquery.Id))
        {
            _lines.Add(new string(' ', detailIndent) + $"SubPlan {subquery.Id + 1}");
            if (_state.Subplans[subquery.Id] is { } plan) PrintNode(plan, detailIndent + 2, [], [], commonTablesHere: false);
        }
    }

    /// <summary>The inner side of a hash join under PostgreSQL's "Hash" node (the hash table it builds).</summary>
    private void PrintHash(PhysicalOperator inner, int indent)
    {
        string annotation = "";
        if (_options.Costs)
        {
            double rows = EstimateRows(inner);
            double cost = EstimateCost(inner);
            annotation = string.Create(CultureInfo.InvariantCulture, $"  (cost={cost:F2}..{cost:F2} rows={Math.Max(1, Math.Round(rows)):F0} width={EstimateWidth(inner)})");
        }
        if (_options.Analyze) annotation += Actual(_instrumentation?.Of(inner));
        _lines.Add(new string(' ', indent) + "->  Hash" + annotation);
        PrintNode(inner, indent + 6, [], [], false);
    }

    private string Header(PhysicalOperator node, List<string> details, List<BoundSubquery> subqueries, List<BoundExpression> filters)
    {
        Func<int, string> inputColumn = ordinal => ColumnOf(node.Children.Count > 0 ? node.Children[0] : node, ordinal);
        void Filter(string label, IReadOnlyList<BoundExpression> terms, Func<int, string> column)
        {
            if (terms.Count == 0) return;
            BoundExpression combined = Conjuncts.Combine(terms.SelectMany(Conjuncts.Of).ToList())!;
            foreach (BoundExpression term in terms) subqueries.AddRange(SubqueryFinder.Find(term));
            details.Add($"{label}: {Parenthesized(Deparse(combined, column))}");
        }

        switch (node)
        {
            case TableScanOperator scan:
                return ScanHeader(scan.Table, scan.ReferenceName, scan.Path, scan.Filter, filters, details, subqueries, scan.IndexOnly is not null);
            case RowKeyScanOperator scan:
                return ScanHeader(scan.Table, scan.ReferenceName, scan.Path, scan.Filter, filters, details, subqueries, indexOnly: false);
            case ModifyTableOperator modify:
            {
                if (modify.OnConflict is { } conflict)
                {
                    details.Add("Conflict Resolution: " + (conflict.Action == OnConflictAction.DoNothing ? "NOTHING" : "UPDATE"));
                    if (conflict.HasTarget) details.Add("Conflict Arbiter Indexes: " + modify.Table.PrimaryKeyConstraintName);
                    if (conflict.Where is not null)
                    {
                        int width = modify.Table.Columns.Count;
                        string ConflictColumn(int ordinal) => ordinal < width
                            ? Qualified(modify.ReferenceName, modify.Table.Columns[ordinal].Name)
                            : Qualified("excluded", modify.Table.Columns[ordinal - width].Name);
                        Filter("Conflict Filter", [conflict.Where], ConflictColumn);
                    }
                }
                return $"{modify.Kind} on {Relation(modify.Table, modify.ReferenceName)}";
            }
            case HashJoinOperator join:
            {
                Func<int, string> joined = ordinal => JoinColumn(join.Children[0], join.Children[1], join.LeftWidth, ordinal);
                var equalities = new List<string>();
                for (int index = 0; index < join.LeftKeys.Count; index++)
                {
                    string right = Deparse(join.RightKeys[index], ordinal => ColumnOf(join.Children[1], ordinal));
                    equalities.Add($"({Deparse(join.LeftKeys[index], ordinal => ColumnOf(join.Children[0], ordinal))} = {right})");
                }
                details.Add("Hash Cond: " + (equalities.Count == 1 ? equalities[0] : "(" + string.Join(" AND ", equalities) + ")"));
                if (join.Residual is not null) Filter("Join Filter", [join.Residual], joined);
                Filter("Filter", filters, joined);
                return "Hash" + JoinName(join.Kind);
            }
            case NestedLoopJoinOperator join:
            {
                Func<int, string> joined = ordinal => JoinColumn(join.Children[0], join.Children[1], join.LeftWidth, ordinal);
                if (join.Condition is not null) Filter("Join Filter", [join.Condition], joined);
                Filter("Filter", filters, joined);
                return "Nested Loop" + (join.Kind == JoinType.Inner ? "" : JoinName(join.Kind));
            }
            case AggregateOperator aggregate:
                if (aggregate.GroupKeys.Count > 0) details.Add("Group Key: " + string.Join(", ", aggregate.GroupKeys.Select(key => Deparse(key, inputColumn))));
                Filter("Filter", filters, ordinal => ColumnOf(node, ordinal));
                return node.Name;
            case DistinctOperator distinct:
                details.Add("Group Key: " + string.Join(", ", Enumerable.Range(0, distinct.KeyWidth).Select(inputColumn)));
                Filter("Filter", filters, ordinal => ColumnOf(node, ordinal));
                return node.Name;
            case SortOperator sort:
                details.Add("Sort Key: " + string.Join(", ", sort.Keys.Select(key => SortKeyText(sort.Children[0], key))));
                Filter("Filter", filters, ordinal => ColumnOf(node, ordinal));
                return node.Name;
            case ValuesOperator values:
                Filter("Filter", filters, ordinal => ColumnOf(node, ordinal));
                return values.RowCount == 1 ? "Result" : "Values Scan on \"*VALUES*\"";
            case CteScanOperator cte:
                Filter("Filter", filters, ordinal => ColumnOf(node, ordinal));
                return "CTE Scan on " + cte.CommonTableName;
            case FunctionScanOperator function:
                Filter("Filter", filters, ordinal => ColumnOf(node, ordinal));
                return "Function Scan on " + function.FunctionName;
            default:
                Filter("Filter", filters, ordinal => ColumnOf(node, ordinal));
                return node.Name;
        }
    }

    /// <summary>VERBOSE's "Output:" list: the projection folded into the node, else its columns where they are known.</summary>
    /// <summary>A projection that computes over a ProjectSet's output (generate_series(1, 3) + 1) is a Result node of its
    /// own in PostgreSQL: a ProjectSet evaluates only set-returning functions and plain columns.</summary>
    private static bool ComputesOverSetFunctions(ProjectOperator project) =>
        project.Input is ProjectSetOperator && project.Expressions.Any(expression => expression is not BoundColumn);

    private IEnumerable<string>? OutputOf(PhysicalOperator node, ProjectOperator? projection)
    {
        if (node is ProjectOperator standalone) return standalone.Expressions.Select(expression => Deparse(expression, ordinal => ColumnOf(standalone.Input, ordinal)));
        if (projection is not null) return projection.Expressions.Select(expression => Deparse(expression, ordinal => ColumnOf(node, ordinal)));
        int width = node switch
        {
            TableScanOperator scan => scan.Table.Columns.Count,
            RowKeyScanOperator scan => scan.Table.Columns.Count,
            AggregateOperator aggregate => aggregate.GroupKeys.Count + aggregate.Aggregates.Count,
            _ => -1,
        };
        return width < 0 ? null : Enumerable.Range(0, width).Select(ordinal => ColumnOf(node, ordinal));
    }

    private static string JoinName(JoinType kind) => kind switch
    {
        JoinType.Left => " Left Join",
        JoinType.Right => " Right Join",
        JoinType.Full => " Full Join",
        _ => " Join",
    };

    /// <summary>A scan: the terms its access path uses are its "Index Cond" (in key column order, the column on the
    /// left), the rest its "Filter".</summary>
    private string ScanHeader(TableDescriptor table, string referenceName, AccessPath path, BoundExpression? filter, List<BoundExpression> above,
        List<string> details, List<BoundSubquery> subqueries, bool indexOnly)
    {
        // PostgreSQL qualifies a scan's own conditions only under VERBOSE (explain.c show_scan_qual).
        string TableColumn(int ordinal) => ordinal >= table.Columns.Count ? "ctid"
            : _options.Verbose ? referenceName + "." + table.Columns[ordinal].Name : table.Columns[ordinal].Name;
        var indexTerms = new List<(int KeyIndex, BoundExpression Term)>();
        var filterTerms = new List<BoundExpression>();
        foreach (BoundExpression term in filter is null ? [] : Conjuncts.Of(filter))
        {
            if (path.Kind != AccessKind.FullScan && IndexTerm(table, path, term) is { } indexTerm) indexTerms.Add(indexTerm);
            else filterTerms.Add(term);
        }
        filterTerms.AddRange(above.SelectMany(Conjuncts.Of));
        if (indexTerms.Count > 0)
        {
            BoundExpression condition = Conjuncts.Combine(indexTerms.OrderBy(term => term.KeyIndex).Select(term => term.Term).ToList())!;
            details.Add("Index Cond: " + Parenthesized(Deparse(condition, TableColumn)));
        }
        if (filterTerms.Count > 0)
        {
            foreach (BoundExpression term in filterTerms) subqueries.AddRange(SubqueryFinder.Find(term));
            details.Add("Filter: " + Parenthesized(Deparse(Conjuncts.Combine(filterTerms)!, TableColumn)));
        }
        // Log has no visibility map: an index-only scan never visits a row (see IndexOnlyReader).
        if (indexOnly && _options.Analyze) details.Add("Heap Fetches: 0");
        string relation = Relation(table, referenceName);
        string name = ScanNames.Of(path, indexOnly);
        return path.Kind == AccessKind.FullScan && !path.Backward
            ? name + " on " + relation
            : $"{name} using {RelationNames.NameOf(path.Index?.Name ?? table.PrimaryKeyConstraintName)} on {relation}";
    }

    /// <summary>A term the primary key access path reads: a key column compared with a constant (or in a list of them),
    /// written with the column on the left as PostgreSQL writes index conditions.</summary>
    private static (int KeyIndex, BoundExpression Term)? IndexTerm(TableDescriptor table, AccessPath path, BoundExpression term)
    {
        int KeyIndexOf(BoundExpression expression)
        {
            BoundExpression bare = expression is BoundCast { Context: ValueCast.Context.Implicit } cast ? cast.Operand : expression;
            if (path.Index is { } secondary)
            {
                WriteIndex keys = WriteSchema.For(table).Indexes.First(candidate => candidate.Descriptor.Id == secondary.Id);
                for (int position = 0; position < keys.KeyOrdinals.Length; position++)
                {
                    if (keys.KeyOrdinals[position] >= 0 ? bare is BoundColumn keyColumn && keyColumn.Ordinal == keys.KeyOrdinals[position]
                        : BoundExpressionTree.Equivalent(expression, keys.KeyExpressions[position]!)) return position;
                }
                return -1;
            }
            if (bare is not BoundColumn column) return -1;
            for (int index = 0; index < table.PrimaryKeyOrdinals.Count; index++) if (table.PrimaryKeyOrdinals[index] == column.Ordinal) return index;
            return -1;
        }
        switch (term)
        {
            case BoundIn { IsNot: false } inList when KeyIndexOf(inList.Operand) is int inIndex and >= 0 && inList.List.All(item => item is BoundConstant):
                return (inIndex, term);
            case BoundComparison { Operator: not ComparisonOperator.NotEqual } comparison:
                if (KeyIndexOf(comparison.Left) is int leftIndex and >= 0 && IsKeyValue(comparison.Right)) return (leftIndex, term);
                if (KeyIndexOf(comparison.Right) is int rightIndex and >= 0 && IsKeyValue(comparison.Left))
                {
                    ComparisonOperator mirrored = comparison.Operator switch
                    {
                        ComparisonOperator.Less => ComparisonOperator.Greater,
                        ComparisonOperator.LessOrEqual => ComparisonOperator.GreaterOrEqual,
                        ComparisonOperator.Greater => ComparisonOperator.Less,
                        ComparisonOperator.GreaterOrEqual => ComparisonOperator.LessOrEqual,
                        _ => comparison.Operator,
                    };
                    return (rightIndex, comparison with { Operator = mirrored, Left = comparison.Right, Right = comparison.Left });
                }
                return null;
            default:
                return null;
        }
    }

    /// <summary>A value an access path's keys are computed from: a constant, or a prepared statement's parameter.</summary>
    private static bool IsKeyValue(BoundExpression expression) => expression is BoundConstant || AccessPathPlanner.IsRunTimeValue(expression);

    private string Relation(TableDescriptor table, string referenceName)
    {
        // PostgreSQL prints the relation's own name, and its schema too under VERBOSE.
        string own = RelationNames.NameOf(table.Name);
        string name = _options.Verbose ? RelationNames.SchemaOf(table.Name) + "." + own : own;
        return referenceName == own || referenceName == table.Name ? name : name + " " + referenceName;
    }

    private string Qualified(string? relation, string column) => _qualify && !string.IsNullOrEmpty(relation) ? relation + "." + column : column;

    /// <summary>What column <paramref name="ordinal"/> of a node's output is, as an expression over the plan below it.</summary>
    private string ColumnOf(PhysicalOperator node, int ordinal)
    {
        switch (node)
        {
            case TableScanOperator scan:
                return ordinal < scan.Table.Columns.Count ? Qualified(scan.ReferenceName, scan.Table.Columns[ordinal].Name) : "?";
            case RowKeyScanOperator scan:
                return ordinal < scan.Table.Columns.Count ? Qualified(scan.ReferenceName, scan.Table.Columns[ordinal].Name) : "ctid";
            case ProjectOperator project:
                return ordinal < project.Expressions.Count ? Deparse(project.Expressions[ordinal], inner => ColumnOf(project.Input, inner)) : "?";
            case HashJoinOperator join:
                return JoinColumn(join.Children[0], join.Children[1], join.LeftWidth, ordinal);
            case NestedLoopJoinOperator join:
                return JoinColumn(join.Children[0], join.Children[1], join.LeftWidth, ordinal);
            case AggregateOperator aggregate:
            {
                Func<int, string> input = inner => ColumnOf(aggregate.Children[0], inner);
                if (ordinal < aggregate.GroupKeys.Count) return Deparse(aggregate.GroupKeys[ordinal], input);
                int index = ordinal - aggregate.GroupKeys.Count;
                if (index >= aggregate.Aggregates.Count) return "?";
                BoundAggregate call = aggregate.Aggregates[index];
                return ExpressionDeparser.AggregateText(call, input, SubqueryText, Settings);
            }
            case CteScanOperator cte:
                return cte.CommonTableId < _commonTables.Count && ordinal < _commonTables[cte.CommonTableId].ColumnNames.Count
                    ? Qualified(cte.CommonTableName, _commonTables[cte.CommonTableId].ColumnNames[ordinal])
                    : "?";
            case ValuesOperator:
                return Qualified("\"*VALUES*\"", $"column{ordinal + 1}");
            case FunctionScanOperator function:
                return Qualified(function.FunctionName, function.FunctionName);
            case ProjectSetOperator projectSet:
            {
                PhysicalOperator input = projectSet.Children[0];
                int index = ordinal - projectSet.InputWidth;
                if (index < 0) return ColumnOf(input, ordinal);
                BoundSetFunctionCall call = projectSet.Functions[index];
                return $"{call.Name}({string.Join(", ", call.Arguments.Select(argument => Deparse(argument, inner => ColumnOf(input, inner))))})";
            }
            default:
                return node.Children.Count > 0 ? ColumnOf(node.Children[0], ordinal) : "?";
        }
    }

    private string JoinColumn(PhysicalOperator left, PhysicalOperator right, int leftWidth, int ordinal) =>
        ordinal < leftWidth ? ColumnOf(left, ordinal) : ColumnOf(right, ordinal - leftWidth);

    /// <summary>A sort key: the column's expression (in parentheses unless it is a plain column), DESC, NULLS FIRST/LAST when
    /// not the direction's default.</summary>
    private string SortKeyText(PhysicalOperator input, SortKey key)
    {
        string text = ColumnOf(input, key.Ordinal);
        if (text.StartsWith('(')) text = "(" + text + ")";
        if (key.Descending) text += " DESC";
        if (key.NullsFirst != key.Descending) text += key.NullsFirst ? " NULLS FIRST" : " NULLS LAST";
        return text;
    }

    private string Deparse(BoundExpression expression, Func<int, string> column) => ExpressionDeparser.Deparse(expression, column, SubqueryText, Settings);

    private static string SubqueryText(BoundSubquery subquery) => subquery.Arguments.Count == 0 ? $"${subquery.Id}" : $"(SubPlan {subquery.Id + 1})";

    /// <summary>A condition line always has its outer parentheses, as PostgreSQL prints a bare column or constant too.</summary>
    private static string Parenthesized(string text) => text.StartsWith('(') && text.EndsWith(')') && Balanced(text) ? text : "(" + text + ")";

    private static bool Balanced(string text)
    {
        // "(a) AND (b)" starts and ends with a parenthesis without being wrapped in one.
        int depth = 0;
        for (int index = 0; index < text.Length; index++)
        {
            if (text[index] == '(') depth++;
            else if (text[index] == ')') depth--;
            if (depth == 0 && index < text.Length - 1) return false;
        }
        return true;
    }

    /// <summary>The estimate and, with ANALYZE, the measurement after a node's name.</summary>
    private string Annotation(PhysicalOperator node)
    {
        string text = "";
        if (_options.Costs)
        {
            // A writing node without RETURNING returns no rows, which PostgreSQL estimates as 0.
            double rows = node is ModifyTableOperator { HasReturning: false } ? 0 : EstimateRows(node);
            double cost = EstimateCost(node);
            double startup = node is SortOperator or AggregateOperator or DistinctOperator or HashJoinOperator ? cost - rows * CostPerRow : 0;
            text = string.Create(CultureInfo.InvariantCulture, $"  (cost={Math.Max(0, startup):F2}..{cost:F2} rows={Math.Round(rows):F0} width={EstimateWidth(node)})");
        }
        if (_options.Analyze) text += Actual(_instrumentation?.Of(node), rowsReturned: node is not ModifyTableOperator { HasReturning: false });
        return text;
    }

    /// <summary>" (actual time=startup..total rows=n loops=n)": per-loop averages, as PostgreSQL prints them.</summary>
    private string Actual(NodeStatistics? statistics, bool rowsReturned = true)
    {
        const string separator = " ";
        if (statistics is null || statistics.Loops == 0) return separator + "(never executed)";
        // A writing node without RETURNING hands its parent a row per row written only for the count: it returns none.
        long rows = rowsReturned ? (long)Math.Round((double)statistics.Rows / statistics.Loops) : 0;
        if (!_options.Timing) return string.Create(CultureInfo.InvariantCulture, $"{separator}(actual rows={rows} loops={statistics.Loops})");
        double startup = Milliseconds(statistics.StartupTicks) / statistics.Loops;
        double total = Milliseconds(statistics.TotalTicks) / statistics.Loops;
        return string.Create(CultureInfo.InvariantCulture, $"{separator}(actual time={startup:F3}..{total:F3} rows={rows} loops={statistics.Loops})");
    }

    public static double Milliseconds(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;

    private double EstimateRows(PhysicalOperator node)
    {
        double rows = node switch
        {
            TableScanOperator scan => ScanRows(scan.Path, scan.Filter),
            RowKeyScanOperator scan => ScanRows(scan.Path, scan.Filter),
            FilterOperator filter => EstimateRows(filter.Children[0]) * FilterSelectivity,
            HashJoinOperator join => JoinRows(join.Kind, EstimateRows(join.Children[0]), EstimateRows(join.Children[1]), keyed: true),
            NestedLoopJoinOperator join => JoinRows(join.Kind, EstimateRows(join.Children[0]), EstimateRows(join.Children[1]), keyed: join.Condition is not null),
            AggregateOperator aggregate => aggregate.GroupKeys.Count == 0 ? 1 : Math.Min(GroupsMax, EstimateRows(aggregate.Children[0])),
            DistinctOperator or DistinctOnOperator => Math.Min(GroupsMax, EstimateRows(node.Children[0])),
            LimitOperator limit => limit.Count is BoundConstant { Value: { } count } ? Math.Min(Convert.ToDouble(count, CultureInfo.InvariantCulture), EstimateRows(limit.Children[0])) : EstimateRows(limit.Children[0]),
            ValuesOperator values => values.RowCount,
            FunctionScanOperator => FunctionRows,
            CteScanOperator cte => cte.CommonTableId < _state.CommonTablePlans.Length && _state.CommonTablePlans[cte.CommonTableId] is { } plan ? EstimateRows(plan) : FullScanRows,
            _ => node.Children.Count > 0 ? EstimateRows(node.Children[0]) : 1,
        };
        return Math.Max(1, rows);
    }

    private static double ScanRows(AccessPath path, BoundExpression? filter)
    {
        double rows = path.Kind switch
        {
            AccessKind.PointLookup => 1,
            AccessKind.MultiPointLookup => path.Keys.Count,
            AccessKind.RangeScan => RangeScanRows,
            _ => FullScanRows,
        };
        if (filter is not null && path.Kind is AccessKind.FullScan or AccessKind.RangeScan) rows *= FilterSelectivity;
        return rows;
    }

    private static double JoinRows(JoinType kind, double left, double right, bool keyed) => kind switch
    {
        JoinType.Left => left,
        JoinType.Right => right,
        JoinType.Full => left + right,
        _ => keyed ? Math.Max(left, right) : left * right,
    };

    private double EstimateCost(PhysicalOperator node)
    {
        double children = 0;
        foreach (PhysicalOperator child in node.Children) children += EstimateCost(child);
        return children + EstimateRows(node) * CostPerRow;
    }

    private int EstimateWidth(PhysicalOperator node)
    {
        return node switch
        {
            TableScanOperator scan => scan.Table.Columns.Sum(column => TypeWidth(column.Type)),
            RowKeyScanOperator scan => scan.Table.Columns.Sum(column => TypeWidth(column.Type)) + 6,
            ProjectOperator project => project.Expressions.Sum(expression => TypeWidth(expression.Type)),
            HashJoinOperator or NestedLoopJoinOperator => node.Children.Sum(EstimateWidth),
            AggregateOperator aggregate => aggregate.GroupKeys.Sum(key => TypeWidth(key.Type)) + aggregate.Aggregates.Sum(call => TypeWidth(call.Type)),
            ModifyTableOperator => 0,
            _ => node.Children.Count > 0 ? EstimateWidth(node.Children[0]) : 4,
        };
    }

    private static int TypeWidth(SqlType type) => type.Kind switch
    {
        TypeKind.Bool => 1,
        TypeKind.Int2 => 2,
        TypeKind.Int4 or TypeKind.Date => 4,
        TypeKind.Int8 or TypeKind.Float8 or TypeKind.Timestamp or TypeKind.TimestampTz => 8,
        _ => 32,
    };
}
