using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Types;
using Log.Wire.Types;

namespace Log.QueryNode.Sql.Binder;

/// <summary>
/// The $1..$n of an extended-protocol statement. Describing, a parameter with no declared type behaves like an untyped
/// literal: its type is inferred from where it is used (and reported by Describe). A prepared statement's cached plan
/// is bound with every type known and each reference as a <see cref="BoundParameter"/> whose value each Bind supplies
/// (<see cref="ConvertValues"/>); otherwise (a statement bound for one run) each reference becomes a constant.
/// </summary>
internal sealed class ParameterContext
{
    private readonly IReadOnlyList<object?>? _values;
    private readonly SqlType[] _types;
    private readonly bool _valuesAtRunTime;

    /// <summary>For a plan that outlives one Bind: every type is known (as Describe resolved it), and references are
    /// <see cref="BoundParameter"/>s read when the plan runs.</summary>
    public static ParameterContext ForCachedPlan(IReadOnlyList<SqlType> types) => new(types.ToArray(), values: null, valuesAtRunTime: true);

    /// <param name="types">Declared types (Unknown where the client left the type to the server).</param>
    /// <param name="values">Values, or null when only describing: text strings (the text format) or CLR values.</param>
    public ParameterContext(SqlType[] types, IReadOnlyList<object?>? values) : this(types, values, valuesAtRunTime: false)
    {
    }

    private ParameterContext(SqlType[] types, IReadOnlyList<object?>? values, bool valuesAtRunTime)
    {
        _types = types;
        _values = values;
        _valuesAtRunTime = valuesAtRunTime;
    }

    public int Count => _types.Length;

    /// <summary>The types after binding: declared or inferred; text where nothing decided.</summary>
    public IReadOnlyList<SqlType> ResolvedTypes => _types.Select(type => type.Kind == TypeKind.Unknown ? SqlType.Text : type).ToArray();

    public void Infer(int number, SqlType type)
    {
        if (_types[number - 1].Kind == TypeKind.Unknown) _types[number - 1] = type;
    }

    /// <summary>Parameter $<paramref name="number"/> as bound: its value now (text read with the statement's
    /// <paramref name="settings"/>), or a reference to the value of each execution of a cached plan.</summary>
    public BoundExpression Bind(int number, int location, DateTimeSettings settings)
    {
        SqlType declared = _types[number - 1];
        if (_valuesAtRunTime) return new BoundParameter(number, declared);
        object? value = _values is null ? null : _values[number - 1];
        if (value is decimal clrDecimal) value = PgNumeric.FromDecimal(clrDecimal); // numeric's values are PgNumeric
        if (declared.Kind == TypeKind.Unknown)
        {
            return value is null or string
                ? new BoundConstant(value, SqlType.Unknown, number)
                : new BoundConstant(value, TypeOf(value), number);
        }
        return new BoundConstant(ConvertValue(value, declared, location + 1, settings), declared, number);
    }

    /// <summary>A Bind's values as the values of parameters of <paramref name="types"/>: text through the type's input
    /// function (22P02 and kin for bad input, as PostgreSQL reports them at Bind), CLR values cast.</summary>
    public static object?[] ConvertValues(IReadOnlyList<SqlType> types, IReadOnlyList<object?> values, DateTimeSettings settings)
    {
        if (values.Count < types.Count)
        {
            throw new SqlException(SqlState.ProtocolViolation,
                $"bind message supplies {values.Count} parameters, but prepared statement \"\" requires {types.Count}");
        }
        var converted = new object?[types.Count];
        for (int index = 0; index < converted.Length; index++) converted[index] = ConvertValue(values[index], types[index], position: null, settings);
        return converted;
    }

    private static object? ConvertValue(object? value, SqlType type, int? position, DateTimeSettings settings)
    {
        return value switch
        {
            null => null,
            string text => ValueInput.Parse(text, type, settings, position),
            // The wire decoded an array with the element type's codec: only the element modifier is left to apply (and
            // oids, which the wire reads as uint, become the engine's long).
            Log.Wire.Types.PgArray array when type.IsArray => TypeRegistry.Get(TypeKind.Array).ApplyModifier(WithEngineOids(array), type, isExplicit: false),
            uint oid => ValueCast.Convert((long)oid, new SqlType(TypeKind.Oid), type, ValueCast.Context.Explicit, settings),
            _ => ValueCast.Convert(value, TypeOf(value), type, ValueCast.Context.Explicit, settings),
        };
    }

    private static Log.Wire.Types.PgArray WithEngineOids(Log.Wire.Types.PgArray array) =>
        array.Any(element => element is uint)
            ? new Log.Wire.Types.PgArray(array.Select(element => element is uint oid ? (long)oid : element).ToArray(), array.Lengths.ToArray(), array.LowerBounds.ToArray())
            : array;

    private static SqlType TypeOf(object value) => value switch
    {
        bool => SqlType.Bool,
        short => SqlType.Int2,
        int => SqlType.Int4,
        long => SqlType.Int8,
        float => SqlType.Float4,
        double => SqlType.Float8,
        PgNumeric => SqlType.Numeric,
        DateTime { Kind: DateTimeKind.Utc } => SqlType.TimestampTz,
        DateTime => SqlType.Timestamp,
        DateOnly => SqlType.Date,
        _ => TypeRegistry.TypeOfValue(value)
            ?? throw new SqlException(SqlState.FeatureNotSupported, $"parameter values of type {value.GetType().Name} are not supported"),
    };

    /// <summary>The type for a parameter type OID from Parse (0 = let the server decide).</summary>
    public static SqlType TypeOfOid(int oid) => oid switch
    {
        16 => SqlType.Bool,
        20 => SqlType.Int8,
        21 => SqlType.Int2,
        23 => SqlType.Int4,
        25 => SqlType.Text,
        701 => SqlType.Float8,
        1042 => SqlType.Bpchar,
        1043 => SqlType.Varchar,
        1700 => SqlType.Numeric,
        1082 => SqlType.Date,
        1114 => SqlType.Timestamp,
        1184 => SqlType.TimestampTz,
        _ => TypeRegistry.TypeOfOid(oid),
    };
}
