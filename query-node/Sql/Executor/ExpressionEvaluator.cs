using Log.QueryNode.Sql.Binder;
using Log.QueryNode.Sql.Parser.Ast;
using Log.QueryNode.Sql.Types;
using Log.Wire.Types;

namespace Log.QueryNode.Sql.Executor;

/// <summary>Evaluates bound expressions against a row, with SQL's three-valued logic (null is "unknown").</summary>
internal static class ExpressionEvaluator
{
    private static readonly object True = true;
    private static readonly object False = false;

    public static object? Evaluate(BoundExpression expression, object?[] row, ExecutionContext context)
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
                if (comparison.OperandType.Kind == TypeKind.Record) return CompareRows(comparison.Operator, (PgRecord)left, (PgRecord)right);
                return Compare(comparison, left, right) ? True : False;
            }
            case BoundRow record:
            {
                var values = new object?[record.Fields.Count];
                var types = new int[values.Length];
                bool allNull = true;
                for (int index = 0; index < values.Length; index++)
                {
                    values[index] = Evaluate(record.Fields[index], row, context);
                    types[index] = record.Fields[index].Type.Oid;
                    allNull &= values[index] is null;
                }
                return allNull && record.NullWhenAllNull ? null : new PgRecord(values, types) { FieldNames = record.Shape?.Names is { } names && names.Count == values.Length ? names : null };
            }
            case BoundFieldSelect fieldSelect:
                return Evaluate(fieldSelect.Operand, row, context) is PgRecord selected ? selected.Values[fieldSelect.FieldIndex] : null;
            case BoundOuterParam parameter:
                return context.Parameters[parameter.Index];
            case BoundParameter parameter:
                return context.Statement.ParameterValues[parameter.Number - 1];
            case BoundSubquery subquery:
                return SubqueryRunner.Result(subquery, row, context);
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
                return ValueCast.Convert(Evaluate(cast.Operand, row, context), cast.Operand.Type, cast.Type, cast.Context, context.Statement.Statement.DateTimeSettings);
            case BoundNullTest nullTest:
            {
                object? value = Evaluate(nullTest.Operand, row, context);
                // A row IS NULL when every field is, IS NOT NULL when none is (so both can be false).
                if (value is PgRecord record) return (nullTest.IsNot ? record.Values.All(field => field is not null) : record.Values.All(field => field is null)) ? True : False;
                return (value is null) != nullTest.IsNot ? True : False;
            }
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
                return Functions.FunctionEvaluator.Evaluate(function, row, context);
            default:
                throw new InvalidOperationException($"cannot evaluate {expression.GetType().Name}");
        }
    }

    /// <summary>A comparison of two non-null values of the comparison's operand type.</summary>
    public static bool Compare(BoundComparison comparison, object left, object right)
    {
        // Two ints or two longs (most filters and join conditions) compare without the general comparer's dispatch.
        int order = left is int leftInt && right is int rightInt ? leftInt.CompareTo(rightInt)
            : left is long leftLong && right is long rightLong ? leftLong.CompareTo(rightLong)
            : comparison.OperandType.Kind == TypeKind.Bpchar
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

    /// <summary>A row comparison (RowCompareExpr): = holds when every pair is equal and fails at an unequal pair, <>
    /// the reverse; an ordering operator is decided by the first unequal pair; a pair with a NULL before that makes the
    /// result NULL (for = and <>, only if no pair decides it).</summary>
    private static object? CompareRows(ComparisonOperator op, PgRecord left, PgRecord right)
    {
        bool sawNull = false;
        for (int index = 0; index < left.Count; index++)
        {
            object? a = left.Values[index];
            object? b = right.Values[index];
            if (a is null || b is null)
            {
                if (op is not (ComparisonOperator.Equal or ComparisonOperator.NotEqual)) return null;
                sawNull = true;
                continue;
            }
            int order = ValueComparer.CompareNonNull(a, b);
            if (order == 0) continue;
            return op switch
            {
                ComparisonOperator.Equal => False,
                ComparisonOperator.NotEqual => True,
                ComparisonOperator.Less or ComparisonOperator.LessOrEqual => order < 0 ? True : False,
                _ => order > 0 ? True : False,
            };
        }
        if (sawNull) return null;
        return op is ComparisonOperator.Equal or ComparisonOperator.LessOrEqual or ComparisonOperator.GreaterOrEqual ? True : False;
    }

    /// <summary>AND is false if any argument is false, else null if any is null; OR the mirror image.</summary>
    private static object? EvaluateBoolean(BoundBoolean boolean, object?[] row, ExecutionContext context)
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

    private static object? EvaluateIn(BoundIn inExpression, object?[] row, ExecutionContext context)
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

    public static bool IsTrue(BoundExpression? predicate, object?[] row, ExecutionContext context) => predicate is null || Evaluate(predicate, row, context) is true;
}
