namespace Log.QueryNode.Sql.Functions;

/// <summary>
/// The functions the engine knows, by name (PostgreSQL's pg_proc). The built-in set is made once, by the families
/// in BuiltinFunctions.*.cs; a function is one <see cref="FunctionDefinition"/> and its implementation. Lookups are
/// read-only after construction, so the registry is shared by every statement.
/// </summary>
internal sealed class FunctionRegistry
{
    private readonly Dictionary<string, List<FunctionDefinition>> _byName = new(StringComparer.Ordinal);

    public static FunctionRegistry Builtins { get; } = BuiltinFunctions.Create();

    public void Add(FunctionDefinition definition)
    {
        if (!_byName.TryGetValue(definition.Name, out List<FunctionDefinition>? overloads))
        {
            overloads = [];
            _byName.Add(definition.Name, overloads);
        }
        if (overloads.Any(existing => existing.ToString() == definition.ToString()))
        {
            throw new InvalidOperationException($"function {definition} is registered twice");
        }
        overloads.Add(definition);
    }

    /// <summary>Every function with its overloads (pg_proc lists them).</summary>
    public IEnumerable<FunctionDefinition> All => _byName.Values.SelectMany(overloads => overloads);

    /// <summary>Every overload of the name; empty when there is none.</summary>
    public IReadOnlyList<FunctionDefinition> Lookup(string name) =>
        _byName.TryGetValue(name, out List<FunctionDefinition>? overloads) ? overloads : [];

    /// <summary>The one overload with exactly these declared parameter types (for code that names a function directly).</summary>
    public FunctionDefinition Get(string name, params ParameterType[] parameters) =>
        Lookup(name).Single(definition => definition.Parameters.SequenceEqual(parameters));
}
