using System.Globalization;
using System.Text;
using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Types;
using Log.Wire.Types;

namespace Log.QueryNode.Sql.Functions;

/// <summary>json and jsonb functions (PostgreSQL's "JSON Functions and Operators"): processing (typeof, length,
/// extraction by path, set, insert, strip_nulls, pretty) and creation (to_json[b], the build functions, json_object).
/// json's functions answer with the text as written; jsonb's with normalised values.</summary>
internal static partial class BuiltinFunctions
{
    private static readonly SqlType Json = SqlType.Json;
    private static readonly SqlType Jsonb = SqlType.Jsonb;
    private static readonly SqlType TextArray = SqlType.ArrayOf(SqlType.Text);

    static partial void AddJson(FunctionRegistry registry)
    {
        Add(registry, "to_jsonb", [ParameterType.AnyElement], Jsonb, (a, c) => ToJsonb(a[0]!, c.ArgumentType(0), c.DateTimeSettings), Volatility.Stable);
        Add(registry, "to_json", [ParameterType.AnyElement], Json, (a, c) => new JsonText(ToJsonText(a[0], c.ArgumentType(0), c.DateTimeSettings)), Volatility.Stable);
        Add(registry, "row_to_json", [SqlType.Record], Json, (a, c) => new JsonText(RecordJsonText((PgRecord)a[0]!, pretty: false, c.DateTimeSettings)), Volatility.Stable);
        Add(registry, "row_to_json", [SqlType.Record, Bool], Json, (a, c) => new JsonText(RecordJsonText((PgRecord)a[0]!, (bool)a[1]!, c.DateTimeSettings)), Volatility.Stable);
        AddVariadic(registry, "jsonb_build_object", [ParameterType.Any], Jsonb, (a, c) => BuildObject(a, c, "jsonb_build_object"), Volatility.Stable, strict: false);
        Add(registry, "jsonb_build_object", [], Jsonb, (_, _) => JsonbValue.EmptyObject);
        AddVariadic(registry, "json_build_object", [ParameterType.Any], Json, (a, c) => BuildJsonObject(a, c), Volatility.Stable, strict: false);
        Add(registry, "json_build_object", [], Json, (_, _) => new JsonText("{}"));
        AddVariadic(registry, "jsonb_build_array", [ParameterType.Any], Jsonb, (a, c) => BuildArray(a, c), Volatility.Stable, strict: false);
        Add(registry, "jsonb_build_array", [], Jsonb, (_, _) => JsonbValue.EmptyArray);
        AddVariadic(registry, "json_build_array", [ParameterType.Any], Json, (a, c) => BuildJsonArray(a, c), Volatility.Stable, strict: false);
        Add(registry, "json_build_array", [], Json, (_, _) => new JsonText("[]"));
        Add(registry, "jsonb_object", [TextArray], Jsonb, (a, _) => ObjectFromTexts(TextsOf(a[0]!), null));
        Add(registry, "jsonb_object", [TextArray, TextArray], Jsonb, (a, _) => ObjectFromTexts(TextsOf(a[0]!), TextsOf(a[1]!)));
        Add(registry, "json_object", [TextArray], Json, (a, _) => JsonObjectText(ObjectFromTexts(TextsOf(a[0]!), null)));
        Add(registry, "json_object", [TextArray, TextArray], Json, (a, _) => JsonObjectText(ObjectFromTexts(TextsOf(a[0]!), TextsOf(a[1]!))));

        Add(registry, "jsonb_typeof", [Jsonb], Text, (a, _) => ((JsonbValue)a[0]!).TypeName);
        Add(registry, "json_typeof", [Json], Text, (a, _) => JsonbValue.TypeNameOf(JsonSyntaxOf(a[0]!).Kind));
        Add(registry, "jsonb_array_length", [Jsonb], Int4, (a, _) => ArrayLength((JsonbValue)a[0]!));
        Add(registry, "json_array_length", [Json], Int4, (a, _) => ArrayLength(JsonParser.ToJsonb(JsonSyntaxOf(a[0]!))));
        // VARIADIC text[]: declared here as VARIADIC "any" (untyped literals read as text), each step taken as its text.
        AddVariadic(registry, "jsonb_extract_path", [Jsonb, ParameterType.Any], Jsonb, (a, c) => a[0] is null ? null : ExtractPath((JsonbValue)a[0]!, PathSteps(a, c.DateTimeSettings)), strict: false);
        AddVariadic(registry, "jsonb_extract_path_text", [Jsonb, ParameterType.Any], Text, (a, c) => a[0] is null ? null : ExtractPath((JsonbValue)a[0]!, PathSteps(a, c.DateTimeSettings))?.AsText(), strict: false);
        AddVariadic(registry, "json_extract_path", [Json, ParameterType.Any], Json, (a, c) => a[0] is null ? null : Slice(a[0]!, FollowPath(JsonSyntaxOf(a[0]!), PathSteps(a, c.DateTimeSettings))), strict: false);
        AddVariadic(registry, "json_extract_path_text", [Json, ParameterType.Any], Text, (a, c) => a[0] is null ? null : SliceText(a[0]!, FollowPath(JsonSyntaxOf(a[0]!), PathSteps(a, c.DateTimeSettings))), strict: false);
        Add(registry, "jsonb_set", [Jsonb, TextArray, Jsonb], Jsonb, (a, _) => Set((JsonbValue)a[0]!, TextsOf(a[1]!), (JsonbValue)a[2]!, createMissing: true));
        Add(registry, "jsonb_set", [Jsonb, TextArray, Jsonb, Bool], Jsonb, (a, _) => Set((JsonbValue)a[0]!, TextsOf(a[1]!), (JsonbValue)a[2]!, (bool)a[3]!));
        Add(registry, "jsonb_insert", [Jsonb, TextArray, Jsonb], Jsonb, (a, _) => Insert((JsonbValue)a[0]!, TextsOf(a[1]!), (JsonbValue)a[2]!, after: false));
        Add(registry, "jsonb_insert", [Jsonb, TextArray, Jsonb, Bool], Jsonb, (a, _) => Insert((JsonbValue)a[0]!, TextsOf(a[1]!), (JsonbValue)a[2]!, (bool)a[3]!));
        Add(registry, "jsonb_strip_nulls", [Jsonb], Jsonb, (a, _) => StripNulls((JsonbValue)a[0]!));
        Add(registry, "jsonb_pretty", [Jsonb], Text, (a, _) => Pretty((JsonbValue)a[0]!));
        // SQL/JSON path (the path is text here: there is no jsonpath type; see JsonPath for the subset).
        Add(registry, "jsonb_path_exists", [Jsonb, Text], Bool, (a, _) => JsonPath.Parse((string)a[1]!).Query((JsonbValue)a[0]!).Count > 0);
        Add(registry, "jsonb_path_match", [Jsonb, Text], Bool, (a, _) => PathMatch((JsonbValue)a[0]!, (string)a[1]!));
        Add(registry, "jsonb_path_query_array", [Jsonb, Text], Jsonb, (a, _) => JsonbValue.Array([.. JsonPath.Parse((string)a[1]!).Query((JsonbValue)a[0]!)]));
        Add(registry, "jsonb_path_query_first", [Jsonb, Text], Jsonb, (a, _) => JsonPath.Parse((string)a[1]!).Query((JsonbValue)a[0]!).FirstOrDefault());
        foreach (JsonOperator entry in JsonOperators) Add(registry, entry.FunctionName, entry.Parameters, entry.Result, entry.Implementation);
    }

