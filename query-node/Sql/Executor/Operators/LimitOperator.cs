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
        long count = await EvaluateAsync(limit, context, EngineSqlState.InvalidRowCountInLimitClause, "LIMIT") ?? long.MaxValue;
        long skip = await EvaluateAsync(offset, context, EngineSqlState.InvalidRowCountInResultOffsetClause, "OFFSET") ?? 0;
        if (count == 0) yield break;
        long seen = 0;
        long produced = 0;
        if (input is SortOperator)
        {
            // A sort has computed every row before it hands out the first: taking its rows a batch at a time computes
            // nothing more, and an OFFSET passes over whole batches.
            await foreach (IReadOnlyList<object?[]> batch in input.ExecuteBatchesAsync(context))
            {
                if (seen + batch.Count <= skip)
                {
                    seen += batch.Count;
                    continue;
                }
                for (int index = (int)Math.Max(0, skip - seen); index < batch.Count; index++)
                {
                    yield return batch[index];
                    if (++produced >= count) yield break;
                }
                seen += batch.Count;
            }
            yield break;
        }
        await foreach (object?[] row in input.ExecuteAsync(context))
        {
            if (seen++ < skip) continue;
            yield return row;
            if (++produced >= count) yield break;
        }
    }

    /// <summary>The value of a LIMIT or OFFSET expression as a row count, for a sort below that keeps only the rows the
    /// limit needs; null when it is NULL or not a count (the LIMIT itself reports what is wrong with it).</summary>
    public static async ValueTask<long?> CountOfAsync(BoundExpression expression, ExecutionContext context) =>
        await new CompiledExpression(expression).EvaluateAsync([], context) is long count ? count : null;

    /// <summary>A LIMIT or OFFSET count; its subqueries (OFFSET (SELECT ...)) are run first.</summary>
    private static async ValueTask<long?> EvaluateAsync(BoundExpression? expression, ExecutionContext context, string sqlState, string clause)
    {
        if (expression is null) return null;
        object? value = await new CompiledExpression(expression).EvaluateAsync([], context);
        if (value is null) return null;
        long count = (long)value;
        if (count < 0) throw new SqlException(sqlState, $"{clause} must not be negative");
        return count;
    }
}
