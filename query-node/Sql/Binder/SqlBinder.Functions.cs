using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Functions;
using Log.QueryNode.Sql.Parser.Ast;
using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Binder;

internal sealed partial class SqlBinder
{
    private BoundExpression BindFunction(FuncCall call)
    {
        bool sysFunction = call.Schema == BuiltinFunctions.SysSchema && FunctionRegistry.Builtins.Lookup(BuiltinFunctions.SysName(call.Name)).Count > 0;
        if (call.Schema is not null && call.Schema != "pg_catalog" && !sysFunction
            && !(call.Schema == Catalog.SqlCatalog.InformationSchema && call.Name == "_pg_expandarray"))
        {
            throw new SqlException("3F000", $"schema \"{call.Schema}\" does not exist", call.Location + 1);
        }
        if (call.ArgumentNames is not null && (call.Over is not null || IsWindowOnlyFunctionName(call.Name) || IsSetReturningFunctionName(call.Name)
            || IsAggregateName(call.Name) || call.Name == "grouping" || call.VariadicLast || call.Star))
        {
            // Aggregates, window and set-returning functions have no named parameters here, as in PostgreSQL 15.
            throw FunctionDoesNotExist(call.Name, call.Arguments.Select(argument => Bind(argument)).ToArray(), call.Location, call.ArgumentNames);
        }
        if (call.Over is not null || IsWindowOnlyFunctionName(call.Name)) return BindWindowCall(call);
        if (IsSetReturningFunctionName(call.Name)) return BindSetFunctionCall(call);
        if (call.Name == "coalesce" && _setFunctionConditional is null) return BindInConditional(() => BindFunction(call), "COALESCE");
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
        if (call.Name == "pg_typeof" && arguments.Length == 1 && arguments[0] is BoundRow { Shape.TypeName: { } rowType })
        {
            // A table's whole row is of the table's row type; Log's record values carry no type name of their own.
            return new BoundConstant(Catalog.RelationNames.QualifiedText(rowType), SqlType.Text);
        }
        if (sysFunction)
        {
            string name = BuiltinFunctions.SysName(call.Name);
            return BindCall(name, FunctionRegistry.Builtins.Lookup(name), arguments, call.Arguments, call.Location, call.ArgumentNames);
        }
        if (call.ArgumentNames is not null) return BindCall(call.Name, FunctionRegistry.Builtins.Lookup(call.Name), arguments, call.Arguments, call.Location, call.ArgumentNames);

        IReadOnlyList<FunctionDefinition> overloads = FunctionRegistry.Builtins.Lookup(call.Name);
        if (overloads.Count == 0 && arguments.Length == 1 && FunctionStyleCastType(call.Name) is { } castType
            && ValueCast.CanCast(arguments[0].Type, castType, ValueCast.Context.Explicit))
        {
            // A one-argument call named after a type is a cast (func_get_detail's FUNCDETAIL_COERCION): date(now()), int4('5').
            return CastExplicitly(arguments[0], castType, new TypeCast(call.Arguments[0], new TypeName(call.Name, [], call.Location), call.Location));
        }
        if (overloads.Count == 1 && overloads[0].SpecialForm != SpecialForm.None)
        {
            BoundExpression? special = BindSpecialForm(overloads[0], call, arguments);
            if (special is not null) return special;
            throw FunctionDoesNotExist(call.Name, arguments, call.Location);
        }
        return BindCall(call.Name, overloads, arguments, call.Arguments, call.Location);
    }

