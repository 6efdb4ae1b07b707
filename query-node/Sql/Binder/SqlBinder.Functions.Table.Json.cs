using Log.QueryNode.Sql.Parser.Ast;
using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Binder;

internal sealed partial class SqlBinder
{
    private static bool IsJsonTableFunction(string name) => name is "jsonb_each" or "jsonb_each_text" or "jsonb_array_elements"
        or "jsonb_array_elements_text" or "jsonb_object_keys" or "json_each" or "json_each_text" or "json_array_elements"
        or "json_array_elements_text" or "json_object_keys" or "jsonb_path_query";

    /// <summary>The json and jsonb set-returning functions: one json or jsonb argument (an untyped literal is read as
    /// the function's type), and their OUT columns (key, value) as pg_proc declares them (null for one unnamed column).</summary>
    private (TableFunction, BoundExpression[], SqlType) BindJsonTableFunction(FuncCall call, BoundExpression[] arguments,
        out IReadOnlyList<(string Name, SqlType Type)>? columns)
    {
        if (call.Name == "jsonb_path_query")
        {
            if (arguments.Length != 2) throw FunctionDoesNotExist(call.Name, arguments, call.Location);
            columns = null;
            return (TableFunction.JsonPathQuery, [CastTo(arguments[0], SqlType.Jsonb, Types.ValueCast.Context.Implicit, call.Arguments[0].Location),
                CastTo(arguments[1], SqlType.Text, Types.ValueCast.Context.Implicit, call.Arguments[1].Location)], SqlType.Jsonb);
        }
        SqlType json = call.Name.StartsWith("jsonb", StringComparison.Ordinal) ? SqlType.Jsonb : SqlType.Json;
        string operation = call.Name[(json.Kind == TypeKind.Jsonb ? 5 : 4)..];
        if (arguments.Length != 1 || (arguments[0].Type.Kind != TypeKind.Unknown && arguments[0].Type.Kind != json.Kind))
        {
            throw FunctionDoesNotExist(call.Name, arguments, call.Location);
        }
        BoundExpression[] typed = [CastTo(arguments[0], json, Types.ValueCast.Context.Implicit, call.Arguments[0].Location)];
        (TableFunction function, IReadOnlyList<(string Name, SqlType Type)> declared) = operation switch
        {
            "_each" => (TableFunction.JsonEach, [("key", SqlType.Text), ("value", json)]),
            "_each_text" => (TableFunction.JsonEachText, [("key", SqlType.Text), ("value", SqlType.Text)]),
            "_array_elements" => (TableFunction.JsonArrayElements, [("value", json)]),
            "_array_elements_text" => (TableFunction.JsonArrayElementsText, [("value", SqlType.Text)]),
            _ => (TableFunction.JsonObjectKeys, (IReadOnlyList<(string, SqlType)>)[(call.Name, SqlType.Text)]),
        };
        // A function without OUT parameters (json_object_keys returns setof text) has one column named as the FROM item.
        columns = function == TableFunction.JsonObjectKeys ? null : declared;
        return (function, typed, declared[0].Type);
    }
}
