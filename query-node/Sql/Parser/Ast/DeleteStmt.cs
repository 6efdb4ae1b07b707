namespace Log.QueryNode.Sql.Parser.Ast;

public sealed record DeleteStmt(
    RangeVar Relation,
    Expression? Where,
    IReadOnlyList<ResTarget>? ReturningList,
    int Location) : Statement(Location);
