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
            await foreach (IReadOnlyList<object?[]> batch in input.ExecuteBatchesAsync(context))
            {
                foreach (object?[] row in batch)
                {
                    long size = QueryMemory.SizeOf(row) + RowSlotBytes;
                    context.Memory.Reserve(size, Name);
                    reserved += size;
                    rows.Add(row);
                }
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
        object?[][] array = rows.ToArray();
        return (keys.Count > 0 && keys[0].Type.IsInteger ? SortByLeadingInteger(array, keys) : null) ?? SortGeneral(array, keys);
    }

    private static object?[][] SortGeneral(object?[][] array, IReadOnlyList<SortKey> keys)
    {
        var indexes = new int[array.Length];
        for (int index = 0; index < indexes.Length; index++) indexes[index] = index;
        Array.Sort(indexes, (left, right) =>
        {
            int order = Compare(array[left], array[right], keys);
            return order != 0 ? order : left.CompareTo(right);
        });
        var result = new object?[array.Length][];
        for (int index = 0; index < result.Length; index++) result[index] = array[indexes[index]];
        return result;
    }

    /// <summary>The common ORDER BY an integer column: its values are unboxed once into an array of (value, row)
    /// entries and sorted with a comparer the JIT specialises, instead of unboxing and dispatching on the type in every
    /// comparison. NULLs are set apart first (they sort together, before or after the rest). Null when a value is not an
    /// integer after all (the general sort then takes the rows).</summary>
    private static object?[][]? SortByLeadingInteger(object?[][] array, IReadOnlyList<SortKey> keys)
    {
        SortKey leading = keys[0];
        var entries = new IntegerEntry[array.Length];
        var nulls = new List<int>();
        int count = 0;
        for (int index = 0; index < array.Length; index++)
        {
            switch (array[index][leading.Ordinal])
            {
                case null: nulls.Add(index); break;
                case int value: entries[count++] = new IntegerEntry(value, index); break;
                case long value: entries[count++] = new IntegerEntry(value, index); break;
                case short value: entries[count++] = new IntegerEntry(value, index); break;
                default: return null;
            }
        }
        Span<IntegerEntry> sorted = entries.AsSpan(0, count);
        sorted.Sort(new LeadingIntegerComparer(array, keys));
        // Rows of a NULL leading key compare on the remaining keys, then keep their input order.
        nulls.Sort((left, right) =>
        {
            int order = Compare(array[left], array[right], keys, firstKey: 1);
            return order != 0 ? order : left.CompareTo(right);
        });
        var result = new object?[array.Length][];
        int position = 0;
        if (leading.NullsFirst) foreach (int index in nulls) result[position++] = array[index];
        foreach (IntegerEntry entry in sorted) result[position++] = array[entry.Index];
        if (!leading.NullsFirst) foreach (int index in nulls) result[position++] = array[index];
        return result;
    }

    private readonly record struct IntegerEntry(long Value, int Index);

    private readonly struct LeadingIntegerComparer(object?[][] rows, IReadOnlyList<SortKey> keys) : IComparer<IntegerEntry>
    {
        private readonly bool _descending = keys[0].Descending;
        private readonly bool _moreKeys = keys.Count > 1;

        public int Compare(IntegerEntry left, IntegerEntry right)
        {
            int order = left.Value.CompareTo(right.Value);
            if (order != 0) return _descending ? -order : order;
            if (_moreKeys)
            {
                order = SortOperator.Compare(rows[left.Index], rows[right.Index], keys, firstKey: 1);
                if (order != 0) return order;
            }
            return left.Index.CompareTo(right.Index); // stable
        }
    }

    public static int Compare(object?[] left, object?[] right, IReadOnlyList<SortKey> keys, int firstKey = 0)
    {
        for (int position = firstKey; position < keys.Count; position++)
        {
            SortKey key = keys[position];
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
