using System.Globalization;
using System.Text;

namespace Log.QueryNode.Sql.Types;

/// <summary>PostgreSQL's text output functions (boolout, int4out, float8out, numeric_out, textout).</summary>
internal static class ValueFormatter
{
    /// <summary>A value as text; a timestamptz is written in <paramref name="settings"/>' TimeZone (by default the
    /// running statement's session TimeZone, as PostgreSQL's timestamptz_out does).</summary>
    public static string? Format(object? value, DateTimeSettings? settings = null) => value switch
    {
        null => null,
        bool b => b ? "t" : "f",
        short s => s.ToString(CultureInfo.InvariantCulture),
        int i => i.ToString(CultureInfo.InvariantCulture),
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => FormatFloat8(d),
        decimal m => m.ToString(CultureInfo.InvariantCulture),
        string s => s,
        DateTime timestamp => FormatTimestamp(timestamp, settings),
        DateOnly date => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture),
    };

    /// <summary>timestamp_out / timestamptz_out with DateStyle ISO: microseconds without trailing zeros; a timestamptz (a
    /// DateTime of kind Utc) is shown as wall-clock time in the session's TimeZone with that zone's offset then,
    /// "+09", or "+05:30" when the offset has minutes.</summary>
    public static string FormatTimestamp(DateTime value, DateTimeSettings? settings = null)
    {
        if (value.Kind != DateTimeKind.Utc) return FormatWallClock(value);
        settings ??= DateTimeSettings.Current;
        TimeSpan offset = settings.OffsetOfUtc(value);
        DateTime local;
        try
        {
            local = value + offset;
        }
        catch (ArgumentOutOfRangeException)
        {
            // The zone's offset would take the first or last representable instant out of DateTime's range: show UTC.
            local = value;
            offset = TimeSpan.Zero;
        }
        return FormatWallClock(local) + FormatOffset(offset);
    }

    private static string FormatWallClock(DateTime value)
    {
        string text = value.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
        long microseconds = value.Ticks % TimeSpan.TicksPerSecond / 10;
        if (microseconds != 0) text += "." + microseconds.ToString("D6", CultureInfo.InvariantCulture).TrimEnd('0');
        return text;
    }

    /// <summary>EncodeTimezone of PostgreSQL: sign and two-digit hours, then ":mm" and ":ss" only when not zero.</summary>
    private static string FormatOffset(TimeSpan offset)
    {
        TimeSpan magnitude = offset.Duration();
        string text = (offset < TimeSpan.Zero ? "-" : "+") + magnitude.Hours.ToString("D2", CultureInfo.InvariantCulture);
        if (magnitude.Minutes != 0 || magnitude.Seconds != 0) text += ":" + magnitude.Minutes.ToString("D2", CultureInfo.InvariantCulture);
        if (magnitude.Seconds != 0) text += ":" + magnitude.Seconds.ToString("D2", CultureInfo.InvariantCulture);
        return text;
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
