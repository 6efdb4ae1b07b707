using Log.QueryNode.Sql.Binder;
using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Parser.Ast;
using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Plan;

/// <summary>
/// The binder's output: a tree of relational operators, each producing rows of <see cref="OutputTypes"/>.
/// Expressions in a node are evaluated against its input's row (for a join, the left row followed by the right
/// row); column references are ordinals into that row. The planner turns this tree into physical operators
/// (Executor/Operators), choosing access paths, join algorithms and where filters run.
/// </summary>
internal abstract class LogicalPlan
{
    public abstract IReadOnlyList<SqlType> OutputTypes { get; }

    public int Width => OutputTypes.Count;
}

/// <summary>Every row of a relation (a stored table today; virtual relations later), optionally locked (FOR UPDATE).</summary>
internal sealed class LogicalScan(IRelation relation, string referenceName) : LogicalPlan
{
    public IRelation Relation { get; } = relation;

    /// <summary>The name the query knows the relation by (alias or table name), for EXPLAIN.</summary>
    public string ReferenceName { get; } = referenceName;

    /// <summary>SELECT ... FOR UPDATE: the keys of rows read join the transaction's conflict check.</summary>
    public bool ForUpdate { get; set; }

    /// <summary>The target of UPDATE or DELETE: each row also carries its storage key, as one more column after the
    /// table's (PostgreSQL's ctid junk column), so the rows can be written back after joins and filters.</summary>
    public bool WithRowKey { get; init; }

    private IReadOnlyList<SqlType>? _outputTypes;

    public override IReadOnlyList<SqlType> OutputTypes => _outputTypes ??= WithRowKey ? [.. Relation.ColumnTypes, LogicalModify.RowKeyType] : Relation.ColumnTypes;
}

/// <summary>VALUES (...), (...) or a FROM-less SELECT's single empty row (no rows of width 0: one row).</summary>
internal sealed class LogicalValues(IReadOnlyList<IReadOnlyList<BoundExpression>> rows, IReadOnlyList<SqlType> types) : LogicalPlan
{
    public IReadOnlyList<IReadOnlyList<BoundExpression>> Rows { get; } = rows;

    public override IReadOnlyList<SqlType> OutputTypes { get; } = types;
}

/// <summary>A set-returning function in FROM (generate_series, unnest ...), with an ordinality column when asked.</summary>
internal sealed class LogicalFunctionScan(TableFunction function, IReadOnlyList<BoundExpression> arguments, IReadOnlyList<SqlType> types, bool withOrdinality, string name) : LogicalPlan
{
    public TableFunction Function { get; } = function;
    public IReadOnlyList<BoundExpression> Arguments { get; } = arguments;
    public bool WithOrdinality { get; } = withOrdinality;
    public string Name { get; } = name;

    /// <summary>For a function returning record (jsonb_to_record): the names of its columns, from the column
    /// definition list; null for every other function.</summary>
    public IReadOnlyList<string>? RecordColumnNames { get; init; }

    public override IReadOnlyList<SqlType> OutputTypes { get; } = types;
}

/// <summary>Set-returning functions of a select list (PostgreSQL's ProjectSet): each output row is the input row followed
/// by one value per function; the functions of one input row advance together until the last is done, the ones done
/// earlier giving NULL.</summary>
internal sealed class LogicalProjectSet(LogicalPlan input, IReadOnlyList<BoundSetFunctionCall> functions) : LogicalPlan
{
    public LogicalPlan Input { get; } = input;
    public IReadOnlyList<BoundSetFunctionCall> Functions { get; } = functions;

    public override IReadOnlyList<SqlType> OutputTypes { get; } = [.. input.OutputTypes, .. functions.Select(function => function.Type)];
}

internal sealed class LogicalFilter(LogicalPlan input, BoundExpression predicate) : LogicalPlan
{
    public LogicalPlan Input { get; } = input;
    public BoundExpression Predicate { get; } = predicate;

    public override IReadOnlyList<SqlType> OutputTypes => Input.OutputTypes;
}

internal sealed class LogicalProject(LogicalPlan input, IReadOnlyList<BoundExpression> expressions) : LogicalPlan
{
    public LogicalPlan Input { get; } = input;
    public IReadOnlyList<BoundExpression> Expressions { get; } = expressions;

    public override IReadOnlyList<SqlType> OutputTypes { get; } = expressions.Select(expression => expression.Type).ToArray();
}

