namespace Log.QueryNode.Sql.Parser.Ast;

/// <summary>LOCK [TABLE] [ONLY] name [*] [, ...] [IN lockmode MODE] [NOWAIT]; Mode is PostgreSQL's lock mode name in
/// lower case ("access exclusive", the default).</summary>
public sealed record LockStmt(IReadOnlyList<RangeVar> Relations, string Mode, bool NoWait, int Location) : Statement(Location);
