using System.Buffers;
using System.Text;

namespace Log.Wire.Protocol;

/// <summary>UTF-8 text of the protocol: NUL-terminated strings in and out.</summary>
internal static class PgText
{
    /// <summary>Rejects invalid UTF-8 instead of replacing it, as PostgreSQL does (22021).</summary>
    public static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>For names in the startup packet, where a bad byte is not worth refusing the connection.</summary>
    public static readonly UTF8Encoding LenientUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    /// <summary>Decodes strictly; false if the bytes are not valid UTF-8.</summary>
    public static bool TryDecode(in ReadOnlySequence<byte> bytes, out string text)
    {
        try
        {
            text = StrictUtf8.GetString(bytes);
            return true;
        }
        catch (DecoderFallbackException)
        {
            text = "";
            return false;
        }
    }

    /// <summary>PostgreSQL's message for invalid UTF-8: the bytes of the first bad character, as "0xc3 0x28".</summary>
    public static string DescribeInvalidUtf8(in ReadOnlySequence<byte> bytes)
    {
        byte[] array = bytes.ToArray();
        return PgUtf8.DescribeInvalid(array, PgUtf8.IndexOfInvalid(array));
    }

    /// <summary>Decodes, replacing invalid bytes.</summary>
    public static string DecodeLenient(in ReadOnlySequence<byte> bytes) => LenientUtf8.GetString(bytes);

    /// <summary>Reads a NUL-terminated string; false if there is no NUL.</summary>
    public static bool TryReadCString(ref SequenceReader<byte> reader, out ReadOnlySequence<byte> bytes) =>
        reader.TryReadTo(out bytes, 0, advancePastDelimiter: true);

    /// <summary>Bytes of <paramref name="text"/> as a C string, terminator included.</summary>
    public static int GetCStringByteCount(string text) => Encoding.UTF8.GetByteCount(text) + 1;

    /// <summary>
    /// Writes <paramref name="text"/> and its terminator; returns the bytes written.
    /// A NUL inside the text would end the string early and desynchronise the client,
    /// so it becomes '?' (PostgreSQL never lets text hold NUL in the first place).
    /// </summary>
    public static int WriteCString(Span<byte> destination, string text)
    {
        int written = Encoding.UTF8.GetBytes(text, destination);
        Span<byte> body = destination[..written];
        if (body.Contains((byte)0))
        {
            body.Replace((byte)0, (byte)'?');
        }
        destination[written] = 0;
        return written + 1;
    }
}