/// <summary>A join; Condition is over the left row followed by the right row. A lateral join's right side reads the
/// left row (its subquery's or function's arguments refer to it), so it runs once per left row.</summary>
internal sealed class LogicalJoin(JoinType kind, LogicalPlan left, LogicalPlan right, BoundExpression? condition, bool lateral) : LogicalPlan
{
    public JoinType Kind { get; } = kind;
    public LogicalPlan Left { get; } = left;
    public LogicalPlan Right { get; } = right;
    public BoundExpression? Condition { get; } = condition;
    public bool Lateral { get; } = lateral;

    public override IReadOnlyList<SqlType> OutputTypes { get; } = [.. left.OutputTypes, .. right.OutputTypes];
}

/// <summary>
/// Grouping and aggregation. GroupingSets lists, for each grouping set, which group keys it groups by (ROLLUP/CUBE/
/// GROUPING SETS); null for a plain GROUP BY. Output rows are the group key values, then (with grouping sets only)
/// one int4 flag per key that is 1 where the row's grouping set leaves the key out (GROUPING() reads them), then the
/// aggregate results. Keys not in a row's grouping set are NULL in it. With no keys and no sets, or with an empty
/// grouping set, there is one group even over no rows.
/// </summary>
internal sealed class LogicalAggregate(LogicalPlan input, IReadOnlyList<BoundExpression> groupKeys, IReadOnlyList<BoundAggregate> aggregates,
    IReadOnlyList<IReadOnlyList<int>>? groupingSets) : LogicalPlan
{
    public LogicalPlan Input { get; } = input;
    public IReadOnlyList<BoundExpression> GroupKeys { get; } = groupKeys;
    public IReadOnlyList<BoundAggregate> Aggregates { get; } = aggregates;
    public IReadOnlyList<IReadOnlyList<int>>? GroupingSets { get; } = groupingSets;

    public override IReadOnlyList<SqlType> OutputTypes { get; } =
        [.. groupKeys.Select(key => key.Type), .. (groupingSets is null ? [] : groupKeys.Select(_ => SqlType.Int4)), .. aggregates.Select(aggregate => aggregate.Type)];
}

internal sealed class LogicalSort(LogicalPlan input, IReadOnlyList<SortKey> keys) : LogicalPlan
{
    public LogicalPlan Input { get; } = input;
    public IReadOnlyList<SortKey> Keys { get; } = keys;

    public override IReadOnlyList<SqlType> OutputTypes => Input.OutputTypes;
}

/// <summary>A sort key: an input column, direction and where NULLs go.</summary>
internal readonly record struct SortKey(int Ordinal, bool Descending, bool NullsFirst, SqlType Type);

/// <summary>Removes duplicate rows, comparing the first <see cref="KeyWidth"/> columns (the visible ones). With
/// <see cref="DistinctOn"/>, keeps the first row of each group of equal DISTINCT ON values (the input is sorted).</summary>
internal sealed class LogicalDistinct(LogicalPlan input, int keyWidth, IReadOnlyList<int>? distinctOn) : LogicalPlan
{
    public LogicalPlan Input { get; } = input;
    public int KeyWidth { get; } = keyWidth;
    public IReadOnlyList<int>? DistinctOn { get; } = distinctOn;

    public override IReadOnlyList<SqlType> OutputTypes => Input.OutputTypes;
}

/// <summary>LIMIT / OFFSET: expressions without column references, evaluated once when the node starts.</summary>
internal sealed class LogicalLimit(LogicalPlan input, BoundExpression? limit, BoundExpression? offset) : LogicalPlan
{
    public LogicalPlan Input { get; } = input;
    public BoundExpression? Limit { get; } = limit;
    public BoundExpression? Offset { get; } = offset;

    public override IReadOnlyList<SqlType> OutputTypes => Input.OutputTypes;
}

/// <summary>Drops the trailing hidden columns (sort keys that are not in the select list).</summary>
internal sealed class LogicalTrim(LogicalPlan input, int width) : LogicalPlan
{
    public LogicalPlan Input { get; } = input;

    public override IReadOnlyList<SqlType> OutputTypes { get; } = input.OutputTypes.Take(width).ToArray();
}

/// <summary>UNION / INTERSECT / EXCEPT [ALL]; both inputs have the output's types (the binder cast them).</summary>
internal sealed class LogicalSetOperation(SetOperation operation, bool all, LogicalPlan left, LogicalPlan right, IReadOnlyList<SqlType> types) : LogicalPlan
{
    public SetOperation Operation { get; } = operation;
    public bool All { get; } = all;
    public LogicalPlan Left { get; } = left;
    public LogicalPlan Right { get; } = right;

