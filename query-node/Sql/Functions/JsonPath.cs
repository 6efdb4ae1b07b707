using System.Globalization;
using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Functions;

/// <summary>
/// A subset of SQL/JSON path (PostgreSQL's jsonpath) for jsonb_path_query, _exists, _match, _query_array and
/// _query_first: lax and strict modes, $, .key, ."key", .*, [*], [n, m], filters ?( ... ) with @ and $ paths,
/// comparisons (== != &lt;&gt; &lt; &lt;= &gt; &gt;=) against literals, &amp;&amp;, ||, ! and exists( ... ), and a
/// top-level predicate for jsonb_path_match. Everything else (methods such as .size(), arithmetic, like_regex,
/// variables other than $) fails with 0A000 naming it. The path is evaluated as written each call (no jsonpath type).
/// </summary>
internal sealed class JsonPath
{
    private readonly string _text;
    private int _index;

    private JsonPath(string text) => _text = text;

    private bool _strict;
    private Node _root = null!;

    public static JsonPath Parse(string text)
    {
        var path = new JsonPath(text);
        path.SkipWhitespace();
        if (path.TryWord("strict")) path._strict = true;
        else path.TryWord("lax");
        path._root = path.ParseOr();
        path.SkipWhitespace();
        if (path._index < text.Length) throw path.SyntaxError();
        return path;
    }

    /// <summary>The sequence of items the path gives for <paramref name="target"/>; a predicate gives one boolean (or null for unknown).</summary>
    public IReadOnlyList<JsonbValue> Query(JsonbValue target)
    {
        if (_root is Predicate predicate)
        {
            bool? answer = predicate.Test(this, target, target);
            return [answer is null ? JsonbValue.Null : JsonbValue.Boolean(answer.Value)];
        }
        return ((PathNode)_root).Evaluate(this, target, target);
    }

    private abstract class Node;

    private abstract class Predicate : Node
    {
        public abstract bool? Test(JsonPath path, JsonbValue root, JsonbValue current);
    }

    /// <summary>$ or @ followed by accessors.</summary>
    private sealed class PathNode(bool fromRoot, List<Accessor> accessors) : Node
    {
        public List<JsonbValue> Evaluate(JsonPath path, JsonbValue root, JsonbValue current)
        {
            List<JsonbValue> items = [fromRoot ? root : current];
            foreach (Accessor accessor in accessors)
            {
                var next = new List<JsonbValue>();
                foreach (JsonbValue item in items) accessor.Apply(path, root, item, next);
                items = next;
            }
            return items;
        }
    }

    private sealed class Literal(JsonbValue value) : Node
    {
        public JsonbValue Value { get; } = value;
    }

    private abstract class Accessor
    {
        public abstract void Apply(JsonPath path, JsonbValue root, JsonbValue item, List<JsonbValue> output);
    }

    private sealed class MemberAccessor(string? key) : Accessor
    {
        public override void Apply(JsonPath path, JsonbValue root, JsonbValue item, List<JsonbValue> output)
        {
            if (item.Kind == JsonbKind.Array && !path._strict)
            {
                foreach (JsonbValue element in item.Values) Apply(path, root, element, output);
                return;
            }
            if (item.Kind != JsonbKind.Object)
            {
                if (path._strict) throw new SqlException(SqlState.SqlJsonMemberNotFound, "jsonpath member accessor can only be applied to an object");
                return;
            }
            if (key is null)
            {
                output.AddRange(item.Values);
                return;
            }
            JsonbValue? value = item.Get(key);
            if (value is not null) output.Add(value);
            else if (path._strict) throw new SqlException(SqlState.SqlJsonMemberNotFound, $"JSON object does not contain key \"{key}\"");
        }
    }

    /// <summary>[*] (null subscripts) or [n, m, ...].</summary>
    private sealed class ElementAccessor(List<int>? subscripts) : Accessor
    {
        public override void Apply(JsonPath path, JsonbValue root, JsonbValue item, List<JsonbValue> output)
        {
            if (item.Kind != JsonbKind.Array)
            {
                if (path._strict) throw new SqlException(ArrayNotFound, "jsonpath array accessor can only be applied to an array");
                // lax: a non-array is a one-element array.
                if (subscripts is null || subscripts.Contains(0)) output.Add(item);
                return;
            }
            if (subscripts is null)
            {
                output.AddRange(item.Values);
                return;
            }
            foreach (int subscript in subscripts)
            {
                if (subscript >= 0 && subscript < item.Count) output.Add(item.Values[subscript]);
                else if (path._strict) throw new SqlException(InvalidSubscript, "jsonpath array subscript is out of bounds");
            }
        }
    }

