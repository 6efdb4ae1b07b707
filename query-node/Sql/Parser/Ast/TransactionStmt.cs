namespace Log.QueryNode.Sql.Parser.Ast;

/// <summary>BEGIN / START TRANSACTION / COMMIT / END / ROLLBACK / ABORT; the session runs these itself. ReadOnly is true for READ ONLY, false for READ WRITE, null when not said.</summary>
public sealed record TransactionStmt(TransactionControl Kind, string CommandTag, int Location, bool? ReadOnly = null) : Statement(Location);
