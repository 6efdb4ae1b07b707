using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Functions;

/// <summary>
/// The built-in functions, one family per partial file (conditional, string, regular expression, math, date/time,
/// system). Each entry mirrors PostgreSQL 15's pg_proc row for it: the same argument and result types, volatility
/// and strictness, so that overload resolution picks the same function and the planner folds the same calls.
/// </summary>
internal static partial class BuiltinFunctions
{
    private static readonly SqlType Int2 = SqlType.Int2;
    private static readonly SqlType Int4 = SqlType.Int4;
    private static readonly SqlType Int8 = SqlType.Int8;
    private static readonly SqlType Float8 = SqlType.Float8;
    private static readonly SqlType Numeric = SqlType.Numeric;
    private static readonly SqlType Text = SqlType.Text;
    private static readonly SqlType Bool = SqlType.Bool;
    private static readonly SqlType Date = SqlType.Date;
    private static readonly SqlType Timestamp = SqlType.Timestamp;
    private static readonly SqlType TimestampTz = SqlType.TimestampTz;
    private static readonly SqlType Void = SqlType.Void;

    /// <summary>What a function returning void gives (void's only value).</summary>
    private const string VoidValue = "";

    public static FunctionRegistry Create()
    {
        var registry = new FunctionRegistry();
        AddConditional(registry);
        AddString(registry);
        AddPatternMatching(registry);
        AddMath(registry);
        AddClock(registry);
        AddDateTime(registry);
        AddSystem(registry);
        AddSequences(registry);
        AddBinary(registry);
        AddInterval(registry);
        AddTimeTz(registry);
        AddArray(registry);
        AddJson(registry);
        AddCatalog(registry);
        AddPsql(registry);
        AddFunctionSource(registry);
        AddClientCatalog(registry);
        AddPrivileges(registry);
        AddSchemas(registry);
        AddAdministration(registry);
        AddStorage(registry);
        AddArrayComparison(registry);
        NameParameters(registry);
        return registry;
    }

    // Families of the types with handlers (Types/Handlers), each in its own partial file.
    static partial void AddBinary(FunctionRegistry registry);

    static partial void AddInterval(FunctionRegistry registry);

    static partial void AddTimeTz(FunctionRegistry registry);

    static partial void AddArray(FunctionRegistry registry);

    static partial void AddJson(FunctionRegistry registry);

    private static void Add(FunctionRegistry registry, string name, ParameterType[] parameters, SqlType result, FunctionImplementation implementation,
        Volatility volatility = Volatility.Immutable, bool strict = true) =>
        registry.Add(new FunctionDefinition(name, parameters, result, implementation, volatility, strict));

    /// <summary>A function whose last parameter is VARIADIC "any".</summary>
    private static void AddVariadic(FunctionRegistry registry, string name, ParameterType[] parameters, SqlType result, FunctionImplementation implementation,
        Volatility volatility = Volatility.Immutable, bool strict = true) =>
        registry.Add(new FunctionDefinition(name, parameters, result, implementation, volatility, strict) { VariadicAny = true });

    /// <summary>A function that exists in PostgreSQL but needs a type the engine does not have yet: it resolves (so the
    /// error names the missing piece, not a missing function) and fails with 0A000 when called.</summary>
    private static void AddUnsupported(FunctionRegistry registry, string name, ParameterType[] parameters, string missing) =>
        registry.Add(new FunctionDefinition(name, parameters, Text,
            (_, _) => throw new SqlException(SqlState.FeatureNotSupported, $"{name}() is not supported: {missing} do not exist yet"),
            Volatility.Volatile));

    private static void AddConditional(FunctionRegistry registry)
    {
        // Bound by their own rules (select_common_type over the arguments): the parameter list only says "any number".
        registry.Add(new FunctionDefinition("coalesce", [ParameterType.Any], Text, (_, _) => throw new InvalidOperationException("COALESCE is evaluated lazily"),
            strict: false) { VariadicAny = true, SpecialForm = SpecialForm.Coalesce });
        registry.Add(new FunctionDefinition("nullif", [ParameterType.Any, ParameterType.Any], Text, NullIf, strict: false) { SpecialForm = SpecialForm.NullIf });
        registry.Add(new FunctionDefinition("greatest", [ParameterType.Any], Text, (arguments, _) => Extreme(arguments, greatest: true),
            strict: false) { VariadicAny = true, SpecialForm = SpecialForm.Greatest });
        registry.Add(new FunctionDefinition("least", [ParameterType.Any], Text, (arguments, _) => Extreme(arguments, greatest: false),
            strict: false) { VariadicAny = true, SpecialForm = SpecialForm.Least });
        AddVariadic(registry, "num_nulls", [ParameterType.Any], Int4, (arguments, _) => CountNulls(arguments, nulls: true), strict: false);
        AddVariadic(registry, "num_nonnulls", [ParameterType.Any], Int4, (arguments, _) => CountNulls(arguments, nulls: false), strict: false);
    }

    public static FunctionDefinition Coalesce => FunctionRegistry.Builtins.Lookup("coalesce")[0];

    private static object? NullIf(ReadOnlySpan<object?> arguments, EvaluationContext context) =>
        arguments[0] is { } left && arguments[1] is { } right && ValueComparer.AreEqual(left, right) ? null : arguments[0];

    /// <summary>GREATEST and LEAST ignore NULLs; all NULL gives NULL.</summary>
    private static object? Extreme(ReadOnlySpan<object?> arguments, bool greatest)
    {
        object? best = null;
        foreach (object? value in arguments)
        {
            if (value is null) continue;
            if (best is null)
            {
                best = value;
                continue;
            }
            int order = ValueComparer.CompareNonNull(value, best);
            if (greatest ? order > 0 : order < 0) best = value;
        }
        return best;
    }

    private static object CountNulls(ReadOnlySpan<object?> arguments, bool nulls)
    {
        int count = 0;
        foreach (object? value in arguments) if ((value is null) == nulls) count++;
        return count;
    }
}
