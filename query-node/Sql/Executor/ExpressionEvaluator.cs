using Log.QueryNode.Sql.Binder;
using Log.QueryNode.Sql.Parser.Ast;
using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Executor;

/// <summary>Evaluates bound expressions against a row, with SQL's three-valued logic (null is "unknown").</summary>
internal static class ExpressionEvaluator
{
    public const string ServerVersionText = "PostgreSQL 16.0 (Log, an Aurora DSQL-style distributed SQL database)";

    private static readonly object True = true;
    private static readonly object False = false;

    public static object? Evaluate(BoundExpression expression, object?[] row, ExecutionContext? context = null)
    {
        switch (expression)
        {
            case BoundColumn column:
                return row[column.Ordinal];
            case BoundConstant constant:
                return constant.Value;
            case BoundComparison comparison:
            {
                object? left = Evaluate(comparison.Left, row, context);
                if (left is null) return null;
                object? right = Evaluate(comparison.Right, row, context);
                if (right is null) return null;
                return Compare(comparison, left, right) ? True : False;
            }
            case BoundOuterParam parameter:
                return context!.Parameters[parameter.Index];
            case BoundSubquery subquery:
                return SubqueryRunner.Result(subquery, row, context!);
            case BoundBoolean boolean:
                return EvaluateBoolean(boolean, row, context);
            case BoundArithmetic arithmetic:
            {
                object? left = Evaluate(arithmetic.Left, row, context);
                if (left is null) return null;
                object? right = Evaluate(arithmetic.Right, row, context);
                if (right is null) return null;
                return ValueArithmetic.Apply(arithmetic.Operator, left, right, arithmetic.Type.Kind);
            }
            case BoundNegate negate:
            {
                object? operand = Evaluate(negate.Operand, row, context);
                return operand is null ? null : ValueArithmetic.Negate(operand);
            }
            case BoundCast cast:
                return ValueCast.Convert(Evaluate(cast.Operand, row, context), cast.Operand.Type, cast.Type, cast.Context);
            case BoundNullTest nullTest:
                return (Evaluate(nullTest.Operand, row, context) is null) != nullTest.IsNot ? True : False;
            case BoundBooleanTest booleanTest:
            {
                object? value = Evaluate(booleanTest.Operand, row, context);
                bool matches = booleanTest.Value is null ? value is null : value is bool flag && flag == booleanTest.Value.Value;
                return matches != booleanTest.IsNot ? True : False;
            }
            case BoundIsDistinct distinct:
            {
                object? left = Evaluate(distinct.Left, row, context);
                object? right = Evaluate(distinct.Right, row, context);
                bool isDistinct = left is null || right is null ? (left is null) != (right is null) : !ValueComparer.AreEqual(left, right);
                return isDistinct != distinct.IsNot ? True : False;
            }
            case BoundConcat concat:
            {
                object? left = Evaluate(concat.Left, row, context);
                if (left is null) return null;
                object? right = Evaluate(concat.Right, row, context);
                if (right is null) return null;
                return string.Concat((string)left, (string)right);
            }
            case BoundIn inExpression:
                return EvaluateIn(inExpression, row, context);
            case BoundLike like:
            {
                object? value = Evaluate(like.Operand, row, context);
                if (value is null) return null;
                object? pattern = Evaluate(like.Pattern, row, context);
                if (pattern is null) return null;
                return LikeMatcher.IsMatch((string)value, (string)pattern, like.CaseInsensitive) != like.IsNot ? True : False;
            }
            case BoundCase caseExpression:
                foreach ((BoundExpression condition, BoundExpression result) in caseExpression.Whens)
                {
                    if (Evaluate(condition, row, context) is true) return Evaluate(result, row, context);
                }
                return caseExpression.Else is null ? null : Evaluate(caseExpression.Else, row, context);
            case BoundFunction function:
                return EvaluateFunction(function, row, context);
            default:
                throw new InvalidOperationException($"cannot evaluate {expression.GetType().Name}");
        }
    }

