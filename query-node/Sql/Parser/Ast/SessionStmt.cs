namespace Log.QueryNode.Sql.Parser.Ast;

/// <summary>DISCARD { ALL | PLANS | SEQUENCES | TEMP }: the session runs it (it owns the settings).</summary>
public sealed record DiscardStmt(string Target, int Location) : Statement(Location);

/// <summary>CLOSE { name | ALL }, UNLISTEN { name | * }, SET SESSION AUTHORIZATION DEFAULT, RESET SESSION AUTHORIZATION:
/// statements that connection poolers send when they reset a connection. There are no cursors, channels or other
/// roles here, so they succeed and change nothing.</summary>
public sealed record NoOperationStmt(string CommandTag, int Location) : Statement(Location);
