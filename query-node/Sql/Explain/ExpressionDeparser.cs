using System.Text;
using Log.QueryNode.Sql.Binder;
using Log.QueryNode.Sql.Parser.Ast;
using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Explain;

/// <summary>
/// Writes a bound expression as PostgreSQL's ruleutils.c deparses one in EXPLAIN, for the common cases: every operator
/// application in parentheses (<c>(n &gt; 3)</c>, <c>((n &gt; 3) AND (v = 'x'::text))</c>), constants with a cast
/// unless they are a plain integer, numeric or boolean (<c>'x'::text</c>, <c>'-5'::integer</c>), an IN list as
/// <c>= ANY ('{1,2}'::integer[])</c>, LIKE as <c>~~</c>. Column references are named by the caller, who knows what
/// the ordinals of the row mean at that point of the plan.
/// </summary>
internal static class ExpressionDeparser
{
    /// <summary>An expression as EXPLAIN shows it; constants are written with <paramref name="settings"/> (the
    /// statement's; the defaults for stored expressions, as the catalog writes their defaults).</summary>
    public static string Deparse(BoundExpression expression, Func<int, string> column, Func<BoundSubquery, string> subquery, DateTimeSettings settings)
    {
        var builder = new StringBuilder();
        Write(builder, expression, column, subquery, settings);
        return builder.ToString();
    }

    private static void Write(StringBuilder builder, BoundExpression expression, Func<int, string> column, Func<BoundSubquery, string> subquery,
        DateTimeSettings settings)
    {
        void Inner(BoundExpression inner) => Write(builder, inner, column, subquery, settings);
        void Binary(BoundExpression left, string op, BoundExpression right)
        {
            builder.Append('(');
            Inner(left);
            builder.Append(' ').Append(op).Append(' ');
            Inner(right);
            builder.Append(')');
        }

        switch (expression)
        {
            case BoundColumn bound:
                builder.Append(column(bound.Ordinal));
                return;
            case BoundConstant constant:
                builder.Append(Constant(constant.Value, constant.Type, settings));
                return;
            case BoundOuterParam parameter:
                builder.Append('$').Append(parameter.Index + 1);
                return;
            case BoundParameter parameter:
                builder.Append('$').Append(parameter.Number);
                return;
            case BoundCast cast:
                builder.Append('(');
                Inner(cast.Operand);
                builder.Append(")::").Append(cast.Type.DisplayNameWithModifier);
                return;
            case BoundArithmetic arithmetic:
                Binary(arithmetic.Left, arithmetic.Operator switch
                {
                    ArithmeticOperator.Add => "+",
                    ArithmeticOperator.Subtract => "-",
                    ArithmeticOperator.Multiply => "*",
                    ArithmeticOperator.Divide => "/",
                    _ => "%",
                }, arithmetic.Right);
                return;
            case BoundNegate negate:
                builder.Append("(- ");
                Inner(negate.Operand);
                builder.Append(')');
                return;
            case BoundComparison comparison:
                Binary(comparison.Left, comparison.Operator switch
                {
                    ComparisonOperator.Equal => "=",
                    ComparisonOperator.NotEqual => "<>",
                    ComparisonOperator.Less => "<",
                    ComparisonOperator.LessOrEqual => "<=",
                    ComparisonOperator.Greater => ">",
                    _ => ">=",
                }, comparison.Right);
                return;
            case BoundIsDistinct distinct:
                Binary(distinct.Left, distinct.IsNot ? "IS NOT DISTINCT FROM" : "IS DISTINCT FROM", distinct.Right);
                return;
            case BoundConcat concat:
                Binary(concat.Left, "||", concat.Right);
                return;
            case BoundLike like:
                Binary(like.Operand, (like.IsNot ? "!" : "") + (like.CaseInsensitive ? "~~*" : "~~"), like.Pattern);
                return;
            case BoundBoolean { Kind: BoolExprKind.Not } not:
                builder.Append("(NOT ");
                Inner(not.Arguments[0]);
                builder.Append(')');
                return;
            case BoundBoolean boolean:
                builder.Append('(');
                for (int index = 0; index < boolean.Arguments.Count; index++)
                {
                    if (index > 0) builder.Append(boolean.Kind == BoolExprKind.And ? " AND " : " OR ");
                    Inner(boolean.Arguments[index]);
                }
                builder.Append(')');
                return;
            case BoundNullTest nullTest:
                builder.Append('(');
                Inner(nullTest.Operand);
                builder.Append(nullTest.IsNot ? " IS NOT NULL)" : " IS NULL)");
                return;
            case BoundBooleanTest test:
                builder.Append('(');
                Inner(test.Operand);
                builder.Append(" IS ").Append(test.IsNot ? "NOT " : "").Append(test.Value switch { true => "TRUE", false => "FALSE", _ => "UNKNOWN" }).Append(')');
                return;
            case BoundIn inList:
                builder.Append('(');
                Inner(inList.Operand);
                builder.Append(inList.IsNot ? " <> ALL (" : " = ANY (");
                if (inList.List.All(item => item is BoundConstant))
                {
                    IEnumerable<string> items = inList.List.Select(item => ((BoundConstant)item).Value is { } value ? ArrayElement(ValueFormatter.Format(value, settings)!) : "NULL");
                    builder.Append(Quote("{" + string.Join(",", items) + "}")).Append("::").Append(inList.Operand.Type.DisplayName).Append("[]");
                }
                else
                {
                    builder.Append("ARRAY[");
                    for (int index = 0; index < inList.List.Count; index++)
                    {
                        if (index > 0) builder.Append(", ");
                        Inner(inList.List[index]);
                    }
                    builder.Append(']');
                }
                builder.Append("))");
                return;
            case BoundCase caseExpression:
                builder.Append("CASE");
                foreach ((BoundExpression condition, BoundExpression result) in caseExpression.Whens)
                {
                    builder.Append(" WHEN ");
                    Inner(condition);
                    builder.Append(" THEN ");
                    Inner(result);
                }
                if (caseExpression.Else is not null)
                {
                    builder.Append(" ELSE ");
                    Inner(caseExpression.Else);
                }
                builder.Append(" END");
                return;
            case BoundFunction function:
                builder.Append(FunctionName(function.Function));
                if (function.Function.Name is "current_date" or "current_user" or "current_schema") return;
                builder.Append('(');
                for (int index = 0; index < function.Arguments.Count; index++)
                {
                    if (index > 0) builder.Append(", ");
                    Inner(function.Arguments[index]);
                }
                builder.Append(')');
                return;
            case BoundSubquery nested:
                builder.Append(subquery(nested));
                return;
            case BoundRow record:
                builder.Append("ROW(");
                for (int index = 0; index < record.Fields.Count; index++)
                {
                    if (index > 0) builder.Append(", ");
                    Inner(record.Fields[index]);
                }
                builder.Append(')');
                return;
            case BoundFieldSelect fieldSelect:
                builder.Append('(');
                Inner(fieldSelect.Operand);
                builder.Append(").").Append(fieldSelect.FieldName);
                return;
            case BoundAggregateCall call:
                builder.Append(AggregateText(call.Aggregate, column, subquery, settings));
                return;
            default:
                builder.Append('?');
                return;
        }
    }

