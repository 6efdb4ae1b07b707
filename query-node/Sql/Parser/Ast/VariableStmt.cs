namespace Log.QueryNode.Sql.Parser.Ast;

/// <summary>SET [SESSION | LOCAL] name { TO | = } value, and SHOW name: accepted so drivers can start sessions.</summary>
public sealed record VariableSetStmt(string Name, string? Value, int Location) : Statement(Location)
{
    /// <summary>SET LOCAL: the value lasts until the transaction ends.</summary>
    public bool IsLocal { get; init; }
}

public sealed record VariableShowStmt(string Name, int Location) : Statement(Location);
