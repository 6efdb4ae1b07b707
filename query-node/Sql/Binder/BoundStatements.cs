using Log.QueryNode.Sql.Plan;

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

/// <summary>A bound INSERT, UPDATE or DELETE: its plan (a <see cref="LogicalModify"/> at the root) and the description of
/// its RETURNING rows, null without RETURNING.</summary>
internal sealed record BoundModification(LogicalModify Plan, IReadOnlyList<ResultColumn>? Returning) : BoundStatement;

internal sealed record BoundReturning(IReadOnlyList<BoundExpression> Projection, IReadOnlyList<ResultColumn> Columns);
