using System.Globalization;
using Log.QueryNode.Execution;

namespace Log.QueryNode.Sql.Types;

/// <summary>PostgreSQL's text input functions (int4in, boolin, float8in, numeric_in, varcharin): how a string literal
/// or a text value becomes a value of a type.</summary>
internal static class ValueInput
{
    /// <summary>Date/time input reads <paramref name="settings"/>' TimeZone and DateStyle order (the statement's session
    /// settings), regclass and regrole input its names.</summary>
    public static object Parse(string text, SqlType type, DateTimeSettings settings, int? position = null)
    {
        switch (type.Kind)
        {
            case TypeKind.Bool:
                return ParseBool(text) ?? throw Invalid("boolean", text, position);
            case TypeKind.Int2:
            case TypeKind.Int4:
            case TypeKind.Int8:
                return ParseInteger(text, type, position);
            case TypeKind.Float8:
                return ParseFloat8(text, position);
            case TypeKind.Numeric:
                return NumericOperations.ApplyModifier(NumericOperations.Parse(text, position), type);
            case TypeKind.Varchar:
            case TypeKind.Bpchar:
                return ValueCast.ApplyStringModifier(text, type, isExplicit: false);
            case TypeKind.Date:
            case TypeKind.Timestamp:
            case TypeKind.TimestampTz:
                return DateTimeInput.Parse(text, type, position, settings);
            default:
                return TypeRegistry.Find(type.Kind) is { } handler
                    ? handler.Parse(text, type, position, settings)
                    : text;
        }
    }

    private static SqlException Invalid(string typeName, string text, int? position) =>
        new(SqlState.InvalidTextRepresentation, $"invalid input syntax for type {typeName}: \"{text}\"", position);

    public static bool? ParseBool(string text)
    {
        string trimmed = text.Trim().ToLowerInvariant();
        if (trimmed.Length == 0) return null;
        // boolin accepts any unique prefix of the words, plus 1/0.
        if (trimmed is "1") return true;
        if (trimmed is "0") return false;
        if ("true".StartsWith(trimmed, StringComparison.Ordinal) || "yes".StartsWith(trimmed, StringComparison.Ordinal)) return true;
        if ("false".StartsWith(trimmed, StringComparison.Ordinal) || "no".StartsWith(trimmed, StringComparison.Ordinal)) return false;
        if (trimmed.Length >= 2 && "on".StartsWith(trimmed, StringComparison.Ordinal)) return true;
        if (trimmed.Length >= 2 && "off".StartsWith(trimmed, StringComparison.Ordinal)) return false;
        return null;
    }

    private static object ParseInteger(string text, SqlType type, int? position)
    {
        string trimmed = text.Trim();
        ReadOnlySpan<char> digits = trimmed;
        bool negative = false;
        if (digits.Length > 0 && (digits[0] == '-' || digits[0] == '+'))
        {
            negative = digits[0] == '-';
            digits = digits[1..];
        }
        if (digits.Length == 0) throw Invalid(type.DisplayName, text, position);
        System.Numerics.BigInteger magnitude = 0;
        foreach (char character in digits)
        {
            if (character == '_') continue; // PostgreSQL 16 accepts underscores between digits
            if (character is < '0' or > '9') throw Invalid(type.DisplayName, text, position);
            magnitude = magnitude * 10 + (character - '0');
            if (magnitude > ulong.MaxValue) break;
        }
        var value = negative ? -magnitude : magnitude;
        (long minimum, long maximum) = type.Kind switch
        {
            TypeKind.Int2 => ((long)short.MinValue, (long)short.MaxValue),
            TypeKind.Int4 => (int.MinValue, int.MaxValue),
            _ => (long.MinValue, long.MaxValue),
        };
        if (value < minimum || value > maximum)
        {
            throw new SqlException(SqlState.NumericValueOutOfRange,
                $"value \"{text}\" is out of range for type {type.DisplayName}", position);
        }
        long result = (long)value;
        return type.Kind switch
        {
            TypeKind.Int2 => (short)result,
            TypeKind.Int4 => (int)result,
            _ => (object)result,
        };
    }

    public static double ParseFloat8(string text, int? position) => ParseFloat(text, "double precision", position);

    /// <summary>float8in and float4in's shared part: NaN and the infinities by name, else a decimal number; a number
    /// beyond double's range is out of range for <paramref name="typeName"/>.</summary>
    public static double ParseFloat(string text, string typeName, int? position)
    {
        string trimmed = text.Trim();
        switch (trimmed.ToLowerInvariant())
        {
            case "nan": return double.NaN;
            case "infinity" or "+infinity" or "inf" or "+inf": return double.PositiveInfinity;
            case "-infinity" or "-inf": return double.NegativeInfinity;
        }
        if (trimmed.Length == 0 || !double.TryParse(trimmed, NumberStyles.Float, CultureInfo.InvariantCulture, out double value))
        {
            throw Invalid(typeName, text, position);
        }
        if (double.IsInfinity(value))
        {
            throw new SqlException(SqlState.NumericValueOutOfRange, $"\"{trimmed}\" is out of range for type {typeName}", position);
        }
        return value;
    }
}
