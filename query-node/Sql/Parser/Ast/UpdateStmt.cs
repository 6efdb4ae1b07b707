namespace Log.QueryNode.Sql.Parser.Ast;

/// <summary>UPDATE relation SET column = expression, ... [WHERE ...] [RETURNING ...]; each ResTarget's Name is the column.</summary>
public sealed record UpdateStmt(
    RangeVar Relation,
    IReadOnlyList<ResTarget> TargetList,
    Expression? Where,
    IReadOnlyList<ResTarget>? ReturningList,
    int Location) : Statement(Location);
