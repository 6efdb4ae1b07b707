using System.Globalization;
using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Types;
using Log.Wire.Types;

namespace Log.QueryNode.Sql.Functions;

/// <summary>interval and time functions, and the functions behind their operators (pg_operator's oprcode names:
/// interval_pl, timestamp_pl_interval, time_mi_time ...), as PostgreSQL 15's timestamp.c and date.c define them.</summary>
internal static partial class BuiltinFunctions
{
    private static readonly SqlType Interval = SqlType.Interval;
    private static readonly SqlType Time = SqlType.Time;

    /// <summary>make_interval's parameters in order (years, months, weeks, days, hours, mins, secs), all defaulting to 0.</summary>
    private const int MakeIntervalParameterCount = 7;

    static partial void AddInterval(FunctionRegistry registry)
    {
        AddIntervalArithmetic(registry);
        Add(registry, "justify_days", [Interval], Interval, (a, _) => IntervalMath.JustifyDays((PgInterval)a[0]!));
        Add(registry, "justify_hours", [Interval], Interval, (a, _) => IntervalMath.JustifyHours((PgInterval)a[0]!));
        Add(registry, "justify_interval", [Interval], Interval, (a, _) => IntervalMath.JustifyInterval((PgInterval)a[0]!));
        Add(registry, "isfinite", [Interval], Bool, (_, _) => true);
        Add(registry, "age", [Timestamp, Timestamp], Interval, (a, _) => IntervalMath.Age((DateTime)a[0]!, (DateTime)a[1]!));
        Add(registry, "age", [TimestampTz, TimestampTz], Interval,
            (a, context) => IntervalMath.Age(LocalOrInfinite((DateTime)a[0]!, context), LocalOrInfinite((DateTime)a[1]!, context)), Volatility.Stable);
        // age(x) is age(current_date, x), with current_date at midnight of the type's wall clock.
        Add(registry, "age", [Timestamp], Interval, (a, context) => IntervalMath.Age(CurrentMidnight(context), (DateTime)a[0]!), Volatility.Stable);
        Add(registry, "age", [TimestampTz], Interval,
            (a, context) => IntervalMath.Age(CurrentMidnight(context), LocalOrInfinite((DateTime)a[0]!, context)), Volatility.Stable);
        for (int count = 0; count <= MakeIntervalParameterCount; count++)
        {
            ParameterType[] parameters = Enumerable.Range(0, count).Select(index => (ParameterType)(index == MakeIntervalParameterCount - 1 ? Float8 : Int4)).ToArray();
            Add(registry, "make_interval", parameters, Interval, (a, _) => MakeInterval(a));
        }
        Add(registry, "date_bin", [Interval, Timestamp, Timestamp], Timestamp, (a, _) => DateBin((PgInterval)a[0]!, (DateTime)a[1]!, (DateTime)a[2]!));
        Add(registry, "date_bin", [Interval, TimestampTz, TimestampTz], TimestampTz,
            (a, _) => DateTime.SpecifyKind(DateBin((PgInterval)a[0]!, (DateTime)a[1]!, (DateTime)a[2]!), DateTimeKind.Utc));
        Add(registry, "extract", [Text, Interval], Numeric, (a, _) => PgNumeric.FromDecimal(ExtractInterval((string)a[0]!, (PgInterval)a[1]!)));
        Add(registry, "date_part", [Text, Interval], Float8, (a, _) => DatePartInterval((string)a[0]!, (PgInterval)a[1]!));
        Add(registry, "extract", [Text, Time], Numeric, (a, _) => PgNumeric.FromDecimal(ExtractTime((string)a[0]!, (TimeOnly)a[1]!)));
        Add(registry, "date_part", [Text, Time], Float8, (a, _) => (double)ExtractTime((string)a[0]!, (TimeOnly)a[1]!));
        Add(registry, "date_trunc", [Text, Interval], Interval, (a, _) => TruncateInterval((string)a[0]!, (PgInterval)a[1]!));
        Add(registry, "make_time", [Int4, Int4, Float8], Time, (a, _) => MakeTime((int)a[0]!, (int)a[1]!, (double)a[2]!));
        Add(registry, "localtime", [], Time, (_, context) => TimeOnly.FromTimeSpan(context.DateTimeSettings.ToLocal(TransactionStart(context)).TimeOfDay), Volatility.Stable);
        Add(registry, "localtime", [Int4], Time,
            (a, context) => TimeOnly.FromTimeSpan(RoundToPrecision(context.DateTimeSettings.ToLocal(TransactionStart(context)), (int)a[0]!, "LOCALTIME").TimeOfDay),
            Volatility.Stable);
    }

