using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Functions;

/// <summary>String functions (PostgreSQL's varlena.c, oracle_compat.c). Positions and lengths count characters
/// (code points), not UTF-16 units, as PostgreSQL counts them in a UTF-8 database.</summary>
internal static partial class BuiltinFunctions
{
    /// <summary>PostgreSQL's MaxAllocSize - 1: no text value may be longer, in bytes.</summary>
    private const int TextBytesMax = 0x3FFFFFFE;

    private static readonly SqlType Bpchar = SqlType.Bpchar;

    /// <summary>PostgreSQL's COL_NAME_KEYWORDs (kwlist.h): quote_ident quotes them like reserved words.</summary>
    private static readonly HashSet<string> ColumnNameKeywords = new(StringComparer.Ordinal)
    {
        "between", "bigint", "bit", "boolean", "char", "character", "coalesce", "dec", "decimal", "exists", "extract",
        "float", "greatest", "grouping", "inout", "int", "integer", "interval", "json_array", "json_arrayagg",
        "json_object", "json_objectagg", "least", "national", "nchar", "none", "normalize", "nullif", "numeric", "out",
        "overlay", "position", "precision", "real", "row", "setof", "smallint", "substring", "time", "timestamp", "treat",
        "trim", "values", "varchar", "xmlattributes", "xmlconcat", "xmlelement", "xmlexists", "xmlforest",
        "xmlnamespaces", "xmlparse", "xmlpi", "xmlroot", "xmlserialize", "xmltable",
    };