    /// <summary>An aggregate as EXPLAIN VERBOSE writes it: count(*), sum(n), count(DISTINCT v), string_agg(v, ','::text).</summary>
    public static string AggregateText(BoundAggregate aggregate, Func<int, string> column, Func<BoundSubquery, string> subquery, DateTimeSettings settings)
    {
        string name = aggregate.Function switch
        {
            AggregateFunction.CountStar or AggregateFunction.Count => "count",
            AggregateFunction.StringAgg => "string_agg",
            AggregateFunction.BoolAnd => "bool_and",
            AggregateFunction.BoolOr => "bool_or",
            AggregateFunction.BitAnd => "bit_and",
            AggregateFunction.BitOr => "bit_or",
            AggregateFunction.StddevSample => "stddev",
            AggregateFunction.StddevPopulation => "stddev_pop",
            AggregateFunction.VarianceSample => "variance",
            AggregateFunction.VariancePopulation => "var_pop",
            AggregateFunction.PercentileContinuous => "percentile_cont",
            AggregateFunction.PercentileDiscrete => "percentile_disc",
            _ => aggregate.Function.ToString().ToLowerInvariant(),
        };
        if (aggregate.Function == AggregateFunction.CountStar) return name + "(*)";
        string arguments = string.Join(", ", aggregate.Arguments.Select(argument => Deparse(argument, column, subquery, settings)));
        return $"{name}({(aggregate.Distinct ? "DISTINCT " : "")}{arguments})";
    }

    /// <summary>How ruleutils writes a call: the SQL constructs in capitals, the SQL-standard niladic functions without
    /// parentheses' names, everything else by its pg_proc name.</summary>
    private static string FunctionName(Functions.FunctionDefinition function) => function.Name switch
    {
        "coalesce" or "nullif" or "greatest" or "least" => function.Name.ToUpperInvariant(),
        "current_date" or "current_user" or "current_schema" or "localtimestamp" => function.Name.ToUpperInvariant(),
        _ => function.Name,
    };

    /// <summary>A constant as ruleutils' get_const_expr writes it: non-negative integers and numerics and booleans bare,
    /// everything else a quoted literal with its type.</summary>
    public static string Constant(object? value, SqlType type, DateTimeSettings settings)
    {
        string typeName = type.Kind == TypeKind.Bpchar ? "bpchar" : type.DisplayNameWithModifier;
        if (value is null) return "NULL::" + typeName;
        string text = ValueFormatter.Format(value, settings) ?? "";
        switch (type.Kind)
        {
            case TypeKind.Int4 when !text.StartsWith('-'):
            case TypeKind.Numeric when !text.StartsWith('-') && text != "NaN":
                return text;
            case TypeKind.Bool:
                return (bool)value ? "true" : "false";
            default:
                return Quote(text) + "::" + typeName;
        }
    }

    private static string Quote(string text) => "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";

    private static string ArrayElement(string text) =>
        text.Length == 0 || text.Any(character => character is ',' or '{' or '}' or '"' or '\\' or ' ') || text.Equals("null", StringComparison.OrdinalIgnoreCase)
            ? "\"" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\""
            : text;
}
