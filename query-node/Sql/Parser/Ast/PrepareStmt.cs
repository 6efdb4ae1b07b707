namespace Log.QueryNode.Sql.Parser.Ast;

/// <summary>PREPARE name [ (type, ...) ] AS statement: the statement (a query, INSERT, UPDATE or DELETE) with its own
/// text and highest $n, prepared as a protocol Parse prepares it. The session runs it: prepared statements are the
/// session's.</summary>
public sealed record PrepareStmt(string Name, IReadOnlyList<TypeName> ArgumentTypes, Statement Query, string QueryText,
    int QueryParameterCount, int Location) : Statement(Location);

/// <summary>EXECUTE name [ (expression, ...) ]: runs a prepared statement with the values of the expressions.</summary>
public sealed record ExecuteStmt(string Name, IReadOnlyList<Expression> Parameters, int Location) : Statement(Location);

/// <summary>DEALLOCATE [PREPARE] { name | ALL }: Name is null for ALL.</summary>
public sealed record DeallocateStmt(string? Name, int Location) : Statement(Location);
