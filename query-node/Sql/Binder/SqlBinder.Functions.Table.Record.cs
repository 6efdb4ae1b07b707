using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Parser.Ast;
using Log.QueryNode.Sql.Plan;
using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Binder;

/// <summary>Functions returning record in FROM (jsonb_to_record, jsonb_to_recordset and their json twins): the column
/// definition list after the alias says which columns they have and of what types, as PostgreSQL's
/// addRangeTableEntryForFunction requires for a function declared to return record.</summary>
internal sealed partial class SqlBinder
{
    internal static bool IsRecordFunctionName(string name) => name is "jsonb_to_record" or "jsonb_to_recordset" or "json_to_record" or "json_to_recordset";

    private BoundFromItem BindRecordFunction(RangeFunction item, BoundExpression[] arguments)
    {
        FuncCall call = item.Function;
        if (item.ColumnDefinitions is not { } definitions)
        {
            throw new SqlException(SqlState.SyntaxError, "a column definition list is required for functions returning \"record\"", call.Location + 1);
        }
        if (!IsRecordFunctionName(call.Name))
        {
            throw new SqlException(SqlState.SyntaxError, "a column definition list is only allowed for functions returning \"record\"", definitions[0].Location + 1);
        }
        if (item.WithOrdinality)
        {
            throw new SqlException(SqlState.SyntaxError, "WITH ORDINALITY cannot be used with a column definition list", definitions[0].Location + 1,
                hint: "Put the column definition list inside ROWS FROM().");
        }
        var names = new List<string>(definitions.Count);
        var types = new List<SqlType>(definitions.Count);
        foreach (ColumnDefinitionItem definition in definitions)
        {
            if (names.Contains(definition.Name))
            {
                throw new SqlException(SqlState.DuplicateColumn, $"column name \"{definition.Name}\" specified more than once");
            }
            names.Add(definition.Name);
            types.Add(TypeResolver.Resolve(definition.Type).Type);
        }
        SqlType json = call.Name.StartsWith("jsonb", StringComparison.Ordinal) ? SqlType.Jsonb : SqlType.Json;
        if (arguments.Length != 1 || (arguments[0].Type.Kind != TypeKind.Unknown && arguments[0].Type.Kind != json.Kind))
        {
            throw FunctionDoesNotExist(call.Name, arguments, call.Location);
        }
        BoundExpression[] typed = [CastTo(arguments[0], json, ValueCast.Context.Implicit, call.Arguments[0].Location)];
        TableFunction function = call.Name.EndsWith("set", StringComparison.Ordinal) ? TableFunction.JsonToRecordSet : TableFunction.JsonToRecord;
        var plan = new LogicalFunctionScan(function, typed, types, withOrdinality: false, call.Name) { RecordColumnNames = names };
        return FunctionFromItem(item, item.Alias ?? call.Name, names, types, plan);
    }
}
