namespace Log.QueryNode.Sql.Functions;

/// <summary>The parameter names (pg_proc.proargnames) and defaults (proargdefaults) of the built-in functions that
/// PostgreSQL 15 names, so that calls in named or mixed notation (make_interval(days => 3)) resolve as they do there.
/// Only the overload that takes every parameter is named: shorter ones stand for its defaults in positional calls.</summary>
internal static partial class BuiltinFunctions
{
    private static void NameParameters(FunctionRegistry registry)
    {
        NameOverload(registry, "make_date", [Int4, Int4, Int4], ["year", "month", "day"]);
        NameOverload(registry, "make_time", [Int4, Int4, Float8], ["hour", "min", "sec"]);
        NameOverload(registry, "make_timestamp", [Int4, Int4, Int4, Int4, Int4, Float8], ["year", "month", "mday", "hour", "min", "sec"]);
        NameOverload(registry, "make_timestamptz", [Int4, Int4, Int4, Int4, Int4, Float8], ["year", "month", "mday", "hour", "min", "sec"]);
        NameOverload(registry, "make_timestamptz", [Int4, Int4, Int4, Int4, Int4, Float8, Text], ["year", "month", "mday", "hour", "min", "sec", "timezone"]);
        NameOverload(registry, "make_interval", [Int4, Int4, Int4, Int4, Int4, Int4, Float8], ["years", "months", "weeks", "days", "hours", "mins", "secs"],
            [0, 0, 0, 0, 0, 0, 0.0]);
        NameOverload(registry, "jsonb_set", [Jsonb, TextArray, Jsonb, Bool], ["jsonb_in", "path", "replacement", "create_if_missing"], [true]);
        NameOverload(registry, "jsonb_insert", [Jsonb, TextArray, Jsonb, Bool], ["jsonb_in", "path", "replacement", "insert_after"], [false]);
        foreach (string path in (string[])["jsonb_path_exists", "jsonb_path_match", "jsonb_path_query_array", "jsonb_path_query_first"])
        {
            NameOverload(registry, path, [Jsonb, Text], ["target", "path"]);
        }
        NameOverload(registry, "jsonb_object_field", [Jsonb, Text], ["from_json", "field_name"]);
        NameOverload(registry, "jsonb_object_field_text", [Jsonb, Text], ["from_json", "field_name"]);
        NameOverload(registry, "jsonb_array_element", [Jsonb, Int4], ["from_json", "element_index"]);
        NameOverload(registry, "jsonb_array_element_text", [Jsonb, Int4], ["from_json", "element_index"]);
        NameOverload(registry, "json_object_field", [Json, Text], ["from_json", "field_name"]);
        NameOverload(registry, "json_object_field_text", [Json, Text], ["from_json", "field_name"]);
        NameOverload(registry, "json_array_element", [Json, Int4], ["from_json", "element_index"]);
        NameOverload(registry, "json_array_element_text", [Json, Int4], ["from_json", "element_index"]);
    }

    private static void NameOverload(FunctionRegistry registry, string function, ParameterType[] parameters, string[] names, object?[]? defaults = null) =>
        registry.Get(function, parameters).NameParameters(names, defaults ?? []);
}
