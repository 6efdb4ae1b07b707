using Log.QueryNode.Sql.Parser.Ast;
using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Binder;

/// <summary>A typed, resolved expression: column references are ordinals into the row it is evaluated against, every
/// operator has operands of one type (the binder inserted the casts), constants are already converted.</summary>
internal abstract record BoundExpression(SqlType Type);

/// <summary>A constant; ParameterNumber is n when it is the value of $n (so its type can be reported by Describe).</summary>
internal sealed record BoundConstant(object? Value, SqlType Type, int ParameterNumber = 0) : BoundExpression(Type);

/// <summary>A column of the input row. Location is for error messages only and not part of equality, so a GROUP BY
/// key and the same column in the select list match.</summary>
internal sealed record BoundColumn(int Ordinal, SqlType Type, string DisplayName, int Location) : BoundExpression(Type)
{
    /// <summary>For a record column of a subquery, WITH query or function in FROM: the fields its records have.</summary>
    public RecordShape? Shape { get; init; }

    public bool Equals(BoundColumn? other) => other is not null && other.Ordinal == Ordinal && other.Type == Type;
    public override int GetHashCode() => Ordinal;
}

internal sealed record BoundCast(BoundExpression Operand, SqlType Type, ValueCast.Context Context) : BoundExpression(Type);

internal sealed record BoundArithmetic(ArithmeticOperator Operator, BoundExpression Left, BoundExpression Right, SqlType Type) : BoundExpression(Type);

internal sealed record BoundNegate(BoundExpression Operand, SqlType Type) : BoundExpression(Type);

public enum ComparisonOperator : byte
{
    Equal,
    NotEqual,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
}

/// <summary>A comparison; OperandType is the type both sides were brought to (bpchar compares without trailing spaces).</summary>
internal sealed record BoundComparison(ComparisonOperator Operator, BoundExpression Left, BoundExpression Right, SqlType OperandType) : BoundExpression(SqlType.Bool);

/// <summary>IS [NOT] DISTINCT FROM: equality where NULL equals NULL.</summary>
internal sealed record BoundIsDistinct(BoundExpression Left, BoundExpression Right, bool IsNot) : BoundExpression(SqlType.Bool);

internal sealed record BoundConcat(BoundExpression Left, BoundExpression Right) : BoundExpression(SqlType.Text);

internal sealed record BoundBoolean(BoolExprKind Kind, IReadOnlyList<BoundExpression> Arguments) : BoundExpression(SqlType.Bool);

internal sealed record BoundNullTest(BoundExpression Operand, bool IsNot) : BoundExpression(SqlType.Bool);

internal sealed record BoundBooleanTest(BoundExpression Operand, bool? Value, bool IsNot) : BoundExpression(SqlType.Bool);

internal sealed record BoundIn(BoundExpression Operand, IReadOnlyList<BoundExpression> List, bool IsNot) : BoundExpression(SqlType.Bool)
{
    /// <summary>For a list of constants, the planner's hash set of its values (then List is not read to evaluate).</summary>
    public ValueSet? Hashed { get; init; }
}

internal sealed record BoundLike(BoundExpression Operand, BoundExpression Pattern, bool IsNot, bool CaseInsensitive) : BoundExpression(SqlType.Bool);

internal sealed record BoundCase(IReadOnlyList<(BoundExpression Condition, BoundExpression Result)> Whens, BoundExpression? Else, SqlType Type) : BoundExpression(Type);

/// <summary>A call of a registered function (its pg_proc entry), with arguments already brought to the declared types.</summary>
internal sealed record BoundFunction(Functions.FunctionDefinition Function, IReadOnlyList<BoundExpression> Arguments, SqlType Type) : BoundExpression(Type);

public enum AggregateFunction : byte
{
    CountStar,
    Count,
    Sum,
    Min,
    Max,
    Avg,
    /// <summary>string_agg(value, delimiter).</summary>
    StringAgg,
    /// <summary>bool_and and every.</summary>
    BoolAnd,
    BoolOr,
    BitAnd,
    BitOr,
    /// <summary>stddev and stddev_samp.</summary>
    StddevSample,
    StddevPopulation,
    /// <summary>variance and var_samp.</summary>
    VarianceSample,
    VariancePopulation,
    /// <summary>Ordered-set aggregates: the direct argument (a fraction) is Arguments[0]; the aggregated value is the
    /// WITHIN GROUP ordering's expression.</summary>
    PercentileContinuous,
    PercentileDiscrete,
    Mode,
    /// <summary>array_agg: the inputs, NULLs included, as an array (arrays as one more dimension).</summary>
    ArrayAgg,
    /// <summary>json_agg and jsonb_agg (NULL inputs become JSON nulls); json_object_agg and jsonb_object_agg(key, value).</summary>
    JsonAgg,
    JsonbAgg,
    JsonObjectAgg,
    JsonbObjectAgg,
}

/// <summary>An ordering item inside an aggregate (ORDER BY, WITHIN GROUP) or a window.</summary>
internal sealed record BoundSortItem(BoundExpression Expression, bool Descending, bool NullsFirst);

