using Log.QueryNode.Sql.Catalog;

namespace Log.QueryNode.Sql.Parser.Ast;

/// <summary>One key of CREATE INDEX (PostgreSQL's IndexElem): a column or a parenthesised expression (with its source
/// text, which the catalog keeps), ASC/DESC and NULLS FIRST/LAST (null = the direction's default).</summary>
public sealed record IndexElem(string? Column, Expression? Expression, string? ExpressionText, bool Descending, bool? NullsFirst, int Location) : Node(Location)
{
    /// <summary>The operator class written after the key (text_pattern_ops), without its schema; null for the default.</summary>
    public string? OperatorClass { get; init; }
}

/// <summary>CREATE [UNIQUE] INDEX [ASYNC] [IF NOT EXISTS] [name] ON relation [USING btree] (keys) [INCLUDE (columns)]
/// [NULLS [NOT] DISTINCT] [WHERE predicate].</summary>
public sealed record IndexStmt(
    string? Name,
    RangeVar Relation,
    bool IsUnique,
    bool IsAsync,
    bool IfNotExists,
    IReadOnlyList<IndexElem> Keys,
    IReadOnlyList<(string Name, int Location)> Include,
    bool NullsNotDistinct,
    Expression? Where,
    string? WhereText,
    int Location) : Statement(Location);

/// <summary>DROP INDEX [ASYNC] [IF EXISTS] names [CASCADE | RESTRICT].</summary>
public sealed record DropIndexStmt(IReadOnlyList<RangeVar> Indexes, bool MissingOk, int Location) : Statement(Location);

public enum TableConstraintKind
{
    Unique,
    Check,
    ForeignKey,
}

/// <summary>A UNIQUE or CHECK constraint of CREATE TABLE, written on a column (Columns is that column) or on the
/// table; its name when CONSTRAINT gave one. A CHECK keeps its source text, which the catalog stores.</summary>
public sealed record TableConstraint(
    string? Name,
    TableConstraintKind Kind,
    IReadOnlyList<(string Name, int Location)> Columns,
    bool IsColumnConstraint,
    bool NullsNotDistinct,
    Expression? Check,
    string? CheckText,
    int Location) : Node(Location)
{
    /// <summary>What a FOREIGN KEY (or a column's REFERENCES) references; null for other kinds.</summary>
    public ForeignKeyReference? References { get; init; }

    /// <summary>[NOT] DEFERRABLE [INITIALLY {DEFERRED | IMMEDIATE}] of a FOREIGN KEY or UNIQUE constraint.</summary>
    public ConstraintDeferral Deferral { get; init; }
}
