namespace Log.QueryNode.Sql.Parser.Ast;

/// <summary>TRUNCATE [TABLE] [ONLY] name [, ...] [RESTART IDENTITY | CONTINUE IDENTITY] [RESTRICT].</summary>
public sealed record TruncateStmt(IReadOnlyList<RangeVar> Relations, bool RestartSequences, int Location) : Statement(Location);