    /// <summary>The json and jsonb operators and the pg_proc functions they call (oprcode): the functions are
    /// registered with the others, the operators by <see cref="BuiltinOperators"/>.</summary>
    internal static JsonOperator[] JsonOperators => _jsonOperators ??= CreateJsonOperators();

    private static JsonOperator[]? _jsonOperators;

    /// <summary>A method rather than a field initializer: the type fields it reads are initialised in other partial files.</summary>
    private static JsonOperator[] CreateJsonOperators() =>
    [
        new("->", "jsonb_object_field", [Jsonb, Text], Jsonb, (a, _) => ((JsonbValue)a[0]!).Get((string)a[1]!)),
        new("->", "jsonb_array_element", [Jsonb, Int4], Jsonb, (a, _) => ((JsonbValue)a[0]!).At((int)a[1]!)),
        new("->>", "jsonb_object_field_text", [Jsonb, Text], Text, (a, _) => ((JsonbValue)a[0]!).Get((string)a[1]!)?.AsText()),
        new("->>", "jsonb_array_element_text", [Jsonb, Int4], Text, (a, _) => ((JsonbValue)a[0]!).At((int)a[1]!)?.AsText()),
        new("#>", "jsonb_extract_path_op", [Jsonb, TextArray], Jsonb, (a, _) => ExtractPath((JsonbValue)a[0]!, TextsOf(a[1]!))),
        new("#>>", "jsonb_extract_path_text_op", [Jsonb, TextArray], Text, (a, _) => ExtractPath((JsonbValue)a[0]!, TextsOf(a[1]!))?.AsText()),
        new("->", "json_object_field", [Json, Text], Json, (a, _) => Slice(a[0]!, JsonSyntaxOf(a[0]!) is { Kind: JsonbKind.Object } o ? LastField(o, (string)a[1]!) : null)),
        new("->", "json_array_element", [Json, Int4], Json, (a, _) => Slice(a[0]!, Element(JsonSyntaxOf(a[0]!), (int)a[1]!))),
        new("->>", "json_object_field_text", [Json, Text], Text, (a, _) => SliceText(a[0]!, JsonSyntaxOf(a[0]!) is { Kind: JsonbKind.Object } o ? LastField(o, (string)a[1]!) : null)),
        new("->>", "json_array_element_text", [Json, Int4], Text, (a, _) => SliceText(a[0]!, Element(JsonSyntaxOf(a[0]!), (int)a[1]!))),
        new("#>", "json_extract_path_op", [Json, TextArray], Json, (a, _) => Slice(a[0]!, FollowPath(JsonSyntaxOf(a[0]!), TextsOf(a[1]!)))),
        new("#>>", "json_extract_path_text_op", [Json, TextArray], Text, (a, _) => SliceText(a[0]!, FollowPath(JsonSyntaxOf(a[0]!), TextsOf(a[1]!)))),
        new("@>", "jsonb_contains", [Jsonb, Jsonb], Bool, (a, _) => JsonbValue.Contains((JsonbValue)a[0]!, (JsonbValue)a[1]!)),
        new("<@", "jsonb_contained", [Jsonb, Jsonb], Bool, (a, _) => JsonbValue.Contains((JsonbValue)a[1]!, (JsonbValue)a[0]!)),
        new("?", "jsonb_exists", [Jsonb, Text], Bool, (a, _) => Exists((JsonbValue)a[0]!, (string)a[1]!)),
        new("?|", "jsonb_exists_any", [Jsonb, TextArray], Bool, (a, _) => ExistsAny((JsonbValue)a[0]!, TextsOf(a[1]!))),
        new("?&", "jsonb_exists_all", [Jsonb, TextArray], Bool, (a, _) => ExistsAll((JsonbValue)a[0]!, TextsOf(a[1]!))),
        new("||", "jsonb_concat", [Jsonb, Jsonb], Jsonb, (a, _) => Concatenate((JsonbValue)a[0]!, (JsonbValue)a[1]!)),
        new("-", "jsonb_delete", [Jsonb, Text], Jsonb, (a, _) => DeleteKeys((JsonbValue)a[0]!, [(string)a[1]!])),
        new("-", "jsonb_delete_array", [Jsonb, TextArray], Jsonb, (a, _) => DeleteKeys((JsonbValue)a[0]!, TextsOf(a[1]!))),
        new("-", "jsonb_delete_index", [Jsonb, Int4], Jsonb, (a, _) => DeleteIndex((JsonbValue)a[0]!, (int)a[1]!)),
        new("#-", "jsonb_delete_path", [Jsonb, TextArray], Jsonb, (a, _) => DeletePath((JsonbValue)a[0]!, TextsOf(a[1]!))),
    ];

