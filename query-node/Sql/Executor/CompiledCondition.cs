using Log.QueryNode.Sql.Binder;
using Log.QueryNode.Sql.Parser.Ast;
using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Executor;

/// <summary>
/// A condition compiled once, when its operator is built, into delegates that a scan or a filter calls per row. The
/// interpreter (<see cref="ExpressionEvaluator"/>) boxes every intermediate integer and dispatches on the expression's
/// kind at every node of every row; the common filter over integer columns (<c>amount % 10 &lt; 3</c>, <c>id &lt;= $1
/// AND kind = 2</c>) is compiled into delegates over unboxed longs instead. Anything else (text, numeric, functions,
/// subqueries ...) is left to the interpreter, through one delegate, so the results are the interpreter's in every case.
/// </summary>
internal sealed class CompiledCondition
{
    /// <summary>SQL's three truth values, as the compiled delegates return them.</summary>
    private const int False = 0;
    private const int True = 1;
    private const int Unknown = -1;

    /// <summary>A condition over a row of type <typeparamref name="TRow"/>: an object array, or a scan's decoded integer
    /// columns (<see cref="IntegerColumns"/>).</summary>
    private delegate int Condition<TRow>(TRow row, ExecutionContext context);

    /// <summary>An integer expression's value; false when it is NULL.</summary>
    internal delegate bool IntegerValue<TRow>(TRow row, ExecutionContext context, out long value);

    private readonly Condition<object?[]> _condition;

    public CompiledCondition(BoundExpression condition)
    {
        Expression = condition;
        _condition = Compile(condition, ColumnOfRow, Interpreted)!;
    }

    public BoundExpression Expression { get; }

    /// <summary>Whether the condition is true for the row (false for false and for NULL, as WHERE treats them).</summary>
    public bool IsTrue(object?[] row, ExecutionContext context) => _condition(row, context) == True;

    /// <summary>
    /// The condition over a scan's integer columns decoded into <see cref="IntegerColumns"/> (no object row, no box):
    /// each column it reads must be an integer column that <paramref name="slotOf"/> gives a slot (else -1). Null when
    /// the condition is not made only of integer columns, constants, arithmetic, comparisons, AND/OR/NOT and IS NULL.
    /// </summary>
    public static Func<IntegerColumns, ExecutionContext, bool>? TryCompileOverIntegers(BoundExpression condition, Func<int, int> slotOf)
    {
        Condition<IntegerColumns>? compiled = Compile<IntegerColumns>(condition, column =>
        {
            int slot = slotOf(column.Ordinal);
            if (slot < 0) return null;
            ulong bit = 1UL << slot;
            return (IntegerColumns row, ExecutionContext context, out long value) =>
            {
                value = row.Values[slot];
                return (row.Present & bit) != 0;
            };
        }, fallback: null);
        return compiled is null ? null : (row, context) => compiled(row, context) == True;
    }

    /// <summary>A column of an object row.</summary>
    private static IntegerValue<object?[]> ColumnOfRow(BoundColumn column)
    {
        int ordinal = column.Ordinal;
        return (object?[] row, ExecutionContext context, out long value) => IntegerOf(row[ordinal], out value);
    }

    /// <summary>Anything not compiled, through the interpreter (an object row's only).</summary>
    private static Condition<object?[]> Interpreted(BoundExpression expression) => (row, context) => ExpressionEvaluator.Evaluate(expression, row, context) switch
    {
        null => Unknown,
        bool value => value ? True : False,
        object other => throw new InvalidOperationException($"a condition evaluated to {other.GetType().Name}"),
    };

