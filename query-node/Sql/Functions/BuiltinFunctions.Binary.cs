using System.Security.Cryptography;
using System.Text;
using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Executor;
using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Functions;

/// <summary>bytea and uuid functions (PostgreSQL's "Binary String Functions" and gen_random_uuid).</summary>
internal static partial class BuiltinFunctions
{
    private static readonly SqlType Bytea = SqlType.Bytea;

    /// <summary>base64 output breaks lines after this many characters, as PostgreSQL's pg_b64_encode does.</summary>
    private const int Base64LineLength = 76;

    static partial void AddBinary(FunctionRegistry registry)
    {
        Add(registry, "byteacat", [Bytea, Bytea], Bytea, (a, _) => Concatenate((byte[])a[0]!, (byte[])a[1]!));
        Add(registry, "bytealike", [Bytea, Bytea], Bool, (a, _) => LikeMatcher.IsMatch((byte[])a[0]!, (byte[])a[1]!));
        Add(registry, "byteanlike", [Bytea, Bytea], Bool, (a, _) => !LikeMatcher.IsMatch((byte[])a[0]!, (byte[])a[1]!));
        foreach (string name in new[] { "length", "octet_length" })
        {
            Add(registry, name, [Bytea], Int4, (a, _) => ((byte[])a[0]!).Length);
        }
        Add(registry, "md5", [Bytea], Text, (a, _) => Convert.ToHexStringLower(MD5.HashData((byte[])a[0]!)));
        Add(registry, "sha224", [Bytea], Bytea, (a, _) => Sha224((byte[])a[0]!));
        Add(registry, "sha256", [Bytea], Bytea, (a, _) => SHA256.HashData((byte[])a[0]!));
        Add(registry, "sha384", [Bytea], Bytea, (a, _) => SHA384.HashData((byte[])a[0]!));
        Add(registry, "sha512", [Bytea], Bytea, (a, _) => SHA512.HashData((byte[])a[0]!));
        Add(registry, "encode", [Bytea, Text], Text, (a, _) => Encode((byte[])a[0]!, (string)a[1]!));
        Add(registry, "decode", [Text, Text], Bytea, (a, _) => Decode((string)a[0]!, (string)a[1]!));
        Add(registry, "get_byte", [Bytea, Int4], Int4, (a, _) => GetByte((byte[])a[0]!, (int)a[1]!));
        Add(registry, "convert_to", [Text, Text], Bytea, (a, _) => System.Text.Encoding.UTF8.GetBytes((string)a[0]!), Volatility.Stable);
        Add(registry, "convert_from", [Bytea, Text], Text, (a, _) => ConvertFromUtf8((byte[])a[0]!), Volatility.Stable);
        Add(registry, "gen_random_uuid", [], SqlType.Uuid, (_, _) => Guid.NewGuid(), Volatility.Volatile);
    }

    private static byte[] Concatenate(byte[] left, byte[] right)
    {
        var result = new byte[left.Length + right.Length];
        left.CopyTo(result, 0);
        right.CopyTo(result, left.Length);
        return result;
    }

    /// <summary>SHA-224 is SHA-256 with other initial values, cut to 28 bytes; .NET has no SHA-224, so it is computed here.</summary>
    private static byte[] Sha224(byte[] data) => Sha224Digest.Compute(data);

    private static int GetByte(byte[] bytes, int index) => index < 0 || index >= bytes.Length
        ? throw new SqlException(SqlState.ArraySubscriptError, $"index {index} out of valid range, 0..{bytes.Length - 1}")
        : bytes[index];

