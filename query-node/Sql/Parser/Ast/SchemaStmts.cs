namespace Log.QueryNode.Sql.Parser.Ast;

/// <summary>CREATE SCHEMA [IF NOT EXISTS] name [AUTHORIZATION role].</summary>
public sealed record CreateSchemaStmt(string Name, bool IfNotExists, int Location) : Statement(Location);

/// <summary>DROP SCHEMA [IF EXISTS] name, ... [CASCADE | RESTRICT].</summary>
public sealed record DropSchemaStmt(IReadOnlyList<string> Names, bool MissingOk, bool Cascade, int Location) : Statement(Location);
