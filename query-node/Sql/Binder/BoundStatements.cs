using Log.QueryNode.Sql.Catalog;

namespace Log.QueryNode.Sql.Binder;

internal abstract record BoundStatement;

/// <summary>An aggregate of the aggregation step (or of a window): Arguments, Filter and OrderBy are evaluated against
/// the input row. Rows whose Filter is not true are skipped; with OrderBy the values are fed in that order; with
/// Distinct only the first of equal argument lists counts. Equality is structural.</summary>
internal sealed record BoundAggregate(AggregateFunction Function, IReadOnlyList<BoundExpression> Arguments, bool Distinct, BoundExpression? Filter,
    IReadOnlyList<BoundSortItem> OrderBy, Types.SqlType Type)
{
    public bool Equals(BoundAggregate? other) =>
        other is not null && other.Function == Function && other.Arguments.SequenceEqual(Arguments) && other.Distinct == Distinct
        && Equals(other.Filter, Filter) && other.OrderBy.SequenceEqual(OrderBy) && other.Type == Type;

    public override int GetHashCode() => HashCode.Combine(Function, Arguments.Count, Type);
}

/// <summary>Rows to insert: each row has one expression per table column (defaults filled in); or a query whose
/// columns are cast by assignment into TargetOrdinals.</summary>
internal sealed record BoundInsert(
    TableDescriptor Table,
    IReadOnlyList<BoundExpression[]> Rows,
    BoundQuery? Query,
    IReadOnlyList<int> TargetOrdinals,
    BoundReturning? Returning) : BoundStatement;

internal sealed record BoundReturning(IReadOnlyList<BoundExpression> Projection, IReadOnlyList<ResultColumn> Columns);

/// <summary>Assignments are (column ordinal, expression over the old row).</summary>
internal sealed record BoundUpdate(
    TableDescriptor Table,
    IReadOnlyList<(int Ordinal, BoundExpression Value)> Assignments,
    BoundExpression? Where,
    BoundReturning? Returning) : BoundStatement;

internal sealed record BoundDelete(TableDescriptor Table, BoundExpression? Where, BoundReturning? Returning) : BoundStatement;