    private static void AddString(FunctionRegistry registry)
    {
        Add(registry, "lower", [Text], Text, (a, _) => ((string)a[0]!).ToLowerInvariant());
        Add(registry, "upper", [Text], Text, (a, _) => ((string)a[0]!).ToUpperInvariant());
        foreach (string name in new[] { "length", "char_length", "character_length" })
        {
            Add(registry, name, [Text], Int4, (a, _) => CodePointCount((string)a[0]!));
            // char(n) counts without its trailing spaces (bpcharlen).
            Add(registry, name, [Bpchar], Int4, (a, _) => CodePointCount(((string)a[0]!).TrimEnd(' ')));
        }
        Add(registry, "octet_length", [Text], Int4, (a, _) => System.Text.Encoding.UTF8.GetByteCount((string)a[0]!));
        Add(registry, "octet_length", [Bpchar], Int4, (a, _) => System.Text.Encoding.UTF8.GetByteCount((string)a[0]!));
        Add(registry, "bit_length", [Text], Int4, (a, _) => 8 * System.Text.Encoding.UTF8.GetByteCount((string)a[0]!));
        foreach (string name in new[] { "substr", "substring" })
        {
            Add(registry, name, [Text, Int4], Text, (a, _) => Substring((string)a[0]!, (int)a[1]!, null));
            Add(registry, name, [Text, Int4, Int4], Text, (a, _) => Substring((string)a[0]!, (int)a[1]!, (int)a[2]!));
        }
        Add(registry, "position", [Text, Text], Int4, (a, _) => Position((string)a[0]!, (string)a[1]!));
        Add(registry, "strpos", [Text, Text], Int4, (a, _) => Position((string)a[0]!, (string)a[1]!));
        Add(registry, "btrim", [Text], Text, (a, _) => Trim((string)a[0]!, " ", leading: true, trailing: true));
        Add(registry, "btrim", [Text, Text], Text, (a, _) => Trim((string)a[0]!, (string)a[1]!, leading: true, trailing: true));
        Add(registry, "ltrim", [Text], Text, (a, _) => Trim((string)a[0]!, " ", leading: true, trailing: false));
        Add(registry, "ltrim", [Text, Text], Text, (a, _) => Trim((string)a[0]!, (string)a[1]!, leading: true, trailing: false));
        Add(registry, "rtrim", [Text], Text, (a, _) => Trim((string)a[0]!, " ", leading: false, trailing: true));
        Add(registry, "rtrim", [Text, Text], Text, (a, _) => Trim((string)a[0]!, (string)a[1]!, leading: false, trailing: true));
        Add(registry, "lpad", [Text, Int4], Text, (a, _) => Pad((string)a[0]!, (int)a[1]!, " ", left: true));
        Add(registry, "lpad", [Text, Int4, Text], Text, (a, _) => Pad((string)a[0]!, (int)a[1]!, (string)a[2]!, left: true));
        Add(registry, "rpad", [Text, Int4], Text, (a, _) => Pad((string)a[0]!, (int)a[1]!, " ", left: false));
        Add(registry, "rpad", [Text, Int4, Text], Text, (a, _) => Pad((string)a[0]!, (int)a[1]!, (string)a[2]!, left: false));
        Add(registry, "replace", [Text, Text, Text], Text, (a, _) => ((string)a[1]!).Length == 0
            ? a[0]
            : ((string)a[0]!).Replace((string)a[1]!, (string)a[2]!, StringComparison.Ordinal));
        Add(registry, "split_part", [Text, Text, Int4], Text, (a, _) => SplitPart((string)a[0]!, (string)a[1]!, (int)a[2]!));
        AddVariadic(registry, "concat", [ParameterType.Any], Text, (a, context) => Concat(a, 0, null, context), Volatility.Stable, strict: false);
        AddVariadic(registry, "concat_ws", [Text, ParameterType.Any], Text,
            (a, context) => a[0] is string separator ? Concat(a, 1, separator, context) : null, Volatility.Stable, strict: false);
        Add(registry, "format", [Text], Text, (a, context) => a[0] is string format ? TextFormat.Format(format, [], context) : null, Volatility.Stable, strict: false);
        AddVariadic(registry, "format", [Text, ParameterType.Any], Text,
            (a, context) => a[0] is string format ? TextFormat.Format(format, a[1..], context) : null, Volatility.Stable, strict: false);
        Add(registry, "left", [Text, Int4], Text, (a, _) => Left((string)a[0]!, (int)a[1]!));
        Add(registry, "right", [Text, Int4], Text, (a, _) => Right((string)a[0]!, (int)a[1]!));
        Add(registry, "repeat", [Text, Int4], Text, (a, _) => Repeat((string)a[0]!, (int)a[1]!));
        Add(registry, "reverse", [Text], Text, (a, _) => Reverse((string)a[0]!));
        Add(registry, "initcap", [Text], Text, (a, _) => InitialCapitals((string)a[0]!));
        Add(registry, "translate", [Text, Text, Text], Text, (a, _) => Translate((string)a[0]!, (string)a[1]!, (string)a[2]!));
        Add(registry, "ascii", [Text], Int4, (a, _) => ((string)a[0]!).Length == 0 ? 0 : char.ConvertToUtf32((string)a[0]!, 0));
        Add(registry, "chr", [Int4], Text, (a, _) => Character((int)a[0]!));
        Add(registry, "md5", [Text], Text, (a, _) => Convert.ToHexStringLower(MD5.HashData(System.Text.Encoding.UTF8.GetBytes((string)a[0]!))));
        Add(registry, "quote_ident", [Text], Text, (a, _) => QuoteIdentifier((string)a[0]!));
        Add(registry, "quote_literal", [Text], Text, (a, _) => QuoteLiteral((string)a[0]!));
        Add(registry, "quote_literal", [ParameterType.AnyElement], Text,
            (a, context) => QuoteLiteral(OutputText(a[0]!, context.ArgumentType(0), context)), Volatility.Stable);
        Add(registry, "quote_nullable", [Text], Text, (a, _) => a[0] is string text ? QuoteLiteral(text) : "NULL", strict: false);
        Add(registry, "quote_nullable", [ParameterType.AnyElement], Text,
            (a, context) => a[0] is { } value ? QuoteLiteral(OutputText(value, context.ArgumentType(0), context)) : "NULL", Volatility.Stable, strict: false);
        Add(registry, "to_hex", [Int4], Text, (a, _) => ((int)a[0]!).ToString("x", CultureInfo.InvariantCulture));
        Add(registry, "to_hex", [Int8], Text, (a, _) => ((long)a[0]!).ToString("x", CultureInfo.InvariantCulture));
        Add(registry, "starts_with", [Text, Text], Bool, (a, _) => ((string)a[0]!).StartsWith((string)a[1]!, StringComparison.Ordinal));
        Add(registry, "overlay", [Text, Text, Int4, Int4], Text, (a, _) => Overlay((string)a[0]!, (string)a[1]!, (int)a[2]!, (int)a[3]!));
        Add(registry, "overlay", [Text, Text, Int4], Text, (a, _) => Overlay((string)a[0]!, (string)a[1]!, (int)a[2]!, CodePointCount((string)a[1]!)));
    }

    /// <summary>A value as its type's output function writes it (what concat and format print).</summary>
    internal static string OutputText(object value, SqlType type, EvaluationContext context) =>
        ValueFormatter.Format(value, context.DateTimeSettings)!;

