namespace Log.Wire.Types;

/// <summary>PostgreSQL's time with time zone (TimeTzADT): a time of day in microseconds since midnight (0 to a whole
/// day, 24:00:00 included) and the offset it was written with, in seconds east of UTC as text shows it (+05:30 is
/// 19,800). PostgreSQL keeps the zone in seconds west of UTC, which is what its binary format sends.</summary>
public readonly record struct PgTimeTz(long Microseconds, int OffsetSeconds)
{
    /// <summary>PostgreSQL's TZDISP_LIMIT: an offset must be less than 16 hours either way.</summary>
    public const int OffsetSecondsLimit = 16 * 3600;

    private const long MicrosecondsPerDay = 86_400_000_000;

    /// <summary>The same moment of the day in UTC, as microseconds that may fall outside one day (timetz_cmp's first key).</summary>
    public long UtcMicroseconds => Microseconds - OffsetSeconds * 1_000_000L;

    /// <summary>timetz_cmp: the UTC time first, then the zone, the one further west after.</summary>
    public static int Compare(PgTimeTz left, PgTimeTz right)
    {
        int byUtc = left.UtcMicroseconds.CompareTo(right.UtcMicroseconds);
        return byUtc != 0 ? byUtc : right.OffsetSeconds.CompareTo(left.OffsetSeconds);
    }

    /// <summary>The same instant written with another offset, wrapped into one day (timetz_zone and timetz_izone).</summary>
    public PgTimeTz WithOffset(int offsetSeconds)
    {
        long local = (UtcMicroseconds + offsetSeconds * 1_000_000L) % MicrosecondsPerDay;
        return new PgTimeTz(local < 0 ? local + MicrosecondsPerDay : local, offsetSeconds);
    }
}
