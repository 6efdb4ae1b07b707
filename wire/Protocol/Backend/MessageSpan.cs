using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;

namespace Log.Wire.Protocol.Backend;

/// <summary>
/// Writes one backend message into a span taken from the output, whose exact size the
/// caller computed first (type byte + length word + body), then advances the output.
/// Writing straight into the pipe's memory avoids a copy and an allocation per message.
/// </summary>
internal ref struct MessageSpan
{
    private readonly IBufferWriter<byte> output;
    private readonly Span<byte> span;
    private int position;

    /// <param name="bodyBytes">The body only; the length word that counts itself is added here.</param>
    public MessageSpan(IBufferWriter<byte> output, byte type, int bodyBytes)
    {
        this.output = output;
        int length = 4 + bodyBytes;
        span = output.GetSpan(1 + length)[..(1 + length)];
        span[0] = type;
        BinaryPrimitives.WriteInt32BigEndian(span[1..], length);
        position = 5;
    }

    public void WriteByte(byte value) => span[position++] = value;

    public void WriteInt16(short value)
    {
        BinaryPrimitives.WriteInt16BigEndian(span[position..], value);
        position += 2;
    }

    public void WriteInt32(int value)
    {
        BinaryPrimitives.WriteInt32BigEndian(span[position..], value);
        position += 4;
    }

    public void WriteCString(string text) => position += PgText.WriteCString(span[position..], text);

    public void WriteBytes(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(span[position..]);
        position += bytes.Length;
    }

    /// <summary>Writes an Int32 length then the UTF-8 bytes, as in DataRow.</summary>
    public void WriteLengthPrefixedText(string text)
    {
        int written = System.Text.Encoding.UTF8.GetBytes(text, span[(position + 4)..]);
        BinaryPrimitives.WriteInt32BigEndian(span[position..], written);
        position += 4 + written;
    }

    /// <summary>Checks that the computed size was exact, then hands the bytes to the output.</summary>
    public readonly void Commit()
    {
        Debug.Assert(position == span.Length, $"message size computed as {span.Length} but {position} bytes written");
        if (position != span.Length)
        {
            throw new InvalidOperationException($"backend message size computed as {span.Length} but {position} bytes written");
        }
        output.Advance(position);
    }
}
