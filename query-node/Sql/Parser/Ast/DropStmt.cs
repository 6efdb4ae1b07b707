namespace Log.QueryNode.Sql.Parser.Ast;

/// <summary>DROP TABLE [IF EXISTS] names [CASCADE | RESTRICT].</summary>
public sealed record DropStmt(IReadOnlyList<RangeVar> Objects, bool MissingOk, int Location) : Statement(Location);