    /// <summary>The condition's delegate; null when a part of it is neither compiled nor taken by <paramref name="fallback"/>.</summary>
    private static Condition<TRow>? Compile<TRow>(BoundExpression expression, Func<BoundColumn, IntegerValue<TRow>?> column,
        Func<BoundExpression, Condition<TRow>>? fallback)
    {
        switch (expression)
        {
            case BoundComparison comparison when comparison.OperandType.IsInteger && TryCompileInteger(comparison.Left, column) is { } left
                && TryIntegerConstant(comparison.Right, out long? bound):
                return bound is { } constant ? CompileComparison(comparison.Operator, left, constant) : (row, context) =>
                {
                    left(row, context, out _); // still evaluated, as the interpreter does (it may raise an error)
                    return Unknown;
                };
            case BoundComparison comparison when comparison.OperandType.IsInteger
                && TryCompileInteger(comparison.Left, column) is { } left && TryCompileInteger(comparison.Right, column) is { } right:
                return CompileComparison(comparison.Operator, left, right);
            case BoundBoolean { Kind: BoolExprKind.Not } not:
            {
                if (Compile(not.Arguments[0], column, fallback) is not { } operand) return null;
                return (row, context) => operand(row, context) switch { True => False, False => True, _ => Unknown };
            }
            case BoundBoolean { Kind: BoolExprKind.And or BoolExprKind.Or } boolean:
            {
                var terms = new Condition<TRow>[boolean.Arguments.Count];
                for (int index = 0; index < terms.Length; index++)
                {
                    if (Compile(boolean.Arguments[index], column, fallback) is not { } term) return null;
                    terms[index] = term;
                }
                // AND is decided by a false term and OR by a true one; else it is NULL if a term is, else the other value.
                int decisive = boolean.Kind == BoolExprKind.And ? False : True;
                int otherwise = decisive == False ? True : False;
                return (row, context) =>
                {
                    int result = otherwise;
                    foreach (Condition<TRow> term in terms)
                    {
                        int value = term(row, context);
                        if (value == decisive) return decisive;
                        if (value == Unknown) result = Unknown;
                    }
                    return result;
                };
            }
            case BoundNullTest nullTest when nullTest.Operand.Type.IsInteger && TryCompileInteger(nullTest.Operand, column) is { } operand:
            {
                bool isNot = nullTest.IsNot;
                return (row, context) => operand(row, context, out _) == isNot ? True : False;
            }
            default:
                return fallback?.Invoke(expression);
        }
    }

    private static Condition<TRow> CompileComparison<TRow>(ComparisonOperator op, IntegerValue<TRow> left, IntegerValue<TRow> right) => op switch
    {
        ComparisonOperator.Equal => (row, context) => !left(row, context, out long a) || !right(row, context, out long b) ? Unknown : a == b ? True : False,
        ComparisonOperator.NotEqual => (row, context) => !left(row, context, out long a) || !right(row, context, out long b) ? Unknown : a != b ? True : False,
        ComparisonOperator.Less => (row, context) => !left(row, context, out long a) || !right(row, context, out long b) ? Unknown : a < b ? True : False,
        ComparisonOperator.LessOrEqual => (row, context) => !left(row, context, out long a) || !right(row, context, out long b) ? Unknown : a <= b ? True : False,
        ComparisonOperator.Greater => (row, context) => !left(row, context, out long a) || !right(row, context, out long b) ? Unknown : a > b ? True : False,
        _ => (row, context) => !left(row, context, out long a) || !right(row, context, out long b) ? Unknown : a >= b ? True : False,
    };

    /// <summary>A comparison with a constant (<c>amount % 10 &lt; 3</c>, the common case) calls one delegate for its
    /// left side and none for its right.</summary>
    private static Condition<TRow> CompileComparison<TRow>(ComparisonOperator op, IntegerValue<TRow> left, long b) => op switch
    {
        ComparisonOperator.Equal => (row, context) => !left(row, context, out long a) ? Unknown : a == b ? True : False,
        ComparisonOperator.NotEqual => (row, context) => !left(row, context, out long a) ? Unknown : a != b ? True : False,
        ComparisonOperator.Less => (row, context) => !left(row, context, out long a) ? Unknown : a < b ? True : False,
        ComparisonOperator.LessOrEqual => (row, context) => !left(row, context, out long a) ? Unknown : a <= b ? True : False,
        ComparisonOperator.Greater => (row, context) => !left(row, context, out long a) ? Unknown : a > b ? True : False,
        _ => (row, context) => !left(row, context, out long a) ? Unknown : a >= b ? True : False,
    };

