using System.Collections;

namespace Log.Wire.Types;

/// <summary>
/// An array value as PostgreSQL keeps one: its elements in row-major order (null for NULL), the length of each
/// dimension and each dimension's lower bound (1 unless written otherwise, as in '[0:1]={1,2}'). An empty array has
/// no dimensions. It is a list of its elements, so a one-dimensional array reads like any list.
/// </summary>
public sealed class PgArray : IReadOnlyList<object?>, IList
{
    private readonly object?[] _elements;

    public PgArray(object?[] elements, int[] lengths, int[] lowerBounds)
    {
        ArgumentNullException.ThrowIfNull(elements);
        ArgumentNullException.ThrowIfNull(lengths);
        ArgumentNullException.ThrowIfNull(lowerBounds);
        if (lengths.Length != lowerBounds.Length) throw new ArgumentException("one lower bound per dimension is needed", nameof(lowerBounds));
        long count = 1;
        foreach (int length in lengths) count *= length;
        if ((lengths.Length == 0 ? 0 : count) != elements.Length) throw new ArgumentException("the dimensions do not match the element count", nameof(elements));
        _elements = elements;
        Lengths = lengths;
        LowerBounds = lowerBounds;
    }

    /// <summary>A one-dimensional array with lower bound 1 (empty when there are no elements).</summary>
    public static PgArray OneDimensional(object?[] elements) =>
        elements.Length == 0 ? Empty : new PgArray(elements, [elements.Length], [1]);

    public static PgArray Empty { get; } = new([], [], []);

    public IReadOnlyList<int> Lengths { get; }

    public IReadOnlyList<int> LowerBounds { get; }

    public int Dimensions => Lengths.Count;

    /// <summary>The elements in row-major order.</summary>
    public ReadOnlySpan<object?> Elements => _elements;

    public int Count => _elements.Length;

    public object? this[int index] => _elements[index];

    public IEnumerator<object?> GetEnumerator() => ((IEnumerable<object?>)_elements).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => _elements.GetEnumerator();

    // IList, read-only: the wire codecs read arrays as lists.
    object? IList.this[int index]
    {
        get => _elements[index];
        set => throw new NotSupportedException("an array value is immutable");
    }

    bool IList.IsFixedSize => true;

    bool IList.IsReadOnly => true;

    bool ICollection.IsSynchronized => false;

    object ICollection.SyncRoot => _elements;

    int IList.Add(object? value) => throw new NotSupportedException("an array value is immutable");

    void IList.Clear() => throw new NotSupportedException("an array value is immutable");

    bool IList.Contains(object? value) => Array.IndexOf(_elements, value) >= 0;

    int IList.IndexOf(object? value) => Array.IndexOf(_elements, value);

    void IList.Insert(int index, object? value) => throw new NotSupportedException("an array value is immutable");

    void IList.Remove(object? value) => throw new NotSupportedException("an array value is immutable");

    void IList.RemoveAt(int index) => throw new NotSupportedException("an array value is immutable");

    void ICollection.CopyTo(Array array, int index) => _elements.CopyTo(array, index);
}
