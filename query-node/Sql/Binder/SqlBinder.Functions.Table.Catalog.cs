using Log.QueryNode.Sql.Parser.Ast;
using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Binder;

/// <summary>The set-returning functions of information_schema that clients call themselves (pgjdbc's getPrimaryKeys
/// and getIndexInfo expand pg_index.indkey with _pg_expandarray).</summary>
internal sealed partial class SqlBinder
{
    /// <summary>information_schema._pg_expandarray(anyarray) returns setof record (x anyelement, n int): each element of
    /// the array's first dimension with its position counted from 1, whatever the array's lower bound.</summary>
    private (TableFunction, BoundExpression[], SqlType) BindExpandArray(FuncCall call, BoundExpression[] arguments,
        out IReadOnlyList<(string Name, SqlType Type)>? outputColumns)
    {
        if (arguments.Length != 1 || !arguments[0].Type.IsArray) throw FunctionDoesNotExist($"information_schema.{call.Name}", arguments, call.Location);
        SqlType element = arguments[0].Type.ElementType.WithoutModifier;
        outputColumns = [("x", element), ("n", SqlType.Int4)];
        return (TableFunction.ExpandArray, arguments, element);
    }
}
