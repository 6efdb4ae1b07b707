using System.Globalization;
using System.Text;
using Log.QueryNode.Execution;

namespace Log.QueryNode.Sql.Types;

/// <summary>One JSON value as written: its kind, where it is in the text (json's operators return the text as
/// written), a string's decoded text or a number's raw text, and an object's pairs in written order, duplicates kept.</summary>
internal sealed record JsonSyntax(JsonbKind Kind, int Start, int End, string? Text, bool Bool, IReadOnlyList<JsonSyntax> Items, IReadOnlyList<string> Keys);

/// <summary>
/// PostgreSQL's JSON grammar (json_lex / pg_parse_json), with its error messages: invalid text is 22P02 "invalid
/// input syntax for type json" and a DETAIL saying what was expected. Written here rather than taken from
/// System.Text.Json because both types need what that reader does not give: json keeps each value's text as written
/// and its duplicate keys, jsonb needs a number's exact text, and the DETAIL lines are PostgreSQL's own.
/// </summary>
internal sealed class JsonParser
{
    private readonly string _text;
    private readonly int? _position;
    private int _index;
    private int _depth;

    private JsonParser(string text, int? position)
    {
        _text = text;
        _position = position;
    }

    public static JsonSyntax Parse(string text, int? position = null)
    {
        var parser = new JsonParser(text, position);
        JsonSyntax value = parser.ParseValue();
        parser.SkipWhitespace();
        if (parser._index < text.Length) throw parser.Error($"Expected end of input, but found \"{parser.PeekToken()}\".");
        return value;
    }

    /// <summary>jsonb_in: the text parsed and normalised.</summary>
    public static JsonbValue ParseJsonb(string text, int? position = null) => ToJsonb(Parse(text, position));

    public static JsonbValue ToJsonb(JsonSyntax syntax) => syntax.Kind switch
    {
        JsonbKind.Null => JsonbValue.Null,
        JsonbKind.Bool => JsonbValue.Boolean(syntax.Bool),
        JsonbKind.String => JsonbValue.String(syntax.Text!),
        JsonbKind.Number => JsonbValue.Number(JsonNumber.Normalise(syntax.Text!)),
        JsonbKind.Array => JsonbValue.Array(syntax.Items.Select(ToJsonb).ToArray()),
        _ => JsonbValue.Object(syntax.Keys.Select((key, index) => new KeyValuePair<string, JsonbValue>(key, ToJsonb(syntax.Items[index])))),
    };

    private JsonSyntax ParseValue()
    {
        SkipWhitespace();
        if (_index >= _text.Length) throw EndedUnexpectedly();
        int start = _index;
        char character = _text[_index];
        switch (character)
        {
            case '{':
                return ParseObject(start);
            case '[':
                return ParseArray(start);
            case '"':
                string text = ReadString();
                return new JsonSyntax(JsonbKind.String, start, _index, text, false, [], []);
            case '-' or (>= '0' and <= '9'):
                string number = ReadNumber();
                return new JsonSyntax(JsonbKind.Number, start, _index, number, false, [], []);
            default:
                string word = ReadWord();
                JsonbKind kind = word switch
                {
                    "true" or "false" => JsonbKind.Bool,
                    "null" => JsonbKind.Null,
                    _ => throw (word.Length == 1 && !char.IsLetterOrDigit(word[0]) && word[0] != '_'
                        ? Error($"Expected JSON value, but found \"{word}\".")
                        : Error($"Token \"{word}\" is invalid.")),
                };
                return new JsonSyntax(kind, start, _index, null, word == "true", [], []);
        }
    }