    internal sealed record JsonOperator(string Symbol, string FunctionName, ParameterType[] Parameters, SqlType Result, FunctionImplementation Implementation);

    /// <summary>A text[] argument's elements: an array value, or (before arrays are a type here) the array's text.</summary>
    private static IReadOnlyList<string?> TextsOf(object value) => value switch
    {
        PgArray array => array.Select(element => (string?)element).ToArray(),
        string text => ((System.Collections.IList)PgTypes.DecodeText(text, PgTypeOid.TextArray, PgTypeSettings.Default)).Cast<string?>().ToArray(),
        System.Collections.IList list => list.Cast<string?>().ToArray(),
        _ => throw new InvalidOperationException($"not a text array: {value.GetType()}"),
    };

    // ---- creation ----

    /// <summary>to_jsonb (datum_to_jsonb): numbers stay numbers (NaN and infinities become strings), booleans, json
    /// and jsonb as themselves, date/time values in ISO 8601 with a T, arrays as arrays, anything else as its text.</summary>
    private static JsonbValue ToJsonb(object value, SqlType type, DateTimeSettings settings)
    {
        switch (value)
        {
            case JsonbValue json:
                return json;
            case JsonText text:
                return JsonParser.ParseJsonb(text.Text);
            case bool flag:
                return JsonbValue.Boolean(flag);
            case short or int or long:
                return JsonbValue.Number(Convert.ToInt64(value, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture));
            case PgNumeric or decimal or double or float:
                string number = ValueFormatter.Format(value, settings)!;
                return number is "NaN" or "Infinity" or "-Infinity" ? JsonbValue.String(number) : JsonbValue.Number(number);
            case DateTime timestamp:
                string written = ValueFormatter.FormatTimestamp(timestamp, settings).Replace(' ', 'T');
                return JsonbValue.String(timestamp.Kind == DateTimeKind.Utc ? IsoOffset(written) : written);
            case PgArray array:
                SqlType elementType = type.IsArray ? type.ElementType : SqlType.Unknown;
                return JsonbValue.Array(array.Select(element => element is null ? JsonbValue.Null : ToJsonb(element, elementType, settings)).ToArray());
            case PgRecord record:
                return JsonbValue.Object(Enumerable.Range(0, record.Count)
                    .Select(index => new KeyValuePair<string, JsonbValue>(record.FieldName(index), ValueOf(record.Values[index], TypeRegistry.TypeOfOid(record.FieldTypeOids[index]), settings)))
                    .ToList());
            case string text:
                return JsonbValue.String(text);
            default:
                return JsonbValue.String(ValueFormatter.Format(value, settings)!);
        }
    }