/// <summary>An aggregate call while binding; the binder replaces it by a column of the aggregated row. Location is
/// for error messages only and not part of equality, so the same aggregate written twice is computed once.</summary>
internal sealed record BoundAggregateCall(BoundAggregate Aggregate, int Location) : BoundExpression(Aggregate.Type)
{
    public bool Equals(BoundAggregateCall? other) => other is not null && other.Aggregate.Equals(Aggregate);
    public override int GetHashCode() => Aggregate.GetHashCode();
}

/// <summary>GROUPING(arguments) while binding: the aggregation rewrite turns it into arithmetic over the aggregated
/// row's grouping flags.</summary>
internal sealed record BoundGroupingCall(IReadOnlyList<BoundExpression> Arguments, IReadOnlyList<int> ArgumentLocations) : BoundExpression(SqlType.Int4)
{
    public bool Equals(BoundGroupingCall? other) => other is not null && other.Arguments.SequenceEqual(Arguments);
    public override int GetHashCode() => Arguments.Count;
}

/// <summary>A value of an enclosing query level (a correlated reference), passed into the subquery as its parameter
/// <see cref="Index"/>: the subquery node's Arguments say how the outer level computes it.</summary>
internal sealed record BoundOuterParam(int Index, SqlType Type, string DisplayName) : BoundExpression(Type)
{
    /// <summary>For a record value: the fields of the outer expression it stands for.</summary>
    public RecordShape? Shape { get; init; }
}

/// <summary>$n of a prepared statement (PostgreSQL's PARAM_EXTERN): its type is fixed when the statement is bound, its
/// value is read from the statement's execution (<c>StatementState.ParameterValues</c>), so one plan serves every Bind.</summary>
internal sealed record BoundParameter(int Number, SqlType Type) : BoundExpression(Type);

/// <summary>
/// A subquery used as an expression (PostgreSQL's SubPlan). Plan is bound in its own scope; Arguments are the outer
/// values it reads (evaluated against the current row, they become its <see cref="BoundOuterParam"/>s). For Any
/// and All, Test is the left side and Comparison compares it (as column 0 of a one-column row: the test value)
/// with the subquery's value (column 1). The executor computes the subquery's result before the expression that
/// holds it is evaluated (once when it has no arguments), so evaluation itself never waits.
/// Equality is by Id, so the aggregation rewrite can find the same subquery again.
/// </summary>
internal sealed record BoundSubquery(int Id, SubLinkType Kind, Plan.LogicalPlan Plan, IReadOnlyList<BoundExpression> Arguments,
    BoundExpression? Test, BoundComparison? Comparison, SqlType Type) : BoundExpression(Type)
{
    /// <summary>For a scalar subquery whose one column is a record: that record's fields.</summary>
    public RecordShape? Shape { get; init; }

    public bool Equals(BoundSubquery? other) => other is not null && other.Id == Id && Arguments.SequenceEqual(other.Arguments);
    public override int GetHashCode() => Id;
}

/// <summary>ROW(a, b), (a, b) or a whole-row reference: a record of the fields (with their types). A whole-row
/// reference is NULL where every field is (the missing side of an outer join).</summary>
internal sealed record BoundRow(IReadOnlyList<BoundExpression> Fields) : BoundExpression(SqlType.Record)
{
    public bool NullWhenAllNull { get; init; }

    /// <summary>A whole-row reference's field names (its FROM item's columns); null for ROW(...), whose fields PostgreSQL
    /// names f1, f2, ...</summary>
    public RecordShape? Shape { get; init; }

    public bool Equals(BoundRow? other) => other is not null && other.NullWhenAllNull == NullWhenAllNull && other.Fields.SequenceEqual(Fields);
    public override int GetHashCode() => Fields.Count;
}

/// <summary>A set-returning function called in a select list (or ORDER BY) while binding; the binder replaces it by a
/// column of a <see cref="Plan.LogicalProjectSet"/> below the projection. A function with several output columns
/// (jsonb_each) yields them as one record. Equality is by reference: two calls written alike are two functions that
/// advance in lock step, as in PostgreSQL.</summary>
internal sealed record BoundSetFunctionCall(TableFunction Function, IReadOnlyList<BoundExpression> Arguments, SqlType Type, string Name, int Location)
    : BoundExpression(Type)
{
    /// <summary>For a function with several OUT columns: their types, the fields of the record it yields.</summary>
    public IReadOnlyList<SqlType>? RecordFields { get; init; }

    /// <summary>The OUT columns' names, beside <see cref="RecordFields"/>.</summary>
    public IReadOnlyList<string>? RecordFieldNames { get; init; }

    public bool Equals(BoundSetFunctionCall? other) => ReferenceEquals(this, other);
    public override int GetHashCode() => System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(this);
}

