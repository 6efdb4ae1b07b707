using Log.QueryNode.Sql.Plan;

namespace Log.QueryNode.Sql.Binder;

internal abstract record BoundStatement;

/// <summary>An aggregate of the aggregation step; Argument is evaluated against the input row.</summary>
internal sealed record BoundAggregate(AggregateFunction Function, BoundExpression? Argument, bool Distinct, Types.SqlType Type);

/// <summary>A bound INSERT, UPDATE or DELETE: its plan (a <see cref="LogicalModify"/> at the root) and the description of
/// its RETURNING rows, null without RETURNING.</summary>
internal sealed record BoundModification(LogicalModify Plan, IReadOnlyList<ResultColumn>? Returning) : BoundStatement;

internal sealed record BoundReturning(IReadOnlyList<BoundExpression> Projection, IReadOnlyList<ResultColumn> Columns);