    /// <summary>A timestamptz's offset in ISO 8601's full form (+00:00 where the output style writes +00).</summary>
    private static string IsoOffset(string text)
    {
        int sign = Math.Max(text.LastIndexOf('+'), text.LastIndexOf('-'));
        return sign > 10 && text.Length - sign == 3 ? text + ":00" : text;
    }

    /// <summary>datum_to_json: as to_jsonb, but json keeps its text as written, jsonb is written by jsonb_out and
    /// arrays with no space after the commas (array_to_json).</summary>
    private static string ToJsonText(object? value, SqlType type, DateTimeSettings settings) => value switch
    {
        null => "null",
        JsonText text => text.Text,
        PgArray array => "[" + string.Join(",", array.Select(element => ToJsonText(element, type.IsArray ? type.ElementType : SqlType.Unknown, settings))) + "]",
        PgRecord record => RecordJsonText(record, pretty: false, settings),
        _ => ToJsonb(value, type.Kind == TypeKind.Unknown ? SqlType.Text : type, settings).ToString(),
    };

    /// <summary>A record as json's object text (composite_to_json): its fields by name in order, no spaces, or a line
    /// feed and a space between fields when <paramref name="pretty"/> (row_to_json's second argument).</summary>
    private static string RecordJsonText(PgRecord record, bool pretty, DateTimeSettings settings)
    {
        var builder = new StringBuilder("{");
        for (int index = 0; index < record.Count; index++)
        {
            if (index > 0) builder.Append(pretty ? ",\n " : ",");
            JsonbValue.WriteString(builder, record.FieldName(index));
            builder.Append(':').Append(ToJsonText(record.Values[index], TypeRegistry.TypeOfOid(record.FieldTypeOids[index]), settings));
        }
        return builder.Append('}').ToString();
    }

    /// <summary>json_build_object and json_object write " : " after keys and ", " between pairs.</summary>
    private static JsonText JsonObjectText(IEnumerable<KeyValuePair<string, string>> pairs)
    {
        var builder = new StringBuilder("{");
        foreach (KeyValuePair<string, string> pair in pairs)
        {
            if (builder.Length > 1) builder.Append(", ");
            JsonbValue.WriteString(builder, pair.Key);
            builder.Append(" : ").Append(pair.Value);
        }
        return new JsonText(builder.Append('}').ToString());
    }

    private static JsonText JsonObjectText(JsonbValue json) => JsonObjectText(json.Pairs.Select(pair => new KeyValuePair<string, string>(pair.Key, pair.Value.ToString())));

    /// <summary>json_build_object keeps every pair in the order written, duplicates too (json is text, not a map).</summary>
    private static JsonText BuildJsonObject(ReadOnlySpan<object?> arguments, EvaluationContext context)
    {
        CheckEvenArguments(arguments.Length, "json_build_object");
        var pairs = new List<KeyValuePair<string, string>>(arguments.Length / 2);
        for (int index = 0; index < arguments.Length; index += 2)
        {
            pairs.Add(new(ObjectKey(arguments[index], index, context), ToJsonText(arguments[index + 1], context.ArgumentType(index + 1), context.DateTimeSettings)));
        }
        return JsonObjectText(pairs);
    }

