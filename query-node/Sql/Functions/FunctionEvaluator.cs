using Log.QueryNode.Sql.Binder;
using Log.QueryNode.Sql.Executor;
using ExecutionContext = Log.QueryNode.Sql.Executor.ExecutionContext;

namespace Log.QueryNode.Sql.Functions;

/// <summary>Calls a bound function: evaluates its arguments, answers NULL for a strict function with a NULL argument
/// (as PostgreSQL does, after evaluating them all), and hands the values to the implementation. COALESCE alone
/// evaluates its arguments lazily, stopping at the first one that is not null.</summary>
internal static class FunctionEvaluator
{
    public static object? Evaluate(BoundFunction call, object?[] row, ExecutionContext context)
    {
        FunctionDefinition function = call.Function;
        IReadOnlyList<BoundExpression> arguments = call.Arguments;
        if (function.SpecialForm == SpecialForm.Coalesce)
        {
            foreach (BoundExpression argument in arguments)
            {
                object? value = ExpressionEvaluator.Evaluate(argument, row, context);
                if (value is not null) return value;
            }
            return null;
        }
        object?[] values = arguments.Count == 0 ? [] : new object?[arguments.Count];
        bool sawNull = false;
        for (int index = 0; index < values.Length; index++)
        {
            values[index] = ExpressionEvaluator.Evaluate(arguments[index], row, context);
            sawNull |= values[index] is null;
        }
        if (sawNull && function.Strict) return null;
        return function.Implementation(values, new EvaluationContext(context.Statement.Statement, arguments));
    }
}
