namespace Log.QueryNode.Sql.Executor.Operators;

/// <summary>Drops the hidden trailing columns (ORDER BY keys that are not in the select list).</summary>
internal sealed class TrimOperator(PhysicalOperator input, int width) : PhysicalOperator
{
    public override string Name => "Result";

    public int Width => width;

    public override IReadOnlyList<PhysicalOperator> Children => [input];

    protected override async IAsyncEnumerable<object?[]> ExecuteCoreAsync(ExecutionContext context)
    {
        await foreach (object?[] row in input.ExecuteAsync(context)) yield return row.Length == width ? row : row[..width];
    }
}