    private static JsonText BuildJsonArray(ReadOnlySpan<object?> arguments, EvaluationContext context)
    {
        var texts = new string[arguments.Length];
        for (int index = 0; index < arguments.Length; index++) texts[index] = ToJsonText(arguments[index], context.ArgumentType(index), context.DateTimeSettings);
        return new JsonText("[" + string.Join(", ", texts) + "]");
    }

    private static void CheckEvenArguments(int count, string functionName)
    {
        if (count % 2 != 0)
        {
            throw new SqlException(SqlState.InvalidParameterValue, "argument list must have even number of elements",
                hint: $"The arguments of {functionName}() must consist of alternating keys and values.");
        }
    }

    /// <summary>A key of the build functions: not null, a scalar, taken as its text.</summary>
    private static string ObjectKey(object? key, int index, EvaluationContext context)
    {
        if (key is null) throw new SqlException(SqlState.InvalidParameterValue, $"argument {index + 1}: key must not be null");
        JsonbValue keyJson = ToJsonb(key, context.ArgumentType(index), context.DateTimeSettings);
        if (!keyJson.IsScalar || key is JsonText or JsonbValue or PgArray)
        {
            throw new SqlException(SqlState.InvalidParameterValue, "key value must be scalar, not array, composite, or json");
        }
        return keyJson.AsText() ?? "null";
    }

    /// <summary>For the json aggregates: a value (null as JSON null) as jsonb, as json text, and as an object key.</summary>
    internal static JsonbValue ValueToJsonb(object? value, SqlType type, DateTimeSettings settings) => ValueOf(value, type, settings);

    internal static string ValueToJsonText(object? value, SqlType type, DateTimeSettings settings) => ToJsonText(value, type, settings);

    internal static string ValueToJsonKey(object key, SqlType type, DateTimeSettings settings) =>
        ToJsonb(key, type.Kind == TypeKind.Unknown ? SqlType.Text : type, settings).AsText() ?? "null";

    private static JsonbValue ValueOf(object? value, SqlType type, DateTimeSettings settings) =>
        value is null ? JsonbValue.Null : ToJsonb(value, type.Kind == TypeKind.Unknown ? SqlType.Text : type, settings);

    /// <summary>jsonb_build_object: alternating keys and values; a key may not be null, keys are their text.</summary>
    private static JsonbValue BuildObject(ReadOnlySpan<object?> arguments, EvaluationContext context, string functionName)
    {
        CheckEvenArguments(arguments.Length, functionName);
        var pairs = new List<KeyValuePair<string, JsonbValue>>(arguments.Length / 2);
        for (int index = 0; index < arguments.Length; index += 2)
        {
            pairs.Add(new(ObjectKey(arguments[index], index, context), ValueOf(arguments[index + 1], context.ArgumentType(index + 1), context.DateTimeSettings)));
        }
        return JsonbValue.Object(pairs);
    }

    private static JsonbValue BuildArray(ReadOnlySpan<object?> arguments, EvaluationContext context)
    {
        var elements = new JsonbValue[arguments.Length];
        for (int index = 0; index < arguments.Length; index++) elements[index] = ValueOf(arguments[index], context.ArgumentType(index), context.DateTimeSettings);
        return JsonbValue.Array(elements);
    }

    /// <summary>json_object(text[]) of alternating keys and values, or json_object(keys, values).</summary>
    private static JsonbValue ObjectFromTexts(IReadOnlyList<string?> first, IReadOnlyList<string?>? second)
    {
        var pairs = new List<KeyValuePair<string, JsonbValue>>();
        if (second is null)
        {
            if (first.Count % 2 != 0) throw new SqlException(SqlState.ArraySubscriptError, "array must have even number of elements");
            for (int index = 0; index < first.Count; index += 2)
            {
                string key = first[index] ?? throw new SqlException(SqlState.NullValueNotAllowed, "null value not allowed for object key");
                pairs.Add(new(key, first[index + 1] is { } text ? JsonbValue.String(text) : JsonbValue.Null));
            }
        }
        else
        {
            if (first.Count != second.Count) throw new SqlException(SqlState.ArraySubscriptError, "mismatched array dimensions");
            for (int index = 0; index < first.Count; index++)
            {
                string key = first[index] ?? throw new SqlException(SqlState.NullValueNotAllowed, "null value not allowed for object key");
                pairs.Add(new(key, second[index] is { } text ? JsonbValue.String(text) : JsonbValue.Null));
            }
        }
        return JsonbValue.Object(pairs);
    }

    // ---- processing ----

