namespace Log.QueryNode.Sql.Parser.Ast;

public sealed record ColumnDef(
    string Name,
    TypeName TypeName,
    bool IsNotNull,
    bool IsPrimaryKey,
    Expression? Default,
    int Location) : Node(Location)
{
    /// <summary>The DEFAULT expression's source text, which the catalog stores for a default that is not a constant.</summary>
    public string? DefaultText { get; init; }

    /// <summary>The column's UNIQUE and CHECK constraints, in the order written.</summary>
    public IReadOnlyList<TableConstraint> Constraints { get; init; } = [];

    /// <summary>GENERATED ALWAYS ('a') or BY DEFAULT ('d') AS IDENTITY, as pg_attribute.attidentity; null otherwise.</summary>
    public char? Identity { get; init; }

    /// <summary>The identity's sequence options (the parenthesised list after AS IDENTITY).</summary>
    public IReadOnlyList<SequenceOption> IdentityOptions { get; init; } = [];

    /// <summary>GENERATED ALWAYS AS (expression) STORED: the expression, and its source text which the catalog keeps.</summary>
    public Expression? Generated { get; init; }

    public string? GeneratedText { get; init; }
}

/// <summary>CREATE TABLE [IF NOT EXISTS] relation (columns, PRIMARY KEY (keys)).</summary>
public sealed record CreateStmt(
    RangeVar Relation,
    IReadOnlyList<ColumnDef> Columns,
    IReadOnlyList<(string Name, int Location)>? PrimaryKey,
    int PrimaryKeyLocation,
    bool IfNotExists,
    int Location) : Statement(Location)
{
    /// <summary>The table constraints other than PRIMARY KEY (UNIQUE, CHECK), in the order written.</summary>
    public IReadOnlyList<TableConstraint> Constraints { get; init; } = [];

    /// <summary>LIKE clauses, each with the number of columns written before it (where its columns go).</summary>
    public IReadOnlyList<(int ColumnPosition, TableLikeClause Like)> Likes { get; init; } = [];
}

/// <summary>What LIKE copies besides column names, types and NOT NULL (PostgreSQL's CREATE_TABLE_LIKE_* bits).</summary>
[Flags]
public enum TableLikeOptions
{
    None = 0,
    Comments = 1 << 0,
    Compression = 1 << 1,
    Constraints = 1 << 2,
    Defaults = 1 << 3,
    Generated = 1 << 4,
    Identity = 1 << 5,
    Indexes = 1 << 6,
    Statistics = 1 << 7,
    Storage = 1 << 8,
    All = (1 << 9) - 1,
}

/// <summary>LIKE source [{INCLUDING | EXCLUDING} option ...] inside CREATE TABLE (PostgreSQL's TableLikeClause).</summary>
public sealed record TableLikeClause(RangeVar Relation, TableLikeOptions Options, int Location) : Node(Location);

/// <summary>CREATE TABLE [IF NOT EXISTS] relation [(column names)] AS query [WITH [NO] DATA], and SELECT ... INTO
/// relation (PostgreSQL's CreateTableAsStmt with its IntoClause). With <see cref="Execute"/> (AS EXECUTE name (args))
/// the query is the prepared statement's, which the session puts in <see cref="Query"/> (empty until then).</summary>
public sealed record CreateTableAsStmt(
    RangeVar Relation,
    IReadOnlyList<string>? ColumnNames,
    SelectStmt Query,
    bool IfNotExists,
    bool WithData,
    int Location,
    ExecuteStmt? Execute = null) : Statement(Location);
