using Log.QueryNode.Sql.Plan;
using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Executor;

/// <summary>
/// The stable sort order of rows held in <see cref="RowColumns"/>: each sort key's values are taken out of their column
/// once, into an array of their own type (integers and floats as longs that order as the values do, text as strings,
/// anything else as the values with <see cref="RowComparer"/>'s comparison for the key's type), and the row numbers
/// are sorted by those arrays (a leading number key by the runtime's sort of primitive keys, others with comparers the
/// JIT specialises), ties by row number. The order is
/// <see cref="RowComparer"/>'s on every key, NULLs placed as each key says.
/// </summary>
internal static class SortOrder
{
    /// <summary>The row numbers of <paramref name="rows"/> in sort order.</summary>
    public static int[] Of(RowColumns rows, IReadOnlyList<SortKey> keys)
    {
        var columns = new KeyColumn[keys.Count];
        for (int index = 0; index < columns.Length; index++) columns[index] = KeyColumn.Of(rows, keys[index]);
        if (columns.Length == 0)
        {
            var identity = new int[rows.Count];
            for (int row = 0; row < identity.Length; row++) identity[row] = row;
            return identity;
        }
        KeyColumn[] rest = columns[1..];
        return columns[0] switch
        {
            OrderKeyColumn leading => SortByOrderKey(leading, rest, rows.Count),
            TextKeyColumn leading => SortByText(leading, rest, rows.Count),
            _ => SortGeneral(columns, rows.Count),
        };
    }

    /// <summary>A long that orders as PostgreSQL orders floats: -0 equal to 0, NaN above everything and equal to
    /// itself. The bits of a non-negative double grow with its value; those of a negative one grow with its magnitude,
    /// so their 63 low bits are flipped to make them grow with its value, below every non-negative one.</summary>
    public static long FloatOrderKey(double number)
    {
        if (double.IsNaN(number)) return long.MaxValue; // no number's bits reach it: 0x7FF0... is +Infinity
        long bits = BitConverter.DoubleToInt64Bits(number == 0 ? 0.0 : number);
        return bits >= 0 ? bits : bits ^ long.MaxValue;
    }

    /// <summary>Any keys: the row numbers sorted by every key in turn.</summary>
    private static int[] SortGeneral(KeyColumn[] columns, int count)
    {
        var order = new int[count];
        for (int row = 0; row < count; row++) order[row] = row;
        order.AsSpan().Sort(new StableComparer(columns));
        return order;
    }

    /// <summary>The common ORDER BY a number column: the order keys (complemented for DESC, which reverses their order
    /// exactly) sorted with their row numbers by the runtime's sort of primitive keys, which needs no comparer; that
    /// sort is not stable, so each run of equal keys is then put in the order of the next keys and the row numbers.
    /// NULLs are set apart first.</summary>
    private static int[] SortByOrderKey(OrderKeyColumn leading, KeyColumn[] rest, int count)
    {
        var keys = new long[count];
        var rows = new int[count];
        var nulls = new List<int>();
        int kept = 0;
        for (int row = 0; row < count; row++)
        {
            if (leading.IsNull(row)) nulls.Add(row);
            else
            {
                keys[kept] = leading.Descending ? ~leading.Keys[row] : leading.Keys[row];
                rows[kept++] = row;
            }
        }
        Array.Sort(keys, rows, 0, kept);
        var ties = new StableComparer(rest);
        for (int first = 0; first < kept;)
        {
            int end = first + 1;
            while (end < kept && keys[end] == keys[first]) end++;
            if (end - first > 1) rows.AsSpan(first, end - first).Sort(ties);
            first = end;
        }
        var order = new int[count];
        int position = PlaceNulls(leading, rest, nulls, order, beforeRest: true);
        Array.Copy(rows, 0, order, position, kept);
        PlaceNulls(leading, rest, nulls, order, beforeRest: false);
        return order;
    }

    /// <summary>ORDER BY a text column: (string, row) entries compared in code point order (the "C" collation).</summary>
    private static int[] SortByText(TextKeyColumn leading, KeyColumn[] rest, int count)
    {
        var entries = new TextEntry[count];
        var nulls = new List<int>();
        int kept = 0;
        for (int row = 0; row < count; row++)
        {
            if (leading.Values[row] is { } text) entries[kept++] = new TextEntry(text, row);
            else nulls.Add(row);
        }
        Span<TextEntry> sorted = entries.AsSpan(0, kept);
        sorted.Sort(new TextComparer(leading.Descending, rest));
        var order = new int[count];
        int position = PlaceNulls(leading, rest, nulls, order, beforeRest: true);
        foreach (TextEntry entry in sorted) order[position++] = entry.Row;
        PlaceNulls(leading, rest, nulls, order, beforeRest: false);
        return order;
    }

