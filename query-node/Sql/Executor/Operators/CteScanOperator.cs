namespace Log.QueryNode.Sql.Executor.Operators;

/// <summary>Reads a WITH query's rows; the first reader of the statement runs the query and keeps its rows for every
/// other reference (PostgreSQL's CTE Scan over a materialised WITH query). A WITH query that reads values of an
/// enclosing query runs again at every read, with the outer values of this read (<paramref name="outerParameterIndexes"/>).</summary>
internal sealed class CteScanOperator(int commonTableId, string name, IReadOnlyList<int> outerParameterIndexes) : PhysicalOperator
{
    public override string Name => "CTE Scan";

    /// <summary>For EXPLAIN.</summary>
    public string CommonTableName => name;

    /// <summary>For EXPLAIN.</summary>
    public int CommonTableId => commonTableId;

    protected override async IAsyncEnumerable<object?[]> ExecuteCoreAsync(ExecutionContext context)
    {
        StatementState state = context.Statement;
        if (outerParameterIndexes.Count > 0)
        {
            PhysicalOperator correlated = state.CommonTablePlans[commonTableId] ?? throw new InvalidOperationException($"WITH query {name} was not planned");
            object?[] outerValues = outerParameterIndexes.Select(index => context.Parameters[index]).ToArray();
            await foreach (object?[] row in correlated.ExecuteAsync(context.WithParameters(outerValues))) yield return row;
            yield break;
        }
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
