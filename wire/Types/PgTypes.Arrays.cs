using System.Buffers;
using System.Collections;
using System.Text;

namespace Log.Wire.Types;

public static partial class PgTypes
{
    /// <summary>The most elements an array value may hold when read from a client (PostgreSQL's MaxArraySize is larger; ours bounds memory per value).</summary>
    public const int MaxArrayElements = 1_000_000;

    private static IList ToList(object value) => value switch
    {
        IList list => list,
        string s => throw new ArgumentException($"an array value must be a list, not the string \"{s}\"", nameof(value)),
        _ => throw new ArgumentException($"an array value must be a list, not {value.GetType().Name}", nameof(value)),
    };

    /// <summary>array_out for one dimension: "{1,NULL,"a b"}", quoting elements that need it.</summary>
    private static string FormatArray(object value, int elementTypeOid, PgTypeSettings settings)
    {
        IList list = ToList(value);
        var builder = new StringBuilder(2 + list.Count * 4);
        builder.Append('{');
        for (int i = 0; i < list.Count; i++)
        {
            if (i > 0)
            {
                builder.Append(',');
            }
            string? element = EncodeText(list[i], elementTypeOid, settings);
            if (element is null)
            {
                builder.Append("NULL");
            }
            else if (NeedsArrayQuotes(element))
            {
                builder.Append('"');
                foreach (char c in element)
                {
                    if (c is '"' or '\\')
                    {
                        builder.Append('\\');
                    }
                    builder.Append(c);
                }
                builder.Append('"');
            }
            else
            {
                builder.Append(element);
            }
        }
        builder.Append('}');
        return builder.ToString();
    }

