using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Parser.Ast;
using Log.QueryNode.Sql.Plan;
using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Binder;

/// <summary>Set-returning functions in FROM. Their arguments may read the FROM items to their left (PostgreSQL makes
/// a function in FROM lateral by itself), which makes the function run once per left row.</summary>
internal sealed partial class SqlBinder
{
    private BoundFromItem BindRangeFunction(RangeFunction item, IReadOnlyList<ScopeItem> leftItems)
    {
        FuncCall call = item.Function;
        var argumentBinder = new SqlBinder(_context, _scope.CreateSibling(leftItems)) { _aggregateForbiddenIn = "functions in FROM" };
        if (IsPopulateFunctionName(call.Name)) return BindPopulateFunction(item, argumentBinder);
        var arguments = call.Arguments.Select(argumentBinder.Bind).ToArray();
        if (item.ColumnDefinitions is not null || IsRecordFunctionName(call.Name)) return BindRecordFunction(item, arguments);
        if (!IsSetReturningFunctionName(call.Name))
        {
            throw new SqlException(SqlState.FeatureNotSupported, $"function {call.Name} in FROM is not supported", call.Location + 1);
        }
        (TableFunction function, BoundExpression[] typedArguments, SqlType resultType, IReadOnlyList<(string Name, SqlType Type)>? outputColumns) =
            BindSetReturningCall(call, arguments, inFrom: true);
        string name = item.Alias ?? call.Name;
        var names = new List<string> { item.ColumnAliases is { Count: > 0 } aliases ? aliases[0] : item.Alias ?? call.Name };
        var types = new List<SqlType> { resultType };
        if (outputColumns is not null)
        {
            // A function with OUT parameters names its columns after them; column aliases rename them in order.
            names = outputColumns.Select((column, index) => item.ColumnAliases is { } renamed && index < renamed.Count ? renamed[index] : column.Name).ToList();
            types = outputColumns.Select(column => column.Type).ToList();
        }
        if (item.WithOrdinality)
        {
            names.Add(item.ColumnAliases is { } more && more.Count > names.Count ? more[names.Count] : "ordinality");
            types.Add(SqlType.Int8);
        }
        if (item.ColumnAliases is { } given && given.Count > names.Count)
        {
            throw new SqlException(SqlState.SyntaxError, $"too many column aliases specified for function {call.Name}", item.Location + 1);
        }
        return FunctionFromItem(item, name, names, types, new LogicalFunctionScan(function, typedArguments, types, item.WithOrdinality, call.Name));
    }

    /// <summary>The FROM item of a function scan: one scope item named <paramref name="name"/> with the given columns.</summary>
    private static BoundFromItem FunctionFromItem(RangeFunction item, string name, IReadOnlyList<string> names, IReadOnlyList<SqlType> types, LogicalFunctionScan plan)
    {
        var columns = new ScopeColumn[names.Count];
        for (int index = 0; index < columns.Length; index++)
        {
            columns[index] = new ScopeColumn(names[index], new BoundColumn(index, types[index], $"{name}.{names[index]}", -1));
        }
        var functionItem = new ScopeItem(name, columns, item.Location);
        return new BoundFromItem(plan, [functionItem], functionItem, plan.Arguments.Any(ReadsRow));
    }

    /// <summary>The set-returning functions Log has (in FROM and in a select list).</summary>
    internal static bool IsSetReturningFunctionName(string name) => name is "generate_series" or "unnest" or "regexp_split_to_table"
        or "string_to_table" or "regexp_matches" or "generate_subscripts" or "pg_partition_ancestors" or "pg_get_keywords" or "_pg_expandarray" || IsJsonTableFunction(name);

