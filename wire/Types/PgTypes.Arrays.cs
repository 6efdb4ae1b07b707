using System.Buffers;
using System.Collections;
using System.Globalization;
using System.Text;

namespace Log.Wire.Types;

public static partial class PgTypes
{
    /// <summary>The most elements an array value may hold when read from a client (PostgreSQL's MaxArraySize is larger; ours bounds memory per value).</summary>
    public const int MaxArrayElements = 1_000_000;

    /// <summary>PostgreSQL's MAXDIM: the most dimensions an array may have.</summary>
    public const int MaxArrayDimensions = 6;

    private const string ProgramLimitExceeded = "54000";
    private const string ArraySubscriptError = "2202E";

    private static PgArray ToArray(object value) => value switch
    {
        PgArray array => array,
        string s => throw new ArgumentException($"an array value must be a list, not the string \"{s}\"", nameof(value)),
        IList list => PgArray.OneDimensional(list.Cast<object?>().ToArray()),
        _ => throw new ArgumentException($"an array value must be a list, not {value.GetType().Name}", nameof(value)),
    };

    /// <summary>array_out: "{1,NULL,"a b"}", "{{1,2},{3,4}}", "[0:1]={a,b}" when a lower bound is not 1, each element
    /// written by <paramref name="formatElement"/> and quoted when it needs it.</summary>
    public static string FormatArray(PgArray array, Func<object, string> formatElement)
    {
        ArgumentNullException.ThrowIfNull(array);
        ArgumentNullException.ThrowIfNull(formatElement);
        var builder = new StringBuilder(2 + array.Count * 4);
        if (array.LowerBounds.Any(bound => bound != 1))
        {
            for (int dimension = 0; dimension < array.Dimensions; dimension++)
            {
                int lower = array.LowerBounds[dimension];
                builder.Append('[').Append(lower.ToString(Invariant)).Append(':')
                    .Append((lower + array.Lengths[dimension] - 1).ToString(Invariant)).Append(']');
            }
            builder.Append('=');
        }
        if (array.Dimensions == 0)
        {
            return builder.Append("{}").ToString();
        }
        int index = 0;
        AppendLevel(builder, array, 0, ref index, formatElement);
        return builder.ToString();
    }

    private static void AppendLevel(StringBuilder builder, PgArray array, int dimension, ref int index, Func<object, string> formatElement)
    {
        builder.Append('{');
        for (int item = 0; item < array.Lengths[dimension]; item++)
        {
            if (item > 0)
            {
                builder.Append(',');
            }
            if (dimension + 1 < array.Dimensions)
            {
                AppendLevel(builder, array, dimension + 1, ref index, formatElement);
                continue;
            }
            object? value = array[index++];
            if (value is null or DBNull)
            {
                builder.Append("NULL");
                continue;
            }
            AppendElement(builder, formatElement(value));
        }
        builder.Append('}');
    }

