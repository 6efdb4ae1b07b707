namespace Log.QueryNode.Sql.Parser.Ast;

/// <summary>DECLARE name [BINARY] [[NO] SCROLL] CURSOR [{WITH | WITHOUT} HOLD] FOR query, with the query's own source
/// text. <see cref="Scroll"/> is true for SCROLL, false for NO SCROLL and null when neither is written; <see cref="Binary"/>
/// is true for BINARY (FETCH then sends the rows in binary over the simple query protocol).</summary>
public sealed record DeclareCursorStmt(string Name, SelectStmt Query, string QueryText, bool Hold, int Location, bool? Scroll = null, bool Binary = false)
    : Statement(Location);

/// <summary>PostgreSQL's FetchDirection: how FETCH and MOVE read <see cref="FetchStmt.Count"/>.</summary>
public enum FetchDirection
{
    /// <summary>The next Count rows (backward when Count is negative).</summary>
    Forward,
    /// <summary>The previous Count rows (forward when Count is negative).</summary>
    Backward,
    /// <summary>The row numbered Count, counting from the end when negative; 0 is before the first row.</summary>
    Absolute,
    /// <summary>The row Count rows away from the current one; 0 is the current row.</summary>
    Relative,
}

/// <summary>FETCH or MOVE through a cursor: <see cref="Count"/> rows in <see cref="Direction"/>, or every row left
/// that way when null (ALL).</summary>
public sealed record FetchStmt(string Name, long? Count, bool IsMove, int Location, FetchDirection Direction = FetchDirection.Forward) : Statement(Location);

/// <summary>CLOSE name, or CLOSE ALL (<see cref="Name"/> null).</summary>
public sealed record ClosePortalStmt(string? Name, int Location) : Statement(Location);
