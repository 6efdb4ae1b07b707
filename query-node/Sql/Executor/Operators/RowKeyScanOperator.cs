using Log.QueryNode.Sql.Binder;
using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Planner;

namespace Log.QueryNode.Sql.Executor.Operators;

/// <summary>The scan of an UPDATE's or DELETE's target: reads a stored table along an access path with the filter pushed
/// into it, as <see cref="TableScanOperator"/> does, and adds each row's storage key as one more column after the
/// table's, so the rows can be written back after joins and filters.</summary>
internal sealed class RowKeyScanOperator(TableDescriptor table, string referenceName, AccessPath path, BoundExpression? filter) : PhysicalOperator
{
    public TableDescriptor Table { get; } = table;

    public AccessPath Path { get; } = path;

    public BoundExpression? Filter { get; } = filter;

    public string ReferenceName { get; } = referenceName;

    public override string Name => ScanNames.Of(Path, indexOnly: false);

    protected override async IAsyncEnumerable<object?[]> ExecuteCoreAsync(ExecutionContext context)
    {
        int width = Table.Columns.Count;
        await foreach (StoredRow row in RowSource.ReadAsync(context.Store, Table, Path.Resolve(context), context.CancellationToken))
        {
            if (Filter is not null && ExpressionEvaluator.Evaluate(Filter, row.Values, context) is not true) continue;
            var output = new object?[width + 1];
            row.Values.CopyTo(output, 0);
            output[width] = row.Key;
            yield return output;
        }
    }
}
