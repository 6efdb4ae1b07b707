namespace Log.QueryNode.Sql.Types;

/// <summary>The field order DateStyle gives to numeric dates that are not ISO (year first, more than two digits).</summary>
public enum DateOrder
{
    MonthDayYear,
    DayMonthYear,
    YearMonthDay,
}

/// <summary>The session settings that date/time input and the casts between date/time types and text depend on:
/// TimeZone (how a timestamptz without an offset is read, and how one is written as text) and DateStyle's field
/// order; and extra_float_digits, which a float's text follows. The session hands them to the engine with every statement; the wire codecs have their own copy for output.</summary>
public sealed record DateTimeSettings(TimeZoneInfo TimeZone, DateOrder DateOrder)
{
    /// <summary>PostgreSQL's defaults: TimeZone UTC, DateStyle "ISO, MDY".</summary>
    public static DateTimeSettings Default { get; } = new(TimeZoneInfo.Utc, DateOrder.MonthDayYear);

    /// <summary>extra_float_digits: above 0 (the default, 1) a float is written in its shortest exact form; otherwise
    /// with 15 (float8) or 6 (float4) plus this many significant digits, as float8out and float4out write it.</summary>
    public int ExtraFloatDigits { get; init; } = 1;

    /// <summary>The running statement's names of relations and roles, which regclass and regrole input and casts
    /// read; null outside a statement (a DEFAULT read back from the catalog), where only oids are known.</summary>
    internal IObjectNames? Names { get; init; }

    /// <summary>The wire protocol's settings for the same zone, for the text codecs the two layers share.</summary>
    internal Log.Wire.Types.PgTypeSettings TypeSettings => field ??= new Log.Wire.Types.PgTypeSettings { TimeZone = TimeZone };

    /// <summary>The order named by a DateStyle value such as "ISO, DMY" (MDY when it names none).</summary>
    public static DateOrder OrderOf(string dateStyle)
    {
        ArgumentNullException.ThrowIfNull(dateStyle);
        foreach (string part in dateStyle.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            switch (part.ToUpperInvariant())
            {
                case "DMY" or "EURO" or "EUROPEAN":
                    return DateOrder.DayMonthYear;
                case "YMD":
                    return DateOrder.YearMonthDay;
                case "MDY" or "US" or "NONEURO" or "NONEUROPEAN":
                    return DateOrder.MonthDayYear;
            }
        }
        return DateOrder.MonthDayYear;
    }

    /// <summary>The offset from UTC of a wall-clock time in <see cref="TimeZone"/>. A time skipped by a spring-forward
    /// transition, or repeated by a fall-back one, takes the zone's standard offset, which is what PostgreSQL's
    /// DetermineTimeZoneOffset gives in the usual cases (02:30 on a spring-forward day reads as 03:30 summer time).</summary>
    public TimeSpan OffsetOfLocal(DateTime local) => TimeZone.GetUtcOffset(DateTime.SpecifyKind(local, DateTimeKind.Unspecified));

    /// <summary>A wall-clock time in <see cref="TimeZone"/> as a UTC instant (timestamp to timestamptz).</summary>
    public DateTime ToUtc(DateTime local) => DateTime.SpecifyKind(local - OffsetOfLocal(local), DateTimeKind.Utc);

    /// <summary>A UTC instant as wall-clock time in <see cref="TimeZone"/> (timestamptz to timestamp).</summary>
    public DateTime ToLocal(DateTime utc) => DateTime.SpecifyKind(utc + OffsetOfUtc(utc), DateTimeKind.Unspecified);

    /// <summary>The offset from UTC in <see cref="TimeZone"/> at a UTC instant.</summary>
    public TimeSpan OffsetOfUtc(DateTime utc) => TimeZone.GetUtcOffset(DateTime.SpecifyKind(utc, DateTimeKind.Utc));
}
