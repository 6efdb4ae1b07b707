using Log.QueryNode.Sql.Catalog;

namespace Log.QueryNode.Sql.Binder;

internal abstract record BoundStatement;

internal sealed record BoundSortKey(int ProjectionIndex, bool Descending, bool NullsFirst);

/// <summary>An aggregate of the aggregation step; Argument is evaluated against the input row.</summary>
internal sealed record BoundAggregate(AggregateFunction Function, BoundExpression? Argument, bool Distinct, Types.SqlType Type);

/// <summary>
/// A SELECT over at most one table. Without aggregation, Projection is evaluated against table rows; with it,
/// GroupKeys and Aggregates against table rows and Having and Projection against the aggregated row (group keys,
/// then aggregate results). Projection holds VisibleCount output columns, then the hidden sort-only ones.
/// </summary>
internal sealed record BoundSelect(
    TableDescriptor? Table,
    BoundExpression? Where,
    bool IsAggregate,
    IReadOnlyList<BoundExpression> GroupKeys,
    IReadOnlyList<BoundAggregate> Aggregates,
    BoundExpression? Having,
    IReadOnlyList<BoundExpression> Projection,
    IReadOnlyList<ResultColumn> Columns,
    IReadOnlyList<BoundSortKey> SortKeys,
    bool Distinct,
    BoundExpression? Limit,
    BoundExpression? Offset,
    bool ForUpdate) : BoundStatement
{
    public int VisibleCount => Columns.Count;
}

/// <summary>Rows to insert: each row has one expression per table column (defaults filled in); or a query whose
/// columns are cast by assignment into TargetOrdinals.</summary>
internal sealed record BoundInsert(
    TableDescriptor Table,
    IReadOnlyList<BoundExpression[]> Rows,
    BoundSelect? Query,
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
