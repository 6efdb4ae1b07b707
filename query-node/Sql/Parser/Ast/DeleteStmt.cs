namespace Log.QueryNode.Sql.Parser.Ast;

/// <summary>DELETE FROM relation [AS alias] [USING from list] [WHERE ...] [RETURNING ...].</summary>
public sealed record DeleteStmt(
    RangeVar Relation,
    Expression? Where,
    IReadOnlyList<ResTarget>? ReturningList,
    int Location) : Statement(Location)
{
    public IReadOnlyList<FromItem> UsingClause { get; init; } = [];

    public WithClause? With { get; init; }
}
