using System.Buffers.Binary;
using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Encoding;

/// <summary>
/// Reads back the elements <see cref="KeyEncoder"/> wrote, for the types whose key encoding keeps the value whole: the
/// integers (the column's type gives the width), bool, text and varchar (UTF-8 as written: Log compares text in the "C"
/// collation, so keys are not collation-transformed), date, timestamp, timestamptz, uuid and bytea. The others lose
/// something a reader would see and are not decoded (<see cref="CanDecode"/>): numeric drops trailing zeros (1.50 reads
/// as 1.5), float8 folds -0 into 0, and the handler types with a key encoding have no inverse here. An index-only scan
/// reads a row from its index entry only when every key it needs is of a decodable type. A descending index key is the
/// ascending encoding with every byte inverted, so it is read through the same inversion.
/// </summary>
internal ref struct KeyDecoder(ReadOnlySpan<byte> key)
{
    private const byte IntegerTag = 0x20;
    private const byte TextTag = 0x50;
    private const byte BoolTag = 0x60;
    private const byte BytesTag = 0x70;
    private const byte NullTag = 0xF0;
    private const byte NullFirstTag = 0x10;

    private readonly ReadOnlySpan<byte> _key = key;
    private int _position;

    public readonly int Position => _position;

    public readonly bool AtEnd => _position >= _key.Length;

    /// <summary>Whether values of <paramref name="type"/> decode exactly from their key encoding.</summary>
    public static bool CanDecode(SqlType type) =>
        type.Kind is TypeKind.Int2 or TypeKind.Int4 or TypeKind.Int8 or TypeKind.Bool or TypeKind.Text or TypeKind.Varchar
            or TypeKind.Date or TypeKind.Timestamp or TypeKind.TimestampTz or TypeKind.Uuid or TypeKind.Bytea;

    /// <summary>Steps over elements already known (the table and index ids of a key's prefix).</summary>
    public void Skip(int bytes) => _position += bytes;

    /// <summary>The next element as a value of <paramref name="type"/> (<see cref="CanDecode"/> must hold), inverted
    /// when it belongs to a descending index key.</summary>
    public object? Read(SqlType type, bool descending)
    {
        byte invert = descending ? (byte)0xFF : (byte)0;
        byte tag = _key[_position];
        // A NULL is never inverted (KeyEncoder.WriteIndexValue writes its tag as it is).
        if (tag is NullTag or NullFirstTag)
        {
            _position++;
            return null;
        }
        tag ^= invert;
        _position++;
        switch (type.Kind)
        {
            case TypeKind.Int2 or TypeKind.Int4 or TypeKind.Int8 or TypeKind.Date or TypeKind.Timestamp or TypeKind.TimestampTz:
            {
                Expect(tag, IntegerTag);
                long value = (long)(ReadUInt64(invert) ^ 0x8000_0000_0000_0000UL);
                return type.Kind switch
                {
                    TypeKind.Int2 => checked((short)value),
                    TypeKind.Int4 => checked((int)value),
                    TypeKind.Date => DateOnly.FromDayNumber(checked((int)value)),
                    TypeKind.Timestamp => new DateTime(value, DateTimeKind.Unspecified),
                    TypeKind.TimestampTz => new DateTime(value, DateTimeKind.Utc),
                    _ => value,
                };
            }
            case TypeKind.Bool:
                Expect(tag, BoolTag);
                return (byte)(_key[_position++] ^ invert) != 0;
            case TypeKind.Text or TypeKind.Varchar:
                Expect(tag, TextTag);
                return System.Text.Encoding.UTF8.GetString(ReadEscaped(invert));
            case TypeKind.Uuid:
                Expect(tag, BytesTag);
                return new Guid(ReadEscaped(invert), bigEndian: true);
            case TypeKind.Bytea:
                Expect(tag, BytesTag);
                return ReadEscaped(invert);
            default:
                throw new InvalidOperationException($"no key decoding for {type}");
        }
    }

    private static void Expect(byte tag, byte expected)
    {
        if (tag != expected) throw new InvalidOperationException($"key element tag 0x{tag:X2} where 0x{expected:X2} was written");
    }

    private ulong ReadUInt64(byte invert)
    {
        ulong bits = BinaryPrimitives.ReadUInt64BigEndian(_key.Slice(_position, 8));
        _position += 8;
        return invert == 0 ? bits : ~bits;
    }

    /// <summary>Bytes escaped as <see cref="KeyEncoder.WriteBytes"/> writes them: 0x00 0xFF is a zero byte, 0x00 0x01 the end.</summary>
    private byte[] ReadEscaped(byte invert)
    {
        var bytes = new List<byte>(32);
        while (true)
        {
            byte value = (byte)(_key[_position++] ^ invert);
            if (value != 0)
            {
                bytes.Add(value);
                continue;
            }
            byte next = (byte)(_key[_position++] ^ invert);
            if (next == 0x01) return bytes.ToArray();
            if (next != 0xFF) throw new InvalidOperationException($"key escape 0x00 0x{next:X2}");
            bytes.Add(0);
        }
    }
}