    private static bool NeedsArrayQuotes(string element)
    {
        if (element.Length == 0 || element.Equals("NULL", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }
        foreach (char c in element)
        {
            if (c is '{' or '}' or ',' or '"' or '\\' or ' ' or '\t' or '\n' or '\r' or '\v' or '\f')
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>array_in for one dimension: "{a,"b c",NULL}", spaces around elements ignored, backslash escapes.</summary>
    private static object?[] ParseArray(string text, int elementTypeOid, PgTypeSettings settings)
    {
        string trimmed = text.Trim();
        if (trimmed.Length < 2 || trimmed[0] != '{' || trimmed[^1] != '}')
        {
            throw MalformedArray(text, trimmed.StartsWith('[') ? "Array bounds are not supported." : "Array value must start with \"{\" or dimension information.");
        }
        var elements = new List<object?>();
        int position = 1;
        int end = trimmed.Length - 1;
        SkipSpaces(trimmed, ref position, end);
        if (position == end)
        {
            return [];
        }
        var element = new StringBuilder();
        while (true)
        {
            SkipSpaces(trimmed, ref position, end);
            element.Clear();
            bool quoted = false;
            if (position < end && trimmed[position] == '{')
            {
                throw new PgException(PgError.Error(PgSqlState.FeatureNotSupported, "multidimensional arrays are not supported"));
            }
            if (position < end && trimmed[position] == '"')
            {
                quoted = true;
                position++;
                while (true)
                {
                    if (position >= end)
                    {
                        throw MalformedArray(text, "Unexpected end of input.");
                    }
                    char c = trimmed[position++];
                    if (c == '"')
                    {
                        break;
                    }
                    if (c == '\\')
                    {
                        if (position >= end)
                        {
                            throw MalformedArray(text, "Unexpected end of input.");
                        }
                        c = trimmed[position++];
                    }
                    element.Append(c);
                }
                SkipSpaces(trimmed, ref position, end);
            }
            else
            {
                int trailingSpaces = 0;
                while (position < end && trimmed[position] != ',')
                {
                    char c = trimmed[position++];
                    if (c is '{' or '}' or '"')
                    {
                        throw MalformedArray(text, $"Unexpected \"{c}\" character.");
                    }
                    if (c == '\\')
                    {
                        if (position >= end)
                        {
                            throw MalformedArray(text, "Unexpected end of input.");
                        }
                        c = trimmed[position++];
                        trailingSpaces = 0;
                        element.Append(c);
                        continue;
                    }
                    trailingSpaces = char.IsWhiteSpace(c) ? trailingSpaces + 1 : 0;
                    element.Append(c);
                }
                element.Length -= trailingSpaces;
                if (element.Length == 0)
                {
                    throw MalformedArray(text, "Unexpected \",\" character.");
                }
            }
            string elementText = element.ToString();
            elements.Add(!quoted && elementText.Equals("NULL", StringComparison.OrdinalIgnoreCase)
                ? null
                : DecodeText(elementText, elementTypeOid, settings));
            if (elements.Count > MaxArrayElements)
            {
                throw new PgException(PgError.Error("54000", $"array size exceeds the maximum allowed ({MaxArrayElements})"));
            }
            if (position == end)
            {
                return [.. elements];
            }
            if (trimmed[position] != ',')
            {
                throw MalformedArray(text, $"Unexpected \"{trimmed[position]}\" character.");
            }
            position++;
        }
    }

    private static void SkipSpaces(string text, ref int position, int end)
    {
        while (position < end && char.IsWhiteSpace(text[position]))
        {
            position++;
        }
    }

    private static PgException MalformedArray(string text, string detail) =>
        new(PgError.Error(InvalidTextRepresentation, $"malformed array literal: \"{text}\"") with { Detail = detail });

    /// <summary>array_send: Int32 ndim, Int32 has-nulls flag, element type OID, per dimension size and lower bound (1), then each element as Int32 length (-1 for NULL) and bytes.</summary>
    private static void WriteArray(IBufferWriter<byte> output, object value, int elementTypeOid)
    {
        IList list = ToList(value);
        bool hasNulls = false;
        foreach (object? element in list)
        {
            hasNulls |= element is null or DBNull;
        }
        WriteInt32(output, list.Count == 0 ? 0 : 1);
        WriteInt32(output, hasNulls ? 1 : 0);
        WriteInt32(output, elementTypeOid);
        if (list.Count == 0)
        {
            return;
        }
        WriteInt32(output, list.Count);
        WriteInt32(output, 1);
        var elementBytes = new ArrayBufferWriter<byte>();
        foreach (object? element in list)
        {
            if (element is null or DBNull)
            {
                WriteInt32(output, -1);
                continue;
            }
            elementBytes.ResetWrittenCount();
            EncodeBinary(element, elementTypeOid, elementBytes);
            WriteInt32(output, elementBytes.WrittenCount);
            WriteBytes(output, elementBytes.WrittenSpan);
        }
    }

    private static object?[] ReadArray(ref PgBinaryReader reader, int elementTypeOid)
    {
        int dimensions = reader.ReadInt32();
        int flags = reader.ReadInt32();
        int elementType = reader.ReadInt32();
        if (dimensions < 0 || dimensions > 6)
        {
            throw new PgException(PgError.Error(InvalidBinaryRepresentation, $"invalid number of dimensions: {dimensions}"));
        }
        if (flags is not (0 or 1))
        {
            throw new PgException(PgError.Error(InvalidBinaryRepresentation, "invalid array flags"));
        }
        if (elementType != elementTypeOid)
        {
            throw new PgException(PgError.Error("42804", $"binary data has array element type {elementType} ({GetTypeName(elementType)}) instead of expected {elementTypeOid} ({GetTypeName(elementTypeOid)})"));
        }
        if (dimensions == 0)
        {
            return [];
        }
        if (dimensions > 1)
        {
            throw new PgException(PgError.Error(PgSqlState.FeatureNotSupported, "multidimensional arrays are not supported"));
        }
        int count = reader.ReadInt32();
        reader.ReadInt32(); // lower bound: kept by PostgreSQL, not by us
        if (count < 0 || count > MaxArrayElements || count > reader.Remaining / 4)
        {
            throw new PgException(PgError.Error("54000", $"array size exceeds the maximum allowed ({MaxArrayElements})"));
        }
        var elements = new object?[count];
        for (int i = 0; i < count; i++)
        {
            int length = reader.ReadInt32();
            if (length == -1)
            {
                elements[i] = null;
                continue;
            }
            if (length < 0)
            {
                throw new PgException(PgError.Error(InvalidBinaryRepresentation, $"insufficient data left in message"));
            }
            elements[i] = DecodeBinary(reader.ReadBytes(length), elementTypeOid);
        }
        return elements;
    }
}
