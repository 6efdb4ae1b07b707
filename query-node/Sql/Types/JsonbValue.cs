using System.Text;

namespace Log.QueryNode.Sql.Types;

/// <summary>The kinds of a JSON value, in the order jsonb's btree puts values of different kinds (PostgreSQL's
/// jbvNull &lt; jbvString &lt; jbvNumeric &lt; jbvBool &lt; jbvArray &lt; jbvObject).</summary>
public enum JsonbKind : byte
{
    Null,
    String,
    Number,
    Bool,
    Array,
    Object,
}

/// <summary>
/// A jsonb value: an immutable tree, normalised as PostgreSQL's jsonb is (object keys sorted by length then bytes,
/// a duplicate key keeps its last value, numbers as numeric's text so 1e3 is 1000 and 1.50 keeps its scale).
/// A tree rather than PostgreSQL's binary container because the engine holds values as CLR objects: operators walk
/// it without decoding, and its <see cref="ToString"/> is jsonb_out, which the wire codecs write for jsonb.
/// </summary>
internal sealed class JsonbValue : IEquatable<JsonbValue>
{
    public static readonly JsonbValue Null = new(JsonbKind.Null, null, false, [], []);
    public static readonly JsonbValue True = new(JsonbKind.Bool, null, true, [], []);
    public static readonly JsonbValue False = new(JsonbKind.Bool, null, false, [], []);
    public static readonly JsonbValue EmptyArray = new(JsonbKind.Array, null, false, [], []);
    public static readonly JsonbValue EmptyObject = new(JsonbKind.Object, null, false, [], []);

    private readonly string? _text;
    private readonly bool _bool;
    private readonly JsonbValue[] _values;
    private readonly string[] _keys;

    private JsonbValue(JsonbKind kind, string? text, bool flag, JsonbValue[] values, string[] keys)
    {
        Kind = kind;
        _text = text;
        _bool = flag;
        _values = values;
        _keys = keys;
    }

    public JsonbKind Kind { get; }

    public bool IsScalar => Kind is not (JsonbKind.Array or JsonbKind.Object);

    /// <summary>A string's text or a number's numeric text.</summary>
    public string Text => _text ?? throw new InvalidOperationException($"a jsonb {Kind} has no text");

    public bool Bool => Kind == JsonbKind.Bool ? _bool : throw new InvalidOperationException("not a jsonb boolean");

    /// <summary>An array's elements, or an object's values in key order.</summary>
    public IReadOnlyList<JsonbValue> Values => _values;

    /// <summary>An object's keys, sorted as jsonb stores them.</summary>
    public IReadOnlyList<string> Keys => _keys;

    public int Count => _values.Length;

    public static JsonbValue String(string text) => new(JsonbKind.String, text, false, [], []);

    /// <summary>A number from numeric text already in numeric_out's form.</summary>
    public static JsonbValue Number(string numericText) => new(JsonbKind.Number, numericText, false, [], []);

    public static JsonbValue Boolean(bool value) => value ? True : False;

    public static JsonbValue Array(JsonbValue[] elements) => elements.Length == 0 ? EmptyArray : new(JsonbKind.Array, null, false, elements, []);

    /// <summary>An object from pairs in any order; a later duplicate key replaces an earlier one.</summary>
    public static JsonbValue Object(IEnumerable<KeyValuePair<string, JsonbValue>> pairs)
    {
        var byKey = new Dictionary<string, JsonbValue>(StringComparer.Ordinal);
        foreach (KeyValuePair<string, JsonbValue> pair in pairs) byKey[pair.Key] = pair.Value;
        string[] keys = [.. byKey.Keys];
        System.Array.Sort(keys, CompareKeys);
        var values = new JsonbValue[keys.Length];
        for (int index = 0; index < keys.Length; index++) values[index] = byKey[keys[index]];
        return keys.Length == 0 ? EmptyObject : new(JsonbKind.Object, null, false, values, keys);
    }

    /// <summary>jsonb's storage order of keys: shorter first, then by bytes (lengthCompareJsonbString).</summary>
    public static int CompareKeys(string left, string right)
    {
        int leftLength = System.Text.Encoding.UTF8.GetByteCount(left);
        int rightLength = System.Text.Encoding.UTF8.GetByteCount(right);
        return leftLength != rightLength ? leftLength.CompareTo(rightLength) : ValueComparer.CompareText(left, right);
    }