    /// <summary>Resolves a set-returning call: which function, its arguments brought to the declared types, the type of
    /// its (first) column, and its OUT columns when it has several (null for one column named after the function).
    /// unnest of several arrays exists in FROM only, as in PostgreSQL (it is ROWS FROM of one unnest per array).</summary>
    private (TableFunction, BoundExpression[], SqlType, IReadOnlyList<(string Name, SqlType Type)>?) BindSetReturningCall(FuncCall call,
        BoundExpression[] arguments, bool inFrom)
    {
        IReadOnlyList<(string Name, SqlType Type)>? outputColumns = null;
        (TableFunction function, BoundExpression[] typedArguments, SqlType resultType) = call.Name switch
        {
            "generate_series" => BindGenerateSeries(call, arguments),
            "unnest" when inFrom && arguments.Length > 1 && arguments.All(argument => argument.Type.IsArray) =>
                BindUnnestSeveral(arguments, out outputColumns),
            "unnest" => BindUnnest(call, arguments),
            "regexp_split_to_table" or "string_to_table" => BindTextSplit(call, arguments),
            "regexp_matches" when arguments.Length is 2 or 3 && arguments.All(argument => argument.Type.IsString || argument.Type.Kind == TypeKind.Unknown) =>
                (TableFunction.RegexpMatches, CoerceAll(arguments, call.Arguments, SqlType.Text), SqlType.ArrayOf(SqlType.Text)),
            "generate_subscripts" => BindGenerateSubscripts(call, arguments),
            "pg_partition_ancestors" when arguments.Length == 1 =>
                (TableFunction.PartitionAncestors, CoerceAll(arguments, call.Arguments, new SqlType(TypeKind.RegClass)), new SqlType(TypeKind.RegClass)),
            "pg_get_keywords" when arguments.Length == 0 => BindKeywords(out outputColumns),
            _ when IsJsonTableFunction(call.Name) => BindJsonTableFunction(call, arguments, out outputColumns),
            "_pg_expandarray" when call.Schema == Catalog.SqlCatalog.InformationSchema => BindExpandArray(call, arguments, out outputColumns),
            _ => throw FunctionDoesNotExist(call.Name, arguments, call.Location),
        };
        return (function, typedArguments, resultType, outputColumns);
    }

    /// <summary>unnest(a, b, ...) in FROM: one column per array, each named unnest, shorter arrays padded with NULLs.</summary>
    private static (TableFunction, BoundExpression[], SqlType) BindUnnestSeveral(BoundExpression[] arguments, out IReadOnlyList<(string Name, SqlType Type)>? columns)
    {
        columns = arguments.Select(argument => ("unnest", argument.Type.ElementType.WithoutModifier)).ToArray();
        return (TableFunction.UnnestSeveral, arguments, columns[0].Type);
    }

    /// <summary>pg_get_keywords(): OUT word text, catcode "char", barelabel boolean, catdesc text, baredesc text.</summary>
    private static (TableFunction, BoundExpression[], SqlType) BindKeywords(out IReadOnlyList<(string Name, SqlType Type)>? columns)
    {
        columns = [("word", SqlType.Text), ("catcode", new SqlType(TypeKind.Char)), ("barelabel", SqlType.Bool), ("catdesc", SqlType.Text), ("baredesc", SqlType.Text)];
        return (TableFunction.Keywords, [], SqlType.Text);
    }

    /// <summary>generate_subscripts(array, dimension [, reverse]): the subscripts of one dimension of the array.</summary>
    private (TableFunction, BoundExpression[], SqlType) BindGenerateSubscripts(FuncCall call, BoundExpression[] arguments)
    {
        bool Fits(int index, SqlType type) => arguments[index].Type.Kind == TypeKind.Unknown || ValueCast.CanCast(arguments[index].Type, type, ValueCast.Context.Implicit);
        if (arguments.Length is not (2 or 3) || !arguments[0].Type.IsArray || !Fits(1, SqlType.Int4) || (arguments.Length == 3 && !Fits(2, SqlType.Bool)))
        {
            throw FunctionDoesNotExist(call.Name, arguments, call.Location);
        }
        var typed = new BoundExpression[arguments.Length];
        typed[0] = arguments[0];
        typed[1] = CastTo(arguments[1], SqlType.Int4, ValueCast.Context.Implicit, call.Arguments[1].Location);
        if (arguments.Length == 3) typed[2] = CastTo(arguments[2], SqlType.Bool, ValueCast.Context.Implicit, call.Arguments[2].Location);
        return (TableFunction.GenerateSubscripts, typed, SqlType.Int4);
    }