    private static int CodePointCount(string text)
    {
        int count = 0;
        for (int index = 0; index < text.Length; index++)
        {
            if (char.IsHighSurrogate(text[index]) && index + 1 < text.Length && char.IsLowSurrogate(text[index + 1])) index++;
            count++;
        }
        return count;
    }

    /// <summary>The UTF-16 index where code point number <paramref name="count"/> (0-based) starts; the length when past the end.</summary>
    private static int CharIndexOf(string text, long count)
    {
        int index = 0;
        while (count > 0 && index < text.Length)
        {
            index += char.IsHighSurrogate(text[index]) && index + 1 < text.Length && char.IsLowSurrogate(text[index + 1]) ? 2 : 1;
            count--;
        }
        return index;
    }

    /// <summary>substr(text, start [, count]): characters start .. start + count - 1, counting from 1, clipped to the text.</summary>
    private static string Substring(string text, int start, int? count)
    {
        if (count < 0) throw new SqlException(EngineSqlState.SubstringError, "negative substring length not allowed");
        long first = Math.Max(start, 1);
        long end = count is null ? long.MaxValue : (long)start + count.Value;
        if (end <= first) return "";
        int from = CharIndexOf(text, first - 1);
        int to = end == long.MaxValue ? text.Length : CharIndexOf(text, end - 1);
        return text[from..Math.Max(from, to)];
    }

    private static int Position(string text, string search)
    {
        int index = text.IndexOf(search, StringComparison.Ordinal);
        return index < 0 ? 0 : CodePointCount(text[..index]) + 1;
    }

    private static string Trim(string text, string characters, bool leading, bool trailing)
    {
        if (characters.Length == 0) return text;
        var set = new HashSet<int>();
        for (int index = 0; index < characters.Length; index += char.IsSurrogatePair(characters, index) ? 2 : 1)
        {
            set.Add(char.ConvertToUtf32(characters, index));
        }
        int start = 0;
        int end = text.Length;
        if (leading)
        {
            while (start < end)
            {
                int width = char.IsSurrogatePair(text, start) ? 2 : 1;
                if (!set.Contains(width == 2 ? char.ConvertToUtf32(text, start) : text[start])) break;
                start += width;
            }
        }
        if (trailing)
        {
            while (end > start)
            {
                int width = end >= 2 && char.IsSurrogatePair(text, end - 2) ? 2 : 1;
                if (!set.Contains(width == 2 ? char.ConvertToUtf32(text, end - 2) : text[end - 1])) break;
                end -= width;
            }
        }
        return text[start..end];
    }

    /// <summary>lpad/rpad: fill to <paramref name="length"/> characters with the fill repeated, or cut the text to it.</summary>
    private static string Pad(string text, int length, string fill, bool left)
    {
        if (length <= 0) return "";
        int textLength = CodePointCount(text);
        if (textLength >= length) return text[..CharIndexOf(text, length)];
        if (fill.Length == 0) return text;
        CheckLength((long)length * 4);
        var padding = new StringBuilder();
        int fillLength = CodePointCount(fill);
        int needed = length - textLength;
        while (needed >= fillLength)
        {
            padding.Append(fill);
            needed -= fillLength;
        }
        padding.Append(fill, 0, CharIndexOf(fill, needed));
        return left ? padding.Append(text).ToString() : text + padding;
    }

    private static void CheckLength(long bytes)
    {
        if (bytes > TextBytesMax) throw new SqlException(SqlState.ProgramLimitExceeded, "requested length too large");
    }

    /// <summary>split_part(text, delimiter, n): field n (from the end when negative); an empty delimiter makes the whole text one field.</summary>
    private static string SplitPart(string text, string delimiter, int field)
    {
        if (field == 0) throw new SqlException(SqlState.InvalidParameterValue, "field position must not be zero");
        string[] fields = delimiter.Length == 0 ? [text] : text.Split(delimiter);
        if (text.Length == 0) fields = [""];
        int index = field > 0 ? field - 1 : fields.Length + field;
        return index >= 0 && index < fields.Length ? fields[index] : "";
    }

    /// <summary>concat and concat_ws: each non-null argument as its type's output, NULLs skipped.</summary>
    private static string Concat(ReadOnlySpan<object?> arguments, int first, string? separator, EvaluationContext context)
    {
        var builder = new StringBuilder();
        bool any = false;
        for (int index = first; index < arguments.Length; index++)
        {
            if (arguments[index] is not { } value) continue;
            if (any && separator is not null) builder.Append(separator);
            builder.Append(OutputText(value, context.ArgumentType(index), context));
            any = true;
        }
        return builder.ToString();
    }