    /// <summary>The value of a key, or null when the object has none (or this is not an object).</summary>
    public JsonbValue? Get(string key)
    {
        if (Kind != JsonbKind.Object) return null;
        int index = System.Array.BinarySearch(_keys, key, Comparer<string>.Create(CompareKeys));
        return index >= 0 ? _values[index] : null;
    }

    /// <summary>An array element by index, negative counting from the end; null when out of range or not an array.</summary>
    public JsonbValue? At(long index)
    {
        if (Kind != JsonbKind.Array) return null;
        if (index < 0) index += _values.Length;
        return index >= 0 && index < _values.Length ? _values[index] : null;
    }

    public IEnumerable<KeyValuePair<string, JsonbValue>> Pairs
    {
        get
        {
            for (int index = 0; index < _keys.Length; index++) yield return new(_keys[index], _values[index]);
        }
    }

    /// <summary>jsonb_typeof's name of the kind.</summary>
    public string TypeName => TypeNameOf(Kind);

    /// <summary>json_typeof's and jsonb_typeof's name of a JSON value's kind.</summary>
    public static string TypeNameOf(JsonbKind kind) => kind switch
    {
        JsonbKind.Null => "null",
        JsonbKind.String => "string",
        JsonbKind.Number => "number",
        JsonbKind.Bool => "boolean",
        JsonbKind.Array => "array",
        _ => "object",
    };

    /// <summary>jsonb_out: ", " between elements and ": " after keys, strings escaped as escape_json does.</summary>
    public override string ToString()
    {
        if (Kind == JsonbKind.Number) return _text!;
        var builder = new StringBuilder();
        Write(builder, this);
        return builder.ToString();
    }

    /// <summary>The text ->> and #>> give: a string unquoted, null as SQL NULL (null here), anything else as jsonb_out.</summary>
    public string? AsText() => Kind switch
    {
        JsonbKind.Null => null,
        JsonbKind.String => _text,
        _ => ToString(),
    };

    private static void Write(StringBuilder builder, JsonbValue value)
    {
        switch (value.Kind)
        {
            case JsonbKind.Null:
                builder.Append("null");
                break;
            case JsonbKind.Bool:
                builder.Append(value._bool ? "true" : "false");
                break;
            case JsonbKind.Number:
                builder.Append(value._text);
                break;
            case JsonbKind.String:
                WriteString(builder, value._text!);
                break;
            case JsonbKind.Array:
                builder.Append('[');
                for (int index = 0; index < value._values.Length; index++)
                {
                    if (index > 0) builder.Append(", ");
                    Write(builder, value._values[index]);
                }
                builder.Append(']');
                break;
            default:
                builder.Append('{');
                for (int index = 0; index < value._values.Length; index++)
                {
                    if (index > 0) builder.Append(", ");
                    WriteString(builder, value._keys[index]);
                    builder.Append(": ");
                    Write(builder, value._values[index]);
                }
                builder.Append('}');
                break;
        }
    }

    /// <summary>PostgreSQL's escape_json: the short escapes, other control characters as \u00XX, the rest as is.</summary>
    public static void WriteString(StringBuilder builder, string text)
    {
        builder.Append('"');
        foreach (char character in text)
        {
            switch (character)
            {
                case '"': builder.Append("\\\""); break;
                case '\\': builder.Append("\\\\"); break;
                case '\b': builder.Append("\\b"); break;
                case '\f': builder.Append("\\f"); break;
                case '\n': builder.Append("\\n"); break;
                case '\r': builder.Append("\\r"); break;
                case '\t': builder.Append("\\t"); break;
                default:
                    if (character < ' ') builder.Append("\\u").Append(((int)character).ToString("x4", System.Globalization.CultureInfo.InvariantCulture));
                    else builder.Append(character);
                    break;
            }
        }
        builder.Append('"');
    }

    /// <summary>jsonb_cmp (compareJsonbContainers): values of different kinds by kind; arrays by element count, then
    /// element by element; objects by pair count, then key and value of each pair in storage order. A scalar at the
    /// top is PostgreSQL's one-element "raw scalar" array, which is why '1' sorts above '[]' but below '[1]'.</summary>
    public static int Compare(JsonbValue left, JsonbValue right)
    {
        bool leftRaw = left.IsScalar;
        bool rightRaw = right.IsScalar;
        if (leftRaw && rightRaw) return CompareNested(left, right);
        if (leftRaw && right.Kind == JsonbKind.Array) return right.Count != 1 ? 1.CompareTo(right.Count) : -1;
        if (rightRaw && left.Kind == JsonbKind.Array) return left.Count != 1 ? left.Count.CompareTo(1) : 1;
        // A raw scalar is an array to the comparison, so it meets an object as an array does.
        JsonbKind leftKind = leftRaw ? JsonbKind.Array : left.Kind;
        JsonbKind rightKind = rightRaw ? JsonbKind.Array : right.Kind;
        if (leftKind != rightKind) return leftKind.CompareTo(rightKind);
        return CompareNested(left, right);
    }

