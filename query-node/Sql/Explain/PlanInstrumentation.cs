using System.Diagnostics;
using System.Runtime.CompilerServices;
using Log.QueryNode.Sql.Executor.Operators;

namespace Log.QueryNode.Sql.Explain;

/// <summary>What EXPLAIN ANALYZE measured of one node: how often it ran, the rows it produced, and the time spent
/// inside it (its children included) until its first row and in total, as PostgreSQL's Instrumentation does.</summary>
internal sealed class NodeStatistics
{
    public long Loops { get; set; }
    public long Rows { get; set; }
    public long StartupTicks { get; set; }
    public long TotalTicks { get; set; }
}

/// <summary>
/// EXPLAIN ANALYZE's counters, one per operator that ran. The statement's state carries this object; every operator's
/// public <see cref="PhysicalOperator.ExecuteAsync"/> and <see cref="PhysicalOperator.ExecuteBatchesAsync"/> see it and
/// hand their rows through <see cref="MeasureRows"/> or <see cref="MeasureBatches"/>, so the plan is run as it is
/// (nothing rewired, the same batched path as without ANALYZE) and a new operator is measured without changes.
/// </summary>
internal sealed class PlanInstrumentation
{
    private readonly Dictionary<PhysicalOperator, NodeStatistics> _statistics = new(ReferenceEqualityComparer.Instance);

    /// <summary>The statistics of an operator, null if it never ran.</summary>
    public NodeStatistics? Of(PhysicalOperator node) => _statistics.GetValueOrDefault(node);

    private NodeStatistics For(PhysicalOperator node)
    {
        if (!_statistics.TryGetValue(node, out NodeStatistics? statistics))
        {
            statistics = new NodeStatistics();
            _statistics.Add(node, statistics);
        }
        return statistics;
    }

    /// <summary>The rows of one run of <paramref name="node"/>, counted and timed.</summary>
    public IAsyncEnumerable<object?[]> MeasureRows(PhysicalOperator node, IAsyncEnumerable<object?[]> rows, CancellationToken cancellationToken) =>
        Measure(For(node), rows, _ => 1, cancellationToken);

    /// <summary>The batches of one run of <paramref name="node"/>, their rows counted and timed.</summary>
    public IAsyncEnumerable<IReadOnlyList<object?[]>> MeasureBatches(PhysicalOperator node, IAsyncEnumerable<IReadOnlyList<object?[]>> batches,
        CancellationToken cancellationToken) =>
        Measure(For(node), batches, batch => batch.Count, cancellationToken);

    private static async IAsyncEnumerable<T> Measure<T>(NodeStatistics statistics, IAsyncEnumerable<T> items, Func<T, int> rowsOf,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        statistics.Loops++;
        long elapsed = 0;
        bool first = true;
        IAsyncEnumerator<T> enumerator = items.GetAsyncEnumerator(cancellationToken);
        try
        {
            while (true)
            {
                long started = Stopwatch.GetTimestamp();
                bool more = await enumerator.MoveNextAsync();
                elapsed += Stopwatch.GetTimestamp() - started;
                if (first)
                {
                    statistics.StartupTicks += elapsed;
                    first = false;
                }
                if (!more) break;
                statistics.Rows += rowsOf(enumerator.Current);
                yield return enumerator.Current;
            }
        }
        finally
        {
            statistics.TotalTicks += elapsed;
            await enumerator.DisposeAsync();
        }
    }
}
