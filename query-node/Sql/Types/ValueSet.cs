namespace Log.QueryNode.Sql.Types;

/// <summary>
/// A set of non-null SQL values of one type, with SQL equality (<see cref="ValueComparer.AreEqual"/>) and a hash that
/// agrees with it (1.5 and 1.50 alike, -0 and 0 alike), plus whether the list it came from held a NULL. Used to test
/// <c>x IN (long constant list)</c> in constant time.
/// </summary>
internal sealed class ValueSet
{
    private readonly HashSet<object> _values = new(ValueEqualityComparer.Instance);

    public ValueSet(IEnumerable<object?> values)
    {
        foreach (object? value in values)
        {
            if (value is null) HasNull = true;
            else _values.Add(value);
        }
    }

    public bool HasNull { get; }

    public int Count => _values.Count;

    public bool Contains(object value) => _values.Contains(value);

    private sealed class ValueEqualityComparer : IEqualityComparer<object>
    {
        public static readonly ValueEqualityComparer Instance = new();

        public new bool Equals(object? left, object? right) => left is not null && right is not null && ValueComparer.AreEqual(left, right);

        public int GetHashCode(object value) => value switch
        {
            double number => number == 0 ? 0 : number.GetHashCode(),
            short or int or long => Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture).GetHashCode(),
            _ => value.GetHashCode(),
        };
    }
}
