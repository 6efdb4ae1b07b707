using Log.QueryNode.Sql.Parser.Ast;
using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Binder;

/// <summary>A typed, resolved expression: column references are ordinals into the row it is evaluated against, every
/// operator has operands of one type (the binder inserted the casts), constants are already converted.</summary>
internal abstract record BoundExpression(SqlType Type);

/// <summary>A constant; ParameterNumber is n when it is the value of $n (so its type can be reported by Describe).</summary>
internal sealed record BoundConstant(object? Value, SqlType Type, int ParameterNumber = 0) : BoundExpression(Type);

/// <summary>A column of the input row. Location is for error messages only and not part of equality, so a GROUP BY
/// key and the same column in the select list match.</summary>
internal sealed record BoundColumn(int Ordinal, SqlType Type, string DisplayName, int Location) : BoundExpression(Type)
{
    public bool Equals(BoundColumn? other) => other is not null && other.Ordinal == Ordinal && other.Type == Type;
    public override int GetHashCode() => Ordinal;
}

internal sealed record BoundCast(BoundExpression Operand, SqlType Type, ValueCast.Context Context) : BoundExpression(Type);

internal sealed record BoundArithmetic(ArithmeticOperator Operator, BoundExpression Left, BoundExpression Right, SqlType Type) : BoundExpression(Type);

internal sealed record BoundNegate(BoundExpression Operand, SqlType Type) : BoundExpression(Type);

public enum ComparisonOperator : byte
{
    Equal,
    NotEqual,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
}

/// <summary>A comparison; OperandType is the type both sides were brought to (bpchar compares without trailing spaces).</summary>
internal sealed record BoundComparison(ComparisonOperator Operator, BoundExpression Left, BoundExpression Right, SqlType OperandType) : BoundExpression(SqlType.Bool);

/// <summary>IS [NOT] DISTINCT FROM: equality where NULL equals NULL.</summary>
internal sealed record BoundIsDistinct(BoundExpression Left, BoundExpression Right, bool IsNot) : BoundExpression(SqlType.Bool);

internal sealed record BoundConcat(BoundExpression Left, BoundExpression Right) : BoundExpression(SqlType.Text);

internal sealed record BoundBoolean(BoolExprKind Kind, IReadOnlyList<BoundExpression> Arguments) : BoundExpression(SqlType.Bool);

internal sealed record BoundNullTest(BoundExpression Operand, bool IsNot) : BoundExpression(SqlType.Bool);

internal sealed record BoundBooleanTest(BoundExpression Operand, bool? Value, bool IsNot) : BoundExpression(SqlType.Bool);

internal sealed record BoundIn(BoundExpression Operand, IReadOnlyList<BoundExpression> List, bool IsNot) : BoundExpression(SqlType.Bool);

internal sealed record BoundLike(BoundExpression Operand, BoundExpression Pattern, bool IsNot, bool CaseInsensitive) : BoundExpression(SqlType.Bool);

internal sealed record BoundCase(IReadOnlyList<(BoundExpression Condition, BoundExpression Result)> Whens, BoundExpression? Else, SqlType Type) : BoundExpression(Type);

public enum ScalarFunction : byte
{
    Coalesce,
    NullIf,
    Abs,
    Lower,
    Upper,
    Length,
    Round,
    Trunc,
    Greatest,
    Least,
    Version,
    CurrentUser,
    CurrentDatabase,
    CurrentSchema,
    Now,
    CurrentDate,
    LocalTimestamp,
    /// <summary>pg_sleep(seconds): waits, honouring the statement's cancellation (CancelRequest, statement_timeout).</summary>
    Sleep,
    /// <summary>pg_advisory_unlock_all(): there are no advisory locks here, so there is nothing to release.</summary>
    AdvisoryUnlockAll,
}

internal sealed record BoundFunction(ScalarFunction Function, IReadOnlyList<BoundExpression> Arguments, SqlType Type) : BoundExpression(Type);

public enum AggregateFunction : byte
{
    CountStar,
    Count,
    Sum,
    Min,
    Max,
    Avg,
}

/// <summary>An aggregate call while binding; the binder replaces it by a column of the aggregated row.</summary>
internal sealed record BoundAggregateCall(AggregateFunction Function, BoundExpression? Argument, bool Distinct, SqlType Type, int Location) : BoundExpression(Type);
