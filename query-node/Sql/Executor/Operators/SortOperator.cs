using Log.QueryNode.Sql.Plan;
using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Executor.Operators;

/// <summary>Reads its whole input and emits it sorted (stable: ties keep their input order).</summary>
internal sealed class SortOperator(PhysicalOperator input, IReadOnlyList<SortKey> keys) : PhysicalOperator
{
    /// <summary>What the sort keeps per row beside it: its slot in the list, the sorted array and the index array.</summary>
    private const int RowSlotBytes = 24;

    public override string Name => "Sort";

    /// <summary>For EXPLAIN.</summary>
    public IReadOnlyList<SortKey> Keys => keys;

    public override IReadOnlyList<PhysicalOperator> Children => [input];

    public override async IAsyncEnumerable<object?[]> ExecuteAsync(ExecutionContext context)
    {
        var rows = new List<object?[]>();
        long reserved = 0;
        try
        {
            await foreach (object?[] row in input.ExecuteAsync(context))
            {
                long size = QueryMemory.SizeOf(row) + RowSlotBytes;
                context.Memory.Reserve(size, Name);
                reserved += size;
                rows.Add(row);
            }
            context.CancellationToken.ThrowIfCancellationRequested();
            object?[][] sorted = Sort(rows, keys);
            rows = null;
            foreach (object?[] row in sorted) yield return row;
        }
        finally
        {
            context.Memory.Release(reserved);
        }
    }

    public static object?[][] Sort(List<object?[]> rows, IReadOnlyList<SortKey> keys)
    {
        var indexes = new int[rows.Count];
        for (int index = 0; index < indexes.Length; index++) indexes[index] = index;
        object?[][] array = rows.ToArray();
        Array.Sort(indexes, (left, right) =>
        {
            int order = Compare(array[left], array[right], keys);
            return order != 0 ? order : left.CompareTo(right);
        });
        var result = new object?[array.Length][];
        for (int index = 0; index < result.Length; index++) result[index] = array[indexes[index]];
        return result;
    }

    public static int Compare(object?[] left, object?[] right, IReadOnlyList<SortKey> keys)
    {
        foreach (SortKey key in keys)
        {
            object? a = left[key.Ordinal];
            object? b = right[key.Ordinal];
            if (a is null || b is null)
            {
                if (a is null && b is null) continue;
                return (a is null) == key.NullsFirst ? -1 : 1;
            }
            int order = key.Type.Kind == TypeKind.Bpchar
                ? ValueComparer.CompareText(((string)a).TrimEnd(' '), ((string)b).TrimEnd(' '))
                : ValueComparer.CompareNonNull(a, b);
            if (order != 0) return key.Descending ? -order : order;
        }
        return 0;
    }
}
