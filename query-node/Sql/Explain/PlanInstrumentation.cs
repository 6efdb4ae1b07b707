using System.Diagnostics;
using System.Reflection;
using Log.QueryNode.Sql.Executor;
using ExecutionContext = Log.QueryNode.Sql.Executor.ExecutionContext;
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
/// EXPLAIN ANALYZE's counters: every operator of a freshly planned statement gets a measuring wrapper between it and
/// its parent. Operators hold their children in private fields and call them directly, so the wrappers are put in
/// those fields by reflection: operators stay free of instrumentation code and any new operator is measured without
/// changes. Only a plan built for this one EXPLAIN is ever rewired.
/// </summary>
internal sealed class PlanInstrumentation
{
    private readonly Dictionary<PhysicalOperator, MeasuredOperator> _wrappers = new(ReferenceEqualityComparer.Instance);

    /// <summary>The statistics of an operator of the original plan, null if it was never wrapped.</summary>
    public NodeStatistics? Of(PhysicalOperator node) => _wrappers.TryGetValue(node, out MeasuredOperator? wrapper) ? wrapper.Statistics : null;

    /// <summary>Wraps <paramref name="node"/> and, recursively, everything below it; returns the wrapper to run.</summary>
    public PhysicalOperator Instrument(PhysicalOperator node)
    {
        if (node is MeasuredOperator measured) return measured;
        if (_wrappers.TryGetValue(node, out MeasuredOperator? existing)) return existing;
        var wrapper = new MeasuredOperator(node);
        _wrappers.Add(node, wrapper);
        for (Type? type = node.GetType(); type is not null && type != typeof(PhysicalOperator); type = type.BaseType)
        {
            foreach (FieldInfo field in type.GetFields(BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public | BindingFlags.DeclaredOnly))
            {
                if (typeof(PhysicalOperator).IsAssignableFrom(field.FieldType))
                {
                    if (field.GetValue(node) is PhysicalOperator child) field.SetValue(node, Instrument(child));
                }
                else if (field.FieldType == typeof(PhysicalOperator[]) || field.FieldType == typeof(PhysicalOperator?[]))
                {
                    if (field.GetValue(node) is PhysicalOperator?[] children) InstrumentAll(children);
                }
            }
        }
        return wrapper;
    }

    /// <summary>Wraps the plans of an array in place (the subquery and WITH query plans of a statement).</summary>
    public void InstrumentAll(PhysicalOperator?[] plans)
    {
        for (int index = 0; index < plans.Length; index++)
        {
            if (plans[index] is { } plan) plans[index] = Instrument(plan);
        }
    }

    /// <summary>The original operator behind a wrapper.</summary>
    public static PhysicalOperator Unwrap(PhysicalOperator node) => node is MeasuredOperator measured ? measured.Inner : node;

    private sealed class MeasuredOperator(PhysicalOperator inner) : PhysicalOperator
    {
        public PhysicalOperator Inner { get; } = inner;

        public NodeStatistics Statistics { get; } = new();

        public override string Name => Inner.Name;

        public override IReadOnlyList<PhysicalOperator> Children => Inner.Children;

        public override async IAsyncEnumerable<object?[]> ExecuteAsync(ExecutionContext context)
        {
            Statistics.Loops++;
            long elapsed = 0;
            bool first = true;
            IAsyncEnumerator<object?[]> rows = Inner.ExecuteAsync(context).GetAsyncEnumerator(context.CancellationToken);
            try
            {
                while (true)
                {
                    long started = Stopwatch.GetTimestamp();
                    bool more = await rows.MoveNextAsync();
                    elapsed += Stopwatch.GetTimestamp() - started;
                    if (first)
                    {
                        Statistics.StartupTicks += elapsed;
                        first = false;
                    }
                    if (!more) break;
                    Statistics.Rows++;
                    yield return rows.Current;
                }
            }
            finally
            {
                Statistics.TotalTicks += elapsed;
                await rows.DisposeAsync();
            }
        }
    }
}
