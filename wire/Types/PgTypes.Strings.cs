using System.Text;

namespace Log.Wire.Types;

public static partial class PgTypes
{
    /// <summary>byteaout with bytea_output = hex: "\x" then two lower-case hex digits per byte.</summary>
    private static string FormatBytea(byte[] bytes) => string.Create(2 + bytes.Length * 2, bytes, static (span, source) =>
    {
        span[0] = '\\';
        span[1] = 'x';
        Convert.TryToHexStringLower(source, span[2..], out _);
    });

    /// <summary>byteain: the hex format ("\x" then hex digit pairs, spaces between pairs allowed) or the escape format (\\ and \ooo).</summary>
    private static byte[] ParseBytea(string text)
    {
        if (text.StartsWith("\\x", StringComparison.Ordinal) || text.StartsWith("\\X", StringComparison.Ordinal))
        {
            var bytes = new List<byte>((text.Length - 2) / 2);
            int position = 2;
            while (position < text.Length)
            {
                if (char.IsWhiteSpace(text[position]))
                {
                    position++;
                    continue;
                }
                if (position + 1 >= text.Length)
                {
                    throw new PgException(PgError.Error(InvalidParameterValue, "invalid hexadecimal data: odd number of digits"));
                }
                int high = HexValue(text[position]);
                int low = HexValue(text[position + 1]);
                if (high < 0 || low < 0)
                {
                    char bad = high < 0 ? text[position] : text[position + 1];
                    throw new PgException(PgError.Error(InvalidParameterValue, $"invalid hexadecimal digit: \"{bad}\""));
                }
                bytes.Add((byte)(high * 16 + low));
                position += 2;
            }
            return [.. bytes];
        }
        byte[] utf8 = Encoding.UTF8.GetBytes(text);
        var result = new List<byte>(utf8.Length);
        for (int i = 0; i < utf8.Length; i++)
        {
            if (utf8[i] != (byte)'\\')
            {
                result.Add(utf8[i]);
            }
            else if (i + 1 < utf8.Length && utf8[i + 1] == (byte)'\\')
            {
                result.Add((byte)'\\');
                i++;
            }
            else if (i + 3 < utf8.Length && IsOctal(utf8[i + 1], '3') && IsOctal(utf8[i + 2], '7') && IsOctal(utf8[i + 3], '7'))
            {
                result.Add((byte)(((utf8[i + 1] - '0') << 6) | ((utf8[i + 2] - '0') << 3) | (utf8[i + 3] - '0')));
                i += 3;
            }
            else
            {
                throw new PgException(PgError.Error(InvalidTextRepresentation, "invalid input syntax for type bytea"));
            }
        }
        return [.. result];
    }

    private static bool IsOctal(byte value, char highest) => value >= '0' && value <= highest;

    private static int HexValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };

    /// <summary>uuid_in: 32 hex digits, optionally in braces, with a hyphen allowed after any group of four.</summary>
    private static Guid ParseUuid(string text)
    {
        ReadOnlySpan<char> span = text.AsSpan().Trim();
        if (span.Length >= 2 && span[0] == '{' && span[^1] == '}')
        {
            span = span[1..^1];
        }
        Span<char> digits = stackalloc char[32];
        int count = 0;
        for (int i = 0; i < span.Length; i++)
        {
            char c = span[i];
            if (c == '-' && count > 0 && count % 4 == 0 && i + 1 < span.Length && span[i + 1] != '-')
            {
                continue;
            }
            if (HexValue(c) < 0 || count == 32)
            {
                throw InvalidSyntax(PgTypeOid.Uuid, text);
            }
            digits[count++] = c;
        }
        if (count != 32)
        {
            throw InvalidSyntax(PgTypeOid.Uuid, text);
        }
        return Guid.ParseExact(digits, "N");
    }
}