    /// <summary>generate_series(start, stop [, step]) over integers, numerics or timestamps (PostgreSQL's three families).</summary>
    private (TableFunction, BoundExpression[], SqlType) BindGenerateSeries(FuncCall call, BoundExpression[] arguments)
    {
        if (arguments.Length == 3 && arguments[2].Type.Kind is TypeKind.Interval or TypeKind.Unknown
            && CommonType(arguments[..2], call.Arguments.Take(2).ToList(), "generate_series") is { IsDateTime: true } bound)
        {
            // generate_series(timestamp, timestamp, interval) and its timestamptz twin (a date becomes a timestamptz,
            // the preferred type its implicit casts reach, as PostgreSQL resolves it).
            SqlType type = bound.Kind == TypeKind.Timestamp ? SqlType.Timestamp : SqlType.TimestampTz;
            BoundExpression[] coerced = [.. CoerceAll(arguments[..2], call.Arguments.Take(2).ToList(), type),
                CoerceAll(arguments[2..], call.Arguments.Skip(2).ToList(), SqlType.Interval)[0]];
            return (TableFunction.GenerateSeriesTimestamp, coerced, type);
        }
        if (arguments.Length is 2 or 3)
        {
            SqlType common = CommonType(arguments, call.Arguments, "generate_series");
            if (arguments.All(argument => argument.Type.Kind == TypeKind.Unknown)) common = SqlType.Int4;
            if (common.IsInteger)
            {
                SqlType type = common.Kind == TypeKind.Int8 ? SqlType.Int8 : SqlType.Int4;
                return (TableFunction.GenerateSeriesInteger, CoerceAll(arguments, call.Arguments, type), type);
            }
            if (common.Kind == TypeKind.Numeric)
            {
                return (TableFunction.GenerateSeriesNumeric, CoerceAll(arguments, call.Arguments, SqlType.Numeric), SqlType.Numeric);
            }
        }
        throw FunctionDoesNotExist(call.Name, arguments, call.Location);
    }

    /// <summary>unnest(anyarray): the elements in storage order (every dimension flattened), typed as the element.</summary>
    private (TableFunction, BoundExpression[], SqlType) BindUnnest(FuncCall call, BoundExpression[] arguments)
    {
        if (arguments.Length == 1 && arguments[0].Type.Kind == TypeKind.Unknown)
        {
            throw new SqlException(SqlState.DatatypeMismatch, "could not determine polymorphic type because input has type unknown", call.Location + 1);
        }
        if (arguments.Length != 1 || !arguments[0].Type.IsArray) throw FunctionDoesNotExist(call.Name, arguments, call.Location);
        return (TableFunction.Unnest, arguments, arguments[0].Type.ElementType.WithoutModifier);
    }

    /// <summary>regexp_split_to_table(text, pattern [, flags]) and string_to_table(text, delimiter [, null text]).</summary>
    private (TableFunction, BoundExpression[], SqlType) BindTextSplit(FuncCall call, BoundExpression[] arguments)
    {
        if (arguments.Length is not (2 or 3) || arguments.Any(argument => !argument.Type.IsString && argument.Type.Kind != TypeKind.Unknown))
        {
            throw FunctionDoesNotExist(call.Name, arguments, call.Location);
        }
        TableFunction function = call.Name == "string_to_table" ? TableFunction.StringToTable : TableFunction.RegexpSplitToTable;
        return (function, CoerceAll(arguments, call.Arguments, SqlType.Text), SqlType.Text);
    }
}
