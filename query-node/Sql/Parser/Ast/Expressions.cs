namespace Log.QueryNode.Sql.Parser.Ast;

/// <summary>An expression in the parse tree (PostgreSQL's raw expression nodes).</summary>
public abstract record Expression(int Location) : Node(Location);

public enum ConstantKind : byte
{
    Integer,
    Decimal,
    String,
    Boolean,
    Null,
}

/// <summary>A literal. Integer and Decimal keep their source text so the binder picks int4, int8 or numeric.</summary>
public sealed record A_Const(ConstantKind Kind, string? Text, int Location) : Expression(Location);

/// <summary>A column reference: name, table.name, table.* or * (Star).</summary>
public sealed record ColumnRef(IReadOnlyList<string> Fields, bool Star, int Location) : Expression(Location);

/// <summary>$n.</summary>
public sealed record ParamRef(int Number, int Location) : Expression(Location);

/// <summary>An operator expression: binary (Left and Right) or prefix (Left null). Location is the operator's.</summary>
public sealed record A_Expr(string Operator, Expression? Left, Expression Right, int Location) : Expression(Location);

public enum BoolExprKind : byte
{
    And,
    Or,
    Not,
}

public sealed record BoolExpr(BoolExprKind Kind, IReadOnlyList<Expression> Arguments, int Location) : Expression(Location);

/// <summary>x IS [NOT] NULL.</summary>
public sealed record NullTest(Expression Argument, bool IsNot, int Location) : Expression(Location);

/// <summary>x IS [NOT] TRUE / FALSE / UNKNOWN.</summary>
public sealed record BooleanTest(Expression Argument, bool? Value, bool IsNot, int Location) : Expression(Location);

/// <summary>x [NOT] IN (list).</summary>
public sealed record InExpr(Expression Argument, IReadOnlyList<Expression> List, bool IsNot, int Location) : Expression(Location);

/// <summary>x [NOT] BETWEEN low AND high.</summary>
public sealed record BetweenExpr(Expression Argument, Expression Low, Expression High, bool IsNot, int Location) : Expression(Location);

/// <summary>x [NOT] LIKE / ILIKE pattern [ESCAPE escape].</summary>
public sealed record LikeExpr(Expression Argument, Expression Pattern, bool IsNot, bool CaseInsensitive, int Location) : Expression(Location)
{
    /// <summary>The ESCAPE character expression, or null for the default backslash.</summary>
    public Expression? Escape { get; init; }
}

/// <summary>x [NOT] SIMILAR TO pattern [ESCAPE escape].</summary>
public sealed record SimilarToExpr(Expression Argument, Expression Pattern, Expression? Escape, bool IsNot, int Location) : Expression(Location);

/// <summary>x::type and CAST(x AS type).</summary>
public sealed record TypeCast(Expression Argument, TypeName TypeName, int Location) : Expression(Location);

/// <summary>
/// A function call; Star for count(*). Name is the function's name (lower case unless quoted); a schema qualifier
/// (pg_catalog.f) is kept in Schema. The special SQL syntaxes map to PostgreSQL 15's functions, as gram.y does:
/// EXTRACT(field FROM x) -> extract('field', x); POSITION(a IN b) -> position(b, a); SUBSTRING(x FROM a FOR b) -> substring(x, a, b);
/// TRIM([BOTH|LEADING|TRAILING] [chars] FROM x) -> btrim/ltrim/rtrim(x [, chars]); x AT TIME ZONE z -> timezone(z, x);
/// OVERLAY(x PLACING y FROM a [FOR b]) -> overlay(x, y, a [, b]); COALESCE/NULLIF/GREATEST/LEAST are calls too.
/// </summary>
public sealed record FuncCall(string Name, IReadOnlyList<Expression> Arguments, bool Star, bool Distinct, int Location) : Expression(Location)
{
    public string? Schema { get; init; }

    /// <summary>f(x ORDER BY ...) for an aggregate, or the ORDER BY of WITHIN GROUP (...) when WithinGroup is set.</summary>
    public IReadOnlyList<SortBy>? AggregateOrder { get; init; }

    /// <summary>percentile_cont(0.5) WITHIN GROUP (ORDER BY x): an ordered-set aggregate.</summary>
    public bool WithinGroup { get; init; }

    /// <summary>FILTER (WHERE condition).</summary>
    public Expression? Filter { get; init; }

    /// <summary>OVER (window) or OVER name: a window function call.</summary>
    public WindowDef? Over { get; init; }

    /// <summary>f(VARIADIC array): the last argument is passed as the variadic array.</summary>
    public bool VariadicLast { get; init; }

    /// <summary>f(a => 1, b := 2): the name of each argument, null for the positional ones (which come first); null
    /// when every argument is positional.</summary>
    public IReadOnlyList<string?>? ArgumentNames { get; init; }
}

public enum WindowFrameMode : byte
{
    /// <summary>No frame clause: RANGE UNBOUNDED PRECEDING to CURRENT ROW (the whole partition without ORDER BY).</summary>
    Default,
    Rows,
    Range,
    Groups,
}

