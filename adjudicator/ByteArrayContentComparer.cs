namespace Log.Adjudicator;

/// <summary>
/// Compares byte arrays by content, so that two copies of one key meet in a dictionary. The hash
/// is <see cref="HashCode"/>'s, which is seeded per process: keys come from SQL users, and a
/// fixed hash would let one of them flood a bucket of the conflict window.
/// </summary>
public sealed class ByteArrayContentComparer : IEqualityComparer<byte[]>
{
    public static readonly ByteArrayContentComparer Instance = new();

    private ByteArrayContentComparer()
    {
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
