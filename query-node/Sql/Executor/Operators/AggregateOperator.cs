using Log.QueryNode.Sql.Binder;

namespace Log.QueryNode.Sql.Executor.Operators;

/// <summary>Hash aggregation: reads its whole input, then emits one row per group (group keys, then aggregates).</summary>
internal sealed class AggregateOperator(PhysicalOperator input, IReadOnlyList<BoundExpression> groupKeys, IReadOnlyList<BoundAggregate> aggregates) : PhysicalOperator
{
    public override string Name => groupKeys.Count == 0 ? "Aggregate" : "HashAggregate";

    public override IReadOnlyList<PhysicalOperator> Children => [input];

    public override async IAsyncEnumerable<object?[]> ExecuteAsync(ExecutionContext context)
    {
        var aggregator = new Aggregator(groupKeys, aggregates, context);
        try
        {
            await foreach (object?[] row in input.ExecuteAsync(context)) aggregator.Add(row);
            foreach (object?[] result in aggregator.Results()) yield return result;
        }
        finally
        {
            context.Memory.Release(aggregator.ReservedBytes);
        }
    }
}
