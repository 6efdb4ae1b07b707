using Log.QueryNode.Execution;
using Log.Wire.Types;

namespace Log.QueryNode.Sql.Types;

/// <summary>How a value of one type becomes a value of another (pg_cast) and how a type modifier is applied.</summary>
internal static class ValueCast
{
    public enum Context
    {
        /// <summary>Applied silently inside expressions (int4 to int8, anything to a wider number).</summary>
        Implicit,
        /// <summary>Allowed when storing into a column (INSERT, UPDATE): also narrowing numbers and anything to text.</summary>
        Assignment,
        /// <summary>CAST(x AS t) and x::t.</summary>
        Explicit,
    }

    /// <summary>
    /// Whether a cast reads TimeZone or DateStyle, which makes its pg_cast function (or the type's input or output
    /// function) stable in PostgreSQL: between timestamptz and the other date/time and string types, time to timetz,
    /// and strings to date or timestamp. Neither the binder nor the planner folds such a cast of a constant: it runs
    /// with each execution's settings, so that a cached plan run after SET TimeZone converts in the new zone, as
    /// PostgreSQL's does (a key range over it is computed when the scan opens). An untyped literal is not a cast here:
    /// it is read when the statement is bound, and kept (PostgreSQL reads it at parse analysis and keeps it).
    /// </summary>
    public static bool ReadsSessionSettings(SqlType from, SqlType to)
    {
        SqlType sourceType = from.IsArray ? from.ElementType : from;
        TypeKind source = sourceType.Kind;
        TypeKind target = to.IsArray ? to.ElementType.Kind : to.Kind;
        if (source == target || source == TypeKind.Unknown) return false;
        bool sourceIsString = sourceType.IsString;
        return source == TypeKind.TimestampTz
            || target == TypeKind.TimestampTz
            || (target == TypeKind.TimeTz && source != TypeKind.TimeTz)
            || (sourceIsString && target is TypeKind.Date or TypeKind.Timestamp);
    }

    /// <summary>Whether PostgreSQL has a cast from <paramref name="from"/> to <paramref name="to"/> in the context.</summary>
    public static bool CanCast(SqlType from, SqlType to, Context context)
    {
        if (from.Kind == TypeKind.Unknown) return true;
        if (TypeRegistry.Find(to.Kind)?.CanCastFrom(from, to, context) is bool toAnswer) return toAnswer;
        if (TypeRegistry.Find(from.Kind)?.CanCastTo(from, to, context) is bool fromAnswer) return fromAnswer;
        if (from.Kind == to.Kind) return true;
        if (from.IsNumber && to.IsNumber)
        {
            return context != Context.Implicit || from.NumericRank < to.NumericRank;
        }
        if (from.IsString && to.IsString) return true;
        if (from.IsDateTime && to.IsDateTime)
        {
            return context != Context.Implicit || from.DateTimeRank < to.DateTimeRank;
        }
        // Every type has I/O conversion casts: to a string type in assignment, from a string type explicitly.
        if (to.IsString) return context != Context.Implicit;
        if (from.IsString) return context == Context.Explicit;
        if (from.Kind == TypeKind.Bool && to.Kind == TypeKind.Int4) return context == Context.Explicit;
        if (from.Kind == TypeKind.Int4 && to.Kind == TypeKind.Bool) return context == Context.Explicit;
        return false;
    }

    /// <summary>The text of a value for a cast to a string type: a vector's value is an array's, so its type says how
    /// it prints ("1 2", not "[0:1]={1,2}").</summary>
    private static string? FormatAs(object value, SqlType from, DateTimeSettings settings) =>
        from.IsVector ? TypeRegistry.Get(from.Kind).Format(value, settings) : ValueFormatter.Format(value, settings);

