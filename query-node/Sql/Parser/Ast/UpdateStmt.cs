namespace Log.QueryNode.Sql.Parser.Ast;

/// <summary>UPDATE relation [AS alias] SET column = expression, ... [FROM from list] [WHERE ...] [RETURNING ...]; each
/// ResTarget's Name is the column. <c>SET (a, b) = (x, y)</c> expands to one ResTarget per column.</summary>
public sealed record UpdateStmt(
    RangeVar Relation,
    IReadOnlyList<ResTarget> TargetList,
    Expression? Where,
    IReadOnlyList<ResTarget>? ReturningList,
    int Location) : Statement(Location)
{
    public IReadOnlyList<FromItem> FromClause { get; init; } = [];

    public WithClause? With { get; init; }
}
