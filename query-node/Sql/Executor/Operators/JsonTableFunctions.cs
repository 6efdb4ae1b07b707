using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Binder;
using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Executor.Operators;

/// <summary>The rows of the json and jsonb set-returning functions (jsonb_each, jsonb_array_elements, ...): json's
/// give each value's text as written and every pair of an object, duplicates included; jsonb's give normalised values.</summary>
internal static class JsonTableFunctions
{
    public static bool Handles(TableFunction function) => function is TableFunction.JsonEach or TableFunction.JsonEachText
        or TableFunction.JsonArrayElements or TableFunction.JsonArrayElementsText or TableFunction.JsonObjectKeys or TableFunction.JsonPathQuery;

    /// <summary>jsonb_path_query: one row per item the path gives.</summary>
    public static IEnumerable<object?[]> QueryPath(object target, object path) =>
        Functions.JsonPath.Parse((string)path).Query((JsonbValue)target).Select(item => new object?[] { item });

    public static IEnumerable<object?[]> Generate(TableFunction function, object value, string functionName)
    {
        (JsonbKind kind, List<(string? Key, object? Value, string? Text)> items) = value is JsonText text ? ItemsOfJson(text) : ItemsOfJsonb((JsonbValue)value);
        bool wantsObject = function is TableFunction.JsonEach or TableFunction.JsonEachText or TableFunction.JsonObjectKeys;
        JsonbKind wanted = wantsObject ? JsonbKind.Object : JsonbKind.Array;
        if (kind != wanted) throw WrongKind(function, kind, value is JsonText, functionName);
        foreach ((string? key, object? item, string? itemText) in items)
        {
            yield return function switch
            {
                TableFunction.JsonEach => [key, item],
                TableFunction.JsonEachText => [key, itemText],
                TableFunction.JsonArrayElements => [item],
                TableFunction.JsonArrayElementsText => [itemText],
                _ => [key],
            };
        }
    }

    /// <summary>PostgreSQL's messages differ by function and by type (json's come from its parser's callbacks).</summary>
    private static SqlException WrongKind(TableFunction function, JsonbKind kind, bool isJson, string functionName)
    {
        string what = kind == JsonbKind.Array ? "an array" : kind == JsonbKind.Object ? "an object" : "a scalar";
        bool isScalar = kind is not (JsonbKind.Array or JsonbKind.Object);
        string message = function switch
        {
            TableFunction.JsonObjectKeys => $"cannot call {functionName} on {what}",
            TableFunction.JsonEach or TableFunction.JsonEachText when isJson => isScalar ? "cannot deconstruct a scalar" : "cannot deconstruct an array as an object",
            TableFunction.JsonEach or TableFunction.JsonEachText => $"cannot call {functionName} on a non-object",
            _ when isJson => isScalar ? $"cannot call {functionName} on a scalar" : $"cannot call {functionName} on a non-array",
            _ => $"cannot extract elements from {what}",
        };
        return new SqlException(SqlState.InvalidParameterValue, message);
    }

    private static (JsonbKind, List<(string?, object?, string?)>) ItemsOfJsonb(JsonbValue json)
    {
        var items = new List<(string?, object?, string?)>(json.Count);
        for (int index = 0; index < json.Count; index++)
        {
            JsonbValue item = json.Values[index];
            items.Add((json.Kind == JsonbKind.Object ? json.Keys[index] : null, item, item.AsText()));
        }
        return (json.Kind, items);
    }

    private static (JsonbKind, List<(string?, object?, string?)>) ItemsOfJson(JsonText json)
    {
        JsonSyntax syntax = JsonParser.Parse(json.Text);
        var items = new List<(string?, object?, string?)>(syntax.Items.Count);
        for (int index = 0; index < syntax.Items.Count; index++)
        {
            JsonSyntax item = syntax.Items[index];
            string written = json.Text[item.Start..item.End];
            string? asText = item.Kind switch
            {
                JsonbKind.Null => null,
                JsonbKind.String => item.Text,
                _ => written,
            };
            items.Add((syntax.Kind == JsonbKind.Object ? syntax.Keys[index] : null, new JsonText(written), asText));
        }
        return (syntax.Kind, items);
    }
}