    /// <summary>The functions of the +, - , * and / operators over intervals, times and timestamps.</summary>
    private static void AddIntervalArithmetic(FunctionRegistry registry)
    {
        Add(registry, "interval_pl", [Interval, Interval], Interval, (a, _) => IntervalMath.Add((PgInterval)a[0]!, (PgInterval)a[1]!));
        Add(registry, "interval_mi", [Interval, Interval], Interval, (a, _) => IntervalMath.Subtract((PgInterval)a[0]!, (PgInterval)a[1]!));
        Add(registry, "interval_um", [Interval], Interval, (a, _) => IntervalMath.Negate((PgInterval)a[0]!));
        Add(registry, "interval_mul", [Interval, Float8], Interval, (a, _) => IntervalMath.Multiply((PgInterval)a[0]!, (double)a[1]!));
        Add(registry, "mul_d_interval", [Float8, Interval], Interval, (a, _) => IntervalMath.Multiply((PgInterval)a[1]!, (double)a[0]!));
        Add(registry, "interval_div", [Interval, Float8], Interval, (a, _) => IntervalMath.Divide((PgInterval)a[0]!, (double)a[1]!));
        Add(registry, "timestamp_pl_interval", [Timestamp, Interval], Timestamp, (a, _) => IntervalMath.AddToWallClock((DateTime)a[0]!, (PgInterval)a[1]!));
        Add(registry, "interval_pl_timestamp", [Interval, Timestamp], Timestamp, (a, _) => IntervalMath.AddToWallClock((DateTime)a[1]!, (PgInterval)a[0]!));
        Add(registry, "timestamp_mi_interval", [Timestamp, Interval], Timestamp,
            (a, _) => IntervalMath.AddToWallClock((DateTime)a[0]!, IntervalMath.Negate((PgInterval)a[1]!)));
        Add(registry, "timestamptz_pl_interval", [TimestampTz, Interval], TimestampTz,
            (a, context) => IntervalMath.AddToInstant((DateTime)a[0]!, (PgInterval)a[1]!, context.DateTimeSettings), Volatility.Stable);
        Add(registry, "interval_pl_timestamptz", [Interval, TimestampTz], TimestampTz,
            (a, context) => IntervalMath.AddToInstant((DateTime)a[1]!, (PgInterval)a[0]!, context.DateTimeSettings), Volatility.Stable);
        Add(registry, "timestamptz_mi_interval", [TimestampTz, Interval], TimestampTz,
            (a, context) => IntervalMath.AddToInstant((DateTime)a[0]!, IntervalMath.Negate((PgInterval)a[1]!), context.DateTimeSettings), Volatility.Stable);
        Add(registry, "date_pl_interval", [Date, Interval], Timestamp, (a, _) => IntervalMath.AddToWallClock(DateToTimestamp((DateOnly)a[0]!), (PgInterval)a[1]!));
        Add(registry, "interval_pl_date", [Interval, Date], Timestamp, (a, _) => IntervalMath.AddToWallClock(DateToTimestamp((DateOnly)a[1]!), (PgInterval)a[0]!));
        Add(registry, "date_mi_interval", [Date, Interval], Timestamp,
            (a, _) => IntervalMath.AddToWallClock(DateToTimestamp((DateOnly)a[0]!), IntervalMath.Negate((PgInterval)a[1]!)));
        Add(registry, "timestamp_mi", [Timestamp, Timestamp], Interval, (a, _) => IntervalMath.Difference((DateTime)a[0]!, (DateTime)a[1]!));
        Add(registry, "timestamptz_mi", [TimestampTz, TimestampTz], Interval, (a, _) => IntervalMath.Difference((DateTime)a[0]!, (DateTime)a[1]!));
        Add(registry, "time_pl_interval", [Time, Interval], Time, (a, _) => IntervalMath.AddToTime((TimeOnly)a[0]!, (PgInterval)a[1]!));
        Add(registry, "interval_pl_time", [Interval, Time], Time, (a, _) => IntervalMath.AddToTime((TimeOnly)a[1]!, (PgInterval)a[0]!));
        Add(registry, "time_mi_interval", [Time, Interval], Time, (a, _) => IntervalMath.AddToTime((TimeOnly)a[0]!, IntervalMath.Negate((PgInterval)a[1]!)));
        Add(registry, "time_mi_time", [Time, Time], Interval, (a, _) => IntervalMath.TimeDifference((TimeOnly)a[0]!, (TimeOnly)a[1]!));
        Add(registry, "datetime_pl", [Date, Time], Timestamp, (a, _) => CombineDateAndTime((DateOnly)a[0]!, (TimeOnly)a[1]!));
        Add(registry, "timedate_pl", [Time, Date], Timestamp, (a, _) => CombineDateAndTime((DateOnly)a[1]!, (TimeOnly)a[0]!));
    }

