using Log.QueryNode.Sql.Parser.Ast;

namespace Log.QueryNode.Sql.Executor.Operators;

/// <summary>
/// UNION [ALL], INTERSECT [ALL], EXCEPT [ALL] (NULLs equal each other, as in DISTINCT). UNION ALL streams both
/// inputs; the others count each distinct row on both sides and emit, in the order rows first appeared on the left
/// (then the right, for UNION): one copy, or for ALL min(left, right) copies (INTERSECT) or left - right (EXCEPT).
/// </summary>
internal sealed class SetOperationOperator(SetOperation operation, bool all, PhysicalOperator left, PhysicalOperator right, int width) : PhysicalOperator
{
    public override string Name => operation == SetOperation.Union ? (all ? "Append" : "HashAggregate") : "HashSetOp";

    public override IReadOnlyList<PhysicalOperator> Children => [left, right];

    protected override async IAsyncEnumerable<object?[]> ExecuteCoreAsync(ExecutionContext context)
    {
        long reserved = 0;
        try
        {
            if (operation == SetOperation.Union)
            {
                HashSet<object?[]>? seen = all ? null : new HashSet<object?[]>(new RowEqualityComparer(width));
                await foreach (object?[] row in left.ExecuteAsync(context))
                {
                    if (seen is null) yield return row;
                    else if (seen.Add(row))
                    {
                        reserved += Reserve(row, context);
                        yield return row;
                    }
                }
                await foreach (object?[] row in right.ExecuteAsync(context))
                {
                    if (seen is null) yield return row;
                    else if (seen.Add(row))
                    {
                        reserved += Reserve(row, context);
                        yield return row;
                    }
                }
                yield break;
            }
            var counts = new Dictionary<object?[], (long Left, long Right)>(new RowEqualityComparer(width));
            var order = new List<object?[]>();
            await foreach (object?[] row in left.ExecuteAsync(context))
            {
                if (counts.TryGetValue(row, out var count)) counts[row] = (count.Left + 1, count.Right);
                else
                {
                    reserved += Reserve(row, context);
                    counts.Add(row, (1, 0));
                    order.Add(row);
                }
            }
            await foreach (object?[] row in right.ExecuteAsync(context))
            {
                if (counts.TryGetValue(row, out var count)) counts[row] = (count.Left, count.Right + 1);
            }
            foreach (object?[] row in order)
            {
                (long leftCount, long rightCount) = counts[row];
                long copies = operation == SetOperation.Intersect
                    ? (all ? Math.Min(leftCount, rightCount) : rightCount > 0 ? 1 : 0)
                    : (all ? Math.Max(leftCount - rightCount, 0) : rightCount == 0 ? 1 : 0);
                for (long copy = 0; copy < copies; copy++) yield return row;
            }
        }
        finally
        {
            context.Memory.Release(reserved);
        }
    }

    /// <summary>Counts a distinct row kept in the hash table against the query's memory.</summary>
    private long Reserve(object?[] row, ExecutionContext context)
    {
        long size = QueryMemory.SizeOf(row) + QueryMemory.HashEntryBytes;
        context.Memory.Reserve(size, Name);
        return size;
    }
}
