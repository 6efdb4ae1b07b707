using System.Globalization;
using System.Text;

namespace Log.QueryNode.Sql.Types;

/// <summary>PostgreSQL's text output functions (boolout, int4out, float8out, numeric_out, textout).</summary>
internal static class ValueFormatter
{
    public static string? Format(object? value) => value switch
    {
        null => null,
        bool b => b ? "t" : "f",
        short s => s.ToString(CultureInfo.InvariantCulture),
        int i => i.ToString(CultureInfo.InvariantCulture),
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => FormatFloat8(d),
        decimal m => m.ToString(CultureInfo.InvariantCulture),
        string s => s,
        DateTime timestamp => FormatTimestamp(timestamp),
        DateOnly date => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture),
    };

    /// <summary>timestamp_out / timestamptz_out with DateStyle ISO and TimeZone UTC: microseconds without trailing zeros,
    /// "+00" for timestamptz (a DateTime of kind Utc).</summary>
    public static string FormatTimestamp(DateTime value)
    {
        string text = value.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
        long microseconds = value.Ticks % TimeSpan.TicksPerSecond / 10;
        if (microseconds != 0) text += "." + microseconds.ToString("D6", CultureInfo.InvariantCulture).TrimEnd('0');
        return value.Kind == DateTimeKind.Utc ? text + "+00" : text;
    }

    /// <summary>float8out of PostgreSQL 12+: the shortest text that reads back to the same double, fixed-point when the
    /// decimal exponent is in [-4, 15), otherwise d.ddde±XX with at least two exponent digits.</summary>
    public static string FormatFloat8(double value)
    {
        if (double.IsNaN(value)) return "NaN";
        if (double.IsPositiveInfinity(value)) return "Infinity";
        if (double.IsNegativeInfinity(value)) return "-Infinity";
        if (value == 0) return double.IsNegative(value) ? "-0" : "0";

        // "E16" is not shortest; "R" is (on .NET Core 3.0+), so take its digits and exponent and lay them out ourselves.
        string roundTrip = value.ToString("R", CultureInfo.InvariantCulture);
        bool negative = roundTrip[0] == '-';
        int start = negative ? 1 : 0;
        int exponentIndex = roundTrip.IndexOfAny(['E', 'e']);
        string mantissa = exponentIndex < 0 ? roundTrip[start..] : roundTrip[start..exponentIndex];
        int exponentPart = exponentIndex < 0 ? 0 : int.Parse(roundTrip.AsSpan(exponentIndex + 1), CultureInfo.InvariantCulture);
        int pointIndex = mantissa.IndexOf('.');
        string integerDigits = pointIndex < 0 ? mantissa : mantissa[..pointIndex];
        string fractionDigits = pointIndex < 0 ? "" : mantissa[(pointIndex + 1)..];
        string digits = (integerDigits + fractionDigits).TrimStart('0');
        int leadingZerosRemoved = (integerDigits + fractionDigits).Length - digits.Length;
        digits = digits.TrimEnd('0');
        if (digits.Length == 0) digits = "0";
        // decimalExponent: the value is 0.d1d2d3... * 10^decimalExponent; scientific exponent is decimalExponent - 1.
        int decimalExponent = integerDigits.Length - leadingZerosRemoved + exponentPart;
        int scientificExponent = decimalExponent - 1;

        var builder = new StringBuilder(32);
        if (negative) builder.Append('-');
        if (scientificExponent < -4 || scientificExponent >= 15)
        {
            builder.Append(digits[0]);
            if (digits.Length > 1) builder.Append('.').Append(digits, 1, digits.Length - 1);
            builder.Append('e').Append(scientificExponent < 0 ? '-' : '+');
            int absoluteExponent = Math.Abs(scientificExponent);
            if (absoluteExponent < 10) builder.Append('0');
            builder.Append(absoluteExponent.ToString(CultureInfo.InvariantCulture));
        }
        else if (decimalExponent <= 0)
        {
            builder.Append("0.").Append('0', -decimalExponent).Append(digits);
        }
        else if (decimalExponent >= digits.Length)
        {
            builder.Append(digits).Append('0', decimalExponent - digits.Length);
        }
        else
        {
            builder.Append(digits, 0, decimalExponent).Append('.').Append(digits, decimalExponent, digits.Length - decimalExponent);
        }
        return builder.ToString();
    }
}