    private static int CompareNested(JsonbValue left, JsonbValue right)
    {
        if (left.Kind != right.Kind) return left.Kind.CompareTo(right.Kind);
        switch (left.Kind)
        {
            case JsonbKind.Null:
                return 0;
            case JsonbKind.String:
                return ValueComparer.CompareText(left._text!, right._text!);
            case JsonbKind.Number:
                return JsonNumber.Compare(left._text!, right._text!);
            case JsonbKind.Bool:
                return left._bool.CompareTo(right._bool);
            case JsonbKind.Array:
            {
                if (left.Count != right.Count) return left.Count.CompareTo(right.Count);
                for (int index = 0; index < left.Count; index++)
                {
                    int order = CompareNested(left._values[index], right._values[index]);
                    if (order != 0) return order;
                }
                return 0;
            }
            default:
            {
                if (left.Count != right.Count) return left.Count.CompareTo(right.Count);
                for (int index = 0; index < left.Count; index++)
                {
                    int order = ValueComparer.CompareText(left._keys[index], right._keys[index]);
                    if (order == 0) order = CompareNested(left._values[index], right._values[index]);
                    if (order != 0) return order;
                }
                return 0;
            }
        }
    }

    public bool Equals(JsonbValue? other) => other is not null && Compare(this, other) == 0;

    public override bool Equals(object? obj) => obj is JsonbValue other && Equals(other);

    /// <summary>Consistent with <see cref="Compare"/>: numbers hash by value (1.0 and 1 alike).</summary>
    public override int GetHashCode()
    {
        var hash = new HashCode();
        AddHash(ref hash, this);
        return hash.ToHashCode();
    }

    private static void AddHash(ref HashCode hash, JsonbValue value)
    {
        hash.Add(value.Kind);
        switch (value.Kind)
        {
            case JsonbKind.String:
                hash.Add(value._text, StringComparer.Ordinal);
                break;
            case JsonbKind.Number:
                hash.Add(JsonNumber.Canonical(value._text!), StringComparer.Ordinal);
                break;
            case JsonbKind.Bool:
                hash.Add(value._bool);
                break;
            case JsonbKind.Array or JsonbKind.Object:
                hash.Add(value.Count);
                for (int index = 0; index < value.Count; index++)
                {
                    if (value.Kind == JsonbKind.Object) hash.Add(value._keys[index], StringComparer.Ordinal);
                    AddHash(ref hash, value._values[index]);
                }
                break;
        }
    }

    /// <summary>jsonb @&gt; (JsonbDeepContains): every pair of an object is in the other's, every element of an array
    /// is somewhere in the other's (order and duplicates aside); a top-level array contains a scalar it holds.</summary>
    public static bool Contains(JsonbValue container, JsonbValue contained, bool top = true)
    {
        if (container.Kind == JsonbKind.Array && contained.IsScalar && top) return container._values.Any(element => Equal(element, contained));
        if (container.Kind != contained.Kind) return false;
        switch (container.Kind)
        {
            case JsonbKind.Object:
                foreach (KeyValuePair<string, JsonbValue> pair in contained.Pairs)
                {
                    JsonbValue? mine = container.Get(pair.Key);
                    if (mine is null) return false;
                    if (pair.Value.IsScalar ? !Equal(mine, pair.Value) : !Contains(mine, pair.Value, top: false)) return false;
                }
                return true;
            case JsonbKind.Array:
                foreach (JsonbValue wanted in contained._values)
                {
                    bool found = wanted.IsScalar
                        ? container._values.Any(element => Equal(element, wanted))
                        : container._values.Any(element => element.Kind == wanted.Kind && Contains(element, wanted, top: false));
                    if (!found) return false;
                }
                return true;
            default:
                return Equal(container, contained);
        }
    }

    private static bool Equal(JsonbValue left, JsonbValue right) => left.Kind == right.Kind && CompareNested(left, right) == 0;
}