    private static string Left(string text, int count)
    {
        int length = CodePointCount(text);
        int keep = count >= 0 ? Math.Min(count, length) : Math.Max(length + count, 0);
        return text[..CharIndexOf(text, keep)];
    }

    private static string Right(string text, int count)
    {
        int length = CodePointCount(text);
        int keep = count >= 0 ? Math.Min(count, length) : Math.Max(length + count, 0);
        return text[CharIndexOf(text, length - keep)..];
    }

    private static string Repeat(string text, int count)
    {
        if (count <= 0 || text.Length == 0) return "";
        CheckLength((long)System.Text.Encoding.UTF8.GetByteCount(text) * count);
        return new StringBuilder(text.Length * count).Insert(0, text, count).ToString();
    }

    private static string Reverse(string text)
    {
        var builder = new StringBuilder(text.Length);
        for (int index = text.Length - 1; index >= 0; index--)
        {
            if (char.IsLowSurrogate(text[index]) && index > 0 && char.IsHighSurrogate(text[index - 1]))
            {
                builder.Append(text[index - 1]).Append(text[index]);
                index--;
            }
            else
            {
                builder.Append(text[index]);
            }
        }
        return builder.ToString();
    }

    /// <summary>initcap: the first letter of each run of letters and digits upper case, the rest lower case.</summary>
    private static string InitialCapitals(string text)
    {
        var builder = new StringBuilder(text.Length);
        bool inWord = false;
        foreach (char character in text)
        {
            builder.Append(inWord ? char.ToLowerInvariant(character) : char.ToUpperInvariant(character));
            inWord = char.IsLetterOrDigit(character);
        }
        return builder.ToString();
    }

    /// <summary>translate(text, from, to): each character of from becomes the one at the same place in to, or is
    /// removed when to is shorter; the first occurrence in from wins.</summary>
    private static string Translate(string text, string from, string to)
    {
        int[] fromPoints = CodePoints(from);
        int[] toPoints = CodePoints(to);
        var builder = new StringBuilder(text.Length);
        foreach (int point in CodePoints(text))
        {
            int index = Array.IndexOf(fromPoints, point);
            if (index < 0) builder.Append(char.ConvertFromUtf32(point));
            else if (index < toPoints.Length) builder.Append(char.ConvertFromUtf32(toPoints[index]));
        }
        return builder.ToString();
    }

    private static int[] CodePoints(string text)
    {
        var points = new List<int>(text.Length);
        for (int index = 0; index < text.Length; index += char.IsSurrogatePair(text, index) ? 2 : 1)
        {
            points.Add(char.IsSurrogatePair(text, index) ? char.ConvertToUtf32(text, index) : text[index]);
        }
        return points.ToArray();
    }

    private static string Character(int code)
    {
        if (code < 0) throw new SqlException(SqlState.InvalidParameterValue, "character number must be positive");
        if (code == 0) throw new SqlException(SqlState.ProgramLimitExceeded, "null character not permitted");
        if (code > 0x10FFFF) throw new SqlException(SqlState.ProgramLimitExceeded, $"requested character too large for encoding: {code}");
        if (code is >= 0xD800 and <= 0xDFFF) throw new SqlException(SqlState.ProgramLimitExceeded, $"requested character not valid for encoding: {code}");
        return char.ConvertFromUtf32(code);
    }

    /// <summary>quote_ident: double quotes unless the name is a lower-case identifier that is not a keyword.</summary>
    internal static string QuoteIdentifier(string name)
    {
        bool safe = name.Length > 0 && (name[0] is >= 'a' and <= 'z' || name[0] == '_');
        foreach (char character in name)
        {
            if (!(character is >= 'a' and <= 'z' or >= '0' and <= '9' or '_')) safe = false;
        }
        if (safe && (!Parser.Keywords.CanBeColumnIdentifier(name) || ColumnNameKeywords.Contains(name))) safe = false;
        return safe ? name : "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }

    /// <summary>quote_literal: single quotes doubled; with a backslash inside, the E'' form with backslashes doubled.</summary>
    internal static string QuoteLiteral(string text)
    {
        string quoted = text.Replace("'", "''", StringComparison.Ordinal);
        if (!text.Contains('\\', StringComparison.Ordinal)) return "'" + quoted + "'";
        return "E'" + quoted.Replace("\\", "\\\\", StringComparison.Ordinal) + "'";
    }

    private static string Overlay(string text, string placing, int start, int count)
    {
        if (start <= 0 || count < 0) throw new SqlException(EngineSqlState.SubstringError, "negative substring length not allowed");
        return Substring(text, 1, start - 1) + placing + Substring(text, start + count, null);
    }
}