    /// <summary>A comparison of two non-null values of the comparison's operand type.</summary>
    public static bool Compare(BoundComparison comparison, object left, object right)
    {
        int order = comparison.OperandType.Kind == TypeKind.Bpchar
            ? ValueComparer.CompareText(((string)left).TrimEnd(' '), ((string)right).TrimEnd(' '))
            : ValueComparer.CompareNonNull(left, right);
        return comparison.Operator switch
        {
            ComparisonOperator.Equal => order == 0,
            ComparisonOperator.NotEqual => order != 0,
            ComparisonOperator.Less => order < 0,
            ComparisonOperator.LessOrEqual => order <= 0,
            ComparisonOperator.Greater => order > 0,
            _ => order >= 0,
        };
    }

    /// <summary>AND is false if any argument is false, else null if any is null; OR the mirror image.</summary>
    private static object? EvaluateBoolean(BoundBoolean boolean, object?[] row, ExecutionContext? context)
    {
        switch (boolean.Kind)
        {
            case BoolExprKind.Not:
                object? operand = Evaluate(boolean.Arguments[0], row, context);
                return operand is null ? null : (bool)operand ? False : True;
            case BoolExprKind.And:
            {
                bool sawNull = false;
                foreach (BoundExpression argument in boolean.Arguments)
                {
                    object? value = Evaluate(argument, row, context);
                    if (value is null) sawNull = true;
                    else if (!(bool)value) return False;
                }
                return sawNull ? null : True;
            }
            default:
            {
                bool sawNull = false;
                foreach (BoundExpression argument in boolean.Arguments)
                {
                    object? value = Evaluate(argument, row, context);
                    if (value is null) sawNull = true;
                    else if ((bool)value) return True;
                }
                return sawNull ? null : False;
            }
        }
    }

    private static object? EvaluateIn(BoundIn inExpression, object?[] row, ExecutionContext? context)
    {
        object? value = Evaluate(inExpression.Operand, row, context);
        if (value is null) return null;
        if (inExpression.Hashed is { } set)
        {
            if (set.Contains(value)) return inExpression.IsNot ? False : True;
            return set.HasNull ? null : inExpression.IsNot ? True : False;
        }
        bool sawNull = false;
        foreach (BoundExpression item in inExpression.List)
        {
            object? candidate = Evaluate(item, row, context);
            if (candidate is null) sawNull = true;
            else if (ValueComparer.AreEqual(value, candidate)) return inExpression.IsNot ? False : True;
        }
        if (sawNull) return null;
        return inExpression.IsNot ? True : False;
    }

    /// <summary>pg_sleep blocks its backend in PostgreSQL; here it records the wait in the statement's context, which
    /// the engine awaits before the statement completes. Null or a negative number does not sleep.</summary>
    private static object Sleep(object? seconds)
    {
        if (seconds is double duration && duration > 0 && StatementContext.Current is { } context)
        {
            context.AddSleep(TimeSpan.FromSeconds(Math.Min(duration, uint.MaxValue / 1000.0)));
        }
        return "";
    }