    /// <summary>jsonb_path_match: the path must give one boolean (or null, for unknown).</summary>
    private static bool? PathMatch(JsonbValue target, string path)
    {
        IReadOnlyList<JsonbValue> result = JsonPath.Parse(path).Query(target);
        if (result.Count == 1 && result[0].Kind == JsonbKind.Bool) return result[0].Bool;
        if (result.Count == 1 && result[0].Kind == JsonbKind.Null) return null;
        throw new SqlException(SingletonBooleanRequired, "single boolean result is expected");
    }

    /// <summary>SQLSTATE of jsonb_path_match's "single boolean result is expected" (singleton_sql_json_item_required).</summary>
    private const string SingletonBooleanRequired = "22038";

    private static int ArrayLength(JsonbValue json) => json.Kind switch
    {
        JsonbKind.Array => json.Count,
        JsonbKind.Object => throw new SqlException(SqlState.InvalidParameterValue, "cannot get array length of a non-array"),
        _ => throw new SqlException(SqlState.InvalidParameterValue, "cannot get array length of a scalar"),
    };

    private static string?[] PathSteps(ReadOnlySpan<object?> arguments, DateTimeSettings settings)
    {
        var steps = new string?[arguments.Length - 1];
        for (int index = 1; index < arguments.Length; index++) steps[index - 1] = ValueFormatter.Format(arguments[index], settings);
        return steps;
    }

    /// <summary>#&gt; and jsonb_extract_path: keys through objects, integer texts through arrays; null when a step is missing.</summary>
    private static JsonbValue? ExtractPath(JsonbValue json, IReadOnlyList<string?> path)
    {
        JsonbValue? current = json;
        foreach (string? step in path)
        {
            if (current is null || step is null) return null;
            current = current.Kind switch
            {
                JsonbKind.Object => current.Get(step),
                JsonbKind.Array => int.TryParse(step, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int index) ? current.At(index) : null,
                _ => null,
            };
        }
        return current;
    }

    private static bool Exists(JsonbValue json, string key) => json.Kind switch
    {
        JsonbKind.Object => json.Get(key) is not null,
        JsonbKind.Array => json.Values.Any(element => element.Kind == JsonbKind.String && element.Text == key),
        JsonbKind.String => json.Text == key,
        _ => false,
    };

    private static bool ExistsAny(JsonbValue json, IReadOnlyList<string?> keys) => keys.Any(key => key is not null && Exists(json, key));

    /// <summary>?&amp; ignores NULL keys, as jsonb_exists_all skips them.</summary>
    private static bool ExistsAll(JsonbValue json, IReadOnlyList<string?> keys) => keys.All(key => key is null || Exists(json, key));

    /// <summary>jsonb || jsonb: two objects merge (the right one's keys win), anything else concatenates as arrays (a
    /// scalar or object becoming a one-element array).</summary>
    private static JsonbValue Concatenate(JsonbValue left, JsonbValue right)
    {
        if (left.Kind == JsonbKind.Object && right.Kind == JsonbKind.Object) return JsonbValue.Object(left.Pairs.Concat(right.Pairs));
        IEnumerable<JsonbValue> AsElements(JsonbValue value) => value.Kind == JsonbKind.Array ? value.Values : [value];
        return JsonbValue.Array(AsElements(left).Concat(AsElements(right)).ToArray());
    }

    private static JsonbValue DeleteKeys(JsonbValue json, IReadOnlyList<string?> keys)
    {
        if (json.IsScalar) throw new SqlException(SqlState.InvalidParameterValue, "cannot delete from scalar");
        var removed = new HashSet<string>(keys.Where(key => key is not null)!, StringComparer.Ordinal);
        if (json.Kind == JsonbKind.Object) return JsonbValue.Object(json.Pairs.Where(pair => !removed.Contains(pair.Key)));
        return JsonbValue.Array(json.Values.Where(element => !(element.Kind == JsonbKind.String && removed.Contains(element.Text))).ToArray());
    }

    private static JsonbValue DeleteIndex(JsonbValue json, int index)
    {
        if (json.IsScalar) throw new SqlException(SqlState.InvalidParameterValue, "cannot delete from scalar");
        if (json.Kind == JsonbKind.Object) throw new SqlException(SqlState.InvalidParameterValue, "cannot delete from object using integer index");
        int count = json.Count;
        long position = index < 0 ? (long)index + count : index;
        if (position < 0 || position >= count) return json;
        return JsonbValue.Array(json.Values.Where((_, at) => at != position).ToArray());
    }

