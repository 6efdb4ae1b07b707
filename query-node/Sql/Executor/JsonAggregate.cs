using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Binder;
using Log.QueryNode.Sql.Functions;
using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Executor;

/// <summary>
/// The transition state of json_agg, jsonb_agg, json_object_agg and jsonb_object_agg: the inputs in arrival order
/// (NULL values included, as JSON nulls), turned into JSON at the end. json's results are text in the layout
/// PostgreSQL's json aggregates write ("[1, 2]", "{ "a" : 1 }", duplicate keys kept); jsonb's are normalised values.
/// </summary>
internal sealed class JsonAggregate(BoundAggregate aggregate, DateTimeSettings settings)
{
    private readonly List<(object? Key, object? Value)> _inputs = [];
    private readonly bool _isObject = aggregate.Function is AggregateFunction.JsonObjectAgg or AggregateFunction.JsonbObjectAgg;
    private readonly bool _isJsonb = aggregate.Function is AggregateFunction.JsonbAgg or AggregateFunction.JsonbObjectAgg;

    public static bool Handles(AggregateFunction function) =>
        function is AggregateFunction.JsonAgg or AggregateFunction.JsonbAgg or AggregateFunction.JsonObjectAgg or AggregateFunction.JsonbObjectAgg;

    public void Add(object?[] input)
    {
        if (!_isObject)
        {
            _inputs.Add((null, input[0]));
            return;
        }
        if (input[0] is null) throw new SqlException(SqlState.InvalidParameterValue, "field name must not be null");
        _inputs.Add((input[0], input[1]));
    }

    public void Reset() => _inputs.Clear();

    public object? Result()
    {
        if (_inputs.Count == 0) return null;
        SqlType valueType = aggregate.Arguments[_isObject ? 1 : 0].Type;
        if (!_isObject)
        {
            if (_isJsonb) return JsonbValue.Array(_inputs.Select(input => BuiltinFunctions.ValueToJsonb(input.Value, valueType, settings)).ToArray());
            // json_agg_transfn starts each array or record after the first on a line of its own.
            bool structured = valueType.IsArray || valueType.Kind == TypeKind.Record;
            return new JsonText("[" + string.Join(", ", _inputs.Select((input, index) =>
                (structured && index > 0 && input.Value is not null ? "\n " : "") + BuiltinFunctions.ValueToJsonText(input.Value, valueType, settings))) + "]");
        }
        SqlType keyType = aggregate.Arguments[0].Type;
        IEnumerable<(string Key, object? Value)> pairs = _inputs.Select(input => (BuiltinFunctions.ValueToJsonKey(input.Key!, keyType, settings), input.Value));
        if (_isJsonb)
        {
            return JsonbValue.Object(pairs.Select(pair => new KeyValuePair<string, JsonbValue>(pair.Key, BuiltinFunctions.ValueToJsonb(pair.Value, valueType, settings))));
        }
        var builder = new System.Text.StringBuilder("{ ");
        bool first = true;
        foreach ((string key, object? value) in pairs)
        {
            if (!first) builder.Append(", ");
            first = false;
            JsonbValue.WriteString(builder, key);
            builder.Append(" : ").Append(BuiltinFunctions.ValueToJsonText(value, valueType, settings));
        }
        return new JsonText(builder.Append(" }").ToString());
    }
}
