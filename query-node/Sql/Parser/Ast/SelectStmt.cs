namespace Log.QueryNode.Sql.Parser.Ast;

/// <summary>A select-list item: expression with optional alias (Name).</summary>
public sealed record ResTarget(Expression Value, string? Name, int Location) : Node(Location);

public enum SortByDirection : byte
{
    Default,
    Ascending,
    Descending,
}

public enum SortByNulls : byte
{
    Default,
    First,
    Last,
}

public sealed record SortBy(Expression Expression, SortByDirection Direction, SortByNulls Nulls, int Location) : Node(Location);

public sealed record SelectStmt(
    IReadOnlyList<ResTarget> TargetList,
    bool Distinct,
    RangeVar? From,
    Expression? Where,
    IReadOnlyList<Expression> GroupBy,
    Expression? Having,
    IReadOnlyList<SortBy> SortClause,
    Expression? Limit,
    Expression? Offset,
    bool ForUpdate,
    int Location) : Statement(Location);