    /// <summary>An array index from a path step (setPath's error when it is not an integer).</summary>
    private static int PathIndex(string step, int level)
    {
        if (!int.TryParse(step, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int index))
        {
            throw new SqlException(SqlState.InvalidTextRepresentation, $"path element at position {level + 1} is not an integer: \"{step}\"");
        }
        return index;
    }

    private static void CheckPathStep(string? step, int level)
    {
        if (step is null) throw new SqlException(SqlState.NullValueNotAllowed, $"path element at position {level + 1} is null");
    }

    /// <summary>#- : removes what the path leads to, leaving everything else (and the value, when the path misses).</summary>
    private static JsonbValue DeletePath(JsonbValue json, IReadOnlyList<string?> path)
    {
        if (json.IsScalar) throw new SqlException(SqlState.InvalidParameterValue, "cannot delete path in scalar");
        return path.Count == 0 ? json : DeletePathAt(json, path, 0);
    }

    private static JsonbValue DeletePathAt(JsonbValue json, IReadOnlyList<string?> path, int level)
    {
        string? step = path[level];
        CheckPathStep(step, level);
        bool last = level == path.Count - 1;
        if (json.Kind == JsonbKind.Object)
        {
            JsonbValue? child = json.Get(step!);
            if (child is null) return json;
            if (last) return JsonbValue.Object(json.Pairs.Where(pair => pair.Key != step));
            if (child.IsScalar) return json;
            return JsonbValue.Object(json.Pairs.Select(pair => pair.Key == step ? new KeyValuePair<string, JsonbValue>(pair.Key, DeletePathAt(child, path, level + 1)) : pair));
        }
        if (json.Kind == JsonbKind.Array)
        {
            int index = PathIndex(step!, level);
            int position = index < 0 ? index + json.Count : index;
            if (position < 0 || position >= json.Count) return json;
            if (last) return JsonbValue.Array(json.Values.Where((_, at) => at != position).ToArray());
            JsonbValue child = json.Values[position];
            if (child.IsScalar) return json;
            JsonbValue[] elements = [.. json.Values];
            elements[position] = DeletePathAt(child, path, level + 1);
            return JsonbValue.Array(elements);
        }
        return json;
    }

    /// <summary>jsonb_set: replaces what the path leads to; a missing last key or out-of-range last index adds it
    /// (at the start or end of an array) when <paramref name="createMissing"/>.</summary>
    private static JsonbValue Set(JsonbValue json, IReadOnlyList<string?> path, JsonbValue value, bool createMissing)
    {
        if (json.IsScalar) throw new SqlException(SqlState.InvalidParameterValue, "cannot set path in scalar");
        return path.Count == 0 ? json : SetAt(json, path, 0, value, createMissing ? Placement.Replace : Placement.ReplaceExisting);
    }

    private static JsonbValue Insert(JsonbValue json, IReadOnlyList<string?> path, JsonbValue value, bool after)
    {
        if (json.IsScalar) throw new SqlException(SqlState.InvalidParameterValue, "cannot set path in scalar");
        return path.Count == 0 ? json : SetAt(json, path, 0, value, after ? Placement.InsertAfter : Placement.InsertBefore);
    }

    /// <summary>What setPath does at the end of the path (jsonb_set with and without create_missing, jsonb_insert).</summary>
    private enum Placement : byte
    {
        Replace,
        ReplaceExisting,
        InsertBefore,
        InsertAfter,
    }

    private static JsonbValue SetAt(JsonbValue json, IReadOnlyList<string?> path, int level, JsonbValue value, Placement placement)
    {
        string? step = path[level];
        CheckPathStep(step, level);
        bool last = level == path.Count - 1;
        if (json.Kind == JsonbKind.Object)
        {
            JsonbValue? child = json.Get(step!);
            if (last)
            {
                if (child is not null && placement is Placement.InsertBefore or Placement.InsertAfter)
                {
                    throw new SqlException(SqlState.InvalidParameterValue, "cannot replace existing key",
                        hint: "Try using the function jsonb_set to replace key value.");
                }
                if (child is null && placement == Placement.ReplaceExisting) return json;
                return JsonbValue.Object(json.Pairs.Append(new(step!, value)));
            }
            if (child is null || child.IsScalar) return json;
            return JsonbValue.Object(json.Pairs.Select(pair => pair.Key == step ? new KeyValuePair<string, JsonbValue>(pair.Key, SetAt(child, path, level + 1, value, placement)) : pair));
        }
        if (json.Kind == JsonbKind.Array)
        {
            int index = PathIndex(step!, level);
            int count = json.Count;
            int position = index < 0 ? index + count : index;
            List<JsonbValue> elements = [.. json.Values];
            if (last)
            {
                if (position < 0 || position >= count)
                {
                    if (placement == Placement.ReplaceExisting) return json;
                    elements.Insert(position < 0 ? 0 : count, value);
                }
                else if (placement is Placement.Replace or Placement.ReplaceExisting)
                {
                    elements[position] = value;
                }
                else
                {
                    elements.Insert(placement == Placement.InsertAfter ? position + 1 : position, value);
                }
                return JsonbValue.Array([.. elements]);
            }
            if (position < 0 || position >= count || elements[position].IsScalar) return json;
            elements[position] = SetAt(elements[position], path, level + 1, value, placement);
            return JsonbValue.Array([.. elements]);
        }
        return json;
    }

