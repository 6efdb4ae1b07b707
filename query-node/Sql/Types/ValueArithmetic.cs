using Log.QueryNode.Execution;
using Log.Wire.Types;

namespace Log.QueryNode.Sql.Types;

public enum ArithmeticOperator : byte
{
    Add,
    Subtract,
    Multiply,
    Divide,
    Modulo,
}

/// <summary>int2/int4/int8/float8/numeric arithmetic with PostgreSQL's overflow and division errors. Both operands
/// already have the same type (the binder inserts the casts), so one switch on the CLR type suffices.</summary>
internal static class ValueArithmetic
{
    public static object Apply(ArithmeticOperator op, object left, object right, TypeKind kind)
    {
        switch (kind)
        {
            case TypeKind.Int2:
                return (short)ApplyInteger(op, (short)left, (short)right, kind);
            case TypeKind.Int4:
                return (int)ApplyInteger(op, (int)left, (int)right, kind);
            case TypeKind.Int8:
                return ApplyInteger(op, (long)left, (long)right, kind);
            case TypeKind.Float8:
                return ApplyFloat8(op, (double)left, (double)right);
            case TypeKind.Float4:
                return ApplyFloat4(op, (float)left, (float)right);
            case TypeKind.Numeric:
                return NumericOperations.Apply(op, (PgNumeric)left, (PgNumeric)right);
            default:
                throw new InvalidOperationException($"arithmetic on {kind}");
        }
    }

    /// <summary>Integer arithmetic of int2, int4 or int8 operands (<paramref name="kind"/>, the result's type) on their
    /// values widened to long, with the result range-checked for that type: the one place of integer arithmetic's
    /// rules, for boxed values and for compiled expressions that never box them.</summary>
    public static long ApplyInteger(ArithmeticOperator op, long left, long right, TypeKind kind) => kind switch
    {
        TypeKind.Int2 => CheckRange(ApplyLong(op, left, right), short.MinValue, short.MaxValue, "smallint"),
        TypeKind.Int4 => CheckRange(ApplyLong(op, left, right), int.MinValue, int.MaxValue, "integer"),
        _ => ApplyInt8(op, left, right),
    };

    private static long CheckRange(long value, long minimum, long maximum, string typeName) =>
        value < minimum || value > maximum ? throw ValueCast.OutOfRange(typeName) : value;

    /// <summary>For int2/int4 operands the long result cannot overflow; the caller range-checks it.</summary>
    private static long ApplyLong(ArithmeticOperator op, long left, long right) => op switch
    {
        ArithmeticOperator.Add => left + right,
        ArithmeticOperator.Subtract => left - right,
        ArithmeticOperator.Multiply => left * right,
        ArithmeticOperator.Divide => right == 0 ? throw DivisionByZero() : left / right,
        _ => right == 0 ? throw DivisionByZero() : left % right,
    };

    private static long ApplyInt8(ArithmeticOperator op, long left, long right)
    {
        try
        {
            return op switch
            {
                ArithmeticOperator.Add => checked(left + right),
                ArithmeticOperator.Subtract => checked(left - right),
                ArithmeticOperator.Multiply => checked(left * right),
                ArithmeticOperator.Divide => right == 0 ? throw DivisionByZero() : right == -1 ? checked(-left) : left / right,
                _ => right == 0 ? throw DivisionByZero() : right == -1 ? 0 : left % right,
            };
        }
        catch (OverflowException)
        {
            throw ValueCast.OutOfRange("bigint");
        }
    }

    private static double ApplyFloat8(ArithmeticOperator op, double left, double right)
    {
        double result = op switch
        {
            ArithmeticOperator.Add => left + right,
            ArithmeticOperator.Subtract => left - right,
            ArithmeticOperator.Multiply => left * right,
            ArithmeticOperator.Divide => right == 0 ? throw DivisionByZero() : left / right,
            _ => throw new InvalidOperationException("float8 has no % operator"),
        };
        CheckFloatResult(double.IsInfinity(result), double.IsInfinity(left) || double.IsInfinity(right), result == 0 && op == ArithmeticOperator.Multiply && left != 0 && right != 0);
        return result;
    }

    /// <summary>float_overflow_error / float_underflow_error: an infinite result from finite operands, a zero from non-zero ones.</summary>
    private static void CheckFloatResult(bool infinite, bool infiniteOperand, bool underflow)
    {
        if (infinite && !infiniteOperand) throw new SqlException(SqlState.NumericValueOutOfRange, "value out of range: overflow");
        if (underflow) throw new SqlException(SqlState.NumericValueOutOfRange, "value out of range: underflow");
    }

    /// <summary>float4pl and friends: computed in float, with the same overflow and underflow checks as float8.</summary>
    private static float ApplyFloat4(ArithmeticOperator op, float left, float right)
    {
        // Done in double and rounded once to float: exact for + - * / (double holds more than twice float's digits).
        double wide = ApplyFloat8(op, left, right);
        float result = (float)wide;
        bool underflow = result == 0 && left != 0 && (op == ArithmeticOperator.Multiply ? right != 0 : op == ArithmeticOperator.Divide && !float.IsInfinity(right));
        CheckFloatResult(float.IsInfinity(result), float.IsInfinity(left) || float.IsInfinity(right), underflow);
        return result;
    }

    public static SqlException DivisionByZero() => new(SqlState.DivisionByZero, "division by zero");

    public static object Negate(object value) => value switch
    {
        short s => s == short.MinValue ? throw ValueCast.OutOfRange("smallint") : (short)-s,
        int i => i == int.MinValue ? throw ValueCast.OutOfRange("integer") : -i,
        long l => l == long.MinValue ? throw ValueCast.OutOfRange("bigint") : -l,
        double d => -d,
        float f => -f,
        PgNumeric n => n.Negate(),
        _ => throw new InvalidOperationException($"negate {value.GetType()}"),
    };
}
