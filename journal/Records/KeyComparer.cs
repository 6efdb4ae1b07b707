namespace Log.Journal.Records;

/// <summary>
/// The one order and equality of keys in Log: unsigned lexicographic comparison of the bytes,
/// which the order-preserving key encoding makes equal to SQL order. The hash is
/// <see cref="HashCode"/>'s, seeded per process: keys come from SQL users, and a fixed hash
/// would let one of them flood a bucket of a dictionary keyed by them.
/// </summary>
public sealed class KeyComparer : IComparer<byte[]>, IEqualityComparer<byte[]>
{
    public static readonly KeyComparer Instance = new();

    private KeyComparer()
    {
    }

    public int Compare(byte[]? x, byte[]? y)
    {
        if (ReferenceEquals(x, y))
        {
            return 0;
        }
        if (x is null)
        {
            return -1;
        }
        if (y is null)
        {
            return 1;
        }
        return x.AsSpan().SequenceCompareTo(y);
    }

    public bool Equals(byte[]? x, byte[]? y)
    {
        if (ReferenceEquals(x, y))
        {
            return true;
        }
        if (x is null || y is null)
        {
            return false;
        }
        return x.AsSpan().SequenceEqual(y);
    }

    public int GetHashCode(byte[] obj)
    {
        var hash = new HashCode();
        hash.AddBytes(obj);
        return hash.ToHashCode();
    }
}