    private sealed class FilterAccessor(Predicate predicate) : Accessor
    {
        public override void Apply(JsonPath path, JsonbValue root, JsonbValue item, List<JsonbValue> output)
        {
            if (item.Kind == JsonbKind.Array && !path._strict)
            {
                foreach (JsonbValue element in item.Values) Apply(path, root, element, output);
                return;
            }
            if (predicate.Test(path, root, item) == true) output.Add(item);
        }
    }

    private sealed class Comparison(Node left, string op, Node right) : Predicate
    {
        /// <summary>True when any pair of items compares true (lax); unknown when items of different kinds meet.</summary>
        public override bool? Test(JsonPath path, JsonbValue root, JsonbValue current)
        {
            List<JsonbValue> lefts = Items(path, left, root, current);
            List<JsonbValue> rights = Items(path, right, root, current);
            bool unknown = false;
            foreach (JsonbValue a in lefts)
            {
                foreach (JsonbValue b in rights)
                {
                    bool? result = Compare(a, b);
                    if (result == true) return true;
                    if (result is null) unknown = true;
                }
            }
            return unknown ? null : false;
        }

        private static List<JsonbValue> Items(JsonPath path, Node node, JsonbValue root, JsonbValue current)
        {
            List<JsonbValue> items = node is Literal literal ? [literal.Value] : ((PathNode)node).Evaluate(path, root, current);
            if (path._strict) return items;
            // lax: arrays compared are unwrapped.
            return items.SelectMany(item => item.Kind == JsonbKind.Array ? item.Values : [item]).ToList();
        }

        private bool? Compare(JsonbValue a, JsonbValue b)
        {
            if (a.Kind != b.Kind)
            {
                if (a.Kind == JsonbKind.Null || b.Kind == JsonbKind.Null) return op is "!=" or "<>";
                return null;
            }
            int order;
            switch (a.Kind)
            {
                case JsonbKind.Null: order = 0; break;
                case JsonbKind.Number: order = JsonNumber.Compare(a.Text, b.Text); break;
                case JsonbKind.String: order = ValueComparer.CompareText(a.Text, b.Text); break;
                case JsonbKind.Bool:
                    if (op is not ("==" or "!=" or "<>")) return null;
                    order = a.Bool.CompareTo(b.Bool);
                    break;
                default:
                    return null;
            }
            return op switch
            {
                "==" => order == 0,
                "!=" or "<>" => order != 0,
                "<" => order < 0,
                "<=" => order <= 0,
                ">" => order > 0,
                _ => order >= 0,
            };
        }
    }

    private sealed class Logical(Predicate left, string op, Predicate? right) : Predicate
    {
        public override bool? Test(JsonPath path, JsonbValue root, JsonbValue current)
        {
            bool? a = left.Test(path, root, current);
            if (op == "!") return a is null ? null : !a;
            if (op == "&&" && a == false) return false;
            if (op == "||" && a == true) return true;
            bool? b = right!.Test(path, root, current);
            return op == "&&"
                ? (b == false ? false : a is null || b is null ? null : true)
                : (b == true ? true : a is null || b is null ? null : false);
        }
    }

    private sealed class Exists(PathNode node) : Predicate
    {
        public override bool? Test(JsonPath path, JsonbValue root, JsonbValue current) => node.Evaluate(path, root, current).Count > 0;
    }

    private const string ArrayNotFound = "2203B";
    private const string InvalidSubscript = "22033";

    // ---- parser ----

    private Node ParseOr()
    {
        Node left = ParseAnd();
        while (TrySymbol("||")) left = new Logical(AsPredicate(left), "||", AsPredicate(ParseAnd()));
        return left;
    }

    private Node ParseAnd()
    {
        Node left = ParseUnary();
        while (TrySymbol("&&")) left = new Logical(AsPredicate(left), "&&", AsPredicate(ParseUnary()));
        return left;
    }

    private Node ParseUnary()
    {
        if (TrySymbol("!"))
        {
            Expect("(");
            Node inner = ParseOr();
            Expect(")");
            return new Logical(AsPredicate(inner), "!", null);
        }
        if (TryWord("exists"))
        {
            Expect("(");
            Node inner = ParseOperand();
            Expect(")");
            return new Exists(inner as PathNode ?? throw SyntaxError());
        }
        if (TrySymbol("("))
        {
            Node inner = ParseOr();
            Expect(")");
            return inner;
        }
        Node left = ParseOperand();
        foreach (string op in new[] { "==", "!=", "<>", "<=", ">=", "<", ">" })
        {
            if (TrySymbol(op)) return new Comparison(left, op, ParseOperand());
        }
        SkipWhitespace();
        if (TryWord("like_regex") || TryWord("starts")) throw Unsupported("like_regex or starts with in jsonpath");
        return left;
    }

    private Predicate AsPredicate(Node node) => node as Predicate ?? throw SyntaxError();