    private static JsonbValue StripNulls(JsonbValue json) => json.Kind switch
    {
        JsonbKind.Object => JsonbValue.Object(json.Pairs.Where(pair => pair.Value.Kind != JsonbKind.Null)
            .Select(pair => new KeyValuePair<string, JsonbValue>(pair.Key, StripNulls(pair.Value)))),
        JsonbKind.Array => JsonbValue.Array(json.Values.Select(StripNulls).ToArray()),
        _ => json,
    };

    /// <summary>jsonb_pretty: four spaces per level, each element and pair on its own line, empty containers as [] and {}.</summary>
    private static string Pretty(JsonbValue json)
    {
        var builder = new StringBuilder();
        WritePretty(builder, json, 0);
        return builder.ToString();
    }

    private static void WritePretty(StringBuilder builder, JsonbValue json, int level)
    {
        if (json.IsScalar)
        {
            builder.Append(json.ToString());
            return;
        }
        bool isObject = json.Kind == JsonbKind.Object;
        if (json.Count == 0)
        {
            builder.Append(isObject ? '{' : '[').Append('\n').Append(' ', 4 * level).Append(isObject ? '}' : ']');
            return;
        }
        builder.Append(isObject ? '{' : '[');
        for (int index = 0; index < json.Count; index++)
        {
            if (index > 0) builder.Append(',');
            builder.Append('\n').Append(' ', 4 * (level + 1));
            if (isObject)
            {
                JsonbValue.WriteString(builder, json.Keys[index]);
                builder.Append(": ");
            }
            WritePretty(builder, json.Values[index], level + 1);
        }
        builder.Append('\n').Append(' ', 4 * level).Append(isObject ? '}' : ']');
    }

    // ---- json (text as written) ----

    private static JsonSyntax JsonSyntaxOf(object value) => JsonParser.Parse(((JsonText)value).Text);

    /// <summary>json's -&gt; finds the last pair with the key, as a duplicate key's last value is the one jsonb keeps.</summary>
    private static JsonSyntax? LastField(JsonSyntax json, string key)
    {
        for (int index = json.Keys.Count - 1; index >= 0; index--)
        {
            if (json.Keys[index] == key) return json.Items[index];
        }
        return null;
    }

    private static JsonSyntax? Element(JsonSyntax json, int index)
    {
        if (json.Kind != JsonbKind.Array) return null;
        int position = index < 0 ? index + json.Items.Count : index;
        return position >= 0 && position < json.Items.Count ? json.Items[position] : null;
    }

    private static JsonSyntax? FollowPath(JsonSyntax json, IReadOnlyList<string?> path)
    {
        JsonSyntax? current = json;
        foreach (string? step in path)
        {
            if (current is null || step is null) return null;
            current = current.Kind switch
            {
                JsonbKind.Object => LastField(current, step),
                JsonbKind.Array => int.TryParse(step, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int index) ? Element(current, index) : null,
                _ => null,
            };
        }
        return current;
    }

    private static JsonText? Slice(object json, JsonSyntax? found) =>
        found is null ? null : new JsonText(((JsonText)json).Text[found.Start..found.End]);

    private static string? SliceText(object json, JsonSyntax? found) => found?.Kind switch
    {
        null or JsonbKind.Null => null,
        JsonbKind.String => found.Text,
        _ => ((JsonText)json).Text[found.Start..found.End],
    };
}

internal static partial class BuiltinOperators
{
    static partial void AddJsonOperators(OperatorRegistry operators, FunctionRegistry functions)
    {
        foreach (BuiltinFunctions.JsonOperator entry in BuiltinFunctions.JsonOperators)
        {
            operators.AddInfix(entry.Symbol, functions.Get(entry.FunctionName, entry.Parameters));
        }
    }
}
