namespace Log.QueryNode.Sql.Parser.Ast;

/// <summary>A parse tree node. Location is the 0-based character offset in the whole query text (as PostgreSQL's
/// "location" fields), -1 when unknown; errors report it 1-based.</summary>
public abstract record Node(int Location);

/// <summary>A statement's parse tree.</summary>
public abstract record Statement(int Location) : Node(Location);

/// <summary>A possibly schema-qualified table name, with an optional alias and column aliases (<c>t AS x (a, b)</c>).</summary>
public sealed record RangeVar(string? SchemaName, string RelationName, string? Alias, int Location) : FromItem(Location)
{
    /// <summary>Column aliases after the alias, or null when none were written.</summary>
    public IReadOnlyList<string>? ColumnAliases { get; init; }
}

/// <summary>A type name as written: names (lower case, possibly qualified) plus modifiers, e.g. varchar(10), numeric(10,2).</summary>
public sealed record TypeName(string Name, IReadOnlyList<int> Modifiers, int Location) : Node(Location);
