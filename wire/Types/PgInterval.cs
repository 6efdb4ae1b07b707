namespace Log.Wire.Types;

/// <summary>PostgreSQL's interval as it is stored and sent in binary: months, days and microseconds, each kept apart.</summary>
public readonly record struct PgInterval(int Months, int Days, long Microseconds)
{
    /// <summary>The interval of a TimeSpan: whole days go to Days, the rest to Microseconds (as PostgreSQL's interval input does for "n days hh:mm:ss").</summary>
    public static PgInterval FromTimeSpan(TimeSpan span) =>
        new(0, span.Days, (span.Ticks - (long)span.Days * TimeSpan.TicksPerDay) / 10);
}
