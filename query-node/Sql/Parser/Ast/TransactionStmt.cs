namespace Log.QueryNode.Sql.Parser.Ast;

/// <summary>BEGIN / START TRANSACTION / COMMIT / END / ROLLBACK / ABORT; the session runs these itself.</summary>
public sealed record TransactionStmt(TransactionControl Kind, string CommandTag, int Location) : Statement(Location);