/// <summary>(record).field (PostgreSQL's FieldSelect): field <see cref="FieldIndex"/> of a record value, NULL when the
/// record is. A field of a row constructor or whole-row reference is bound as the field's own expression instead.</summary>
internal sealed record BoundFieldSelect(BoundExpression Operand, int FieldIndex, string FieldName, SqlType Type) : BoundExpression(Type);

/// <summary>Which set-returning function a FROM item calls.</summary>
public enum TableFunction : byte
{
    GenerateSeriesInteger,
    GenerateSeriesNumeric,
    GenerateSeriesTimestamp,
    Unnest,
    RegexpSplitToTable,
    StringToTable,
    /// <summary>jsonb_each, jsonb_each_text, jsonb_array_elements, jsonb_array_elements_text, jsonb_object_keys and
    /// their json_ twins (Executor/Operators/JsonTableFunctions.cs).</summary>
    JsonEach,
    JsonEachText,
    JsonArrayElements,
    JsonArrayElementsText,
    JsonObjectKeys,
    /// <summary>jsonb_path_query(target, path).</summary>
    JsonPathQuery,
    /// <summary>unnest(a, b, ...) in FROM: one column per array, as long as the longest.</summary>
    UnnestSeveral,
    /// <summary>regexp_matches(text, pattern [, flags]): the capture groups of each match (every match with 'g').</summary>
    RegexpMatches,
    /// <summary>generate_subscripts(array, dimension [, reverse]).</summary>
    GenerateSubscripts,
    /// <summary>pg_get_keywords(): PostgreSQL 15's keywords (Parser/KeywordList.cs).</summary>
    Keywords,
    /// <summary>pg_partition_ancestors(regclass): a partition and its ancestors; Log has no partitions, so none.</summary>
    PartitionAncestors,
    /// <summary>A sequence read as a relation: its one row (last_value, log_cnt, is_called), read when the scan runs.</summary>
    SequenceRelation,
    /// <summary>information_schema._pg_expandarray(anyarray): each element with its 1-based position, as (x, n).</summary>
    ExpandArray,
    /// <summary>jsonb_to_record and json_to_record: one row of the columns a column definition list declares.</summary>
    JsonToRecord,
    /// <summary>jsonb_to_recordset and json_to_recordset: one row per object of an array.</summary>
    JsonToRecordSet,
}

/// <summary>A window frame: the mode and both ends (offsets are expressions without column references, evaluated
/// once per execution), and which rows around the current one it excludes.</summary>
internal sealed record BoundWindowFrame(WindowFrameMode Mode, WindowFrameBoundKind StartKind, BoundExpression? StartOffset,
    WindowFrameBoundKind EndKind, BoundExpression? EndOffset, WindowFrameExclusion Exclusion)
{
    /// <summary>No frame clause: RANGE UNBOUNDED PRECEDING to CURRENT ROW (the whole partition without ORDER BY).</summary>
    public static readonly BoundWindowFrame Default = new(WindowFrameMode.Range, WindowFrameBoundKind.UnboundedPreceding, null,
        WindowFrameBoundKind.CurrentRow, null, WindowFrameExclusion.NoOthers);
}

/// <summary>A window: partition keys and ordering over the window node's input row, and the frame. Equality is
/// structural, so calls over the same window share one window node.</summary>
internal sealed record BoundWindow(IReadOnlyList<BoundExpression> PartitionBy, IReadOnlyList<BoundSortItem> OrderBy, BoundWindowFrame Frame)
{
    public bool Equals(BoundWindow? other) =>
        other is not null && other.PartitionBy.SequenceEqual(PartitionBy) && other.OrderBy.SequenceEqual(OrderBy) && other.Frame.Equals(Frame);

    public override int GetHashCode() => HashCode.Combine(PartitionBy.Count, OrderBy.Count, Frame);
}

public enum WindowFunctionKind : byte
{
    RowNumber,
    Rank,
    DenseRank,
    PercentRank,
    CumeDist,
    Ntile,
    Lag,
    Lead,
    FirstValue,
    LastValue,
    NthValue,
    /// <summary>An ordinary aggregate over the window frame.</summary>
    Aggregate,
}

/// <summary>A window function; arguments (and the aggregate's) are over the window node's input row.</summary>
internal sealed record BoundWindowFunction(WindowFunctionKind Kind, IReadOnlyList<BoundExpression> Arguments, BoundAggregate? Aggregate, SqlType Type)
{
    public bool Equals(BoundWindowFunction? other) =>
        other is not null && other.Kind == Kind && other.Arguments.SequenceEqual(Arguments) && Equals(other.Aggregate, Aggregate) && other.Type == Type;

    public override int GetHashCode() => HashCode.Combine(Kind, Arguments.Count, Type);
}

/// <summary>A window function call while binding; the binder replaces it by a column of the window node's output.</summary>
internal sealed record BoundWindowCall(BoundWindowFunction Function, BoundWindow Window, int Location) : BoundExpression(Function.Type)
{
    public bool Equals(BoundWindowCall? other) => other is not null && other.Function.Equals(Function) && other.Window.Equals(Window);
    public override int GetHashCode() => HashCode.Combine(Function, Window);
}
