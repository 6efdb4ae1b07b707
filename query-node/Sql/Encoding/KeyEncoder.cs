using System.Buffers.Binary;
using System.Text;
using Log.Wire.Types;

namespace Log.QueryNode.Sql.Encoding;

/// <summary>
/// The order-preserving tuple encoding of keys: comparing two encodings as unsigned bytes gives the SQL order of the
/// tuples (element by element; a shorter tuple that is a prefix sorts first). No element's encoding is a prefix of
/// another's, so a prefix of encoded elements bounds a range scan. Each element starts with a tag byte:
/// integers (any width) 0x20 + 8 bytes big-endian with the sign bit flipped; float8 0x30 + 8 bytes (sign-folded
/// IEEE, -0 as 0, one NaN above +Infinity); numeric 0x40-0x42 (negative, zero, positive) + exponent + digits;
/// text 0x50 + UTF-8 with 0x00 escaped as 0x00 0xFF, ended by 0x00 0x01; bool 0x60 + 0/1; NULL 0xF0 (after every
/// value, as PostgreSQL's default NULLS LAST). 0xFF never starts an element, so prefix + 0xFF ends a prefix's range.
/// Index key columns may sort DESC and put NULLs first (<see cref="WriteIndexValue"/>): a DESC value is its ascending
/// encoding with every byte inverted (no element's encoding is a prefix of another's, so inverting reverses the
/// order), and a NULL is 0x10 (before every value's first byte, ascending or inverted) or 0xF0 (after all of them).
/// </summary>
internal ref struct KeyEncoder
{
    internal const byte IntegerTag = 0x20;
    private const byte Float8Tag = 0x30;
    private const byte NumericNegativeInfinityTag = 0x3F;
    private const byte NumericNegativeTag = 0x40;
    private const byte NumericZeroTag = 0x41;
    private const byte NumericPositiveTag = 0x42;
    private const byte NumericPositiveInfinityTag = 0x43;
    private const byte NumericNaNTag = 0x44;

    /// <summary>A numeric key's decimal exponent fits one byte (exponent + 128) from -126 to 125, the range every key
    /// written before numeric grew past System.Decimal used; beyond it a marker byte below or above that range is
    /// followed by the exponent as four big-endian bytes, so the order holds for numeric's whole range.</summary>
    private const int NumericExponentByteMinimum = -126;
    private const int NumericExponentByteMaximum = 125;
    private const byte NumericExponentSmallMarker = 0x01;
    private const byte NumericExponentLargeMarker = 0xFE;
    private const byte TextTag = 0x50;
    private const byte BoolTag = 0x60;
    private const byte BytesTag = 0x70;
    private const byte NullTag = 0xF0;
    private const byte NullFirstTag = 0x10;
    /// <summary>Ends an array's elements: below every element tag, so an array that is a prefix of another sorts first
    /// (and above a NULLS FIRST null, so an empty array still sorts after it).</summary>
    private const byte ArrayEndTag = 0x18;
    public const byte PrefixEnd = 0xFF;

    private byte[] _buffer;
    private int _length;

    public KeyEncoder(int capacity)
    {
        _buffer = new byte[Math.Max(capacity, 16)];
        _length = 0;
    }

    public readonly int Length => _length;

    public readonly byte[] ToArray() => _buffer.AsSpan(0, _length).ToArray();

    /// <summary>The encoding so far followed by 0xFF: the exclusive end of every key that starts with the encoding.</summary>
    public readonly byte[] ToPrefixEnd()
    {
        var result = new byte[_length + 1];
        _buffer.AsSpan(0, _length).CopyTo(result);
        result[_length] = PrefixEnd;
        return result;
    }

    private Span<byte> Reserve(int count)
    {
        if (_length + count > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + count));
        }
        Span<byte> span = _buffer.AsSpan(_length, count);
        _length += count;
        return span;
    }

    private void WriteByte(byte value) => Reserve(1)[0] = value;

    /// <summary>Appends bytes that are already an encoding (a prefix built elsewhere).</summary>
    public void WriteRaw(scoped ReadOnlySpan<byte> encoded) => encoded.CopyTo(Reserve(encoded.Length));

    public void WriteValue(object? value)
    {
        switch (value)
        {
            case null: WriteByte(NullTag); break;
            case int i: WriteInteger(i); break;
            case long l: WriteInteger(l); break;
            case short s: WriteInteger(s); break;
            case string text: WriteText(text); break;
            case double d: WriteFloat8(d); break;
            case PgNumeric n: WriteNumeric(n); break;
            case DateTime timestamp: WriteInteger(timestamp.Ticks); break;
            case DateOnly date: WriteInteger(date.DayNumber); break;
            case bool b:
                WriteByte(BoolTag);
                WriteByte(b ? (byte)1 : (byte)0);
                break;
            default:
                (Types.TypeRegistry.ForValue(value) ?? throw new InvalidOperationException($"no key encoding for {value.GetType()}"))
                    .WriteKey(ref this, value);
                break;
        }
    }

    /// <summary>One key column of a secondary index, in its declared order.</summary>
    public void WriteIndexValue(object? value, bool descending, bool nullsFirst)
    {
        if (value is null)
        {
            WriteByte(nullsFirst ? NullFirstTag : NullTag);
            return;
        }
        int start = _length;
        WriteValue(value);
        if (!descending) return;
        Span<byte> written = _buffer.AsSpan(start, _length - start);
        for (int index = 0; index < written.Length; index++) written[index] = (byte)~written[index];
    }

    /// <summary>Ends the elements of an array (see ArrayHandler.WriteKey).</summary>
    public void WriteArrayEnd() => WriteByte(ArrayEndTag);

    public void WriteInteger(long value)
    {
        Span<byte> span = Reserve(9);
        span[0] = IntegerTag;
        BinaryPrimitives.WriteUInt64BigEndian(span[1..], (ulong)value ^ 0x8000_0000_0000_0000UL);
    }

    public void WriteFloat8(double value)
    {
        if (value == 0) value = 0; // -0 = 0 in SQL
        ulong bits = double.IsNaN(value) ? 0xFFF8_0000_0000_0000UL : (ulong)BitConverter.DoubleToInt64Bits(value);
        // Positive: flip the sign bit so they sort above negatives; negative: flip every bit so larger magnitudes sort lower.
        bits = double.IsNaN(value) ? ulong.MaxValue : (bits & 0x8000_0000_0000_0000UL) != 0 ? ~bits : bits ^ 0x8000_0000_0000_0000UL;
        Span<byte> span = Reserve(9);
        span[0] = Float8Tag;
        BinaryPrimitives.WriteUInt64BigEndian(span[1..], bits);
    }

    /// <summary>Bytes (bytea, uuid): as text's UTF-8 is, with 0x00 escaped and the 0x00 0x01 terminator, so memcmp order
    /// then length order holds.</summary>
    public void WriteBytes(scoped ReadOnlySpan<byte> value) => WriteEscaped(BytesTag, value);

    private void WriteEscaped(byte tag, scoped ReadOnlySpan<byte> value)
    {
        int zeros = 0;
        foreach (byte b in value) if (b == 0) zeros++;
        Span<byte> span = Reserve(1 + value.Length + zeros + 2);
        span[0] = tag;
        int position = 1;
        foreach (byte b in value)
        {
            span[position++] = b;
            if (b == 0) span[position++] = 0xFF;
        }
        span[position++] = 0x00;
        span[position] = 0x01;
    }

    public void WriteText(string value)
    {
        int maximumBytes = System.Text.Encoding.UTF8.GetMaxByteCount(value.Length);
        Span<byte> utf8 = maximumBytes <= 512 ? stackalloc byte[maximumBytes] : new byte[maximumBytes];
        int count = System.Text.Encoding.UTF8.GetBytes(value, utf8);
        WriteEscaped(TextTag, utf8[..count]);
    }

    /// <summary>numeric as sign tag, then the decimal exponent and the significant digits (one byte each, '0'+d),
    /// ended by a terminator; for negative values exponent and digits are inverted so larger magnitudes sort lower.
    /// Trailing zeros are dropped: 1.5 and 1.50 are equal, as in SQL. -Infinity, +Infinity and NaN have tags of their
    /// own around the finite values (NaN last, as numeric's btree order has it).</summary>
    public void WriteNumeric(PgNumeric value)
    {
        switch (value.Kind)
        {
            case PgNumericKind.NaN: WriteByte(NumericNaNTag); return;
            case PgNumericKind.PositiveInfinity: WriteByte(NumericPositiveInfinityTag); return;
            case PgNumericKind.NegativeInfinity: WriteByte(NumericNegativeInfinityTag); return;
        }
        if (value.IsZero)
        {
            WriteByte(NumericZeroTag);
            return;
        }
        bool negative = value.Sign < 0;
        int exponent = value.DecimalExponent;
        string significant = PgNumeric.DigitsOf(value.Unscaled).TrimEnd('0');
        bool exponentFitsByte = exponent is >= NumericExponentByteMinimum and <= NumericExponentByteMaximum;
        int exponentLength = exponentFitsByte ? 1 : 5;
        Span<byte> span = Reserve(1 + exponentLength + significant.Length + 1);
        span[0] = negative ? NumericNegativeTag : NumericPositiveTag;
        if (exponentFitsByte)
        {
            span[1] = (byte)(exponent + 128);
        }
        else
        {
            span[1] = exponent < 0 ? NumericExponentSmallMarker : NumericExponentLargeMarker;
            BinaryPrimitives.WriteUInt32BigEndian(span.Slice(2, 4), unchecked((uint)exponent ^ 0x8000_0000u));
        }
        for (int index = 0; index < significant.Length; index++)
        {
            span[1 + exponentLength + index] = (byte)significant[index];
        }
        // Fewer digits must sort first for positives (1.2 < 1.23) and last for negatives (-1.2 > -1.23).
        span[1 + exponentLength + significant.Length] = 0x00;
        if (negative)
        {
            foreach (ref byte inverted in span[1..]) inverted = (byte)~inverted;
        }
    }

    public static string Describe(byte[] key) => Convert.ToHexString(key);
}
