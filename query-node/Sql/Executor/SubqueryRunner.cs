using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Binder;
using Log.QueryNode.Sql.Executor.Operators;
using Log.QueryNode.Sql.Parser.Ast;

namespace Log.QueryNode.Sql.Executor;

/// <summary>
/// Runs subquery expressions. Evaluation is synchronous and never waits, so an operator first computes the subqueries
/// an expression holds (<see cref="PrepareAsync"/>) for the current row, and evaluation then reads the results. A
/// subquery without arguments runs once per statement; one with arguments runs again only when they change.
/// </summary>
internal static class SubqueryRunner
{
    /// <summary>The values an ANY/ALL subquery returned.</summary>
    private sealed class ValueList(List<object?> values)
    {
        public List<object?> Values { get; } = values;
    }

    public static async ValueTask PrepareAsync(IReadOnlyList<BoundSubquery> subqueries, object?[] row, ExecutionContext context)
    {
        foreach (BoundSubquery subquery in subqueries) await PrepareAsync(subquery, row, context);
    }

    private static async ValueTask PrepareAsync(BoundSubquery subquery, object?[] row, ExecutionContext context)
    {
        StatementState state = context.Statement;
        var arguments = new object?[subquery.Arguments.Count];
        for (int index = 0; index < arguments.Length; index++)
        {
            arguments[index] = ExpressionEvaluator.Evaluate(subquery.Arguments[index], row, context);
        }
        if (state.SubqueryArguments[subquery.Id] is { } previous && SameArguments(previous, arguments)) return;
        PhysicalOperator plan = state.Subplans[subquery.Id] ?? throw new InvalidOperationException($"subquery {subquery.Id} was not planned");
        ExecutionContext inner = context.WithParameters(arguments);
        object? result;
        switch (subquery.Kind)
        {
            case SubLinkType.Exists:
            {
                result = false;
                await foreach (object?[] _ in plan.ExecuteAsync(inner))
                {
                    result = true;
                    break;
                }
                break;
            }
            case SubLinkType.Expr:
            {
                result = null;
                bool seen = false;
                await foreach (object?[] values in plan.ExecuteAsync(inner))
                {
                    if (seen)
                    {
                        throw new SqlException(EngineSqlState.CardinalityViolation, "more than one row returned by a subquery used as an expression");
                    }
                    seen = true;
                    result = values[0];
                }
                break;
            }
            case SubLinkType.Array:
            {
                var elements = new List<object?>();
                await foreach (object?[] values in plan.ExecuteAsync(inner)) elements.Add(values[0]);
                result = Log.Wire.Types.PgArray.OneDimensional(elements.ToArray());
                break;
            }
            default:
            {
                var values = new List<object?>();
                await foreach (object?[] values2 in plan.ExecuteAsync(inner)) values.Add(values2[0]);
                result = new ValueList(values);
                break;
            }
        }
        state.SubqueryResults[subquery.Id] = result;
        state.SubqueryArguments[subquery.Id] = arguments;
    }

    private static bool SameArguments(object?[] previous, object?[] current)
    {
        for (int index = 0; index < current.Length; index++)
        {
            object? a = previous[index];
            object? b = current[index];
            if (a is null || b is null)
            {
                if (a is null && b is null) continue;
                return false;
            }
            if (a.GetType() != b.GetType() || !a.Equals(b)) return false;
        }
        return true;
    }

    /// <summary>The value of a prepared subquery expression for the current row. ANY is true if the comparison holds
    /// for some value, else NULL if some comparison was NULL, else false; ALL is the mirror image (PostgreSQL's rules,
    /// which make <c>x NOT IN (subquery with a NULL)</c> never true).</summary>
    public static object? Result(BoundSubquery subquery, object?[] row, ExecutionContext context)
    {
        object? result = context.Statement.SubqueryResults[subquery.Id];
        if (subquery.Kind is SubLinkType.Exists or SubLinkType.Expr or SubLinkType.Array) return result;
        var list = (ValueList)result!;
        bool isAll = subquery.Kind == SubLinkType.All;
        if (list.Values.Count == 0) return isAll;
        object? test = ExpressionEvaluator.Evaluate(subquery.Test!, row, context);
        BoundComparison comparison = subquery.Comparison!;
        var pair = new object?[2];
        pair[0] = test;
        bool sawNull = false;
        foreach (object? value in list.Values)
        {
            pair[1] = value;
            object? outcome = ExpressionEvaluator.Evaluate(comparison, pair, context);
            if (outcome is null) sawNull = true;
            else if ((bool)outcome != isAll) return !isAll;
        }
        return sawNull ? null : isAll;
    }
}