    private static object? EvaluateFunction(BoundFunction function, object?[] row, ExecutionContext? context)
    {
        IReadOnlyList<BoundExpression> arguments = function.Arguments;
        switch (function.Function)
        {
            case ScalarFunction.Coalesce:
                foreach (BoundExpression argument in arguments)
                {
                    object? value = Evaluate(argument, row, context);
                    if (value is not null) return value;
                }
                return null;
            case ScalarFunction.NullIf:
            {
                object? left = Evaluate(arguments[0], row, context);
                object? right = Evaluate(arguments[1], row, context);
                return left is not null && right is not null && ValueComparer.AreEqual(left, right) ? null : left;
            }
            case ScalarFunction.Greatest:
            case ScalarFunction.Least:
            {
                object? best = null;
                foreach (BoundExpression argument in arguments)
                {
                    object? value = Evaluate(argument, row, context);
                    if (value is null) continue;
                    if (best is null) best = value;
                    else
                    {
                        int order = ValueComparer.CompareNonNull(value, best);
                        if (function.Function == ScalarFunction.Greatest ? order > 0 : order < 0) best = value;
                    }
                }
                return best;
            }
            case ScalarFunction.Version:
                return ServerVersionText;
            case ScalarFunction.CurrentUser:
                return "postgres";
            case ScalarFunction.CurrentDatabase:
                return "postgres";
            case ScalarFunction.CurrentSchema:
                return "public";
            case ScalarFunction.Now:
                return CurrentTimestamp(DateTimeKind.Utc);
            case ScalarFunction.LocalTimestamp:
                // localtimestamp and current_date are the session's wall clock, not UTC's.
                return DateTimeSettings.Current.ToLocal(CurrentTimestamp(DateTimeKind.Utc));
            case ScalarFunction.CurrentDate:
                return DateOnly.FromDateTime(DateTimeSettings.Current.ToLocal(CurrentTimestamp(DateTimeKind.Utc)));
            case ScalarFunction.AdvisoryUnlockAll:
                return "";
            case ScalarFunction.Sleep:
                return Sleep(Evaluate(arguments[0], row, context));
        }
        object? first = Evaluate(arguments[0], row, context);
        if (first is null) return null;
        switch (function.Function)
        {
            case ScalarFunction.Abs:
                return first switch
                {
                    short s => s == short.MinValue ? throw ValueCast.OutOfRange("smallint") : (short)Math.Abs(s),
                    int i => i == int.MinValue ? throw ValueCast.OutOfRange("integer") : Math.Abs(i),
                    long l => l == long.MinValue ? throw ValueCast.OutOfRange("bigint") : Math.Abs(l),
                    double d => Math.Abs(d),
                    _ => Math.Abs((decimal)first),
                };
            case ScalarFunction.Lower:
                return ((string)first).ToLowerInvariant();
            case ScalarFunction.Upper:
                return ((string)first).ToUpperInvariant();
            case ScalarFunction.Length:
            {
                string text = (string)first;
                if (function.Arguments[0].Type.Kind == TypeKind.Bpchar) text = text.TrimEnd(' ');
                return CountCodePoints(text);
            }
            case ScalarFunction.Round:
            case ScalarFunction.Trunc:
            {
                int places = 0;
                if (arguments.Count == 2)
                {
                    object? second = Evaluate(arguments[1], row, context);
                    if (second is null) return null;
                    places = (int)second;
                }
                var mode = function.Function == ScalarFunction.Round ? MidpointRounding.AwayFromZero : MidpointRounding.ToZero;
                if (first is double d)
                {
                    return function.Function == ScalarFunction.Round ? Math.Round(d, MidpointRounding.ToEven) : Math.Truncate(d);
                }
                decimal number = (decimal)first;
                if (places >= 0)
                {
                    int scale = Math.Min(places, 28);
                    return ValueCast.SetScale(Math.Round(number, scale, mode), scale);
                }
                decimal factor = 1;
                for (int index = 0; index < Math.Min(-places, 28); index++) factor *= 10;
                return Math.Round(number / factor, 0, mode) * factor;
            }
            default:
                throw new InvalidOperationException($"function {function.Function}");
        }
    }

    /// <summary>The wall clock in microseconds (PostgreSQL's resolution). PostgreSQL's now() is the transaction's start;
    /// the store does not expose that yet, so this is the time of evaluation.</summary>
    private static DateTime CurrentTimestamp(DateTimeKind kind)
    {
        long ticks = DateTime.UtcNow.Ticks;
        return new DateTime(ticks - ticks % 10, kind);
    }

    private static int CountCodePoints(string text)
    {
        int count = 0;
        for (int index = 0; index < text.Length; index++)
        {
            if (char.IsHighSurrogate(text[index]) && index + 1 < text.Length && char.IsLowSurrogate(text[index + 1])) index++;
            count++;
        }
        return count;
    }

    public static bool IsTrue(BoundExpression? predicate, object?[] row, ExecutionContext? context = null) => predicate is null || Evaluate(predicate, row, context) is true;
}