    private static string ConvertFromUtf8(byte[] bytes)
    {
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new SqlException(SqlState.CharacterNotInRepertoire, "invalid byte sequence for encoding \"UTF8\"");
        }
    }

    private static string Encode(byte[] bytes, string format) => format.ToLowerInvariant() switch
    {
        "hex" => Convert.ToHexStringLower(bytes),
        "base64" => BreakLines(Convert.ToBase64String(bytes)),
        "escape" => EncodeEscape(bytes),
        _ => throw new SqlException(SqlState.InvalidParameterValue, $"unrecognized encoding: \"{format}\""),
    };

    private static string BreakLines(string base64)
    {
        if (base64.Length <= Base64LineLength) return base64;
        var builder = new StringBuilder(base64.Length + base64.Length / Base64LineLength);
        for (int start = 0; start < base64.Length; start += Base64LineLength)
        {
            if (start > 0) builder.Append('\n');
            builder.Append(base64, start, Math.Min(Base64LineLength, base64.Length - start));
        }
        return builder.ToString();
    }

    /// <summary>esc_encode: a zero byte or one with the high bit set as \ooo, a backslash doubled, the rest as is.</summary>
    private static string EncodeEscape(byte[] bytes)
    {
        var builder = new StringBuilder(bytes.Length);
        foreach (byte b in bytes)
        {
            if (b == 0 || b >= 0x80) builder.Append('\\').Append(Convert.ToString(b, 8).PadLeft(3, '0'));
            else if (b == '\\') builder.Append("\\\\");
            else builder.Append((char)b);
        }
        return builder.ToString();
    }

    private static byte[] Decode(string text, string format)
    {
        switch (format.ToLowerInvariant())
        {
            case "hex":
                return DecodeHex(text);
            case "base64":
                string compact = string.Concat(text.Where(character => !char.IsWhiteSpace(character)));
                try
                {
                    return Convert.FromBase64String(compact);
                }
                catch (FormatException)
                {
                    throw new SqlException(SqlState.InvalidParameterValue, "invalid base64 end sequence",
                        hint: "Input data is missing padding, is truncated, or is otherwise corrupted.");
                }
            case "escape":
                return (byte[])ValueInput.Parse(text, SqlType.Bytea, DateTimeSettings.Default);
            default:
                throw new SqlException(SqlState.InvalidParameterValue, $"unrecognized encoding: \"{format}\"");
        }
    }

    private static byte[] DecodeHex(string text)
    {
        var bytes = new List<byte>(text.Length / 2);
        for (int index = 0; index < text.Length;)
        {
            if (char.IsWhiteSpace(text[index]))
            {
                index++;
                continue;
            }
            int high = HexDigit(text[index]);
            if (high < 0) throw new SqlException(SqlState.InvalidParameterValue, $"invalid hexadecimal digit: \"{text[index]}\"");
            if (index + 1 >= text.Length) throw new SqlException(SqlState.InvalidParameterValue, "invalid hexadecimal data: odd number of digits");
            int low = HexDigit(text[index + 1]);
            if (low < 0) throw new SqlException(SqlState.InvalidParameterValue, $"invalid hexadecimal digit: \"{text[index + 1]}\"");
            bytes.Add((byte)(high * 16 + low));
            index += 2;
        }
        return bytes.ToArray();
    }

    private static int HexDigit(char character) => character switch
    {
        >= '0' and <= '9' => character - '0',
        >= 'a' and <= 'f' => character - 'a' + 10,
        >= 'A' and <= 'F' => character - 'A' + 10,
        _ => -1,
    };
}

internal static partial class BuiltinOperators
{
    static partial void AddBinaryOperators(OperatorRegistry operators, FunctionRegistry functions)
    {
        operators.AddInfix("||", functions.Get("byteacat", SqlType.Bytea, SqlType.Bytea));
        operators.AddInfix("~~", functions.Get("bytealike", SqlType.Bytea, SqlType.Bytea));
        operators.AddInfix("!~~", functions.Get("byteanlike", SqlType.Bytea, SqlType.Bytea));
        var xid = new SqlType(TypeKind.Xid);
        operators.AddInfix("=", functions.Get("xideqint4", xid, SqlType.Int4));
        operators.AddInfix("<>", functions.Get("xidneqint4", xid, SqlType.Int4));
    }
}
