namespace Log.Journal.Time;

/// <summary>
/// A hybrid logical timestamp: 48 bits of physical milliseconds since the Unix epoch, then a
/// 16-bit logical counter. Ordering of the 64-bit value is the ordering of time, so timestamps
/// compare, sort and encode (big-endian) as plain unsigned integers.
/// </summary>
public readonly record struct HybridTimestamp(ulong Value) : IComparable<HybridTimestamp>
{
    public const int LogicalBits = 16;
    public const ulong LogicalMask = (1UL << LogicalBits) - 1;

    public static readonly HybridTimestamp Zero = new(0);
    public static readonly HybridTimestamp MaxValue = new(ulong.MaxValue);

    public static HybridTimestamp From(long physicalMilliseconds, ushort logical)
    {
        if (physicalMilliseconds < 0 || physicalMilliseconds >= (1L << 48))
        {
            throw new ArgumentOutOfRangeException(nameof(physicalMilliseconds));
        }
        return new(((ulong)physicalMilliseconds << LogicalBits) | logical);
    }

    public long PhysicalMilliseconds => (long)(Value >> LogicalBits);
    public ushort Logical => (ushort)(Value & LogicalMask);

    /// <summary>The smallest timestamp greater than this one.</summary>
    public HybridTimestamp Next() => new(checked(Value + 1));

    public int CompareTo(HybridTimestamp other) => Value.CompareTo(other.Value);
    public static bool operator <(HybridTimestamp a, HybridTimestamp b) => a.Value < b.Value;
    public static bool operator >(HybridTimestamp a, HybridTimestamp b) => a.Value > b.Value;
    public static bool operator <=(HybridTimestamp a, HybridTimestamp b) => a.Value <= b.Value;
    public static bool operator >=(HybridTimestamp a, HybridTimestamp b) => a.Value >= b.Value;
    public static HybridTimestamp Max(HybridTimestamp a, HybridTimestamp b) => a.Value >= b.Value ? a : b;
    public static HybridTimestamp Min(HybridTimestamp a, HybridTimestamp b) => a.Value <= b.Value ? a : b;

    public override string ToString() => $"{PhysicalMilliseconds}.{Logical}";
}
