using Log.QueryNode.Sql.Plan;
using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Executor;

/// <summary>
/// Orders rows by a list of sort keys (direction, NULLS FIRST/LAST), with each key's comparison chosen once from the
/// key's type instead of dispatching on the values' CLR types in every comparison: integers compare as longs, text in
/// code point order (the "C" collation), char(n) without its trailing blanks, floats as PostgreSQL orders them (NaN
/// above everything). A value of another CLR type than its key's type leads to (a binder that left two widths side by
/// side) falls back to <see cref="ValueComparer.CompareNonNull"/>, so the order is the general comparer's in every case.
/// </summary>
internal sealed class RowComparer
{
    private readonly Key[] _keys;

    public RowComparer(IReadOnlyList<SortKey> keys)
    {
        _keys = new Key[keys.Count];
        for (int index = 0; index < _keys.Length; index++)
        {
            SortKey key = keys[index];
            _keys[index] = new Key(key.Ordinal, key.Descending, key.NullsFirst, ComparisonOf(key.Type));
        }
    }

    public int KeyCount => _keys.Length;

    private readonly record struct Key(int Ordinal, bool Descending, bool NullsFirst, Comparison<object> Compare);

    /// <summary>The order of two rows by the keys from <paramref name="firstKey"/> on; 0 when they tie on all of them.</summary>
    public int Compare(object?[] left, object?[] right, int firstKey = 0)
    {
        Key[] keys = _keys;
        for (int position = firstKey; position < keys.Length; position++)
        {
            ref readonly Key key = ref keys[position];
            object? a = left[key.Ordinal];
            object? b = right[key.Ordinal];
            if (a is null || b is null)
            {
                if (a is null && b is null) continue;
                return (a is null) == key.NullsFirst ? -1 : 1;
            }
            int order = key.Compare(a, b);
            if (order != 0) return key.Descending ? -order : order;
        }
        return 0;
    }

    /// <summary>How two non-NULL values of a key of this type compare.</summary>
    public static Comparison<object> ComparisonOf(SqlType type) => type.Kind switch
    {
        _ when type.IsInteger => CompareIntegers,
        TypeKind.Text or TypeKind.Varchar or TypeKind.Name => CompareStrings,
        TypeKind.Bpchar => ComparePaddedStrings,
        TypeKind.Float8 => CompareFloats,
        _ => ValueComparer.CompareNonNull,
    };

    private static int CompareIntegers(object left, object right) => (left, right) switch
    {
        (int a, int b) => a.CompareTo(b),
        (long a, long b) => a.CompareTo(b),
        _ => ValueComparer.CompareNonNull(left, right),
    };

    private static int CompareStrings(object left, object right) =>
        left is string a && right is string b ? ValueComparer.CompareText(a, b) : ValueComparer.CompareNonNull(left, right);

    /// <summary>bpchar's comparison ignores trailing blanks.</summary>
    private static int ComparePaddedStrings(object left, object right) =>
        ValueComparer.CompareText(((string)left).TrimEnd(' '), ((string)right).TrimEnd(' '));

    private static int CompareFloats(object left, object right) =>
        left is double a && right is double b ? ValueComparer.CompareFloat8(a, b) : ValueComparer.CompareNonNull(left, right);
}
