using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Functions;

/// <summary>pg_proc.provolatile: whether a call with the same arguments may be computed once when the statement is
/// planned (immutable), gives the same answer throughout one statement (stable: now(), current_setting), or may give a
/// different one at every call (volatile: random(), clock_timestamp()).</summary>
public enum Volatility : byte
{
    Immutable,
    Stable,
    Volatile,
}

/// <summary>PostgreSQL's pseudo-types that a function may declare for an argument instead of a real type.</summary>
public enum PseudoType : byte
{
    /// <summary>A real type (<see cref="ParameterType.Type"/>).</summary>
    None,
    /// <summary>anyelement: any type, the same one for every anyelement argument and the result.</summary>
    AnyElement,
    /// <summary>anynonarray: as anyelement, but not an array.</summary>
    AnyNonArray,
    /// <summary>"any": any type, each argument its own, an untyped literal read as text.</summary>
    Any,
    /// <summary>anyarray: any array type, whose element type is the one the anyelement arguments have.</summary>
    AnyArray,
}

/// <summary>One declared argument type: a real type or a pseudo-type.</summary>
public readonly record struct ParameterType(SqlType Type, PseudoType Pseudo = PseudoType.None)
{
    public static implicit operator ParameterType(SqlType type) => new(type);

    public static readonly ParameterType AnyElement = new(SqlType.Unknown, PseudoType.AnyElement);
    public static readonly ParameterType AnyNonArray = new(SqlType.Unknown, PseudoType.AnyNonArray);
    public static readonly ParameterType Any = new(SqlType.Unknown, PseudoType.Any);
    public static readonly ParameterType AnyArray = new(SqlType.Unknown, PseudoType.AnyArray);

    public bool IsPolymorphic => Pseudo is PseudoType.AnyElement or PseudoType.AnyNonArray or PseudoType.AnyArray;

    /// <summary>The name in an error message or a signature ("integer", "anyelement", "\"any\"").</summary>
    public string DisplayName => Pseudo switch
    {
        PseudoType.AnyElement => "anyelement",
        PseudoType.AnyNonArray => "anynonarray",
        PseudoType.Any => "\"any\"",
        PseudoType.AnyArray => "anyarray",
        _ => Type.DisplayName,
    };
}

/// <summary>The body of a function: the argument values (already of the declared types; never null for a strict
/// function) and what the statement lends it. Expected failures are <see cref="Execution.SqlException"/>s.</summary>
internal delegate object? FunctionImplementation(ReadOnlySpan<object?> arguments, EvaluationContext context);

/// <summary>How a call is bound and evaluated when it is not an ordinary function call. PostgreSQL parses these as
/// their own nodes (CoalesceExpr, NullIfExpr, MinMaxExpr) with select_common_type over the arguments.</summary>
public enum SpecialForm : byte
{
    None,
    /// <summary>COALESCE: arguments are evaluated in order only until one is not null.</summary>
    Coalesce,
    NullIf,
    Greatest,
    Least,
}

/// <summary>
/// One built-in function, as a row of pg_proc: name, argument types (the last one repeated for VARIADIC "any"),
/// result type (or a rule computing it from the resolved argument types, for polymorphic functions), volatility,
/// strictness (a strict function returns NULL for a NULL argument without being called) and its implementation.
/// </summary>
internal sealed class FunctionDefinition(
    string name,
    IReadOnlyList<ParameterType> parameters,
    SqlType resultType,
    FunctionImplementation implementation,
    Volatility volatility = Volatility.Immutable,
    bool strict = true)
{
    public string Name { get; } = name;

    public IReadOnlyList<ParameterType> Parameters { get; } = parameters;

    /// <summary>The declared result type; for a polymorphic function, the type its anyelement arguments resolve to
    /// replaces it (see <see cref="ResultFromPolymorphic"/>).</summary>
    public SqlType ResultType { get; } = resultType;

    public FunctionImplementation Implementation { get; } = implementation;

    public Volatility Volatility { get; } = volatility;

    public bool Strict { get; } = strict;

    /// <summary>VARIADIC "any": the last parameter takes one or more arguments of any types.</summary>
    public bool VariadicAny { get; init; }

    /// <summary>The result type is the type the anyelement/anynonarray arguments resolved to.</summary>
    public bool ResultFromPolymorphic { get; init; }

    /// <summary>With <see cref="ResultFromPolymorphic"/>: the result is the array of the resolved element type (anyarray).</summary>
    public bool ResultIsArray { get; init; }

    /// <summary>anycompatible/anycompatiblearray: the polymorphic arguments meet in a common type (int and numeric in
    /// numeric) instead of having to be of one type.</summary>
    public bool Compatible { get; init; }

    /// <summary>A special SQL construct rather than a plain call (COALESCE, NULLIF, GREATEST, LEAST).</summary>
    public SpecialForm SpecialForm { get; init; }

    /// <summary>pg_proc.proargnames: the parameters' names, which a call may use instead of positions (f(a => 1));
    /// null for a function whose parameters have none.</summary>
    public IReadOnlyList<string>? ParameterNames { get; private set; }

    /// <summary>pg_proc.proargdefaults: the values of the last parameters when a call in named notation leaves them
    /// out (calls in positional notation reach them as shorter overloads).</summary>
    public IReadOnlyList<object?> ParameterDefaults { get; private set; } = [];

    /// <summary>Gives the parameters their names and the last ones their defaults, once, while the registry is built.</summary>
    public void NameParameters(IReadOnlyList<string> names, IReadOnlyList<object?> defaults)
    {
        System.Diagnostics.Debug.Assert(ParameterNames is null && names.Count == Parameters.Count && defaults.Count <= names.Count && !VariadicAny);
        ParameterNames = names;
        ParameterDefaults = defaults;
    }

    /// <summary>Whether a call with this many arguments can be this function (a VARIADIC parameter takes at least one).</summary>
    public bool Accepts(int argumentCount) => VariadicAny ? argumentCount >= Parameters.Count : argumentCount == Parameters.Count;

    /// <summary>The declared type of argument <paramref name="index"/> of a call.</summary>
    public ParameterType ParameterAt(int index) => index < Parameters.Count ? Parameters[index] : Parameters[^1];

    /// <summary>name(argument types), as \df shows a signature.</summary>
    public override string ToString() =>
        $"{Name}({string.Join(", ", Parameters.Select((parameter, index) => (VariadicAny && index == Parameters.Count - 1 ? "VARIADIC " : "") + parameter.DisplayName))})";
}
