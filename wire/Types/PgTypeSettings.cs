namespace Log.Wire.Types;

/// <summary>
/// The session settings that change how values look in text format (PostgreSQL's GUCs of the
/// same names). Binary format ignores them, except that timestamptz text uses <see cref="TimeZone"/>.
/// Only DateStyle "ISO, ..." and IntervalStyle "postgres" are implemented; other styles are
/// written as those.
/// </summary>
public sealed record PgTypeSettings
{
    public static PgTypeSettings Default { get; } = new();

    /// <summary>The zone timestamptz is shown in (TimeZone); UTC by default.</summary>
    public TimeZoneInfo TimeZone { get; init; } = TimeZoneInfo.Utc;

    /// <summary>extra_float_digits: above 0 (the default, 1) floats are written in their shortest exact form; otherwise with 15 (float8) or 6 (float4) plus this many significant digits.</summary>
    public int ExtraFloatDigits { get; init; } = 1;

    public string DateStyle { get; init; } = "ISO, MDY";

    public string IntervalStyle { get; init; } = "postgres";
}
