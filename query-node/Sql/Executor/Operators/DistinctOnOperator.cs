namespace Log.QueryNode.Sql.Executor.Operators;

/// <summary>DISTINCT ON over input sorted by its expressions: emits the first row of each run of equal values.</summary>
internal sealed class DistinctOnOperator(PhysicalOperator input, IReadOnlyList<int> columns) : PhysicalOperator
{
    public override string Name => "Unique";

    public override IReadOnlyList<PhysicalOperator> Children => [input];

    protected override async IAsyncEnumerable<object?[]> ExecuteCoreAsync(ExecutionContext context)
    {
        object?[]? previous = null;
        await foreach (object?[] row in input.ExecuteAsync(context))
        {
            if (previous is not null && SameValues(previous, row)) continue;
            previous = row;
            yield return row;
        }
    }

    private bool SameValues(object?[] left, object?[] right)
    {
        foreach (int column in columns)
        {
            object? a = left[column];
            object? b = right[column];
            if (a is null || b is null)
            {
                if (a is null && b is null) continue;
                return false;
            }
            if (!Types.ValueComparer.AreEqual(a, b)) return false;
        }
        return true;
    }
}
