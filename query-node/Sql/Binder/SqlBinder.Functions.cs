using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Parser.Ast;
using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Binder;

internal sealed partial class SqlBinder
{
    private BoundExpression BindFunction(FuncCall call)
    {
        if (call.Schema is not null && call.Schema != "pg_catalog")
        {
            throw new SqlException("3F000", $"schema \"{call.Schema}\" does not exist", call.Location + 1);
        }
        if (call.Over is not null || IsWindowOnlyFunctionName(call.Name)) return BindWindowCall(call);
        if (call.VariadicLast)
        {
            throw new SqlException(SqlState.FeatureNotSupported, "VARIADIC arguments are not supported", call.Location + 1);
        }
        if (IsAggregateName(call.Name)) return BindAggregate(call);
        if (call.Name == "grouping" && call.Schema is null) return BindGrouping(call);
        if (call.Filter is not null || call.AggregateOrder is not null)
        {
            throw new SqlException(EngineSqlState.WrongObjectType,
                $"{(call.Filter is not null ? "FILTER" : call.WithinGroup ? "WITHIN GROUP" : "ORDER BY")} specified, but {call.Name} is not an aggregate function", call.Location + 1);
        }
        if (call.Star || call.Distinct)
        {
            throw new SqlException(EngineSqlState.WrongObjectType, $"{(call.Star ? call.Name + "(*)" : "DISTINCT")} specified, but {call.Name} is not an aggregate function", call.Location + 1);
        }
        var arguments = new BoundExpression[call.Arguments.Count];
        for (int index = 0; index < arguments.Length; index++) arguments[index] = Bind(call.Arguments[index]);

        switch (call.Name)
        {
            case "coalesce" or "greatest" or "least" when arguments.Length > 0:
            {
                SqlType common = CommonType(arguments, call.Arguments, call.Name.ToUpperInvariant());
                var function = call.Name switch { "coalesce" => ScalarFunction.Coalesce, "greatest" => ScalarFunction.Greatest, _ => ScalarFunction.Least };
                return new BoundFunction(function, CoerceAll(arguments, call.Arguments, common), common);
            }
            case "nullif" when arguments.Length == 2:
            {
                var comparison = BindComparison(ComparisonOperator.Equal, new A_Expr("=", call.Arguments[0], call.Arguments[1], call.Location), arguments[0], arguments[1]);
                return new BoundFunction(ScalarFunction.NullIf, [comparison.Left, comparison.Right], comparison.Left.Type);
            }
            case "abs" when arguments.Length == 1 && (arguments[0].Type.IsNumber || arguments[0].Type.Kind == TypeKind.Unknown):
            {
                BoundExpression argument = arguments[0].Type.Kind == TypeKind.Unknown ? CoerceUnknown(arguments[0], SqlType.Float8, call.Arguments[0].Location) : arguments[0];
                return new BoundFunction(ScalarFunction.Abs, [argument], argument.Type.WithoutModifier);
            }
            case "lower" or "upper" when arguments.Length == 1 && IsTextLike(arguments[0]):
                return new BoundFunction(call.Name == "lower" ? ScalarFunction.Lower : ScalarFunction.Upper, [TextArgument(arguments[0], call.Arguments[0])], SqlType.Text);
            case "length" or "char_length" or "character_length" when arguments.Length == 1 && IsTextLike(arguments[0]):
                return new BoundFunction(ScalarFunction.Length, [TextArgument(arguments[0], call.Arguments[0])], SqlType.Int4);
            case "round" or "trunc" when arguments.Length is 1 or 2 && (arguments[0].Type.IsNumber || arguments[0].Type.Kind == TypeKind.Unknown):
            {
                var function = call.Name == "round" ? ScalarFunction.Round : ScalarFunction.Trunc;
                if (arguments.Length == 1)
                {
                    BoundExpression value = arguments[0].Type.Kind == TypeKind.Float8 ? arguments[0] : CastTo(arguments[0], SqlType.Numeric, ValueCast.Context.Implicit, call.Arguments[0].Location);
                    return new BoundFunction(function, [value], value.Type.WithoutModifier);
                }
                if (!(arguments[1].Type.IsInteger || arguments[1].Type.Kind == TypeKind.Unknown)) break;
                BoundExpression number = CastTo(arguments[0], SqlType.Numeric, ValueCast.Context.Implicit, call.Arguments[0].Location);
                BoundExpression places = CastTo(arguments[1], SqlType.Int4, ValueCast.Context.Implicit, call.Arguments[1].Location);
                return new BoundFunction(function, [number, places], SqlType.Numeric);
            }
            case "version" when arguments.Length == 0:
                return new BoundFunction(ScalarFunction.Version, [], SqlType.Text);
            case "current_user" or "session_user" or "user" or "current_role" when arguments.Length == 0:
                return new BoundFunction(ScalarFunction.CurrentUser, [], SqlType.Text);
            case "current_database" or "current_catalog" when arguments.Length == 0:
                return new BoundFunction(ScalarFunction.CurrentDatabase, [], SqlType.Text);
            case "current_schema" when arguments.Length == 0:
                return new BoundFunction(ScalarFunction.CurrentSchema, [], SqlType.Text);
            case "now" or "current_timestamp" or "transaction_timestamp" or "statement_timestamp" or "clock_timestamp" when arguments.Length == 0:
                return new BoundFunction(ScalarFunction.Now, [], SqlType.TimestampTz);
            case "current_date" when arguments.Length == 0:
                return new BoundFunction(ScalarFunction.CurrentDate, [], SqlType.Date);
            case "pg_sleep" when arguments.Length == 1 && (arguments[0].Type.IsNumber || arguments[0].Type.Kind == TypeKind.Unknown):
                return new BoundFunction(ScalarFunction.Sleep, [CastTo(arguments[0], SqlType.Float8, ValueCast.Context.Implicit, call.Arguments[0].Location)], SqlType.Void);
            case "pg_advisory_unlock_all" when arguments.Length == 0:
                return new BoundFunction(ScalarFunction.AdvisoryUnlockAll, [], SqlType.Void);
            case "localtimestamp" when arguments.Length == 0:
                return new BoundFunction(ScalarFunction.LocalTimestamp, [], SqlType.Timestamp);
        }
        throw FunctionDoesNotExist(call.Name, arguments, call.Location);
    }

    private static bool IsTextLike(BoundExpression argument) => argument.Type.IsString || argument.Type.Kind == TypeKind.Unknown;

    private BoundExpression TextArgument(BoundExpression argument, Expression source) =>
        argument.Type.Kind == TypeKind.Unknown ? CoerceUnknown(argument, SqlType.Text, source.Location) : argument;

    private static SqlException FunctionDoesNotExist(string name, IReadOnlyList<BoundExpression> arguments, int location) =>
        new(SqlState.UndefinedFunction, $"function {name}({string.Join(", ", arguments.Select(argument => argument.Type.DisplayName))}) does not exist",
            location + 1, hint: "No function matches the given name and argument types. You might need to add explicit type casts.");
}