    public override IReadOnlyList<SqlType> OutputTypes { get; } = types;
}

/// <summary>A subquery in FROM (or a CTE reference) whose plan reads outer values: Arguments are evaluated against
/// the current outer row (for LATERAL, the left row of the join) and become the subquery's parameters.</summary>
internal sealed class LogicalSubqueryScan(LogicalPlan query, IReadOnlyList<BoundExpression> arguments, string name) : LogicalPlan
{
    public LogicalPlan Query { get; } = query;
    public IReadOnlyList<BoundExpression> Arguments { get; } = arguments;
    public string Name { get; } = name;

    public override IReadOnlyList<SqlType> OutputTypes => Query.OutputTypes;
}

/// <summary>A WITH query: planned once per statement, materialised at its first read, shared by every reference.</summary>
internal sealed class CommonTable(int id, string name, IReadOnlyList<string> columnNames)
{
    public int Id { get; } = id;
    public string Name { get; } = name;
    public IReadOnlyList<string> ColumnNames { get; set; } = columnNames;
    public LogicalPlan? Plan { get; set; }
    public IReadOnlyList<SqlType> Types { get; set; } = [];

    /// <summary>For each record column, the fields its records have, where the binder knows them.</summary>
    public IReadOnlyList<Binder.RecordShape?>? Shapes { get; set; }

    /// <summary>WITH RECURSIVE: Plan is a <see cref="LogicalRecursiveUnion"/>.</summary>
    public bool IsRecursive { get; set; }

    /// <summary>An INSERT, UPDATE or DELETE (Plan is a <see cref="LogicalModify"/>): it runs once per statement even when
    /// nothing reads it.</summary>
    public bool IsDataModifying { get; set; }

    /// <summary>For a data-modifying WITH query: whether it has RETURNING (and so rows to read).</summary>
    public bool HasReturning { get; set; }

    /// <summary>A WITH query inside a subquery that reads values of an enclosing query (asyncpg's type introspection
    /// does): the indexes, among the outer values of the query level that declares it, of the values its plan reads
    /// as its own outer values, in order. Such a query is run again at each read instead of materialised once.</summary>
    public IReadOnlyList<int> OuterParameterIndexes { get; set; } = [];

    public bool IsCorrelated => OuterParameterIndexes.Count > 0;

    /// <summary>The outer values of the query level that declares it: a correlated WITH query can be read only at that
    /// level, where its outer values are the ones its plan expects.</summary>
    public object? DeclaringLevel { get; set; }
}

/// <summary>A read of a WITH query's materialised rows.</summary>
internal sealed class LogicalCteScan(CommonTable table, string referenceName) : LogicalPlan
{
    public CommonTable Table { get; } = table;
    public string ReferenceName { get; } = referenceName;

    public override IReadOnlyList<SqlType> OutputTypes => Table.Types;
}

/// <summary>WITH RECURSIVE's body: the non-recursive term, then the recursive term repeated over the rows the
/// previous round produced (the working table) until a round produces none. Without ALL, duplicates are dropped.</summary>
internal sealed class LogicalRecursiveUnion(CommonTable table, LogicalPlan initial, LogicalPlan recursive, bool all) : LogicalPlan
{
    public CommonTable Table { get; } = table;
    public LogicalPlan Initial { get; } = initial;
    public LogicalPlan Recursive { get; } = recursive;
    public bool All { get; } = all;

    public override IReadOnlyList<SqlType> OutputTypes => Initial.OutputTypes;
}

/// <summary>Inside a recursive term: the rows of the previous round.</summary>
internal sealed class LogicalWorkTableScan(CommonTable table) : LogicalPlan
{
    public CommonTable Table { get; } = table;

    public override IReadOnlyList<SqlType> OutputTypes => Table.Types;
}

/// <summary>Window functions: each output row is the input row followed by one value per window function.
/// The functions in one node share a window (partitioning, ordering and frame).</summary>
internal sealed class LogicalWindow(LogicalPlan input, BoundWindow window, IReadOnlyList<BoundWindowFunction> functions) : LogicalPlan
{
    public LogicalPlan Input { get; } = input;
    public BoundWindow Window { get; } = window;
    public IReadOnlyList<BoundWindowFunction> Functions { get; } = functions;

    public override IReadOnlyList<SqlType> OutputTypes { get; } = [.. input.OutputTypes, .. functions.Select(function => function.Type)];
}
