using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Parser.Ast;
using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Binder;

internal sealed partial class SqlBinder
{
    /// <summary>json_agg(anyelement), jsonb_agg, json_object_agg("any", "any") and jsonb_object_agg; null for any
    /// other aggregate. An untyped literal cannot decide anyelement (42804, as PostgreSQL); as "any" it is text.</summary>
    private (AggregateFunction Function, BoundExpression[] Arguments, SqlType Type)? ResolveJsonAggregate(FuncCall call, BoundExpression[] arguments)
    {
        (AggregateFunction function, int count, SqlType result) = call.Name switch
        {
            "json_agg" => (AggregateFunction.JsonAgg, 1, SqlType.Json),
            "jsonb_agg" => (AggregateFunction.JsonbAgg, 1, SqlType.Jsonb),
            "json_object_agg" => (AggregateFunction.JsonObjectAgg, 2, SqlType.Json),
            "jsonb_object_agg" => (AggregateFunction.JsonbObjectAgg, 2, SqlType.Jsonb),
            _ => (default(AggregateFunction), 0, SqlType.Unknown),
        };
        if (count == 0) return null;
        if (arguments.Length != count) throw FunctionDoesNotExist(call.Name, arguments, call.Location);
        if (count == 1 && arguments[0].Type.Kind == TypeKind.Unknown)
        {
            throw new SqlException(SqlState.DatatypeMismatch, "could not determine polymorphic type because input has type unknown");
        }
        BoundExpression[] typed = arguments
            .Select((argument, index) => argument.Type.Kind == TypeKind.Unknown ? CoerceUnknown(argument, SqlType.Text, call.Arguments[index].Location) : argument)
            .ToArray();
        return (function, typed, result);
    }
}
