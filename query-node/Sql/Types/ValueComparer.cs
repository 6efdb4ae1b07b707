namespace Log.QueryNode.Sql.Types;

/// <summary>SQL ordering of two non-null values of the same type: numbers numerically (float8 NaN above everything,
/// -0 equal to 0), text by Unicode code point (the "C" collation, matching the byte order of the key encoding).</summary>
internal sealed class ValueComparer : IComparer<object?>
{
    public static readonly ValueComparer Instance = new();

    public int Compare(object? left, object? right)
    {
        if (left is null) return right is null ? 0 : 1; // NULLs sort last, as PostgreSQL's default ascending order
        if (right is null) return -1;
        return CompareNonNull(left, right);
    }

    public static int CompareNonNull(object left, object right) => (left, right) switch
    {
        (int a, int b) => a.CompareTo(b),
        (long a, long b) => a.CompareTo(b),
        (short a, short b) => a.CompareTo(b),
        (string a, string b) => CompareText(a, b),
        (Log.Wire.Types.PgNumeric a, Log.Wire.Types.PgNumeric b) => a.CompareTo(b),
        (double a, double b) => CompareFloat8(a, b),
        (bool a, bool b) => a.CompareTo(b),
        (DateTime a, DateTime b) => a.Ticks.CompareTo(b.Ticks),
        (DateOnly a, DateOnly b) => a.DayNumber.CompareTo(b.DayNumber),
        _ => CompareMixed(left, right),
    };

    private static int CompareMixed(object left, object right)
    {
        if (left.GetType() == right.GetType() && TypeRegistry.ForValue(left) is { } handler) return handler.Compare(left, right);
        // Only reachable if the binder left two integer widths side by side; compare as long.
        if (left is short or int or long && right is short or int or long)
        {
            return System.Convert.ToInt64(left, System.Globalization.CultureInfo.InvariantCulture)
                .CompareTo(System.Convert.ToInt64(right, System.Globalization.CultureInfo.InvariantCulture));
        }
        throw new InvalidOperationException($"cannot compare {left.GetType()} with {right.GetType()}");
    }

    public static int CompareFloat8(double left, double right)
    {
        if (double.IsNaN(left)) return double.IsNaN(right) ? 0 : 1;
        if (double.IsNaN(right)) return -1;
        return left < right ? -1 : left > right ? 1 : 0;
    }

    /// <summary>Code point order (what UTF-8 byte order gives), which ordinal UTF-16 comparison gets wrong only around surrogates.</summary>
    public static int CompareText(string left, string right)
    {
        int length = Math.Min(left.Length, right.Length);
        for (int index = 0; index < length; index++)
        {
            char a = left[index];
            char b = right[index];
            if (a == b) continue;
            bool aSurrogate = char.IsSurrogate(a);
            bool bSurrogate = char.IsSurrogate(b);
            if (aSurrogate != bSurrogate) return aSurrogate ? 1 : -1; // a surrogate pair encodes a code point above every BMP character
            return a < b ? -1 : 1;
        }
        return left.Length.CompareTo(right.Length);
    }

    public static bool AreEqual(object left, object right) => CompareNonNull(left, right) == 0;

    /// <summary>A hash that agrees with SQL equality: numeric 1.5 and 1.50 alike, float -0 and 0 alike, other types
    /// through their handler (bytea and arrays by content); NULL is 0.</summary>
    public static int Hash(object? value) => value switch
    {
        null => 0,
        double d => d == 0 ? 0 : d.GetHashCode(),
        int or long or short or string or bool or DateTime or DateOnly or Log.Wire.Types.PgNumeric => value.GetHashCode(),
        _ => TypeRegistry.ForValue(value) is { } handler ? handler.Hash(value) : value.GetHashCode(),
    };
}