    private static DateTime DateToTimestamp(DateOnly date) =>
        date == DateOnly.MaxValue ? DateTime.MaxValue
        : date == DateOnly.MinValue ? DateTime.MinValue
        : date.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified);

    /// <summary>date + time: the date's midnight plus the time (24:00:00 is the next midnight).</summary>
    private static DateTime CombineDateAndTime(DateOnly date, TimeOnly time)
    {
        DateTime midnight = DateToTimestamp(date);
        return IntervalMath.AddToWallClock(midnight, IntervalMath.FromTime(time));
    }

    private static DateTime LocalOrInfinite(DateTime instant, EvaluationContext context) =>
        IntervalMath.IsInfinite(instant) ? instant : context.DateTimeSettings.ToLocal(instant);

    private static DateTime CurrentMidnight(EvaluationContext context) => context.DateTimeSettings.ToLocal(TransactionStart(context)).Date;

    private static PgInterval MakeInterval(ReadOnlySpan<object?> given)
    {
        var arguments = new int[MakeIntervalParameterCount - 1];
        for (int index = 0; index < arguments.Length && index < given.Length; index++) arguments[index] = (int)given[index]!;
        int Argument(int index) => arguments[index];
        double seconds = given.Length == MakeIntervalParameterCount ? (double)given[MakeIntervalParameterCount - 1]! : 0;
        if (double.IsNaN(seconds) || double.IsInfinity(seconds)) throw IntervalMath.OutOfRange();
        try
        {
            checked
            {
                int months = Argument(0) * 12 + Argument(1);
                int days = Argument(2) * 7 + Argument(3);
                double microseconds = Math.Round(seconds * IntervalMath.MicrosecondsPerSecond, MidpointRounding.ToEven);
                if (microseconds < long.MinValue || microseconds >= -(double)long.MinValue) throw IntervalMath.OutOfRange();
                long time = Argument(4) * 3600 * IntervalMath.MicrosecondsPerSecond + Argument(5) * 60 * IntervalMath.MicrosecondsPerSecond + (long)microseconds;
                return new PgInterval(months, days, time);
            }
        }
        catch (OverflowException)
        {
            throw IntervalMath.OutOfRange();
        }
    }

    /// <summary>date_bin: the start of the stride-wide bin, counted from the origin, that holds the timestamp.</summary>
    private static DateTime DateBin(PgInterval stride, DateTime source, DateTime origin)
    {
        if (IntervalMath.IsInfinite(source)) return source;
        if (IntervalMath.IsInfinite(origin)) throw new SqlException(SqlState.DatetimeFieldOverflow, "origin out of range");
        if (stride.Months != 0)
        {
            throw new SqlException(SqlState.FeatureNotSupported, "timestamps cannot be binned into intervals containing months or years");
        }
        Int128 strideMicroseconds = (Int128)stride.Days * IntervalMath.MicrosecondsPerDay + stride.Microseconds;
        if (strideMicroseconds <= 0) throw new SqlException(SqlState.DatetimeFieldOverflow, "stride must be greater than zero");
        Int128 difference = (source.Ticks - origin.Ticks) / 10;
        Int128 delta = difference - difference % strideMicroseconds;
        // The bin's start, not its end, when the origin is after the timestamp.
        if (origin > source && strideMicroseconds > 1 && difference % strideMicroseconds != 0) delta -= strideMicroseconds;
        return new DateTime(origin.Ticks + (long)(delta * 10), source.Kind);
    }

    /// <summary>The fields of an interval as PostgreSQL's interval2tm splits it: years and months from the months,
    /// the days, then hours (unbounded), minutes, seconds and microseconds from the time, each with the sign of its source.</summary>
    private readonly record struct IntervalFields(long Years, long Months, long Days, long Hours, long Minutes, long Seconds, long Microseconds)
    {
        public static IntervalFields Of(PgInterval interval)
        {
            long time = interval.Microseconds;
            long hours = time / (3600 * IntervalMath.MicrosecondsPerSecond);
            time -= hours * 3600 * IntervalMath.MicrosecondsPerSecond;
            long minutes = time / (60 * IntervalMath.MicrosecondsPerSecond);
            time -= minutes * 60 * IntervalMath.MicrosecondsPerSecond;
            long seconds = time / IntervalMath.MicrosecondsPerSecond;
            return new IntervalFields(interval.Months / 12, interval.Months % 12, interval.Days, hours, minutes, seconds, time - seconds * IntervalMath.MicrosecondsPerSecond);
        }

        public PgInterval ToInterval()
        {
            long time = ((Hours * 60 + Minutes) * 60 + Seconds) * IntervalMath.MicrosecondsPerSecond + Microseconds;
            return new PgInterval(checked((int)(Years * 12 + Months)), (int)Days, time);
        }
    }

    /// <summary>The canonical name of a date/time unit as PostgreSQL's units table spells its aliases, or null.</summary>
    private static string? CanonicalUnit(string unit) => unit.ToLowerInvariant() switch
    {
        "microsecond" or "microseconds" or "us" or "usec" or "usecs" or "useconds" => "microseconds",
        "millisecond" or "milliseconds" or "ms" or "msec" or "msecs" or "mseconds" => "milliseconds",
        "second" or "seconds" or "s" or "sec" or "secs" => "second",
        "minute" or "minutes" or "m" or "min" or "mins" => "minute",
        "hour" or "hours" or "h" or "hr" or "hrs" => "hour",
        "day" or "days" or "d" => "day",
        "week" or "weeks" or "w" => "week",
        "month" or "months" or "mon" or "mons" => "month",
        "quarter" or "qtr" => "quarter",
        "year" or "years" or "y" or "yr" or "yrs" => "year",
        "decade" or "decades" or "dec" or "decs" => "decade",
        "century" or "centuries" or "c" or "cent" => "century",
        "millennium" or "millennia" or "mil" or "mils" or "millenniums" => "millennium",
        "epoch" or "dow" or "isodow" or "doy" or "isoyear" or "timezone" or "timezone_hour" or "timezone_minute" or "julian" => unit.ToLowerInvariant(),
        _ => null,
    };

    private static string KnownUnit(string unit, string typeName) => CanonicalUnit(unit) ?? throw UnitNotRecognized(unit, typeName);

    /// <summary>extract(field FROM interval): numeric since PostgreSQL 14; epoch counts a year as 365.25 days and a month as 30.</summary>
    private static decimal ExtractInterval(string unit, PgInterval interval)
    {
        IntervalFields fields = IntervalFields.Of(interval);
        long secondsInMicroseconds = fields.Seconds * IntervalMath.MicrosecondsPerSecond + fields.Microseconds;
        switch (KnownUnit(unit, "interval"))
        {
            case "microseconds": return secondsInMicroseconds;
            case "milliseconds": return WithScale(secondsInMicroseconds / 1000m, 3);
            case "second": return WithScale(secondsInMicroseconds / 1_000_000m, 6);
            case "minute": return fields.Minutes;
            case "hour": return fields.Hours;
            case "day": return fields.Days;
            case "month": return fields.Months;
            case "quarter": return fields.Months / 3 + 1;
            case "year": return fields.Years;
            case "decade": return fields.Years / 10;
            case "century": return fields.Years / 100;
            case "millennium": return fields.Years / 1000;
            case "epoch":
                // 365.25 and 30 days counted in quarter days, so that the sum stays an integer count of microseconds.
                long quarterDays = 1461L * (interval.Months / 12) + 120L * (interval.Months % 12) + 4L * interval.Days;
                Int128 total = (Int128)quarterDays * 21_600 * IntervalMath.MicrosecondsPerSecond + interval.Microseconds;
                return WithScale((decimal)total / 1_000_000m, 6);
            default:
                throw UnitNotSupported(unit, "interval");
        }
    }

    /// <summary>date_part(text, interval): double precision, computed as PostgreSQL computes it in floating point.</summary>
    private static double DatePartInterval(string unit, PgInterval interval)
    {
        if (CanonicalUnit(unit) == "epoch")
        {
            return interval.Microseconds / 1_000_000.0 + 365.25 * 86_400 * (interval.Months / 12) + 30.0 * 86_400 * (interval.Months % 12) + 86_400.0 * interval.Days;
        }
        return (double)ExtractInterval(unit, interval);
    }

    /// <summary>extract(field FROM time): the clock's fields and epoch (seconds since midnight).</summary>
    private static decimal ExtractTime(string unit, TimeOnly time) => ExtractTime(unit, PgTypes.TimeToMicroseconds(time), "time without time zone");

    /// <summary>The clock's fields of a time of day in microseconds, for time and for timetz (named in errors).</summary>
    private static decimal ExtractTime(string unit, long microseconds, string typeName)
    {
        long secondsInMicroseconds = microseconds % (60 * IntervalMath.MicrosecondsPerSecond);
        return KnownUnit(unit, typeName) switch
        {
            "microseconds" => secondsInMicroseconds,
            "milliseconds" => WithScale(secondsInMicroseconds / 1000m, 3),
            "second" => WithScale(secondsInMicroseconds / 1_000_000m, 6),
            "minute" => microseconds / (60 * IntervalMath.MicrosecondsPerSecond) % 60,
            "hour" => microseconds / (3600 * IntervalMath.MicrosecondsPerSecond),
            "epoch" => WithScale(microseconds / 1_000_000m, 6),
            _ => throw UnitNotSupported(unit, typeName),
        };
    }

    /// <summary>date_trunc(text, interval): every field below the unit set to zero (interval_trunc).</summary>
    private static PgInterval TruncateInterval(string unit, PgInterval interval)
    {
        IntervalFields fields = IntervalFields.Of(interval);
        string canonical = KnownUnit(unit, "interval");
        IntervalFields truncated = canonical switch
        {
            "microseconds" => fields,
            "milliseconds" => fields with { Microseconds = fields.Microseconds / 1000 * 1000 },
            "second" => fields with { Microseconds = 0 },
            "minute" => fields with { Seconds = 0, Microseconds = 0 },
            "hour" => fields with { Minutes = 0, Seconds = 0, Microseconds = 0 },
            "day" => fields with { Hours = 0, Minutes = 0, Seconds = 0, Microseconds = 0 },
            "month" => new IntervalFields(fields.Years, fields.Months, 0, 0, 0, 0, 0),
            "quarter" => new IntervalFields(fields.Years, 3 * (fields.Months / 3), 0, 0, 0, 0, 0),
            "year" => new IntervalFields(fields.Years, 0, 0, 0, 0, 0, 0),
            "decade" => new IntervalFields(fields.Years / 10 * 10, 0, 0, 0, 0, 0, 0),
            "century" => new IntervalFields(fields.Years / 100 * 100, 0, 0, 0, 0, 0, 0),
            "millennium" => new IntervalFields(fields.Years / 1000 * 1000, 0, 0, 0, 0, 0, 0),
            "week" => throw new SqlException(SqlState.FeatureNotSupported, $"unit \"{unit}\" not supported for type interval",
                detail: "Months usually have fractional weeks."),
            _ => throw UnitNotSupported(unit, "interval"),
        };
        return truncated.ToInterval();
    }

    /// <summary>make_time: 24:00:00 is the one time past 23:59:59.999999 it accepts; seconds may be 60.</summary>
    private static TimeOnly MakeTime(int hour, int minute, double seconds)
    {
        if (hour < 0 || minute < 0 || minute > 59 || double.IsNaN(seconds) || seconds < 0 || seconds > 60 || hour > 24
            || (hour == 24 && (minute > 0 || seconds > 0)))
        {
            string secondsText = ValueFormatter.FormatFloat8(seconds);
            throw new SqlException(SqlState.DatetimeFieldOverflow,
                $"time field value out of range: {hour}:{minute.ToString("D2", CultureInfo.InvariantCulture)}:{secondsText.PadLeft(2, '0')}");
        }
        long microseconds = (hour * 60L + minute) * 60 * IntervalMath.MicrosecondsPerSecond
            + (long)Math.Round(seconds * IntervalMath.MicrosecondsPerSecond, MidpointRounding.ToEven);
        if (microseconds > IntervalMath.MicrosecondsPerDay) throw new SqlException(SqlState.DatetimeFieldOverflow, "time out of range");
        return PgTypes.MicrosecondsToTime(microseconds);
    }
}