    private Node ParseOperand()
    {
        SkipWhitespace();
        if (_index >= _text.Length) throw SyntaxError();
        char character = _text[_index];
        if (character is '$' or '@')
        {
            _index++;
            if (character == '$' && _index < _text.Length && char.IsAsciiLetter(_text[_index])) throw Unsupported("a jsonpath variable other than $");
            return new PathNode(character == '$', ParseAccessors());
        }
        if (character == '"') return new Literal(JsonbValue.String(ReadString()));
        if (character == '-' || char.IsAsciiDigit(character))
        {
            int start = _index;
            _index++;
            while (_index < _text.Length && (char.IsAsciiDigit(_text[_index]) || _text[_index] is '.' or 'e' or 'E'
                || (_text[_index] is '+' or '-' && _text[_index - 1] is 'e' or 'E'))) _index++;
            string number = _text[start.._index];
            if (!decimal.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out _)) throw SyntaxError();
            return new Literal(JsonParser.ParseJsonb(number.StartsWith('.') ? "0" + number : number));
        }
        if (TryWord("true")) return new Literal(JsonbValue.True);
        if (TryWord("false")) return new Literal(JsonbValue.False);
        if (TryWord("null")) return new Literal(JsonbValue.Null);
        throw SyntaxError();
    }

    private List<Accessor> ParseAccessors()
    {
        var accessors = new List<Accessor>();
        while (true)
        {
            SkipWhitespace();
            if (_index >= _text.Length) return accessors;
            char character = _text[_index];
            if (character == '.')
            {
                _index++;
                if (TrySymbol("*"))
                {
                    accessors.Add(new MemberAccessor(null));
                    continue;
                }
                if (_index < _text.Length && _text[_index] == '"')
                {
                    accessors.Add(new MemberAccessor(ReadString()));
                    continue;
                }
                int start = _index;
                while (_index < _text.Length && (char.IsAsciiLetterOrDigit(_text[_index]) || _text[_index] is '_' or '$')) _index++;
                if (start == _index) throw SyntaxError();
                string key = _text[start.._index];
                if (_index < _text.Length && _text[_index] == '(') throw Unsupported($"jsonpath method .{key}()");
                accessors.Add(new MemberAccessor(key));
            }
            else if (character == '[')
            {
                _index++;
                if (TrySymbol("*"))
                {
                    Expect("]");
                    accessors.Add(new ElementAccessor(null));
                    continue;
                }
                var subscripts = new List<int>();
                do
                {
                    SkipWhitespace();
                    int start = _index;
                    if (_index < _text.Length && _text[_index] == '-') _index++;
                    while (_index < _text.Length && char.IsAsciiDigit(_text[_index])) _index++;
                    if (!int.TryParse(_text.AsSpan(start, _index - start), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int subscript))
                    {
                        SkipWhitespace();
                        if (_index >= _text.Length || _text[_index] is ']' or ',') throw SyntaxError();
                        throw Unsupported("a jsonpath subscript other than an integer or *");
                    }
                    subscripts.Add(subscript);
                }
                while (TrySymbol(","));
                Expect("]");
                accessors.Add(new ElementAccessor(subscripts));
            }
            else if (character == '?')
            {
                _index++;
                Expect("(");
                Node predicate = ParseOr();
                Expect(")");
                accessors.Add(new FilterAccessor(AsPredicate(predicate)));
            }
            else
            {
                return accessors;
            }
        }
    }

    private string ReadString()
    {
        int start = _index;
        _index++;
        while (_index < _text.Length && _text[_index] != '"')
        {
            if (_text[_index] == '\\') _index++;
            _index++;
        }
        if (_index >= _text.Length) throw SyntaxError();
        _index++;
        return JsonParser.ParseJsonb(_text[start.._index]).Text;
    }

    private void SkipWhitespace()
    {
        while (_index < _text.Length && char.IsWhiteSpace(_text[_index])) _index++;
    }

    private bool TrySymbol(string symbol)
    {
        SkipWhitespace();
        if (string.CompareOrdinal(_text, _index, symbol, 0, symbol.Length) != 0) return false;
        _index += symbol.Length;
        return true;
    }

    private bool TryWord(string word)
    {
        SkipWhitespace();
        int end = _index + word.Length;
        if (end > _text.Length || string.CompareOrdinal(_text, _index, word, 0, word.Length) != 0) return false;
        if (end < _text.Length && char.IsAsciiLetterOrDigit(_text[end])) return false;
        _index = end;
        return true;
    }

    private void Expect(string symbol)
    {
        if (!TrySymbol(symbol)) throw SyntaxError();
    }

    private SqlException SyntaxError() =>
        new(SqlState.SyntaxError, _index >= _text.Length
            ? "syntax error at end of jsonpath input"
            : $"syntax error at or near \"{_text[_index]}\" of jsonpath input");

    private static SqlException Unsupported(string what) => new(SqlState.FeatureNotSupported, $"{what} is not supported");
}
