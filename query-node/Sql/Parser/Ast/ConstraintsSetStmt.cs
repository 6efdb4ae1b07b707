namespace Log.QueryNode.Sql.Parser.Ast;

/// <summary>SET CONSTRAINTS {ALL | name [, ...]} {DEFERRED | IMMEDIATE}; <see cref="Constraints"/> is null for ALL.</summary>
public sealed record ConstraintsSetStmt(IReadOnlyList<RangeVar>? Constraints, bool Deferred, int Location) : Statement(Location);