    /// <summary>Resolves a call among the overloads of a name (PostgreSQL's func_get_detail) and brings each argument
    /// to the chosen overload's declared type.</summary>
    private BoundFunction BindCall(string name, IReadOnlyList<FunctionDefinition> overloads, IReadOnlyList<BoundExpression> arguments,
        IReadOnlyList<Expression> sources, int location, IReadOnlyList<string?>? argumentNames = null)
    {
        if (argumentNames is not null) return BindNamedCall(name, overloads, arguments, sources, location, argumentNames);
        SqlType[] argumentTypes = arguments.Select(argument => argument.Type).ToArray();
        (FunctionResolution? resolution, ResolutionFailure failure) = FunctionResolver.Resolve(overloads, argumentTypes);
        switch (failure)
        {
            case ResolutionFailure.NotUnique:
                throw new SqlException(EngineSqlState.AmbiguousFunction, $"function {name}({DisplayTypes(arguments)}) is not unique", location + 1,
                    hint: "Could not choose a best candidate function. You might need to add explicit type casts.");
            case ResolutionFailure.PolymorphicUnknown:
                throw new SqlException(SqlState.DatatypeMismatch, "could not determine polymorphic type because input has type unknown", location + 1);
            case ResolutionFailure.NotFound or ResolutionFailure.PolymorphicMismatch:
                throw FunctionDoesNotExist(name, arguments, location);
        }
        var coerced = new BoundExpression[arguments.Count];
        for (int index = 0; index < coerced.Length; index++)
        {
            coerced[index] = CoerceArgument(arguments[index], resolution!.ArgumentTypes[index], sources[index].Location);
        }
        return new BoundFunction(resolution!.Definition, coerced, resolution.ResultType);
    }

    /// <summary>An argument brought to its parameter's type by an implicit cast; an "any" parameter takes it as it is,
    /// and varchar reaches text without a cast (they are binary coercible; char's trailing spaces are cut by the cast).</summary>
    private BoundExpression CoerceArgument(BoundExpression argument, SqlType target, int location)
    {
        if (argument.Type.Kind == target.Kind && argument.Type.Element == target.Element) return argument;
        if (target.Kind == TypeKind.Unknown) return argument;
        if (target.Kind == TypeKind.Text && argument.Type.Kind == TypeKind.Varchar) return argument;
        return CastTo(argument, target, ValueCast.Context.Implicit, location);
    }

    /// <summary>COALESCE, GREATEST, LEAST (select_common_type over the arguments) and NULLIF (the = operator's operand types).</summary>
    private BoundExpression? BindSpecialForm(FunctionDefinition definition, FuncCall call, BoundExpression[] arguments)
    {
        switch (definition.SpecialForm)
        {
            case SpecialForm.Coalesce or SpecialForm.Greatest or SpecialForm.Least when arguments.Length > 0:
            {
                SqlType common = CommonType(arguments, call.Arguments, call.Name.ToUpperInvariant());
                return new BoundFunction(definition, CoerceAll(arguments, call.Arguments, common), common);
            }
            case SpecialForm.NullIf when arguments.Length == 2:
            {
                var comparison = BindComparison(ComparisonOperator.Equal, new A_Expr("=", call.Arguments[0], call.Arguments[1], call.Location), arguments[0], arguments[1]);
                return new BoundFunction(definition, [comparison.Left, comparison.Right], comparison.Left.Type);
            }
            default:
                return null;
        }
    }

    /// <summary>The type a function name names, if any (its internal or SQL name: int4, float8, text, date, bool ...).</summary>
    private static SqlType? FunctionStyleCastType(string name)
    {
        try
        {
            return TypeResolver.Resolve(new TypeName(name, [], -1)).Type;
        }
        catch (SqlException exception) when (exception.SqlState == SqlState.UndefinedObject)
        {
            return null;
        }
    }

    /// <summary>The argument types of a call as an error shows them, a named argument as "name => type".</summary>
    private static string DisplayTypes(IReadOnlyList<BoundExpression> arguments, IReadOnlyList<string?>? argumentNames = null) =>
        string.Join(", ", arguments.Select((argument, index) =>
            (argumentNames?[index] is { } argumentName ? argumentName + " => " : "") + argument.Type.DisplayName));

    private static SqlException FunctionDoesNotExist(string name, IReadOnlyList<BoundExpression> arguments, int location,
        IReadOnlyList<string?>? argumentNames = null) =>
        new(SqlState.UndefinedFunction, $"function {name}({DisplayTypes(arguments, argumentNames)}) does not exist",
            location + 1, hint: "No function matches the given name and argument types. You might need to add explicit type casts.");
}
