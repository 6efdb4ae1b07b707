using Log.QueryNode.Sql.Binder;

namespace Log.QueryNode.Sql.Executor.Operators;

/// <summary>Hash aggregation: reads its whole input, then emits one row per group (group keys, then aggregates).</summary>
internal sealed class AggregateOperator(PhysicalOperator input, IReadOnlyList<BoundExpression> groupKeys, IReadOnlyList<BoundAggregate> aggregates) : PhysicalOperator
{
    public override string Name => groupKeys.Count == 0 ? "Aggregate" : "HashAggregate";

    /// <summary>For EXPLAIN.</summary>
    public IReadOnlyList<BoundExpression> GroupKeys => groupKeys;

    /// <summary>For EXPLAIN.</summary>
    public IReadOnlyList<BoundAggregate> Aggregates => aggregates;

    public override IReadOnlyList<PhysicalOperator> Children => [input];

    public override async IAsyncEnumerable<object?[]> ExecuteAsync(ExecutionContext context)
    {
        var aggregator = new Aggregator(groupKeys, aggregates, context);
        await foreach (object?[] row in input.ExecuteAsync(context)) aggregator.Add(row);
        foreach (object?[] result in aggregator.Results()) yield return result;
    }
}
