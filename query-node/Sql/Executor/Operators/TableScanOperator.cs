using System.Runtime.CompilerServices;
using Log.QueryNode.Sql.Binder;
using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Encoding;
using Log.QueryNode.Sql.Planner;

namespace Log.QueryNode.Sql.Executor.Operators;

/// <summary>Reads a stored table along an access path (a point, a list of points, a key range or the whole primary
/// index), applies the filter pushed into it, and for FOR UPDATE adds each returned row's key to the conflict check.</summary>
internal sealed class TableScanOperator(TableDescriptor table, string referenceName, AccessPath path, BoundExpression? filter, bool forUpdate) : PhysicalOperator
{
    public TableDescriptor Table { get; } = table;

    public AccessPath Path { get; } = path;

    public BoundExpression? Filter { get; } = filter;

    /// <summary>SELECT ... FOR UPDATE: each row read joins the transaction's conflict check.</summary>
    public bool ForUpdate { get; } = forUpdate;

    public override string Name => Path.Kind == AccessKind.FullScan ? "Seq Scan" : "Index Scan";

    public string ReferenceName { get; } = referenceName;

    public override async IAsyncEnumerable<object?[]> ExecuteAsync(ExecutionContext context)
    {
        await foreach (IReadOnlyList<KeyValuePair<byte[], byte[]>> page in RowSource.ReadPagesAsync(context.Store, Path.Resolve(context), context.CancellationToken))
        {
            for (int index = 0; index < page.Count; index++)
            {
                (byte[] key, byte[] value) = page[index];
                object?[] row = RowEncoder.Decode(Table, value);
                if (Filter is not null && ExpressionEvaluator.Evaluate(Filter, row, context) is not true) continue;
                if (ForUpdate) context.Store.AddConflictCheck(key, isSchema: false);
                yield return row;
            }
        }
    }
}