    /// <summary>Converts a non-null value known to be of <paramref name="from"/>; errors as PostgreSQL's cast functions raise
    /// them. <paramref name="settings"/> are the statement's: the casts between date/time types and to and from text
    /// read its TimeZone and DateStyle.</summary>
    public static object? Convert(object? value, SqlType from, SqlType to, Context context, DateTimeSettings settings, int? position = null)
    {
        if (value is null) return null;
        if (from.Kind == TypeKind.Unknown || (from.IsString && !to.IsString))
        {
            if (to.Kind == TypeKind.Unknown) return value;
            string text = (string)value;
            if (from.Kind == TypeKind.Bpchar) text = text.TrimEnd(' ');
            return ValueInput.Parse(text, to, settings, position);
        }
        if ((from.Kind != to.Kind || from.IsArray) && TypeRegistry.Find(to.Kind) is { } toHandler && toHandler.CanCastFrom(from, to, context) == true)
        {
            return toHandler.ApplyModifier(toHandler.ConvertFrom(value, from, to, context, settings), to, context == Context.Explicit);
        }
        if (from.Kind != to.Kind && TypeRegistry.Find(from.Kind) is { } fromHandler && fromHandler.CanCastTo(from, to, context) == true)
        {
            return fromHandler.ConvertTo(value, from, to, context, settings);
        }
        switch (to.Kind)
        {
            case TypeKind.Bool:
                return value is bool ? value : ToLong(value) != 0;
            case TypeKind.Int2:
                return (short)CheckRange(ToLongRounded(value, "smallint"), short.MinValue, short.MaxValue, "smallint");
            case TypeKind.Int4:
                if (value is bool flag) return flag ? 1 : 0;
                return (int)CheckRange(ToLongRounded(value, "integer"), int.MinValue, int.MaxValue, "integer");
            case TypeKind.Int8:
                return ToLongRounded(value, "bigint");
            case TypeKind.Float8:
                return value switch
                {
                    double d => d,
                    float f => (double)f,
                    PgNumeric n => NumericOperations.ToDouble(n, single: false),
                    _ => (double)ToLong(value),
                };
            case TypeKind.Float4:
                float single = value switch
                {
                    float f => f,
                    double d => (float)d,
                    PgNumeric n => (float)NumericOperations.ToDouble(n, single: true),
                    _ => ToLong(value),
                };
                // float8_to_float4 and numeric_float4 check both ways out of float's range (22003).
                if (float.IsInfinity(single) && value is double wide && !double.IsInfinity(wide))
                {
                    throw new SqlException(SqlState.NumericValueOutOfRange, "value out of range: overflow");
                }
                if (single == 0 && value is double small && small != 0)
                {
                    throw new SqlException(SqlState.NumericValueOutOfRange, "value out of range: underflow");
                }
                return single;
            case TypeKind.Numeric:
                PgNumeric number = value switch
                {
                    PgNumeric n => n,
                    double d => CheckedFloatToNumeric(d, significantDigits: 15),
                    float f => CheckedFloatToNumeric(f, significantDigits: 6),
                    _ => PgNumeric.FromInt64(ToLong(value)),
                };
                return NumericOperations.ApplyModifier(number, to);
            case TypeKind.Text:
                // char(n) to text drops the padding (PostgreSQL's rtrim1 in the bpchar-to-text cast).
                if (from.Kind == TypeKind.Bpchar && value is string padded) return padded.TrimEnd(' ');
                return value as string ?? FormatAs(value, from, settings);
            case TypeKind.Date:
                // A timestamptz's date is the one on the session's wall clock.
                return value switch
                {
                    DateTime { Kind: DateTimeKind.Utc } instant => DateOnly.FromDateTime(settings.ToLocal(instant)),
                    DateTime dateTime => DateOnly.FromDateTime(dateTime),
                    _ => value,
                };
            case TypeKind.Timestamp:
                return value switch
                {
                    DateOnly date => date.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified),
                    DateTime { Kind: DateTimeKind.Utc } instant => settings.ToLocal(instant),
                    DateTime timestamp => DateTime.SpecifyKind(timestamp, DateTimeKind.Unspecified),
                    _ => value,
                };
            case TypeKind.TimestampTz:
                // A date or timestamp is wall-clock time in the session's TimeZone.
                return value switch
                {
                    DateOnly date => settings.ToUtc(date.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified)),
                    DateTime { Kind: DateTimeKind.Utc } instant => instant,
                    DateTime timestamp => settings.ToUtc(timestamp),
                    _ => value,
                };
            case TypeKind.Varchar:
            case TypeKind.Bpchar:
                string source = value as string ?? FormatAs(value, from, settings)!;
                if (from.Kind == TypeKind.Bpchar && to.Kind != TypeKind.Bpchar) source = source.TrimEnd(' ');
                return ApplyStringModifier(source, to, context == Context.Explicit);
            default:
                if (TypeRegistry.Find(to.Kind) is { } handler) return handler.ApplyModifier(value, to, context == Context.Explicit);
                return value;
        }
    }

    /// <summary>float8_numeric and float4_numeric: the float's shortest-but-15 (or 6) significant digits; NaN and the
    /// infinities become numeric's.</summary>
    private static PgNumeric CheckedFloatToNumeric(double value, int significantDigits)
    {
        PgNumeric number = PgNumeric.FromDouble(value, significantDigits);
        return number.IsWithinLimits ? number : throw NumericOperations.Overflow();
    }

    private static long ToLong(object value) => value switch
    {
        short s => s,
        int i => i,
        long l => l,
        bool b => b ? 1 : 0,
        _ => throw new InvalidOperationException($"not an integer: {value.GetType()}"),
    };

    /// <summary>numeric rounds half away from zero, float8 rounds half to even (rint), as their int casts do.</summary>
    private static long ToLongRounded(object value, string typeName)
    {
        switch (value)
        {
            case float f:
                return ToLongRounded((double)f, typeName);
            case double d:
                double rounded = Math.Round(d, MidpointRounding.ToEven);
                if (double.IsNaN(rounded) || rounded < -9.2233720368547758E+18 || rounded >= 9.2233720368547758E+18)
                {
                    throw OutOfRange(typeName);
                }
                return (long)rounded;
            case PgNumeric n:
                return NumericOperations.ToInt64Rounded(n, typeName);
            default:
                return ToLong(value);
        }
    }

    private static long CheckRange(long value, long minimum, long maximum, string typeName) =>
        value < minimum || value > maximum ? throw OutOfRange(typeName) : value;

    public static SqlException OutOfRange(string typeName) => new(SqlState.NumericValueOutOfRange, $"{typeName} out of range");

    /// <summary>varchar(n)/char(n): too long is an error on assignment unless only spaces are cut, and a silent
    /// truncation for an explicit cast; char(n) pads with spaces.</summary>
    public static string ApplyStringModifier(string value, SqlType type, bool isExplicit)
    {
        int maximum = type.MaxLength;
        if (maximum < 0) return value;
        if (value.Length > maximum)
        {
            if (!isExplicit)
            {
                for (int index = maximum; index < value.Length; index++)
                {
                    if (value[index] != ' ')
                    {
                        throw new SqlException(SqlState.StringDataRightTruncation,
                            $"value too long for type {type.DisplayName}({maximum})");
                    }
                }
            }
            value = value[..maximum];
        }
        if (type.Kind == TypeKind.Bpchar && value.Length < maximum) value = value.PadRight(maximum);
        return value;
    }
}
