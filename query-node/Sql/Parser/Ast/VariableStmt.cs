namespace Log.QueryNode.Sql.Parser.Ast;

/// <summary>SET [SESSION | LOCAL] name { TO | = } value, and SHOW name: accepted so drivers can start sessions.</summary>
public sealed record VariableSetStmt(string Name, string? Value, int Location) : Statement(Location);

public sealed record VariableShowStmt(string Name, int Location) : Statement(Location);