    private static void AppendElement(StringBuilder builder, string element)
    {
        if (!NeedsArrayQuotes(element))
        {
            builder.Append(element);
            return;
        }
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

    private static string FormatArray(object value, int elementTypeOid, PgTypeSettings settings) =>
        FormatArray(ToArray(value), element => EncodeText(element, elementTypeOid, settings)!);

    private static bool NeedsArrayQuotes(string element)
    {
        if (element.Length == 0 || element.Equals("NULL", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }
        foreach (char c in element)
        {
            if (c is '{' or '}' or ',' or '"' or '\\' || IsArraySpace(c))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>array_isspace: the ASCII white space array_in skips, whatever the locale says.</summary>
    private static bool IsArraySpace(char c) => c is ' ' or '\t' or '\n' or '\r' or '\v' or '\f';

    private static object ParseArray(string text, int elementTypeOid, PgTypeSettings settings) =>
        ParseArray(text, element => DecodeText(element, elementTypeOid, settings));

    /// <summary>
    /// array_in: optional dimension decoration ("[1:2][0:1]="), then nested braces with elements separated by commas;
    /// an element may be double-quoted, backslash escapes any character, white space around elements is dropped and
    /// an unquoted NULL is the null value. Each element's text goes through <paramref name="parseElement"/> (the
    /// element type's input function). Errors are PostgreSQL 15's (22P02 "malformed array literal" with its DETAIL).
    /// </summary>
    public static PgArray ParseArray(string text, Func<string, object> parseElement)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(parseElement);
        var parser = new ArrayLiteralParser(text);
        return parser.Parse(parseElement);
    }

    private static PgException MalformedArray(string text, string detail) =>
        new(PgError.Error(InvalidTextRepresentation, $"malformed array literal: \"{text}\"") with { Detail = detail });

    private static PgException TooManyDimensions(int dimensions) =>
        new(PgError.Error(ProgramLimitExceeded, $"number of array dimensions ({dimensions}) exceeds the maximum allowed ({MaxArrayDimensions})"));

    private static PgException TooManyElements() =>
        new(PgError.Error(ProgramLimitExceeded, $"array size exceeds the maximum allowed ({MaxArrayElements})"));

    /// <summary>One pass over an array literal: the decoration, then the braces, counting each level's items so that
    /// every sub-array of a level must match (PostgreSQL's ArrayCount and ReadArrayStr in one).</summary>
    private ref struct ArrayLiteralParser(string text)
    {
        private readonly string _text = text;
        private int _position;
        private readonly List<string?> _elements = [];
        private readonly List<int> _lengths = [];
        private int _leafDepth = -1;

        public PgArray Parse(Func<string, object> parseElement)
        {
            SkipSpaces();
            List<(int Lower, int Upper)>? declared = null;
            if (Peek() == '[')
            {
                declared = ParseDimensions();
            }
            if (Peek() != '{')
            {
                throw MalformedArray(_text, "Array value must start with \"{\" or dimension information.");
            }
            ParseLevel(0);
            SkipSpaces();
            if (_position < _text.Length)
            {
                throw MalformedArray(_text, "Junk after closing right brace.");
            }
            int[] lengths = [.. _lengths.Take(_leafDepth + 1)];
            if (_elements.Count == 0)
            {
                lengths = [];
            }
            int[] lowerBounds;
            if (declared is null)
            {
                lowerBounds = lengths.Select(_ => 1).ToArray();
            }
            else
            {
                if (declared.Count != lengths.Length || declared.Where((bounds, dimension) => bounds.Upper - bounds.Lower + 1 != lengths[dimension]).Any())
                {
                    throw MalformedArray(_text, "Specified array dimensions do not match array contents.");
                }
                lowerBounds = declared.Select(bounds => bounds.Lower).ToArray();
            }
            var values = new object?[_elements.Count];
            for (int index = 0; index < values.Length; index++)
            {
                values[index] = _elements[index] is { } element ? parseElement(element) : null;
            }
            return values.Length == 0 ? PgArray.Empty : new PgArray(values, lengths, lowerBounds);
        }

        private readonly char Peek() => _position < _text.Length ? _text[_position] : '\0';

        private void SkipSpaces()
        {
            while (_position < _text.Length && IsArraySpace(_text[_position]))
            {
                _position++;
            }
        }

        private List<(int Lower, int Upper)> ParseDimensions()
        {
            var dimensions = new List<(int Lower, int Upper)>();
            while (Peek() == '[')
            {
                _position++;
                SkipSpaces();
                int? first = ReadBound();
                if (first is null)
                {
                    throw MalformedArray(_text, "\"[\" must introduce explicitly-specified array dimensions.");
                }
                SkipSpaces();
                int lower = 1;
                int upper = first.Value;
                if (Peek() == ':')
                {
                    _position++;
                    SkipSpaces();
                    lower = first.Value;
                    upper = ReadBound() ?? throw MalformedArray(_text, "Missing array dimension value.");
                    SkipSpaces();
                }
                if (Peek() != ']')
                {
                    throw MalformedArray(_text, "Missing \"]\" after array dimensions.");
                }
                _position++;
                if (upper < lower)
                {
                    throw new PgException(PgError.Error(ArraySubscriptError, "upper bound cannot be less than lower bound"));
                }
                dimensions.Add((lower, upper));
                if (dimensions.Count > MaxArrayDimensions)
                {
                    throw TooManyDimensions(dimensions.Count);
                }
                SkipSpaces();
            }
            if (Peek() != '=')
            {
                throw MalformedArray(_text, "Missing \"=\" after array dimensions.");
            }
            _position++;
            SkipSpaces();
            return dimensions;
        }

        private int? ReadBound()
        {
            int start = _position;
            if (Peek() is '+' or '-')
            {
                _position++;
            }
            int digits = _position;
            while (char.IsAsciiDigit(Peek()))
            {
                _position++;
            }
            if (_position == digits)
            {
                _position = start;
                return null;
            }
            if (!int.TryParse(_text.AsSpan(start, _position - start), NumberStyles.AllowLeadingSign, Invariant, out int value))
            {
                throw new PgException(PgError.Error(ProgramLimitExceeded, "array bound is out of integer range"));
            }
            return value;
        }

        /// <summary>'{' items '}' at a nesting depth; records the level's item count (all sub-arrays of one level must agree).</summary>
        private void ParseLevel(int depth)
        {
            if (depth >= MaxArrayDimensions)
            {
                throw TooManyDimensions(depth + 1);
            }
            _position++; // '{'
            if (_lengths.Count == depth)
            {
                _lengths.Add(-1);
            }
            SkipSpaces();
            if (Peek() == '}')
            {
                if (depth > 0)
                {
                    throw MalformedArray(_text, "Unexpected \"}\" character.");
                }
                _position++;
                return;
            }
            int items = 0;
            bool? nested = null;
            while (true)
            {
                SkipSpaces();
                char next = Peek();
                if (next == '\0')
                {
                    throw MalformedArray(_text, "Unexpected end of input.");
                }
                if (next == '{')
                {
                    if (nested == false)
                    {
                        throw MalformedArray(_text, "Unexpected \"{\" character.");
                    }
                    if (_leafDepth == depth)
                    {
                        throw MalformedArray(_text, "Multidimensional arrays must have sub-arrays with matching dimensions.");
                    }
                    nested = true;
                    ParseLevel(depth + 1);
                }
                else
                {
                    if (nested == true)
                    {
                        throw MalformedArray(_text, "Unexpected array element.");
                    }
                    if (_leafDepth >= 0 && _leafDepth != depth)
                    {
                        throw MalformedArray(_text, "Multidimensional arrays must have sub-arrays with matching dimensions.");
                    }
                    _leafDepth = depth;
                    nested = false;
                    ReadElement();
                }
                items++;
                SkipSpaces();
                char separator = Peek();
                if (separator == ',')
                {
                    _position++;
                    continue;
                }
                if (separator == '}')
                {
                    _position++;
                    break;
                }
                if (separator == '\0')
                {
                    throw MalformedArray(_text, "Unexpected end of input.");
                }
                throw MalformedArray(_text, nested == true ? $"Unexpected \"{separator}\" character." : "Unexpected array element.");
            }
            if (_lengths[depth] == -1)
            {
                _lengths[depth] = items;
            }
            else if (_lengths[depth] != items)
            {
                throw MalformedArray(_text, "Multidimensional arrays must have sub-arrays with matching dimensions.");
            }
        }

        private void ReadElement()
        {
            var element = new StringBuilder();
            if (Peek() == '"')
            {
                _position++;
                while (true)
                {
                    if (_position >= _text.Length)
                    {
                        throw MalformedArray(_text, "Unexpected end of input.");
                    }
                    char c = _text[_position++];
                    if (c == '"')
                    {
                        break;
                    }
                    if (c == '\\')
                    {
                        if (_position >= _text.Length)
                        {
                            throw MalformedArray(_text, "Unexpected end of input.");
                        }
                        c = _text[_position++];
                    }
                    element.Append(c);
                }
                AddElement(element.ToString());
                return;
            }
            int keep = 0;
            bool escaped = false;
            while (_position < _text.Length)
            {
                char c = _text[_position];
                if (c is ',' or '}')
                {
                    break;
                }
                _position++;
                if (c is '{' or '"')
                {
                    throw MalformedArray(_text, $"Unexpected \"{c}\" character.");
                }
                if (c == '\\')
                {
                    if (_position >= _text.Length)
                    {
                        throw MalformedArray(_text, "Unexpected end of input.");
                    }
                    element.Append(_text[_position++]);
                    escaped = true;
                    keep = element.Length;
                    continue;
                }
                element.Append(c);
                if (!IsArraySpace(c))
                {
                    keep = element.Length;
                }
            }
            if (_position >= _text.Length)
            {
                throw MalformedArray(_text, "Unexpected end of input.");
            }
            if (element.Length == 0)
            {
                throw MalformedArray(_text, $"Unexpected \"{_text[_position]}\" character.");
            }
            element.Length = keep;
            string value = element.ToString();
            AddElement(!escaped && value.Equals("NULL", StringComparison.OrdinalIgnoreCase) ? null : value);
        }

        private void AddElement(string? element)
        {
            _elements.Add(element);
            if (_elements.Count > MaxArrayElements)
            {
                throw TooManyElements();
            }
        }
    }

    /// <summary>array_send: Int32 ndim, Int32 has-nulls flag, element type OID, per dimension its length and lower bound,
    /// then each element as Int32 length (-1 for NULL) and bytes.</summary>
    private static void WriteArray(IBufferWriter<byte> output, object value, int elementTypeOid)
    {
        PgArray array = ToArray(value);
        bool hasNulls = false;
        foreach (object? element in array)
        {
            hasNulls |= element is null or DBNull;
        }
        WriteInt32(output, array.Dimensions);
        WriteInt32(output, hasNulls ? 1 : 0);
        WriteInt32(output, elementTypeOid);
        for (int dimension = 0; dimension < array.Dimensions; dimension++)
        {
            WriteInt32(output, array.Lengths[dimension]);
            WriteInt32(output, array.LowerBounds[dimension]);
        }
        var elementBytes = new ArrayBufferWriter<byte>();
        foreach (object? element in array)
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

    /// <summary>array_recv, with its checks on the header.</summary>
    private static PgArray ReadArray(ref PgBinaryReader reader, int elementTypeOid)
    {
        int dimensions = reader.ReadInt32();
        int flags = reader.ReadInt32();
        int elementType = reader.ReadInt32();
        if (dimensions < 0)
        {
            throw new PgException(PgError.Error(InvalidBinaryRepresentation, $"invalid number of dimensions: {dimensions}"));
        }
        if (dimensions > MaxArrayDimensions)
        {
            throw TooManyDimensions(dimensions);
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
            return PgArray.Empty;
        }
        var lengths = new int[dimensions];
        var lowerBounds = new int[dimensions];
        long count = 1;
        for (int dimension = 0; dimension < dimensions; dimension++)
        {
            lengths[dimension] = reader.ReadInt32();
            lowerBounds[dimension] = reader.ReadInt32();
            if (lengths[dimension] < 0)
            {
                throw new PgException(PgError.Error(InvalidBinaryRepresentation, "invalid array dimensions"));
            }
            count *= lengths[dimension];
            if (count > MaxArrayElements || count > reader.Remaining / 4)
            {
                throw TooManyElements();
            }
            if ((long)lowerBounds[dimension] + lengths[dimension] - 1 > int.MaxValue)
            {
                throw new PgException(PgError.Error(ProgramLimitExceeded, "array lower bound is too large"));
            }
        }
        if (count == 0)
        {
            return PgArray.Empty;
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
        return new PgArray(elements, lengths, lowerBounds);
    }
}
