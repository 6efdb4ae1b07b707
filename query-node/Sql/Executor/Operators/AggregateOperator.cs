using Log.QueryNode.Sql.Binder;
using Log.QueryNode.Sql.Plan;

namespace Log.QueryNode.Sql.Executor.Operators;

/// <summary>Hash aggregation: reads its whole input, then emits one row per group (group keys, grouping flags with
/// grouping sets, then aggregates). With <paramref name="sortedByGroupKeys"/> the groups come out in the order of
/// their keys, as from PostgreSQL's GroupAggregate (see <see cref="NeedsSortedGroups"/>).</summary>
internal sealed class AggregateOperator(PhysicalOperator input, IReadOnlyList<BoundExpression> groupKeys, IReadOnlyList<BoundAggregate> aggregates,
    IReadOnlyList<IReadOnlyList<int>>? groupingSets, bool sortedByGroupKeys = false) : PhysicalOperator
{
    public override string Name => groupingSets is not null ? "MixedAggregate" : groupKeys.Count == 0 ? "Aggregate"
        : sortedByGroupKeys ? "GroupAggregate" : "HashAggregate";

    /// <summary>
    /// PostgreSQL cannot hash groups when an aggregate orders or de-duplicates its input (array_agg(x ORDER BY y),
    /// count(DISTINCT x)): its planner then always sorts the input by the group keys and aggregates each run of equal
    /// keys, so such a query without ORDER BY returns its groups in key order, which clients' catalog queries (Django's
    /// index introspection) show. Sorting the groups (one row each) gives the same order without sorting every input row.
    /// </summary>
    public static bool NeedsSortedGroups(IReadOnlyList<BoundExpression> groupKeys, IReadOnlyList<BoundAggregate> aggregates,
        IReadOnlyList<IReadOnlyList<int>>? groupingSets) =>
        groupingSets is null && groupKeys.Count > 0 && aggregates.Any(aggregate => aggregate.Distinct || aggregate.OrderBy.Count > 0);

    /// <summary>For EXPLAIN.</summary>
    public IReadOnlyList<BoundExpression> GroupKeys => groupKeys;

    /// <summary>For EXPLAIN.</summary>
    public IReadOnlyList<BoundAggregate> Aggregates => aggregates;

    public override IReadOnlyList<PhysicalOperator> Children => [input];

    protected override async IAsyncEnumerable<object?[]> ExecuteCoreAsync(ExecutionContext context)
    {
        // count, sum, avg, min and max of integer columns over a scan, without GROUP BY: folded into longs as the scan
        // reads each row's bytes (not under EXPLAIN ANALYZE, which measures the scan as a node of its own).
        if (context.Statement.Instrumentation is null && groupKeys.Count == 0 && groupingSets is null && input is TableScanOperator tableScan
            && IntegerScanAggregate.TryCreate(tableScan, aggregates, context) is { } folding && await folding.TryRunAsync() is { } folded)
        {
            context.CancellationToken.ThrowIfCancellationRequested();
            yield return folded;
            yield break;
        }
        var aggregator = new Aggregator(groupKeys, aggregates, context, groupingSets);
        try
        {
            // The aggregator keeps no row array it is given (only values, and keys of its own), so a table scan can hand
            // it every row in one reused array, and a join every joined row; under EXPLAIN ANALYZE the input is read as
            // a node of its own, to be measured.
            bool visited = context.Statement.Instrumentation is null && input switch
            {
                TableScanOperator scan => await scan.TryVisitRowsAsync(context, aggregator.Add),
                HashJoinOperator join => await join.TryVisitRowsAsync(context, aggregator.Add),
                KeyLookupJoinOperator join => await join.TryVisitRowsAsync(context, aggregator.Add),
                _ => false,
            };
            if (!visited)
            {
                await foreach (IReadOnlyList<object?[]> batch in input.ExecuteBatchesAsync(context))
                {
                    for (int index = 0; index < batch.Count; index++) aggregator.Add(batch[index]);
                }
            }
            context.CancellationToken.ThrowIfCancellationRequested();
            IEnumerable<object?[]> results = sortedByGroupKeys ? SortOperator.Sort(aggregator.Results().ToList(), GroupKeyOrder()) : aggregator.Results();
            foreach (object?[] result in results) yield return result;
        }
        finally
        {
            context.Memory.Release(aggregator.ReservedBytes);
        }
    }

    /// <summary>Each group key ascending with NULLs last, as the sort under a GroupAggregate orders them.</summary>
    private SortKey[] GroupKeyOrder() =>
        groupKeys.Select((key, ordinal) => new SortKey(ordinal, Descending: false, NullsFirst: false, key.Type)).ToArray();
}