    /// <summary>Puts the rows of a NULL leading key at the start (NULLS FIRST, when <paramref name="beforeRest"/>) or the
    /// end of <paramref name="order"/>, ordered by the remaining keys, then by row; returns the next free position at
    /// the start.</summary>
    private static int PlaceNulls(KeyColumn leading, KeyColumn[] rest, List<int> nulls, int[] order, bool beforeRest)
    {
        if (leading.NullsFirst != beforeRest || nulls.Count == 0) return 0;
        nulls.Sort(new StableComparer(rest));
        int position = beforeRest ? 0 : order.Length - nulls.Count;
        foreach (int row in nulls) order[position++] = row;
        return beforeRest ? nulls.Count : 0;
    }

    /// <summary>The order of two rows by keys in turn; 0 when they tie on all of them.</summary>
    private static int CompareRest(KeyColumn[] keys, int left, int right)
    {
        foreach (KeyColumn key in keys)
        {
            int order = key.Compare(left, right);
            if (order != 0) return order;
        }
        return 0;
    }

    private readonly struct StableComparer(KeyColumn[] keys) : IComparer<int>
    {
        public int Compare(int left, int right)
        {
            int order = CompareRest(keys, left, right);
            return order != 0 ? order : left.CompareTo(right);
        }
    }

    private readonly record struct TextEntry(string Value, int Row);

    private readonly struct TextComparer(bool descending, KeyColumn[] rest) : IComparer<TextEntry>
    {
        public int Compare(TextEntry left, TextEntry right)
        {
            int order = ValueComparer.CompareText(left.Value, right.Value);
            if (order != 0) return descending ? -order : order;
            if (rest.Length > 0)
            {
                order = CompareRest(rest, left.Row, right.Row);
                if (order != 0) return order;
            }
            return left.Row.CompareTo(right.Row); // stable
        }
    }

    /// <summary>One sort key's values of every row, taken out of their column once.</summary>
    private abstract class KeyColumn(SortKey key)
    {
        public bool Descending { get; } = key.Descending;

        public bool NullsFirst { get; } = key.NullsFirst;

        public abstract bool IsNull(int row);

        protected abstract int CompareNonNull(int left, int right);

        public int Compare(int left, int right)
        {
            bool leftNull = IsNull(left);
            bool rightNull = IsNull(right);
            if (leftNull || rightNull)
            {
                if (leftNull && rightNull) return 0;
                return leftNull == NullsFirst ? -1 : 1;
            }
            int order = CompareNonNull(left, right);
            return Descending ? -order : order;
        }

        public static KeyColumn Of(RowColumns rows, SortKey key)
        {
            int count = rows.Count;
            if (key.Type.IsInteger)
            {
                var keys = new long[count];
                if (rows.TryReadIntegers(key.Ordinal, keys, out bool[]? nulls)) return new OrderKeyColumn(key, keys, nulls);
            }
            else if (key.Type.Kind is TypeKind.Float8 or TypeKind.Float4)
            {
                var values = new double[count];
                if (rows.TryReadFloats(key.Ordinal, values, out bool[]? nulls))
                {
                    var keys = new long[count];
                    for (int row = 0; row < count; row++) keys[row] = FloatOrderKey(values[row]);
                    return new OrderKeyColumn(key, keys, nulls);
                }
            }
            var boxed = new object?[count];
            for (int row = 0; row < count; row++) boxed[row] = rows.ValueAt(row, key.Ordinal);
            if (key.Type.Kind is TypeKind.Text or TypeKind.Varchar or TypeKind.Name && Array.TrueForAll(boxed, value => value is null or string))
            {
                var texts = new string?[count];
                for (int row = 0; row < count; row++) texts[row] = (string?)boxed[row];
                return new TextKeyColumn(key, texts);
            }
            return new GeneralKeyColumn(key, boxed, RowComparer.ComparisonOf(key.Type));
        }
    }

    /// <summary>Integers, or floats as <see cref="FloatOrderKey"/>s.</summary>
    private sealed class OrderKeyColumn(SortKey key, long[] keys, bool[]? nulls) : KeyColumn(key)
    {
        public long[] Keys => keys;

        public override bool IsNull(int row) => nulls is not null && nulls[row];

        protected override int CompareNonNull(int left, int right) => keys[left].CompareTo(keys[right]);
    }

    private sealed class TextKeyColumn(SortKey key, string?[] values) : KeyColumn(key)
    {
        public string?[] Values => values;

        public override bool IsNull(int row) => values[row] is null;

        protected override int CompareNonNull(int left, int right) => ValueComparer.CompareText(values[left]!, values[right]!);
    }

    private sealed class GeneralKeyColumn(SortKey key, object?[] values, Comparison<object> compare) : KeyColumn(key)
    {
        public override bool IsNull(int row) => values[row] is null;

        protected override int CompareNonNull(int left, int right) => compare(values[left]!, values[right]!);
    }
}