    private JsonSyntax ParseObject(int start)
    {
        Enter();
        _index++;
        var keys = new List<string>();
        var values = new List<JsonSyntax>();
        SkipWhitespace();
        if (Peek() == '}')
        {
            _index++;
            _depth--;
            return new JsonSyntax(JsonbKind.Object, start, _index, null, false, values, keys);
        }
        while (true)
        {
            SkipWhitespace();
            if (_index >= _text.Length) throw EndedUnexpectedly();
            if (_text[_index] != '"') throw Error($"Expected string{(keys.Count == 0 ? " or \"}\"" : "")}, but found \"{PeekToken()}\".");
            keys.Add(ReadString());
            SkipWhitespace();
            if (_index >= _text.Length) throw EndedUnexpectedly();
            if (_text[_index] != ':') throw Error($"Expected \":\", but found \"{PeekToken()}\".");
            _index++;
            values.Add(ParseValue());
            SkipWhitespace();
            if (_index >= _text.Length) throw EndedUnexpectedly();
            char next = _text[_index++];
            if (next == '}') break;
            if (next != ',')
            {
                _index--;
                throw Error($"Expected \",\" or \"}}\", but found \"{PeekToken()}\".");
            }
        }
        _depth--;
        return new JsonSyntax(JsonbKind.Object, start, _index, null, false, values, keys);
    }

    private JsonSyntax ParseArray(int start)
    {
        Enter();
        _index++;
        var items = new List<JsonSyntax>();
        SkipWhitespace();
        if (Peek() == ']')
        {
            _index++;
            _depth--;
            return new JsonSyntax(JsonbKind.Array, start, _index, null, false, items, []);
        }
        while (true)
        {
            SkipWhitespace();
            if (_index < _text.Length && _text[_index] is ']' or ',' or '}' or ':')
            {
                throw Error(items.Count == 0
                    ? $"Expected array element or \"]\", but found \"{PeekToken()}\"."
                    : $"Expected JSON value, but found \"{PeekToken()}\".");
            }
            items.Add(ParseValue());
            SkipWhitespace();
            if (_index >= _text.Length) throw EndedUnexpectedly();
            char next = _text[_index++];
            if (next == ']') break;
            if (next != ',')
            {
                _index--;
                throw Error($"Expected \",\" or \"]\", but found \"{PeekToken()}\".");
            }
        }
        _depth--;
        return new JsonSyntax(JsonbKind.Array, start, _index, null, false, items, []);
    }

    private void Enter()
    {
        if (++_depth > SqlLimits.JsonDepthMax)
        {
            throw new SqlException(EngineSqlState.StackDepthLimitExceeded, "stack depth limit exceeded", _position);
        }
    }

    private char Peek() => _index < _text.Length ? _text[_index] : '\0';

    private void SkipWhitespace()
    {
        while (_index < _text.Length && _text[_index] is ' ' or '\t' or '\n' or '\r') _index++;
    }

    private string ReadString()
    {
        int start = _index;
        _index++;
        var builder = new StringBuilder();
        while (true)
        {
            if (_index >= _text.Length) throw EndedUnexpectedly();
            char character = _text[_index++];
            if (character == '"') return builder.ToString();
            if (character < ' ')
            {
                throw Error($"Character with value 0x{(int)character:x2} must be escaped.");
            }
            if (character != '\\')
            {
                builder.Append(character);
                continue;
            }
            if (_index >= _text.Length) throw EndedUnexpectedly();
            char escape = _text[_index++];
            switch (escape)
            {
                case '"': builder.Append('"'); break;
                case '\\': builder.Append('\\'); break;
                case '/': builder.Append('/'); break;
                case 'b': builder.Append('\b'); break;
                case 'f': builder.Append('\f'); break;
                case 'n': builder.Append('\n'); break;
                case 'r': builder.Append('\r'); break;
                case 't': builder.Append('\t'); break;
                case 'u':
                    if (_index + 4 > _text.Length || !int.TryParse(_text.AsSpan(_index, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int code))
                    {
                        throw Error("\"\\u\" must be followed by four hexadecimal digits.");
                    }
                    _index += 4;
                    if (code == 0)
                    {
                        throw new SqlException(UntranslatableCharacter, "unsupported Unicode escape sequence", _position,
                            detail: "\\u0000 cannot be converted to text.");
                    }
                    builder.Append((char)code);
                    break;
                default:
                    throw Error($"Escape sequence \"\\{escape}\" is invalid.");
            }
        }
    }

    /// <summary>The SQLSTATE of \u0000 in jsonb (untranslatable_character).</summary>
    private const string UntranslatableCharacter = "22P05";

    /// <summary>-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?; anything alphanumeric stuck to it makes the whole an invalid token.</summary>
    private string ReadNumber()
    {
        int start = _index;
        bool valid = true;
        if (Peek() == '-') _index++;
        if (Peek() == '0')
        {
            _index++;
        }
        else if (Peek() is >= '1' and <= '9')
        {
            while (Peek() is >= '0' and <= '9') _index++;
        }
        else
        {
            valid = false;
        }
        if (valid && Peek() == '.')
        {
            _index++;
            if (Peek() is not (>= '0' and <= '9')) valid = false;
            while (Peek() is >= '0' and <= '9') _index++;
        }
        if (valid && Peek() is 'e' or 'E')
        {
            _index++;
            if (Peek() is '+' or '-') _index++;
            if (Peek() is not (>= '0' and <= '9')) valid = false;
            while (Peek() is >= '0' and <= '9') _index++;
        }
        while (_index < _text.Length && IsWordCharacter(_text[_index]))
        {
            valid = false;
            _index++;
        }
        string token = _text[start.._index];
        if (!valid) throw Error($"Token \"{token}\" is invalid.");
        return token;
    }

    private string ReadWord()
    {
        int start = _index;
        while (_index < _text.Length && IsWordCharacter(_text[_index])) _index++;
        if (_index == start) _index++;
        return _text[start.._index];
    }

    private static bool IsWordCharacter(char character) => char.IsAsciiLetterOrDigit(character) || character == '_' || character > 127;

    /// <summary>The token at the current place, as PostgreSQL names it in a DETAIL.</summary>
    private string PeekToken()
    {
        int saved = _index;
        try
        {
            if (_index >= _text.Length) return "";
            char character = _text[_index];
            if (character == '"')
            {
                try
                {
                    ReadString();
                }
                catch (SqlException)
                {
                    _index = _text.Length;
                }
                return _text[saved.._index];
            }
            return ReadWord();
        }
        finally
        {
            _index = saved;
        }
    }

    private SqlException EndedUnexpectedly() => Error("The input string ended unexpectedly.");

    private SqlException Error(string detail) =>
        new(SqlState.InvalidTextRepresentation, "invalid input syntax for type json", _position, detail);
}
