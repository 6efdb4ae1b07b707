namespace Log.QueryNode.Sql.Parser.Ast;

/// <summary>DECLARE name [NO SCROLL] CURSOR [{WITH | WITHOUT} HOLD] FOR query, with the query's own source text.</summary>
public sealed record DeclareCursorStmt(string Name, SelectStmt Query, string QueryText, bool Hold, int Location) : Statement(Location);

/// <summary>FETCH or MOVE forward through a cursor: <see cref="Count"/> rows, or every row left when null (ALL).</summary>
public sealed record FetchStmt(string Name, long? Count, bool IsMove, int Location) : Statement(Location);

/// <summary>CLOSE name, or CLOSE ALL (<see cref="Name"/> null).</summary>
public sealed record ClosePortalStmt(string? Name, int Location) : Statement(Location);
