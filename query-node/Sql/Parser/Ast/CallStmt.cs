namespace Log.QueryNode.Sql.Parser.Ast;

/// <summary>CALL procedure(arguments): PostgreSQL's CallStmt. Log's only procedure is Aurora DSQL's sys.wait_for_job.</summary>
public sealed record CallStmt(FuncCall Call, int Location) : Statement(Location);
