using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Parser.Ast;
using Log.QueryNode.Sql.Plan;
using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Binder;

/// <summary>jsonb_populate_record, jsonb_populate_recordset and their json twins in FROM, over a table's row type:
/// <c>jsonb_populate_record(NULL::t, doc)</c> has t's columns, each taking the object's key of its name as
/// jsonb_to_record does with a column definition list (the same executor, <c>JsonRecordFunctions</c>). The base record
/// must be <c>NULL::t</c> (a base with values, whose fields fill the keys the object lacks, is 0A000); the row type of a
/// table is known only here, since the table is looked up before binding from the cast's type name.</summary>
internal sealed partial class SqlBinder
{
    internal static bool IsPopulateFunctionName(string name) =>
        name is "jsonb_populate_record" or "jsonb_populate_recordset" or "json_populate_record" or "json_populate_recordset";

    /// <summary>The relation a populate function's base argument names as its row type (<c>x::t</c>), for the catalog
    /// lookup before binding; null for any other call, and for a built-in type's name.</summary>
    internal static RangeVar? PopulateRowType(FuncCall call)
    {
        if (!IsPopulateFunctionName(call.Name) || call.Arguments.Count == 0 || call.Arguments[0] is not TypeCast { TypeName: var typeName }) return null;
        if (typeName.Modifiers.Count > 0 || typeName.Name.EndsWith("[]", StringComparison.Ordinal) || TypeResolver.IsBuiltinName(typeName.Name)) return null;
        int dot = typeName.Name.IndexOf('.', StringComparison.Ordinal);
        return dot < 0
            ? new RangeVar(null, typeName.Name, null, typeName.Location)
            : new RangeVar(typeName.Name[..dot], typeName.Name[(dot + 1)..], null, typeName.Location);
    }

    private BoundFromItem BindPopulateFunction(RangeFunction item, SqlBinder argumentBinder)
    {
        FuncCall call = item.Function;
        bool json = !call.Name.StartsWith("jsonb", StringComparison.Ordinal);
        if (call.Arguments.Count != 2 || call.Arguments[0] is not TypeCast { TypeName: var typeName } baseRecord)
        {
            if (call.Arguments.Count == 2)
            {
                throw new SqlException(SqlState.DatatypeMismatch, $"first argument of {call.Name} must be a row type", call.Location + 1);
            }
            throw FunctionDoesNotExist(call.Name, call.Arguments.Select(argumentBinder.Bind).ToArray(), call.Location);
        }
        if (PopulateRowType(call) is not { } rowType)
        {
            // A built-in type: PostgreSQL resolves the call, then finds the type is not a composite.
            TypeResolver.Resolve(typeName);
            throw new SqlException(SqlState.DatatypeMismatch, $"first argument of {call.Name} must be a row type", call.Location + 1);
        }
        SqlEngine.CheckRelationSchema(rowType, _context.Relations);
        TableDescriptor table = _context.FindTable(SqlEngine.CatalogNameOf(rowType, _context.Relations))
            ?? throw new SqlException(SqlState.UndefinedObject, $"type \"{typeName.Name}\" does not exist", typeName.Location + 1);
        if (baseRecord.Argument is not A_Const { Kind: ConstantKind.Null })
        {
            throw new SqlException(SqlState.FeatureNotSupported, $"{call.Name} with a base record other than NULL::{typeName.Name} is not supported",
                baseRecord.Argument.Location + 1);
        }
        if (item.ColumnDefinitions is { Count: > 0 } definitions)
        {
            throw new SqlException(SqlState.SyntaxError, "a column definition list is only allowed for functions returning \"record\"", definitions[0].Location + 1);
        }
        BoundExpression document = argumentBinder.Bind(call.Arguments[1]);
        SqlType jsonType = json ? SqlType.Json : SqlType.Jsonb;
        if (document.Type.Kind != TypeKind.Unknown && document.Type.Kind != jsonType.Kind)
        {
            throw FunctionDoesNotExist(call.Name, [new BoundConstant(null, new SqlType(TypeKind.Record)), document], call.Location);
        }
        BoundExpression[] typed = [CastTo(document, jsonType, ValueCast.Context.Implicit, call.Arguments[1].Location)];
        var recordNames = table.Columns.Select(column => column.Name).ToList();
        var names = recordNames.Select((name, index) => item.ColumnAliases is { } aliases && index < aliases.Count ? aliases[index] : name).ToList();
        var types = table.Columns.Select(column => column.Type).ToList();
        if (item.WithOrdinality)
        {
            names.Add(item.ColumnAliases is { } more && more.Count > names.Count ? more[names.Count] : "ordinality");
            types.Add(SqlType.Int8);
        }
        if (item.ColumnAliases is { } given && given.Count > names.Count)
        {
            throw new SqlException(SqlState.SyntaxError, $"too many column aliases specified for function {call.Name}", item.Location + 1);
        }
        TableFunction function = call.Name.EndsWith("set", StringComparison.Ordinal) ? TableFunction.JsonToRecordSet : TableFunction.JsonToRecord;
        var plan = new LogicalFunctionScan(function, typed, types, item.WithOrdinality, call.Name) { RecordColumnNames = recordNames };
        return FunctionFromItem(item, item.Alias ?? call.Name, names, types, plan);
    }
}