    /// <summary>Whether <paramref name="expression"/> is an integer constant (its value, or null for NULL).</summary>
    private static bool TryIntegerConstant(BoundExpression expression, out long? value)
    {
        value = null;
        if (expression is not BoundConstant { Value: null or int or long or short } constant || !expression.Type.IsInteger) return false;
        if (IntegerOf(constant.Value, out long integer)) value = integer;
        return true;
    }

    /// <summary>An int2/int4/int8 expression built of columns (as <paramref name="column"/> reads them), constants,
    /// arithmetic and widening casts; null for anything else.</summary>
    private static IntegerValue<TRow>? TryCompileInteger<TRow>(BoundExpression expression, Func<BoundColumn, IntegerValue<TRow>?> column)
    {
        if (!expression.Type.IsInteger) return null;
        switch (expression)
        {
            case BoundColumn reference:
                return column(reference);
            case BoundConstant constant:
            {
                bool isNull = !IntegerOf(constant.Value, out long constantValue);
                return (TRow row, ExecutionContext context, out long value) =>
                {
                    value = constantValue;
                    return !isNull;
                };
            }
            case BoundArithmetic arithmetic when TryCompileInteger(arithmetic.Left, column) is { } left && TryIntegerConstant(arithmetic.Right, out long? operand)
                && operand is { } b:
            {
                ArithmeticOperator op = arithmetic.Operator;
                TypeKind kind = arithmetic.Type.Kind;
                if (op == ArithmeticOperator.Modulo && b is not (0 or -1) && WidthOf(arithmetic.Left.Type.Kind) <= 4 && b == (int)b)
                {
                    // amount % 10: by a constant other than 0 and -1 nothing overflows or fails, and an int2/int4 value
                    // takes a 32-bit division (the result is the same).
                    int divisor = (int)b;
                    return (TRow row, ExecutionContext context, out long value) =>
                    {
                        value = 0;
                        if (!left(row, context, out long a)) return false;
                        value = (int)a % divisor;
                        return true;
                    };
                }
                return (TRow row, ExecutionContext context, out long value) =>
                {
                    value = 0;
                    if (!left(row, context, out long a)) return false;
                    value = ValueArithmetic.ApplyInteger(op, a, b, kind);
                    return true;
                };
            }
            case BoundArithmetic arithmetic when TryCompileInteger(arithmetic.Left, column) is { } left && TryCompileInteger(arithmetic.Right, column) is { } right:
            {
                ArithmeticOperator op = arithmetic.Operator;
                TypeKind kind = arithmetic.Type.Kind;
                return (TRow row, ExecutionContext context, out long value) =>
                {
                    value = 0;
                    if (!left(row, context, out long a) || !right(row, context, out long b)) return false;
                    value = ValueArithmetic.ApplyInteger(op, a, b, kind);
                    return true;
                };
            }
            case BoundCast cast when cast.Operand.Type.IsInteger && WidthOf(cast.Operand.Type.Kind) <= WidthOf(cast.Type.Kind):
                return TryCompileInteger(cast.Operand, column); // a widening cast changes no value
            default:
                return null;
        }
    }

    private static int WidthOf(TypeKind kind) => kind switch { TypeKind.Int2 => 2, TypeKind.Int4 => 4, _ => 8 };

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static bool IntegerOf(object? boxed, out long value)
    {
        switch (boxed)
        {
            case int integer: value = integer; return true;
            case long integer: value = integer; return true;
            case short integer: value = integer; return true;
            case null: value = 0; return false;
            default: throw new InvalidOperationException($"an integer expression evaluated to {boxed.GetType().Name}");
        }
    }
}
