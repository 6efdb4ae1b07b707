namespace Log.QueryNode.Sql.Parser.Ast;

/// <summary>INSERT INTO relation [AS alias] [(columns)] VALUES (...), ... | DEFAULT VALUES | SELECT ... [ON CONFLICT ...] [RETURNING ...].
/// Columns is null when no column list was given; ValuesLists is empty for DEFAULT VALUES. A VALUES list with a
/// WITH, ORDER BY or LIMIT is parsed as a Select whose ValuesLists are set.</summary>
public sealed record InsertStmt(
    RangeVar Relation,
    IReadOnlyList<ResTarget>? Columns,
    IReadOnlyList<IReadOnlyList<Expression>> ValuesLists,
    SelectStmt? Select,
    IReadOnlyList<ResTarget>? ReturningList,
    int Location) : Statement(Location)
{
    public WithClause? With { get; init; }

    public OnConflictClause? OnConflict { get; init; }

    /// <summary>OVERRIDING SYSTEM VALUE or OVERRIDING USER VALUE (PostgreSQL's OverridingKind).</summary>
    public OverridingKind Override { get; init; }
}

public enum OverridingKind : byte
{
    NotSet,
    UserValue,
    SystemValue,
}

public enum OnConflictAction : byte
{
    DoNothing,
    DoUpdate,
}

/// <summary>ON CONFLICT [(columns) [WHERE predicate] | ON CONSTRAINT name] DO NOTHING | DO UPDATE SET ... [WHERE ...].
/// TargetList holds the SET assignments (as in UPDATE: each ResTarget's Name is the column); the expressions may
/// refer to the table (by name or alias) and to <c>excluded</c>.</summary>
public sealed record OnConflictClause(
    OnConflictAction Action,
    IReadOnlyList<(string Name, int Location)>? InferenceColumns,
    Expression? InferenceWhere,
    string? ConstraintName,
    IReadOnlyList<ResTarget> TargetList,
    Expression? Where,
    int Location) : Node(Location);