public enum WindowFrameBoundKind : byte
{
    UnboundedPreceding,
    Preceding,
    CurrentRow,
    Following,
    UnboundedFollowing,
}

/// <summary>One end of a frame; Offset for n PRECEDING / n FOLLOWING.</summary>
public sealed record WindowFrameBound(WindowFrameBoundKind Kind, Expression? Offset);

public enum WindowFrameExclusion : byte
{
    NoOthers,
    CurrentRow,
    Group,
    Ties,
}

/// <summary>ROWS | RANGE | GROUPS {start | BETWEEN start AND end} [EXCLUDE ...]. End is CURRENT ROW when only a start is given.</summary>
public sealed record WindowFrame(WindowFrameMode Mode, WindowFrameBound Start, WindowFrameBound End, WindowFrameExclusion Exclusion, int Location) : Node(Location);

/// <summary>A window: in the WINDOW clause (Name set), or after OVER: OVER name (RefName only, no parentheses),
/// or OVER ([existing name] [PARTITION BY ...] [ORDER BY ...] [frame]).</summary>
public sealed record WindowDef(
    string? Name,
    string? RefName,
    IReadOnlyList<Expression> PartitionBy,
    IReadOnlyList<SortBy> OrderBy,
    WindowFrame? Frame,
    int Location) : Node(Location)
{
    /// <summary>OVER name without parentheses (PostgreSQL copies the named window whole, frame included).</summary>
    public bool IsBareReference { get; init; }
}

public enum SubLinkType : byte
{
    /// <summary>EXISTS (subquery).</summary>
    Exists,
    /// <summary>x op ALL (subquery).</summary>
    All,
    /// <summary>x op ANY/SOME (subquery), and x IN (subquery) as x = ANY (subquery).</summary>
    Any,
    /// <summary>(subquery) as a scalar value.</summary>
    Expr,
    /// <summary>ARRAY(subquery).</summary>
    Array,
}

/// <summary>A subquery used as an expression (PostgreSQL's SubLink). TestExpression and OperatorName are set for
/// Any and All (the left side and the operator; "=" for IN); NOT IN is a NOT around an Any.</summary>
public sealed record SubLink(SubLinkType Type, Expression? TestExpression, string? OperatorName, SelectStmt Subselect, int Location) : Expression(Location);

/// <summary>x op ANY (array) / x op SOME (array) / x op ALL (array), with an array expression on the right
/// (PostgreSQL's A_Expr of kind AEXPR_OP_ANY / AEXPR_OP_ALL).</summary>
public sealed record A_ArrayOpExpr(string Operator, Expression Left, Expression Right, bool All, int Location) : Expression(Location);

/// <summary>ARRAY[elements]; an element may itself be a bracketed list (multi-dimensional), which parses as an A_ArrayExpr.</summary>
public sealed record A_ArrayExpr(IReadOnlyList<Expression> Elements, int Location) : Expression(Location);

/// <summary>[index] or [lower:upper] (either bound may be missing in a slice).</summary>
public sealed record A_Indices(bool IsSlice, Expression? Lower, Expression? Upper);

/// <summary>expression[subscripts]..., e.g. arr[1], arr[2:3], (f(x))[1].</summary>
public sealed record A_Indirection(Expression Argument, IReadOnlyList<A_Indices> Indirection, int Location) : Expression(Location);

/// <summary>(expression).field or (expression).*: a field of a composite value, or all of them (PostgreSQL's A_Indirection
/// whose element is a field name or A_Star; subscripts are <see cref="A_Indirection"/>). Field is null for *.</summary>
public sealed record FieldIndirection(Expression Argument, string? Field, int Location) : Expression(Location)
{
    public bool Star => Field is null;
}

/// <summary>ROW(a, b) or (a, b): a row constructor (comparisons of rows, IN lists of rows).</summary>
public sealed record RowExpr(IReadOnlyList<Expression> Arguments, bool ExplicitRow, int Location) : Expression(Location);

public enum GroupingSetKind : byte
{
    /// <summary>() : the empty grouping set.</summary>
    Empty,
    /// <summary>A parenthesized list of expressions inside GROUPING SETS, ROLLUP or CUBE: (a, b).</summary>
    Simple,
    Rollup,
    Cube,
    Sets,
}

/// <summary>An item of GROUP BY that is not a plain expression: ROLLUP (...), CUBE (...), GROUPING SETS (...), ().
/// Content holds expressions and nested GroupingSets, as PostgreSQL's GroupingSet node does.</summary>
public sealed record GroupingSet(GroupingSetKind Kind, IReadOnlyList<Expression> Content, int Location) : Expression(Location);

public sealed record CaseWhen(Expression Condition, Expression Result);

/// <summary>CASE [argument] WHEN ... THEN ... [ELSE ...] END.</summary>
public sealed record CaseExpr(Expression? Argument, IReadOnlyList<CaseWhen> Whens, Expression? Else, int Location) : Expression(Location);

/// <summary>DEFAULT in an INSERT VALUES list or UPDATE SET.</summary>
public sealed record SetToDefault(int Location) : Expression(Location);
