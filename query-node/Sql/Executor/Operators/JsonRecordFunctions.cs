using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Binder;
using Log.QueryNode.Sql.Types;
using Log.Wire.Types;

namespace Log.QueryNode.Sql.Executor.Operators;

/// <summary>
/// The rows of jsonb_to_record, jsonb_to_recordset and their json twins (PostgreSQL's populate_record_worker and
/// populate_recordset_worker): each column of the definition list takes the object's key of its name (the last one
/// when json repeats a key); a missing key or a JSON null is NULL; a string is read by the column type's input
/// function, any other value by its JSON text (as written for json, normalised for jsonb); a json or jsonb column takes
/// the value itself, and an array column a JSON array element by element (or a string in array syntax).
/// </summary>
internal static class JsonRecordFunctions
{
    public static IEnumerable<object?[]> Rows(TableFunction function, object? value, IReadOnlyList<(string Name, SqlType Type)> columns,
        string functionName, DateTimeSettings settings)
    {
        if (value is null) return function == TableFunction.JsonToRecord ? [new object?[columns.Count]] : [];
        JsonNode json = value is JsonText text ? JsonNode.Of(JsonParser.Parse(text.Text), text.Text) : JsonNode.Of((JsonbValue)value);
        if (function == TableFunction.JsonToRecord) return [Record(json, columns, settings)];
        if (json.Kind != JsonbKind.Array) throw new SqlException(SqlState.InvalidParameterValue, $"cannot call {functionName} on a non-array");
        return json.Items.Select(item => item.Kind == JsonbKind.Object
            ? Record(item, columns, settings)
            : throw new SqlException(SqlState.InvalidParameterValue, $"argument of {functionName} must be an array of objects"));
    }

    private static object?[] Record(JsonNode json, IReadOnlyList<(string Name, SqlType Type)> columns, DateTimeSettings settings)
    {
        if (json.Kind != JsonbKind.Object)
        {
            throw new SqlException(SqlState.InvalidParameterValue, $"cannot call populate_composite on {(json.Kind == JsonbKind.Array ? "an array" : "a scalar")}");
        }
        var row = new object?[columns.Count];
        for (int index = 0; index < row.Length; index++)
        {
            (string name, SqlType type) = columns[index];
            row[index] = json.Field(name) is { } field ? Value(field, type, name, settings) : null;
        }
        return row;
    }

    /// <summary>populate_record_field: one JSON value as a value of the column's type.</summary>
    private static object? Value(JsonNode json, SqlType type, string key, DateTimeSettings settings)
    {
        if (json.Kind == JsonbKind.Null) return null;
        switch (type.Kind)
        {
            case TypeKind.Json:
                return new JsonText(json.Written);
            case TypeKind.Jsonb:
                return json.ToJsonb();
        }
        if (type.IsArray)
        {
            if (json.Kind == JsonbKind.String) return ValueInput.Parse(json.Text!, type, settings: settings);
            if (json.Kind != JsonbKind.Array)
            {
                throw new SqlException(SqlState.InvalidTextRepresentation, "expected JSON array", hint: $"See the value of key \"{key}\".");
            }
            return Array(json, type.ElementType, key, settings);
        }
        return ValueInput.Parse(json.Kind == JsonbKind.String ? json.Text! : json.Written, type, settings: settings);
    }

    /// <summary>populate_array: a JSON array, nested arrays being further dimensions of matching lengths.</summary>
    private static PgArray Array(JsonNode json, SqlType element, string key, DateTimeSettings settings)
    {
        var lengths = new List<int>();
        for (JsonNode level = json; level.Kind == JsonbKind.Array; level = level.Items[0])
        {
            lengths.Add(level.Items.Count);
            if (level.Items.Count == 0) break;
        }
        if (lengths[^1] == 0 && lengths.Count == 1) return PgArray.Empty;
        var elements = new List<object?>();
        Collect(json, 0, lengths, element, key, settings, elements);
        return new PgArray([.. elements], [.. lengths], [.. lengths.Select(_ => 1)]);
    }

    private static void Collect(JsonNode json, int dimension, List<int> lengths, SqlType element, string key, DateTimeSettings settings, List<object?> elements)
    {
        if (json.Items.Count != lengths[dimension]) throw MalformedArray();
        foreach (JsonNode item in json.Items)
        {
            bool nested = dimension + 1 < lengths.Count;
            if (nested != (item.Kind == JsonbKind.Array)) throw MalformedArray();
            if (nested) Collect(item, dimension + 1, lengths, element, key, settings, elements);
            else elements.Add(Value(item, element, key, settings));
        }
    }

    private static SqlException MalformedArray() => new(SqlState.InvalidTextRepresentation, "malformed JSON array",
        detail: "Multidimensional arrays must have sub-arrays with matching dimensions.");

    /// <summary>A json or jsonb value seen the same way: its kind, a string's text, its JSON text (json's as written)
    /// and its items and keys.</summary>
    private readonly record struct JsonNode(JsonbKind Kind, string? Text, string Written, IReadOnlyList<JsonNode> Items, IReadOnlyList<string> Keys,
        Func<JsonbValue> ToJsonb)
    {
        public static JsonNode Of(JsonbValue value) =>
            new(value.Kind, value.Kind == JsonbKind.String ? value.Text : null, value.ToString(), value.Values.Select(Of).ToArray(), value.Keys, () => value);

        public static JsonNode Of(JsonSyntax syntax, string source) =>
            new(syntax.Kind, syntax.Kind == JsonbKind.String ? syntax.Text : null, source[syntax.Start..syntax.End],
                syntax.Items.Select(item => Of(item, source)).ToArray(), syntax.Keys, () => JsonParser.ToJsonb(syntax));

        /// <summary>The value of a key of an object: the last one of that name (json keeps duplicates, jsonb the last).</summary>
        public JsonNode? Field(string key)
        {
            for (int index = Keys.Count - 1; index >= 0; index--)
            {
                if (Keys[index] == key) return Items[index];
            }
            return null;
        }
    }
}
