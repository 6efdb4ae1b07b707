namespace Log.QueryNode.Sql.Parser.Ast;

/// <summary>CREATE SCHEMA [IF NOT EXISTS] name [AUTHORIZATION role].</summary>
public sealed record CreateSchemaStmt(string Name, bool IfNotExists, int Location) : Statement(Location)
{
    /// <summary>The AUTHORIZATION role, or null (the current user).</summary>
    public string? Owner { get; init; }
}

/// <summary>DROP SCHEMA [IF EXISTS] name, ... [CASCADE | RESTRICT].</summary>
public sealed record DropSchemaStmt(IReadOnlyList<string> Names, bool MissingOk, bool Cascade, int Location) : Statement(Location);

/// <summary>ALTER SCHEMA name RENAME TO new_name (NewName) or OWNER TO role (Owner).</summary>
public sealed record AlterSchemaStmt(string Name, string? NewName, string? Owner, int Location) : Statement(Location);
