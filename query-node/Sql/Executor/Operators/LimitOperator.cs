using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Binder;

namespace Log.QueryNode.Sql.Executor.Operators;

/// <summary>OFFSET then LIMIT; stops pulling its input as soon as the limit is reached.</summary>
internal sealed class LimitOperator(PhysicalOperator input, BoundExpression? limit, BoundExpression? offset) : PhysicalOperator
{
    public override string Name => "Limit";

    /// <summary>For EXPLAIN: the LIMIT expression, if any.</summary>
    public BoundExpression? Count => limit;

    public override IReadOnlyList<PhysicalOperator> Children => [input];

    protected override async IAsyncEnumerable<object?[]> ExecuteCoreAsync(ExecutionContext context)
    {
        long count = Evaluate(limit, context, EngineSqlState.InvalidRowCountInLimitClause, "LIMIT") ?? long.MaxValue;
        long skip = Evaluate(offset, context, EngineSqlState.InvalidRowCountInResultOffsetClause, "OFFSET") ?? 0;
        if (count == 0) yield break;
        long seen = 0;
        long produced = 0;
        await foreach (object?[] row in input.ExecuteAsync(context))
        {
            if (seen++ < skip) continue;
            yield return row;
            if (++produced >= count) yield break;
        }
    }

    private static long? Evaluate(BoundExpression? expression, ExecutionContext context, string sqlState, string clause)
    {
        if (expression is null) return null;
        object? value = ExpressionEvaluator.Evaluate(expression, [], context);
        if (value is null) return null;
        long count = (long)value;
        if (count < 0) throw new SqlException(sqlState, $"{clause} must not be negative");
        return count;
    }
}
