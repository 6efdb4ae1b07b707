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

    protected override async IAsyncEnumerable<object?[]> ExecuteCoreAsync(ExecutionContext context)
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
        if (keys.Count == 0) return SortGeneral(array, keys);
        SortKey leading = keys[0];
        object?[][]? sorted = leading.Type.Kind switch
        {
            _ when leading.Type.IsInteger => SortByLeadingOrderKey(array, keys, IntegerOrderKey),
            TypeKind.Float8 or TypeKind.Float4 => SortByLeadingOrderKey(array, keys, FloatOrderKey),
            TypeKind.Text or TypeKind.Varchar => SortByLeadingText(array, keys),
            _ => null,
        };
        return sorted ?? SortGeneral(array, keys);
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

    /// <summary>An integer's order key is itself; false when the value is not an integer after all.</summary>
    private static bool IntegerOrderKey(object value, out long key)
    {
        switch (value)
        {
            case int integer: key = integer; return true;
            case long integer: key = integer; return true;
            case short integer: key = integer; return true;
            default: key = 0; return false;
        }
    }

    /// <summary>A long that orders as PostgreSQL orders floats: -0 equal to 0, NaN above everything and equal to
    /// itself. The bits of a non-negative double grow with its value; those of a negative one grow with its magnitude,
    /// so their 63 low bits are flipped to make them grow with its value, below every non-negative one.</summary>
    private static bool FloatOrderKey(object value, out long key)
    {
        double number;
        switch (value)
        {
            case double d: number = d; break;
            case float f: number = f; break;
            default: key = 0; return false;
        }
        if (double.IsNaN(number))
        {
            key = long.MaxValue; // no number's bits reach it: 0x7FF0... is +Infinity
            return true;
        }
        long bits = BitConverter.DoubleToInt64Bits(number == 0 ? 0.0 : number);
        key = bits >= 0 ? bits : bits ^ long.MaxValue;
        return true;
    }

    private delegate bool OrderKeyOf(object value, out long key);

    /// <summary>The common ORDER BY a number column: each value becomes a long that orders as the value does, once,
    /// into an array of (key, row) entries sorted with a comparer the JIT specialises, instead of unboxing and
    /// dispatching on the type in every comparison. NULLs are set apart first (they sort together, before or after the
    /// rest). Null when a value is not of the expected type after all (the general sort then takes the rows).</summary>
    private static object?[][]? SortByLeadingOrderKey(object?[][] array, IReadOnlyList<SortKey> keys, OrderKeyOf orderKeyOf)
    {
        int ordinal = keys[0].Ordinal;
        var entries = new IntegerEntry[array.Length];
        var nulls = new List<int>();
        int count = 0;
        for (int index = 0; index < array.Length; index++)
        {
            if (array[index][ordinal] is not { } value) nulls.Add(index);
            else if (orderKeyOf(value, out long key)) entries[count++] = new IntegerEntry(key, index);
            else return null;
        }
        Span<IntegerEntry> sorted = entries.AsSpan(0, count);
        sorted.Sort(new LeadingIntegerComparer(array, keys));
        var result = new object?[array.Length][];
        int position = PlaceNulls(array, keys, nulls, result, beforeRest: true);
        foreach (IntegerEntry entry in sorted) result[position++] = array[entry.Index];
        PlaceNulls(array, keys, nulls, result, beforeRest: false);
        return result;
    }

    /// <summary>ORDER BY a text column: the strings are taken out of their rows once and compared in code point order
    /// (the "C" collation) by a comparer the JIT specialises. bpchar is left to the general sort (trailing blanks).</summary>
    private static object?[][]? SortByLeadingText(object?[][] array, IReadOnlyList<SortKey> keys)
    {
        int ordinal = keys[0].Ordinal;
        var entries = new TextEntry[array.Length];
        var nulls = new List<int>();
        int count = 0;
        for (int index = 0; index < array.Length; index++)
        {
            switch (array[index][ordinal])
            {
                case null: nulls.Add(index); break;
                case string text: entries[count++] = new TextEntry(text, index); break;
                default: return null;
            }
        }
        Span<TextEntry> sorted = entries.AsSpan(0, count);
        sorted.Sort(new LeadingTextComparer(array, keys));
        var result = new object?[array.Length][];
        int position = PlaceNulls(array, keys, nulls, result, beforeRest: true);
        foreach (TextEntry entry in sorted) result[position++] = array[entry.Index];
        PlaceNulls(array, keys, nulls, result, beforeRest: false);
        return result;
    }

    /// <summary>Puts the rows of a NULL leading key at the start (NULLS FIRST, when <paramref name="beforeRest"/>) or the
    /// end of <paramref name="result"/>, ordered by the remaining keys, then in input order; returns the next free
    /// position at the start.</summary>
    private static int PlaceNulls(object?[][] array, IReadOnlyList<SortKey> keys, List<int> nulls, object?[][] result, bool beforeRest)
    {
        if (keys[0].NullsFirst != beforeRest || nulls.Count == 0) return 0;
        nulls.Sort((left, right) =>
        {
            int order = Compare(array[left], array[right], keys, firstKey: 1);
            return order != 0 ? order : left.CompareTo(right);
        });
        int position = beforeRest ? 0 : result.Length - nulls.Count;
        foreach (int index in nulls) result[position++] = array[index];
        return beforeRest ? nulls.Count : 0;
    }

    private readonly record struct TextEntry(string Value, int Index);

    private readonly struct LeadingTextComparer(object?[][] rows, IReadOnlyList<SortKey> keys) : IComparer<TextEntry>
    {
        private readonly bool _descending = keys[0].Descending;
        private readonly bool _moreKeys = keys.Count > 1;

        public int Compare(TextEntry left, TextEntry right)
        {
            int order = ValueComparer.CompareText(left.Value, right.Value);
            if (order != 0) return _descending ? -order : order;
            if (_moreKeys)
            {
                order = SortOperator.Compare(rows[left.Index], rows[right.Index], keys, firstKey: 1);
                if (order != 0) return order;
            }
            return left.Index.CompareTo(right.Index); // stable
        }
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
