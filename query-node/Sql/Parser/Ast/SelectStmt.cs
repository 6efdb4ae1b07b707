namespace Log.QueryNode.Sql.Parser.Ast;

/// <summary>A select-list item: expression with optional alias (Name).</summary>
public sealed record ResTarget(Expression Value, string? Name, int Location) : Node(Location);

public enum SortByDirection : byte
{
    Default,
    Ascending,
    Descending,
}

public enum SortByNulls : byte
{
    Default,
    First,
    Last,
}

public sealed record SortBy(Expression Expression, SortByDirection Direction, SortByNulls Nulls, int Location) : Node(Location);

public enum SetOperation : byte
{
    None,
    Union,
    Intersect,
    Except,
}

/// <summary>
/// PostgreSQL's SelectStmt. A leaf (Op = None) is a SELECT, or a VALUES list when ValuesLists is set (then TargetList,
/// From ... are empty). A set operation (Op != None) has Larg and Rarg and no leaf clauses; SortClause, Limit, Offset,
/// ForUpdate and With of a set operation apply to its whole result, as gram.y attaches them. <c>TABLE t</c> parses
/// as <c>SELECT * FROM t</c>. INTERSECT binds tighter than UNION and EXCEPT, which associate to the left.
/// </summary>
public sealed record SelectStmt(int Location) : Statement(Location)
{
    public IReadOnlyList<ResTarget> TargetList { get; init; } = [];

    /// <summary>SELECT DISTINCT (without ON).</summary>
    public bool Distinct { get; init; }

    /// <summary>DISTINCT ON (expressions), or null.</summary>
    public IReadOnlyList<Expression>? DistinctOn { get; init; }

    /// <summary>The FROM list; a comma-separated list keeps one item per entry (an implicit cross join).</summary>
    public IReadOnlyList<FromItem> From { get; init; } = [];

    public Expression? Where { get; init; }

    /// <summary>GROUP BY items: expressions, or <see cref="GroupingSet"/> for ROLLUP / CUBE / GROUPING SETS / ().</summary>
    public IReadOnlyList<Expression> GroupBy { get; init; } = [];

    public Expression? Having { get; init; }

    /// <summary>WINDOW name AS (definition), ...: each <see cref="WindowDef"/> has its Name set.</summary>
    public IReadOnlyList<WindowDef> WindowClause { get; init; } = [];

    /// <summary>VALUES (row), (row), ...; null for a SELECT.</summary>
    public IReadOnlyList<IReadOnlyList<Expression>>? ValuesLists { get; init; }

    public IReadOnlyList<SortBy> SortClause { get; init; } = [];

    /// <summary>LIMIT n / FETCH FIRST n ROWS ONLY; LIMIT ALL and LIMIT NULL are a Null constant.</summary>
    public Expression? Limit { get; init; }

    public Expression? Offset { get; init; }

    /// <summary>FOR UPDATE / FOR NO KEY UPDATE / FOR SHARE / FOR KEY SHARE (all add the rows read to the conflict check).</summary>
    public bool ForUpdate { get; init; }

    /// <summary>The locking clauses as written (several may follow one another), when <see cref="ForUpdate"/>.</summary>
    public IReadOnlyList<LockingClause> LockingClauses { get; init; } = [];

    public WithClause? With { get; init; }

    public SetOperation Op { get; init; }

    /// <summary>UNION ALL / INTERSECT ALL / EXCEPT ALL.</summary>
    public bool All { get; init; }

    public SelectStmt? Larg { get; init; }

    public SelectStmt? Rarg { get; init; }
}

/// <summary>FOR {UPDATE | NO KEY UPDATE | SHARE | KEY SHARE} [OF name, ...] [NOWAIT | SKIP LOCKED] (PostgreSQL's
/// LockingClause). <see cref="Strength"/> is the clause as PostgreSQL names it in messages ("FOR SHARE"); no OF names
/// means every table of the FROM clause. Under optimistic concurrency nothing waits, so the wait policy changes
/// nothing and is not kept.</summary>
public sealed record LockingClause(string Strength, IReadOnlyList<(string Name, int Location)> Relations, int Location);
