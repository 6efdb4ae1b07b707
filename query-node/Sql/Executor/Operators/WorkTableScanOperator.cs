namespace Log.QueryNode.Sql.Executor.Operators;

/// <summary>Inside a recursive term: the rows the previous round produced.</summary>
internal sealed class WorkTableScanOperator(int commonTableId) : PhysicalOperator
{
    public override string Name => "WorkTable Scan";

    protected override async IAsyncEnumerable<object?[]> ExecuteCoreAsync(ExecutionContext context)
    {
        List<object?[]> rows = context.Statement.WorkTables[commonTableId] ?? [];
        foreach (object?[] row in rows)
        {
            await Task.CompletedTask;
            yield return row;
        }
    }
}
