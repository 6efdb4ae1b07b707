using System.Globalization;
using System.Text;

namespace Log.QueryNode.Sql.Types;

/// <summary>PostgreSQL's text output functions (boolout, int4out, float8out, numeric_out, textout).</summary>
internal static class ValueFormatter
{
    /// <summary>A value as text; a timestamptz is written in <paramref name="settings"/>' TimeZone (the statement's
    /// session TimeZone, as PostgreSQL's timestamptz_out does).</summary>
    public static string? Format(object? value, DateTimeSettings settings) => value switch
    {
        null => null,
        bool b => b ? "t" : "f",
        short s => s.ToString(CultureInfo.InvariantCulture),
        int i => i.ToString(CultureInfo.InvariantCulture),
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => Log.Wire.Types.PgTypes.FormatFloat8(d, settings.ExtraFloatDigits),
        Log.Wire.Types.PgNumeric n => n.ToString(),
        string s => s,
        DateTime timestamp => FormatTimestamp(timestamp, settings),
        DateOnly date => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        _ => TypeRegistry.ForValue(value) is { } handler
            ? handler.Format(value, settings)
            : Convert.ToString(value, CultureInfo.InvariantCulture),
    };

    /// <summary>timestamp_out / timestamptz_out with DateStyle ISO: microseconds without trailing zeros; a timestamptz (a
    /// DateTime of kind Utc) is shown as wall-clock time in the session's TimeZone with that zone's offset then,
    /// "+09", or "+05:30" when the offset has minutes.</summary>
    public static string FormatTimestamp(DateTime value, DateTimeSettings settings)
    {
        if (value.Kind != DateTimeKind.Utc) return FormatWallClock(value);
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

    /// <summary>float8out of PostgreSQL 12+ (extra_float_digits 1: the shortest text that reads back
    /// to the same double), the one the protocol layer writes too.</summary>
    public static string FormatFloat8(double value) => Log.Wire.Types.PgTypes.FormatFloat8(value);
}
