namespace Log.QueryNode.Sql.Executor.Operators;

/// <summary>SELECT DISTINCT: emits the first row of each distinct value of its first <c>keyWidth</c> columns, as it
/// comes (NULLs equal each other here, as in DISTINCT).</summary>
internal sealed class DistinctOperator(PhysicalOperator input, int keyWidth) : PhysicalOperator
{
    public override string Name => "HashAggregate";

    /// <summary>For EXPLAIN: the leading columns compared.</summary>
    public int KeyWidth => keyWidth;

    public override IReadOnlyList<PhysicalOperator> Children => [input];

    protected override async IAsyncEnumerable<object?[]> ExecuteCoreAsync(ExecutionContext context)
    {
        var seen = new HashSet<object?[]>(new RowEqualityComparer(keyWidth));
        long reserved = 0;
        try
        {
            await foreach (object?[] row in input.ExecuteAsync(context))
            {
                if (!seen.Add(row)) continue;
                long size = QueryMemory.SizeOf(row) + QueryMemory.HashEntryBytes;
                context.Memory.Reserve(size, Name);
                reserved += size;
                yield return row;
            }
        }
        finally
        {
            context.Memory.Release(reserved);
        }
    }
}
