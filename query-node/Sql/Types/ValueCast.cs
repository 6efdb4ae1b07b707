using Log.QueryNode.Execution;

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

    /// <summary>Converts a non-null value known to be of <paramref name="from"/>; errors as PostgreSQL's cast functions raise them.</summary>
    public static object? Convert(object? value, SqlType from, SqlType to, Context context, int? position = null)
    {
        if (value is null) return null;
        if (from.Kind == TypeKind.Unknown || (from.IsString && !to.IsString))
        {
            if (to.Kind == TypeKind.Unknown) return value;
            string text = (string)value;
            if (from.Kind == TypeKind.Bpchar) text = text.TrimEnd(' ');
            return ValueInput.Parse(text, to, position);
        }
        if ((from.Kind != to.Kind || from.IsArray) && TypeRegistry.Find(to.Kind) is { } toHandler && toHandler.CanCastFrom(from, to, context) == true)
        {
            return toHandler.ApplyModifier(toHandler.ConvertFrom(value, from, to, context), to, context == Context.Explicit);
        }
        if (from.Kind != to.Kind && TypeRegistry.Find(from.Kind) is { } fromHandler && fromHandler.CanCastTo(from, to, context) == true)
        {
            return fromHandler.ConvertTo(value, from, to, context);
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
                    decimal m => (double)m,
                    _ => (double)ToLong(value),
                };
            case TypeKind.Float4:
                float single = value switch
                {
                    float f => f,
                    double d => (float)d,
                    decimal m => (float)m,
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
                decimal number = value switch
                {
                    decimal m => m,
                    double d => FloatToNumeric(d),
                    float f => FloatToNumeric(f, significantDigits: 6),
                    _ => ToLong(value),
                };
                return ApplyNumericModifier(number, to);
            case TypeKind.Text:
                // char(n) to text drops the padding (PostgreSQL's rtrim1 in the bpchar-to-text cast).
                if (from.Kind == TypeKind.Bpchar && value is string padded) return padded.TrimEnd(' ');
                return value as string ?? ValueFormatter.Format(value);
            case TypeKind.Date:
                // A timestamptz's date is the one on the session's wall clock.
                return value switch
                {
                    DateTime { Kind: DateTimeKind.Utc } instant => DateOnly.FromDateTime(DateTimeSettings.Current.ToLocal(instant)),
                    DateTime dateTime => DateOnly.FromDateTime(dateTime),
                    _ => value,
                };
            case TypeKind.Timestamp:
                return value switch
                {
                    DateOnly date => date.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified),
                    DateTime { Kind: DateTimeKind.Utc } instant => DateTimeSettings.Current.ToLocal(instant),
                    DateTime timestamp => DateTime.SpecifyKind(timestamp, DateTimeKind.Unspecified),
                    _ => value,
                };
            case TypeKind.TimestampTz:
                // A date or timestamp is wall-clock time in the session's TimeZone.
                return value switch
                {
                    DateOnly date => DateTimeSettings.Current.ToUtc(date.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified)),
                    DateTime { Kind: DateTimeKind.Utc } instant => instant,
                    DateTime timestamp => DateTimeSettings.Current.ToUtc(timestamp),
                    _ => value,
                };
            case TypeKind.Varchar:
            case TypeKind.Bpchar:
                string source = value as string ?? ValueFormatter.Format(value)!;
                if (from.Kind == TypeKind.Bpchar && to.Kind != TypeKind.Bpchar) source = source.TrimEnd(' ');
                return ApplyStringModifier(source, to, context == Context.Explicit);
            default:
                if (TypeRegistry.Find(to.Kind) is { } handler) return handler.ApplyModifier(value, to, context == Context.Explicit);
                return value;
        }
    }

    private static decimal FloatToNumeric(double value, int significantDigits = 15)
    {
        if (double.IsNaN(value) || double.IsInfinity(value))
        {
            throw new SqlException(SqlState.FeatureNotSupported, $"cannot convert {ValueFormatter.FormatFloat8(value)} to numeric");
        }
        try
        {
            // float8 to numeric keeps the 15 significant digits float8out would have printed before PostgreSQL 12.
            return decimal.Parse(value.ToString("G" + significantDigits, System.Globalization.CultureInfo.InvariantCulture),
                System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (OverflowException)
        {
            throw new SqlException(SqlState.NumericValueOutOfRange, "value overflows numeric format");
        }
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
            case decimal m:
                decimal roundedNumber = Math.Round(m, MidpointRounding.AwayFromZero);
                if (roundedNumber < long.MinValue || roundedNumber > long.MaxValue) throw OutOfRange(typeName);
                return (long)roundedNumber;
            default:
                return ToLong(value);
        }
    }

    private static long CheckRange(long value, long minimum, long maximum, string typeName) =>
        value < minimum || value > maximum ? throw OutOfRange(typeName) : value;

    public static SqlException OutOfRange(string typeName) => new(SqlState.NumericValueOutOfRange, $"{typeName} out of range");

    /// <summary>numeric(p,s): round to s digits after the point, then refuse values with more than p-s digits before it.</summary>
    public static decimal ApplyNumericModifier(decimal value, SqlType type)
    {
        int precision = type.NumericPrecision;
        if (precision < 0) return value;
        int scale = type.NumericScale;
        decimal rounded;
        try
        {
            rounded = Math.Round(value, Math.Clamp(scale, 0, 28), MidpointRounding.AwayFromZero);
            // Math.Round never adds trailing zeros; numeric(p,s) displays exactly s of them.
            if (scale > 0 && scale <= 28) rounded = SetScale(rounded, scale);
        }
        catch (OverflowException)
        {
            rounded = value;
        }
        decimal limit = Pow10(precision - scale);
        if (Math.Abs(rounded) >= limit)
        {
            throw new SqlException(SqlState.NumericValueOutOfRange, "numeric field overflow",
                detail: $"A field with precision {precision}, scale {scale} must round to an absolute value less than {(precision == scale ? "1" : "10^" + (precision - scale))}.");
        }
        return rounded;
    }

    private static decimal Pow10(int exponent)
    {
        if (exponent > 28) return decimal.MaxValue;
        decimal result = 1;
        for (int index = 0; index < exponent; index++) result *= 10;
        return result;
    }

    /// <summary>Gives a decimal exactly <paramref name="scale"/> digits after the point (value already rounded to it).</summary>
    public static decimal SetScale(decimal value, int scale)
    {
        int current = value.Scale;
        if (current == scale) return value;
        if (current > scale) return Math.Round(value, scale, MidpointRounding.AwayFromZero);
        // Multiplying by 1.000 (a decimal 1000 with scale 3) adds trailing zeros without changing the value.
        try
        {
            while (current < scale)
            {
                int step = Math.Min(scale - current, 9);
                value *= new decimal((int)Math.Pow(10, step), 0, 0, false, (byte)step);
                current += step;
            }
        }
        catch (OverflowException)
        {
        }
        return value;
    }

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
