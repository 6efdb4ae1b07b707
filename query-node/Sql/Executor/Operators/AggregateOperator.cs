using Log.QueryNode.Sql.Binder;

namespace Log.QueryNode.Sql.Executor.Operators;

/// <summary>Hash aggregation: reads its whole input, then emits one row per group (group keys, grouping flags with
/// grouping sets, then aggregates).</summary>
internal sealed class AggregateOperator(PhysicalOperator input, IReadOnlyList<BoundExpression> groupKeys, IReadOnlyList<BoundAggregate> aggregates,
    IReadOnlyList<IReadOnlyList<int>>? groupingSets) : PhysicalOperator
{
    public override string Name => groupingSets is not null ? "MixedAggregate" : groupKeys.Count == 0 ? "Aggregate" : "HashAggregate";

    /// <summary>For EXPLAIN.</summary>
    public IReadOnlyList<BoundExpression> GroupKeys => groupKeys;

    /// <summary>For EXPLAIN.</summary>
    public IReadOnlyList<BoundAggregate> Aggregates => aggregates;

    public override IReadOnlyList<PhysicalOperator> Children => [input];

    protected override async IAsyncEnumerable<object?[]> ExecuteCoreAsync(ExecutionContext context)
    {
        var aggregator = new Aggregator(groupKeys, aggregates, context, groupingSets);
        try
        {
            await foreach (IReadOnlyList<object?[]> batch in input.ExecuteBatchesAsync(context))
            {
                for (int index = 0; index < batch.Count; index++) aggregator.Add(batch[index]);
            }
            context.CancellationToken.ThrowIfCancellationRequested();
            foreach (object?[] result in aggregator.Results()) yield return result;
        }
        finally
        {
            context.Memory.Release(aggregator.ReservedBytes);
        }
    }
}
