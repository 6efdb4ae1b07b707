using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Log.Journal.Node.Protocol;

/// <summary>
/// Writes Kafka's primitive types (big-endian) into a growing buffer. The first four bytes are
/// reserved for the frame's size, filled in by <see cref="Finish"/>.
/// </summary>
public sealed class KafkaResponseWriter
{
    private readonly ArrayBufferWriter<byte> buffer;

    public KafkaResponseWriter(int initialCapacityBytes = 256)
    {
        buffer = new ArrayBufferWriter<byte>(initialCapacityBytes);
        WriteInt32(0);
    }

    public int WrittenBytes => buffer.WrittenCount;

    public void WriteInt8(sbyte value)
    {
        buffer.GetSpan(1)[0] = (byte)value;
        buffer.Advance(1);
    }

    public void WriteBoolean(bool value) => WriteInt8(value ? (sbyte)1 : (sbyte)0);

    public void WriteInt16(short value)
    {
        BinaryPrimitives.WriteInt16BigEndian(buffer.GetSpan(2), value);
        buffer.Advance(2);
    }

    public void WriteInt32(int value)
    {
        BinaryPrimitives.WriteInt32BigEndian(buffer.GetSpan(4), value);
        buffer.Advance(4);
    }

    public void WriteInt64(long value)
    {
        BinaryPrimitives.WriteInt64BigEndian(buffer.GetSpan(8), value);
        buffer.Advance(8);
    }

    public void WriteUnsignedVarInt(uint value)
    {
        while (value >= 0x80)
        {
            WriteInt8((sbyte)(byte)(value | 0x80));
            value >>= 7;
        }
        WriteInt8((sbyte)(byte)value);
    }

    public void WriteString(string value)
    {
        var length = Encoding.UTF8.GetByteCount(value);
        WriteInt16(checked((short)length));
        Encoding.UTF8.GetBytes(value, buffer.GetSpan(length));
        buffer.Advance(length);
    }

    public void WriteNullableString(string? value)
    {
        if (value is null)
        {
            WriteInt16(-1);
            return;
        }
        WriteString(value);
    }

    /// <summary>Bytes with an int32 length.</summary>
    public void WriteBytes(ReadOnlySpan<byte> bytes)
    {
        WriteInt32(bytes.Length);
        WriteRaw(bytes);
    }

    public void WriteArrayLength(int count) => WriteInt32(count);

    public void WriteCompactArrayLength(int count) => WriteUnsignedVarInt((uint)(count + 1));

    public void WriteEmptyTaggedFields() => WriteUnsignedVarInt(0);

    public void WriteRaw(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(buffer.GetSpan(bytes.Length));
        buffer.Advance(bytes.Length);
    }

    /// <summary>Fills in the size prefix and returns the whole frame.</summary>
    public ReadOnlyMemory<byte> Finish()
    {
        var memory = buffer.WrittenMemory;
        BinaryPrimitives.WriteInt32BigEndian(
            System.Runtime.InteropServices.MemoryMarshal.AsMemory(memory).Span, memory.Length - 4);
        return memory;
    }
}
