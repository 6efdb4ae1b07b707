using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Types;
using Log.QueryNode.Sql.Types.Handlers;
using Log.Wire.Types;

namespace Log.QueryNode.Sql.Functions;

/// <summary>time with time zone: current_time, extract and date_part, AT TIME ZONE, and the functions of its operators
/// (timetz + interval, date + timetz), as PostgreSQL 15's date.c defines them.</summary>
internal static partial class BuiltinFunctions
{
    private static readonly SqlType TimeTz = SqlType.TimeTz;

    private const string TimeTzName = "time with time zone";

    static partial void AddTimeTz(FunctionRegistry registry)
    {
        // current_time: the transaction's start as the session zone's wall clock, with that zone's offset then.
        Add(registry, "current_time", [], TimeTz, (_, context) => TimeTzHandler.FromInstant(TransactionStart(context), context.DateTimeSettings), Volatility.Stable);
        Add(registry, "current_time", [Int4], TimeTz,
            (a, context) => TimeTzHandler.FromInstant(RoundToPrecision(TransactionStart(context), (int)a[0]!, "CURRENT_TIME"), context.DateTimeSettings),
            Volatility.Stable);
        Add(registry, "extract", [Text, TimeTz], Numeric, (a, _) => PgNumeric.FromDecimal(ExtractTimeTz((string)a[0]!, (PgTimeTz)a[1]!)));
        Add(registry, "date_part", [Text, TimeTz], Float8, (a, _) => (double)ExtractTimeTz((string)a[0]!, (PgTimeTz)a[1]!));
        // timetz AT TIME ZONE z: the same instant written with z's offset; a zone with rules takes its offset at the
        // transaction's start (timetz_zone), which makes the function stable.
        Add(registry, "timezone", [Text, TimeTz], TimeTz,
            (a, context) => ((PgTimeTz)a[1]!).WithOffset(OffsetSeconds(TimeZones.Find((string)a[0]!).GetUtcOffset(TransactionStart(context)))),
            Volatility.Stable);
        Add(registry, "timezone", [Interval, TimeTz], TimeTz, (a, _) => ((PgTimeTz)a[1]!).WithOffset(IntervalZoneOffset((PgInterval)a[0]!)));
        Add(registry, "timetz_pl_interval", [TimeTz, Interval], TimeTz, (a, _) => AddToTimeTz((PgTimeTz)a[0]!, ((PgInterval)a[1]!).Microseconds));
        Add(registry, "interval_pl_timetz", [Interval, TimeTz], TimeTz, (a, _) => AddToTimeTz((PgTimeTz)a[1]!, ((PgInterval)a[0]!).Microseconds));
        Add(registry, "timetz_mi_interval", [TimeTz, Interval], TimeTz, (a, _) => AddToTimeTz((PgTimeTz)a[0]!, -((PgInterval)a[1]!).Microseconds));
        Add(registry, "datetimetz_pl", [Date, TimeTz], TimestampTz, (a, _) => DateAtTimeTz((DateOnly)a[0]!, (PgTimeTz)a[1]!));
        Add(registry, "timetzdate_pl", [TimeTz, Date], TimestampTz, (a, _) => DateAtTimeTz((DateOnly)a[1]!, (PgTimeTz)a[0]!));
        Add(registry, "timestamptz", [Date, TimeTz], TimestampTz, (a, _) => DateAtTimeTz((DateOnly)a[0]!, (PgTimeTz)a[1]!));
    }

    private static int OffsetSeconds(TimeSpan offset) => (int)offset.TotalSeconds;

    /// <summary>extract(field FROM timetz): the clock's fields of the written time; epoch is seconds since midnight UTC
    /// (it may be negative or pass a day); timezone, timezone_hour and timezone_minute are the offset's.</summary>
    private static decimal ExtractTimeTz(string unit, PgTimeTz value) => KnownUnit(unit, TimeTzName) switch
    {
        "timezone" => value.OffsetSeconds,
        "timezone_hour" => value.OffsetSeconds / 3600,
        "timezone_minute" => value.OffsetSeconds / 60 % 60,
        "epoch" => WithScale(value.UtcMicroseconds / 1_000_000m, 6),
        _ => ExtractTime(unit, value.Microseconds, TimeTzName),
    };

    /// <summary>timetz_izone: an interval as a zone offset; months and days are not allowed.</summary>
    private static int IntervalZoneOffset(PgInterval interval)
    {
        if (interval.Months != 0 || interval.Days != 0)
        {
            throw new SqlException(SqlState.InvalidParameterValue,
                $"interval time zone \"{ValueFormatter.Format(interval, DateTimeSettings.Default)}\" must not include months or days");
        }
        long seconds = interval.Microseconds / IntervalMath.MicrosecondsPerSecond;
        if (Math.Abs(seconds) >= PgTimeTz.OffsetSecondsLimit)
        {
            throw new SqlException(SqlState.InvalidParameterValue, "time zone displacement out of range");
        }
        return (int)seconds;
    }

    /// <summary>timetz_pl_interval: the interval's time added and wrapped into one day; the offset stays.</summary>
    private static PgTimeTz AddToTimeTz(PgTimeTz value, long microseconds)
    {
        long result = (value.Microseconds + microseconds % IntervalMath.MicrosecondsPerDay) % IntervalMath.MicrosecondsPerDay;
        if (result < 0) result += IntervalMath.MicrosecondsPerDay;
        return value with { Microseconds = result };
    }

    /// <summary>datetimetz_pl: the date's wall clock at the time, with the time's offset, as an instant.</summary>
    private static DateTime DateAtTimeTz(DateOnly date, PgTimeTz value)
    {
        if (date == DateOnly.MaxValue || date == DateOnly.MinValue)
        {
            return DateTime.SpecifyKind(date == DateOnly.MaxValue ? DateTime.MaxValue : DateTime.MinValue, DateTimeKind.Utc);
        }
        return DateTime.SpecifyKind(date.ToDateTime(TimeOnly.MinValue).AddTicks(value.UtcMicroseconds * 10), DateTimeKind.Utc);
    }
}

/// <summary>The timetz operators (pg_operator rows whose functions are in BuiltinFunctions.TimeTz).</summary>
internal static partial class BuiltinOperators
{
    static partial void AddTimeTzOperators(OperatorRegistry operators, FunctionRegistry functions)
    {
        SqlType timeTz = SqlType.TimeTz;
        SqlType interval = SqlType.Interval;
        SqlType date = SqlType.Date;
        operators.AddInfix("+", functions.Get("timetz_pl_interval", timeTz, interval));
        operators.AddInfix("+", functions.Get("interval_pl_timetz", interval, timeTz));
        operators.AddInfix("-", functions.Get("timetz_mi_interval", timeTz, interval));
        operators.AddInfix("+", functions.Get("datetimetz_pl", date, timeTz));
        operators.AddInfix("+", functions.Get("timetzdate_pl", timeTz, date));
    }
}
