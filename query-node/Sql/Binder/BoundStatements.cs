using Log.QueryNode.Sql.Catalog;

namespace Log.QueryNode.Sql.Binder;

internal abstract record BoundStatement;

/// <summary>An aggregate of the aggregation step; Argument is evaluated against the input row.</summary>
internal sealed record BoundAggregate(AggregateFunction Function, BoundExpression? Argument, bool Distinct, Types.SqlType Type);

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
