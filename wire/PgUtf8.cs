using System.Buffers;
using System.Text;
using System.Text.Unicode;

namespace Log.Wire;

/// <summary>
/// Client text in PostgreSQL's UTF8 encoding: strict decoding (no replacement characters) and the
/// 22021 message PostgreSQL gives for the first bad character. Shared by the protocol and by the
/// engine's own byte streams (COPY data), so both name a bad byte the same way.
/// </summary>
public static class PgUtf8
{
    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The offset of the first byte that does not start a valid UTF-8 character, or -1 when all are valid.</summary>
    public static int IndexOfInvalid(ReadOnlySpan<byte> bytes)
    {
        if (Utf8.IsValid(bytes))
        {
            return -1;
        }
        // Decode in slices into a scratch buffer only to learn where the first bad sequence starts.
        Span<char> scratch = stackalloc char[256];
        int offset = 0;
        while (offset < bytes.Length)
        {
            OperationStatus status = Utf8.ToUtf16(bytes[offset..], scratch, out int read, out _, replaceInvalidSequences: false, isFinalBlock: true);
            offset += read;
            if (status is OperationStatus.InvalidData or OperationStatus.NeedMoreData)
            {
                return offset;
            }
        }
        return -1;
    }

    /// <summary>Decodes strictly; false (and an empty string) when the bytes are not valid UTF-8.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> bytes, out string text)
    {
        if (!Utf8.IsValid(bytes))
        {
            text = "";
            return false;
        }
        text = Strict.GetString(bytes);
        return true;
    }

    /// <summary>
    /// PostgreSQL's message for the bad character at <paramref name="offset"/>: the bytes that its lead byte
    /// announces (as pg_utf_mblen counts them), as in <c>invalid byte sequence for encoding "UTF8": 0xc3 0x28</c>.
    /// </summary>
    public static string DescribeInvalid(ReadOnlySpan<byte> bytes, int offset)
    {
        if (offset < 0 || offset >= bytes.Length)
        {
            return "invalid byte sequence for encoding \"UTF8\"";
        }
        byte lead = bytes[offset];
        int characterBytes = (lead & 0xE0) == 0xC0 ? 2 : (lead & 0xF0) == 0xE0 ? 3 : (lead & 0xF8) == 0xF0 ? 4 : 1;
        characterBytes = Math.Min(characterBytes, bytes.Length - offset);
        var shown = new StringBuilder();
        foreach (byte value in bytes.Slice(offset, characterBytes))
        {
            if (shown.Length > 0)
            {
                shown.Append(' ');
            }
            shown.Append("0x").Append(value.ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
        }
        return $"invalid byte sequence for encoding \"UTF8\": {shown}";
    }
}
