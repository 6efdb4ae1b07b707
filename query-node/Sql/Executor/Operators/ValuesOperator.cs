using Log.QueryNode.Sql.Binder;

namespace Log.QueryNode.Sql.Executor.Operators;

/// <summary>VALUES rows (and a FROM-less SELECT's one empty row), evaluated as they are read.</summary>
internal sealed class ValuesOperator(IReadOnlyList<IReadOnlyList<BoundExpression>> rows) : PhysicalOperator
{
    private readonly CompiledExpression[][] _rows = rows.Select(row => row.Select(expression => new CompiledExpression(expression)).ToArray()).ToArray();

    public override string Name => _rows.Length == 1 && _rows[0].Length == 0 ? "Result" : "Values Scan";

    /// <summary>For EXPLAIN.</summary>
    public int RowCount => _rows.Length;

    protected override async IAsyncEnumerable<object?[]> ExecuteCoreAsync(ExecutionContext context)
    {
        foreach (CompiledExpression[] row in _rows)
        {
            context.CancellationToken.ThrowIfCancellationRequested();
            var values = new object?[row.Length];
            for (int index = 0; index < row.Length; index++) values[index] = await row[index].EvaluateAsync(context.OuterRow, context);
            yield return values;
        }
    }
}
