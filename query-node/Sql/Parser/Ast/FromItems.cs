namespace Log.QueryNode.Sql.Parser.Ast;

/// <summary>An item of a FROM list (PostgreSQL's fromClause members): a table (<see cref="RangeVar"/>), a subquery,
/// a function call, or a join of two items.</summary>
public abstract record FromItem(int Location) : Node(Location);

/// <summary>[LATERAL] (subquery) [AS] alias [(column aliases)]. PostgreSQL requires the alias before version 16; so do we
/// not: an unaliased subquery gets a generated name.</summary>
public sealed record RangeSubselect(SelectStmt Subquery, string? Alias, IReadOnlyList<string>? ColumnAliases, bool Lateral, int Location)
    : FromItem(Location);

/// <summary>[LATERAL] function(args) [WITH ORDINALITY] [[AS] alias [(column aliases)]], e.g. generate_series(1, 10) AS g(n).</summary>
public sealed record RangeFunction(FuncCall Function, string? Alias, IReadOnlyList<string>? ColumnAliases, bool Lateral, bool WithOrdinality,
    int Location) : FromItem(Location)
{
    /// <summary>AS x(a int, b text): the columns of a function returning record (jsonb_to_record), null without them.</summary>
    public IReadOnlyList<ColumnDefinitionItem>? ColumnDefinitions { get; init; }
}

/// <summary>One column of a column definition list (PostgreSQL's ColumnDef in a RangeFunction's coldeflist).</summary>
public sealed record ColumnDefinitionItem(string Name, TypeName Type, int Location) : Node(Location);

public enum JoinType : byte
{
    Inner,
    Left,
    Right,
    Full,
    /// <summary>CROSS JOIN, and a comma in a FROM list is kept as separate items, not as a join.</summary>
    Cross,
}

/// <summary>left [NATURAL] {[INNER] | LEFT [OUTER] | RIGHT [OUTER] | FULL [OUTER] | CROSS} JOIN right [ON quals | USING (cols) [AS alias]],
/// optionally parenthesized with an alias: <c>(a JOIN b USING (id)) AS j</c>. Location is the JOIN keyword's.</summary>
public sealed record JoinExpr(
    JoinType Kind,
    FromItem Left,
    FromItem Right,
    bool IsNatural,
    IReadOnlyList<string>? UsingColumns,
    Expression? Quals,
    string? Alias,
    int Location) : FromItem(Location);

/// <summary>WITH [RECURSIVE] name [(columns)] AS [[NOT] MATERIALIZED] (query), ...</summary>
public sealed record WithClause(IReadOnlyList<CommonTableExpr> Ctes, bool Recursive, int Location) : Node(Location);

/// <summary>One WITH item. Query is a SelectStmt, or an InsertStmt/UpdateStmt/DeleteStmt with RETURNING.</summary>
public sealed record CommonTableExpr(string Name, IReadOnlyList<string>? ColumnNames, Statement Query, bool? Materialized, int Location) : Node(Location);
