using Log.QueryNode.Sql.Functions;
using Log.QueryNode.Sql.Parser.Ast;

namespace Log.QueryNode.Sql.Binder;

/// <summary>
/// Calls in named or mixed notation (make_interval(days => 3), make_timestamptz(2024, 1, 1, 0, 0, 0, timezone => 'UTC')),
/// as PostgreSQL's func_get_detail resolves them: only functions whose parameters have names are candidates; the
/// positional arguments fill the first parameters, each named one the parameter of its name, and the parameters left
/// over take their defaults. A candidate whose names do not fit, or that lacks a default, is not the function.
/// </summary>
internal sealed partial class SqlBinder
{
    private BoundFunction BindNamedCall(string name, IReadOnlyList<FunctionDefinition> overloads, IReadOnlyList<BoundExpression> arguments,
        IReadOnlyList<Expression> sources, int location, IReadOnlyList<string?> argumentNames)
    {
        FunctionResolution? chosen = null;
        BoundExpression[]? chosenArguments = null;
        int[]? chosenSources = null;
        foreach (FunctionDefinition overload in overloads)
        {
            if (PlaceArguments(overload, arguments, argumentNames) is not var (placed, sourceIndexes)) continue;
            (FunctionResolution? resolution, _) = FunctionResolver.Resolve([overload], placed.Select(argument => argument.Type).ToArray());
            if (resolution is null) continue;
            if (chosen is not null)
            {
                throw new Execution.SqlException(EngineSqlState.AmbiguousFunction, $"function {name}({DisplayTypes(arguments, argumentNames)}) is not unique",
                    location + 1, hint: "Could not choose a best candidate function. You might need to add explicit type casts.");
            }
            (chosen, chosenArguments, chosenSources) = (resolution, placed, sourceIndexes);
        }
        if (chosen is null) throw FunctionDoesNotExist(name, arguments, location, argumentNames);
        var coerced = new BoundExpression[chosenArguments!.Length];
        for (int index = 0; index < coerced.Length; index++)
        {
            int source = chosenSources![index];
            coerced[index] = CoerceArgument(chosenArguments[index], chosen.ArgumentTypes[index], source < 0 ? location : sources[source].Location);
        }
        return new BoundFunction(chosen.Definition, coerced, chosen.ResultType);
    }

    /// <summary>The call's arguments in the overload's parameter order, defaults filling the parameters no argument
    /// names, and for each the index of the call argument it came from (-1 for a default); null when they do not fit.</summary>
    private static (BoundExpression[] Arguments, int[] Sources)? PlaceArguments(FunctionDefinition overload, IReadOnlyList<BoundExpression> arguments,
        IReadOnlyList<string?> argumentNames)
    {
        if (overload.ParameterNames is not { } parameterNames || arguments.Count > parameterNames.Count) return null;
        var placed = new BoundExpression?[parameterNames.Count];
        int[] sources = new int[parameterNames.Count];
        for (int index = 0; index < arguments.Count; index++)
        {
            int position = argumentNames[index] is { } argumentName ? IndexOf(parameterNames, argumentName) : index;
            if (position < 0 || placed[position] is not null) return null;
            placed[position] = arguments[index];
            sources[position] = index;
        }
        int firstDefault = parameterNames.Count - overload.ParameterDefaults.Count;
        for (int position = 0; position < placed.Length; position++)
        {
            if (placed[position] is not null) continue;
            if (position < firstDefault) return null;
            placed[position] = new BoundConstant(overload.ParameterDefaults[position - firstDefault], overload.Parameters[position].Type);
            sources[position] = -1;
        }
        return (placed.Select(argument => argument!).ToArray(), sources);
    }

    private static int IndexOf(IReadOnlyList<string> names, string name)
    {
        for (int index = 0; index < names.Count; index++)
        {
            if (names[index] == name) return index;
        }
        return -1;
    }
}
