namespace Log.QueryNode.Sql.Executor.Operators;

/// <summary>WITH RECURSIVE: emits the initial term's rows, then runs the recursive term over the previous round's rows
/// (the working table) until a round adds none. Without ALL, rows already emitted are dropped.</summary>
internal sealed class RecursiveUnionOperator(int commonTableId, PhysicalOperator initial, PhysicalOperator recursive, bool all, int width) : PhysicalOperator
{
    public override string Name => "Recursive Union";

    public override IReadOnlyList<PhysicalOperator> Children => [initial, recursive];

    protected override async IAsyncEnumerable<object?[]> ExecuteCoreAsync(ExecutionContext context)
    {
        HashSet<object?[]>? seen = all ? null : new HashSet<object?[]>(new RowEqualityComparer(width));
        var working = new List<object?[]>();
        await foreach (object?[] row in initial.ExecuteAsync(context))
        {
            if (seen is not null && !seen.Add(row)) continue;
            working.Add(row);
            yield return row;
        }
        while (working.Count > 0)
        {
            context.CancellationToken.ThrowIfCancellationRequested();
            context.Statement.WorkTables[commonTableId] = working;
            var next = new List<object?[]>();
            await foreach (object?[] row in recursive.ExecuteAsync(context))
            {
                if (seen is not null && !seen.Add(row)) continue;
                next.Add(row);
                yield return row;
            }
            working = next;
        }
    }
}