/// <summary>The interval and time operators (pg_operator rows whose functions are in BuiltinFunctions.Interval).</summary>
internal static partial class BuiltinOperators
{
    static partial void AddIntervalOperators(OperatorRegistry operators, FunctionRegistry functions)
    {
        SqlType interval = SqlType.Interval;
        SqlType time = SqlType.Time;
        SqlType date = SqlType.Date;
        SqlType timestamp = SqlType.Timestamp;
        SqlType timestamptz = SqlType.TimestampTz;
        SqlType float8 = SqlType.Float8;
        operators.AddInfix("+", functions.Get("interval_pl", interval, interval));
        operators.AddInfix("-", functions.Get("interval_mi", interval, interval));
        operators.AddPrefix("-", functions.Get("interval_um", interval));
        operators.AddInfix("*", functions.Get("interval_mul", interval, float8));
        operators.AddInfix("*", functions.Get("mul_d_interval", float8, interval));
        operators.AddInfix("/", functions.Get("interval_div", interval, float8));
        operators.AddInfix("+", functions.Get("timestamp_pl_interval", timestamp, interval));
        operators.AddInfix("+", functions.Get("interval_pl_timestamp", interval, timestamp));
        operators.AddInfix("-", functions.Get("timestamp_mi_interval", timestamp, interval));
        operators.AddInfix("+", functions.Get("timestamptz_pl_interval", timestamptz, interval));
        operators.AddInfix("+", functions.Get("interval_pl_timestamptz", interval, timestamptz));
        operators.AddInfix("-", functions.Get("timestamptz_mi_interval", timestamptz, interval));
        operators.AddInfix("+", functions.Get("date_pl_interval", date, interval));
        operators.AddInfix("+", functions.Get("interval_pl_date", interval, date));
        operators.AddInfix("-", functions.Get("date_mi_interval", date, interval));
        operators.AddInfix("-", functions.Get("timestamp_mi", timestamp, timestamp));
        operators.AddInfix("-", functions.Get("timestamptz_mi", timestamptz, timestamptz));
        operators.AddInfix("+", functions.Get("time_pl_interval", time, interval));
        operators.AddInfix("+", functions.Get("interval_pl_time", interval, time));
        operators.AddInfix("-", functions.Get("time_mi_interval", time, interval));
        operators.AddInfix("-", functions.Get("time_mi_time", time, time));
        operators.AddInfix("+", functions.Get("datetime_pl", date, time));
        operators.AddInfix("+", functions.Get("timedate_pl", time, date));
    }
}
