using System.Buffers.Binary;
using System.Text;

namespace Log.Journal.Node.Protocol;

/// <summary>A request body could not be read: it is truncated or a length in it is impossible.
/// The connection that sent it is closed; nothing else is affected.</summary>
public sealed class KafkaProtocolException(string message) : Exception(message);

/// <summary>
/// Reads Kafka's primitive types (big-endian) from one whole request frame. It does no I/O: the
/// connection reads the size-prefixed frame first, so a truncated body shows up here as a
/// <see cref="KafkaProtocolException"/> and never as a blocked read.
/// </summary>
public ref struct KafkaRequestReader
{
    private readonly ReadOnlySpan<byte> buffer;
    private int position;

    public KafkaRequestReader(ReadOnlySpan<byte> buffer)
    {
        this.buffer = buffer;
        position = 0;
    }

    public readonly int Position => position;
    public readonly int Remaining => buffer.Length - position;

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count < 0 || count > Remaining)
        {
            throw new KafkaProtocolException($"request truncated: needed {count} bytes at {position}, {Remaining} left");
        }
        var slice = buffer.Slice(position, count);
        position += count;
        return slice;
    }

    public sbyte ReadInt8() => (sbyte)Take(1)[0];
    public bool ReadBoolean() => Take(1)[0] != 0;
    public short ReadInt16() => BinaryPrimitives.ReadInt16BigEndian(Take(2));
    public int ReadInt32() => BinaryPrimitives.ReadInt32BigEndian(Take(4));
    public long ReadInt64() => BinaryPrimitives.ReadInt64BigEndian(Take(8));

    public uint ReadUnsignedVarInt()
    {
        uint value = 0;
        for (var shift = 0; shift <= 28; shift += 7)
        {
            var next = Take(1)[0];
            value |= (uint)(next & 0x7F) << shift;
            if ((next & 0x80) == 0)
            {
                return value;
            }
        }
        throw new KafkaProtocolException("unsigned varint longer than 5 bytes");
    }

    public string ReadString() => ReadNullableString() ?? throw new KafkaProtocolException("null where a string is required");

    public string? ReadNullableString()
    {
        var length = ReadInt16();
        if (length < 0)
        {
            return null;
        }
        return Encoding.UTF8.GetString(Take(length));
    }

    public string? ReadCompactNullableString()
    {
        var lengthPlusOne = ReadUnsignedVarInt();
        if (lengthPlusOne == 0)
        {
            return null;
        }
        return Encoding.UTF8.GetString(Take(checked((int)(lengthPlusOne - 1))));
    }

    /// <summary>Nullable bytes (int32 length), returned as a slice of the request frame.</summary>
    public ReadOnlySpan<byte> ReadNullableBytes(out bool isNull)
    {
        var length = ReadInt32();
        isNull = length < 0;
        return isNull ? default : Take(length);
    }

    /// <summary>Bytes (int32 length, null read as empty), copied out of the request frame.</summary>
    public byte[] ReadBytesCopy()
    {
        var bytes = ReadNullableBytes(out _);
        return bytes.ToArray();
    }

    /// <summary>An array length; -1 is null. A count that could not fit in the rest of the frame
    /// (each element takes at least <paramref name="minimumElementBytes"/>) is refused up front,
    /// so a hostile count never makes us allocate.</summary>
    public int ReadArrayLength(int minimumElementBytes = 1)
    {
        var count = ReadInt32();
        if (count < -1 || (count > 0 && (long)count * minimumElementBytes > Remaining))
        {
            throw new KafkaProtocolException($"impossible array length {count}");
        }
        return count;
    }

    /// <summary>Skips a tagged-field section of a flexible message.</summary>
    public void SkipTaggedFields()
    {
        var count = ReadUnsignedVarInt();
        for (var index = 0u; index < count; index++)
        {
            ReadUnsignedVarInt();
            var size = ReadUnsignedVarInt();
            Take(checked((int)size));
        }
    }
}
