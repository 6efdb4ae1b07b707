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

/// <summary>x [NOT] LIKE / ILIKE pattern.</summary>
public sealed record LikeExpr(Expression Argument, Expression Pattern, bool IsNot, bool CaseInsensitive, int Location) : Expression(Location);

/// <summary>x::type and CAST(x AS type).</summary>
public sealed record TypeCast(Expression Argument, TypeName TypeName, int Location) : Expression(Location);

/// <summary>A function call; Star for count(*).</summary>
public sealed record FuncCall(string Name, IReadOnlyList<Expression> Arguments, bool Star, bool Distinct, int Location) : Expression(Location);

public sealed record CaseWhen(Expression Condition, Expression Result);

/// <summary>CASE [argument] WHEN ... THEN ... [ELSE ...] END.</summary>
public sealed record CaseExpr(Expression? Argument, IReadOnlyList<CaseWhen> Whens, Expression? Else, int Location) : Expression(Location);

/// <summary>DEFAULT in an INSERT VALUES list or UPDATE SET.</summary>
public sealed record SetToDefault(int Location) : Expression(Location);
