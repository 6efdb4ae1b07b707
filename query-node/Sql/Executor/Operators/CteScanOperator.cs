namespace Log.QueryNode.Sql.Executor.Operators;

/// <summary>Reads a WITH query's rows; the first reader of the statement runs the query and keeps its rows for every
/// other reference (PostgreSQL's CTE Scan over a materialised WITH query).</summary>
internal sealed class CteScanOperator(int commonTableId, string name) : PhysicalOperator
{
    public override string Name => "CTE Scan";

    /// <summary>For EXPLAIN.</summary>
    public string CommonTableName => name;

    /// <summary>For EXPLAIN.</summary>
    public int CommonTableId => commonTableId;

    public override async IAsyncEnumerable<object?[]> ExecuteAsync(ExecutionContext context)
    {
        StatementState state = context.Statement;
        List<object?[]>? rows = state.CommonTableRows[commonTableId];
        if (rows is null)
        {
            rows = [];
            PhysicalOperator plan = state.CommonTablePlans[commonTableId] ?? throw new InvalidOperationException($"WITH query {name} was not planned");
            await foreach (object?[] row in plan.ExecuteAsync(new ExecutionContext(state))) rows.Add(row);
            state.CommonTableRows[commonTableId] = rows;
        }
        foreach (object?[] row in rows) yield return row;
    }
}
