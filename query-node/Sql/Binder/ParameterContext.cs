using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Types;
using Log.Wire.Types;

namespace Log.QueryNode.Sql.Binder;

/// <summary>
/// The $1..$n of an extended-protocol statement. The binder turns each reference into a constant, so parameters
/// take part in point lookups like literals do. A parameter with no declared type behaves like an untyped literal:
/// its type is inferred from where it is used (and reported by Describe); its value, when text, goes through that
/// type's input function.
/// </summary>
internal sealed class ParameterContext
{
    private readonly IReadOnlyList<object?>? _values;
    private readonly SqlType[] _types;

    /// <param name="types">Declared types (Unknown where the client left the type to the server).</param>
    /// <param name="values">Values, or null when only describing: text strings (the text format) or CLR values.</param>
    public ParameterContext(SqlType[] types, IReadOnlyList<object?>? values)
    {
        _types = types;
        _values = values;
    }

    public int Count => _types.Length;

    /// <summary>The types after binding: declared or inferred; text where nothing decided.</summary>
    public IReadOnlyList<SqlType> ResolvedTypes => _types.Select(type => type.Kind == TypeKind.Unknown ? SqlType.Text : type).ToArray();

    public void Infer(int number, SqlType type)
    {
        if (_types[number - 1].Kind == TypeKind.Unknown) _types[number - 1] = type;
    }

    public BoundConstant Bind(int number, int location)
    {
        SqlType declared = _types[number - 1];
        object? value = _values is null ? null : _values[number - 1];
        if (value is decimal clrDecimal) value = PgNumeric.FromDecimal(clrDecimal); // numeric's values are PgNumeric
        if (declared.Kind == TypeKind.Unknown)
        {
            return value is null or string
                ? new BoundConstant(value, SqlType.Unknown, number)
                : new BoundConstant(value, TypeOf(value), number);
        }
        if (value is string text) return new BoundConstant(ValueInput.Parse(text, declared, location + 1), declared, number);
        if (value is null) return new BoundConstant(null, declared, number);
        return new BoundConstant(ValueCast.Convert(value, TypeOf(value), declared, ValueCast.Context.Explicit), declared, number);
    }

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
