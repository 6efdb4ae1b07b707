using System.Globalization;
using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Types;
using Log.Wire.Types;

namespace Log.QueryNode.Sql.Functions;

/// <summary>Date/time functions over date, timestamp and timestamptz (PostgreSQL's timestamp.c and date.c): date_trunc,
/// extract (numeric since PostgreSQL 14) and date_part (double precision), make_*, AT TIME ZONE, to_char/to_date/
/// to_timestamp. A timestamptz is a UTC instant; the session's TimeZone decides its fields.</summary>
internal static partial class BuiltinFunctions
{
    private const long MicrosecondsPerDay = 86_400_000_000;

    /// <summary>Julian day number of 1970-01-01 (PostgreSQL's UNIX_EPOCH_JDATE).</summary>
    private const int UnixEpochJulianDay = 2_440_588;

    private static void AddDateTime(FunctionRegistry registry)
    {
        Add(registry, "date_trunc", [Text, Timestamp], Timestamp, (a, _) => TruncateTimestamp((string)a[0]!, (DateTime)a[1]!, "timestamp without time zone"), Volatility.Immutable);
        Add(registry, "date_trunc", [Text, TimestampTz], TimestampTz,
            (a, context) => TruncateInstant((string)a[0]!, (DateTime)a[1]!, context.DateTimeSettings.TimeZone), Volatility.Stable);
        Add(registry, "date_trunc", [Text, TimestampTz, Text], TimestampTz,
            (a, _) => TruncateInstant((string)a[0]!, (DateTime)a[1]!, TimeZones.Find((string)a[2]!)), Volatility.Stable);
        Add(registry, "extract", [Text, Date], Numeric, (a, _) => PgNumeric.FromDecimal(ExtractDate((string)a[0]!, (DateOnly)a[1]!)));
        Add(registry, "extract", [Text, Timestamp], Numeric, (a, _) => PgNumeric.FromDecimal(ExtractTimestamp((string)a[0]!, (DateTime)a[1]!, null)));
        Add(registry, "extract", [Text, TimestampTz], Numeric, (a, context) => PgNumeric.FromDecimal(ExtractTimestamp((string)a[0]!, (DateTime)a[1]!, context.DateTimeSettings.TimeZone)), Volatility.Stable);
        Add(registry, "date_part", [Text, Date], Float8, (a, _) => (double)ExtractTimestamp((string)a[0]!, ((DateOnly)a[1]!).ToDateTime(TimeOnly.MinValue), null));
        Add(registry, "date_part", [Text, Timestamp], Float8, (a, _) => (double)ExtractTimestamp((string)a[0]!, (DateTime)a[1]!, null));
        Add(registry, "date_part", [Text, TimestampTz], Float8,
            (a, context) => (double)ExtractTimestamp((string)a[0]!, (DateTime)a[1]!, context.DateTimeSettings.TimeZone), Volatility.Stable);
        Add(registry, "make_date", [Int4, Int4, Int4], Date, (a, _) => MakeDate((int)a[0]!, (int)a[1]!, (int)a[2]!));
        Add(registry, "make_timestamp", [Int4, Int4, Int4, Int4, Int4, Float8], Timestamp,
            (a, _) => MakeTimestamp((int)a[0]!, (int)a[1]!, (int)a[2]!, (int)a[3]!, (int)a[4]!, (double)a[5]!));
        Add(registry, "make_timestamptz", [Int4, Int4, Int4, Int4, Int4, Float8], TimestampTz,
            (a, context) => TimeZones.ToUtc(MakeTimestamp((int)a[0]!, (int)a[1]!, (int)a[2]!, (int)a[3]!, (int)a[4]!, (double)a[5]!), context.DateTimeSettings.TimeZone),
            Volatility.Stable);
        Add(registry, "make_timestamptz", [Int4, Int4, Int4, Int4, Int4, Float8, Text], TimestampTz,
            (a, _) => TimeZones.ToUtc(MakeTimestamp((int)a[0]!, (int)a[1]!, (int)a[2]!, (int)a[3]!, (int)a[4]!, (double)a[5]!), TimeZones.Find((string)a[6]!)));
        // x AT TIME ZONE z is timezone(z, x): a wall-clock time in z becomes an instant, an instant becomes z's wall clock.
        Add(registry, "timezone", [Text, Timestamp], TimestampTz, (a, _) => TimeZones.ToUtc((DateTime)a[1]!, TimeZones.Find((string)a[0]!)));
        Add(registry, "timezone", [Text, TimestampTz], Timestamp, (a, _) => TimeZones.ToLocal((DateTime)a[1]!, TimeZones.Find((string)a[0]!)));
        Add(registry, "to_char", [Timestamp, Text], Text, (a, context) => DateTimeFormat.Format((DateTime)a[0]!, (string)a[1]!, null, context), Volatility.Stable);
        Add(registry, "to_char", [TimestampTz, Text], Text,
            (a, context) => DateTimeFormat.Format(TimeZones.ToLocal((DateTime)a[0]!, context.DateTimeSettings.TimeZone), (string)a[1]!, (DateTime)a[0]!, context), Volatility.Stable);
        Add(registry, "to_char", [Numeric, Text], Text, (a, _) => NumberFormat.Format((PgNumeric)a[0]!, (string)a[1]!, MidpointRounding.AwayFromZero), Volatility.Stable);
        Add(registry, "to_char", [Int4, Text], Text, (a, _) => NumberFormat.Format((int)a[0]!, (string)a[1]!, MidpointRounding.AwayFromZero), Volatility.Stable);
        Add(registry, "to_char", [Int8, Text], Text, (a, _) => NumberFormat.Format((long)a[0]!, (string)a[1]!, MidpointRounding.AwayFromZero), Volatility.Stable);
        Add(registry, "to_char", [Float8, Text], Text, (a, _) => NumberFormat.FormatFloat((double)a[0]!, (string)a[1]!), Volatility.Stable);
        Add(registry, "to_date", [Text, Text], Date, (a, _) => DateOnly.FromDateTime(DateTimeFormat.Parse((string)a[0]!, (string)a[1]!)), Volatility.Stable);
        Add(registry, "to_timestamp", [Text, Text], TimestampTz,
            (a, context) => TimeZones.ToUtc(DateTimeFormat.Parse((string)a[0]!, (string)a[1]!), context.DateTimeSettings.TimeZone), Volatility.Stable);
        Add(registry, "to_timestamp", [Float8], TimestampTz, (a, _) => FromUnixSeconds((double)a[0]!));
        // The functions of date's + and - operators (pg_operator's date_pli, integer_pl_date, date_mii, date_mi).
        Add(registry, "date_pli", [Date, Int4], Date, (a, _) => AddDays((DateOnly)a[0]!, (int)a[1]!));
        Add(registry, "integer_pl_date", [Int4, Date], Date, (a, _) => AddDays((DateOnly)a[1]!, (int)a[0]!));
        Add(registry, "date_mii", [Date, Int4], Date, (a, _) => AddDays((DateOnly)a[0]!, -(long)(int)a[1]!));
        Add(registry, "date_mi", [Date, Date], Int4, (a, _) => ((DateOnly)a[0]!).DayNumber - ((DateOnly)a[1]!).DayNumber);
        Add(registry, "isfinite", [Date], Bool, (_, _) => true);
        Add(registry, "isfinite", [Timestamp], Bool, (_, _) => true);
        Add(registry, "isfinite", [TimestampTz], Bool, (_, _) => true);
    }

    private static DateOnly AddDays(DateOnly date, long days)
    {
        long day = date.DayNumber + days;
        if (day < DateOnly.MinValue.DayNumber || day > DateOnly.MaxValue.DayNumber)
        {
            throw new SqlException(EngineSqlState.DatetimeFieldOverflow, "date out of range");
        }
        return DateOnly.FromDayNumber((int)day);
    }

    private static SqlException UnitNotRecognized(string unit, string typeName) =>
        new(SqlState.InvalidParameterValue, $"unit \"{unit}\" not recognized for type {typeName}");

    private static SqlException UnitNotSupported(string unit, string typeName) =>
        new(SqlState.FeatureNotSupported, $"unit \"{unit}\" not supported for type {typeName}");

    /// <summary>date_trunc on a wall-clock time: every field below the unit set to its start.</summary>
    private static DateTime TruncateTimestamp(string unit, DateTime value, string typeName)
    {
        string name = unit.ToLowerInvariant();
        int year = value.Year;
        DateTime result = name switch
        {
            "microseconds" or "microsecond" or "us" => value,
            "milliseconds" or "millisecond" or "ms" => new DateTime(value.Ticks - value.Ticks % TimeSpan.TicksPerMillisecond),
            "second" or "seconds" or "s" or "sec" => new DateTime(value.Ticks - value.Ticks % TimeSpan.TicksPerSecond),
            "minute" or "minutes" or "m" or "min" => new DateTime(value.Ticks - value.Ticks % TimeSpan.TicksPerMinute),
            "hour" or "hours" or "h" or "hr" => new DateTime(value.Ticks - value.Ticks % TimeSpan.TicksPerHour),
            "day" or "days" or "d" => value.Date,
            "week" or "weeks" or "w" => value.Date.AddDays(-(((int)value.DayOfWeek + 6) % 7)),
            "month" or "months" or "mon" => new DateTime(year, value.Month, 1),
            "quarter" or "qtr" => new DateTime(year, (value.Month - 1) / 3 * 3 + 1, 1),
            "year" or "years" or "y" or "yr" => new DateTime(year, 1, 1),
            "decade" or "decades" or "dec" => new DateTime(Math.Max(year / 10 * 10, 1), 1, 1),
            "century" or "centuries" or "c" or "cent" => new DateTime((year + 99) / 100 * 100 - 99, 1, 1),
            "millennium" or "millennia" or "mil" or "mils" => new DateTime((year + 999) / 1000 * 1000 - 999, 1, 1),
            _ => throw UnitNotRecognized(unit, typeName),
        };
        return DateTime.SpecifyKind(result, value.Kind);
    }

    /// <summary>date_trunc on an instant: truncated as wall-clock time in the zone, then read back in it.</summary>
    private static DateTime TruncateInstant(string unit, DateTime instant, TimeZoneInfo zone)
    {
        DateTime local = TimeZones.ToLocal(instant, zone);
        DateTime truncated = TruncateTimestamp(unit, local, "timestamp with time zone");
        return TimeZones.ToUtc(truncated, zone);
    }

    /// <summary>A decimal shown with exactly <paramref name="scale"/> fraction digits (extract's fixed scales).</summary>
    private static decimal WithScale(decimal value, int scale) => (decimal)PgNumeric.FromDecimal(value).Round(scale).ToDecimal()!;

    private static decimal ExtractDate(string unit, DateOnly date)
    {
        string name = unit.ToLowerInvariant();
        DateTime midnight = date.ToDateTime(TimeOnly.MinValue);
        switch (name)
        {
            case "epoch":
                return (decimal)(date.DayNumber - DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber) * 86400;
            case "julian":
                return date.DayNumber - DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber + UnixEpochJulianDay;
            case "microseconds" or "milliseconds" or "second" or "minute" or "hour" or "timezone" or "timezone_hour" or "timezone_minute":
                throw UnitNotSupported(unit, "date");
        }
        if (!IsDateField(name)) throw UnitNotRecognized(unit, "date");
        return DateField(name, midnight);
    }

    private static bool IsDateField(string name) => name is "year" or "month" or "day" or "dow" or "isodow" or "doy" or "week" or "isoyear"
        or "quarter" or "decade" or "century" or "millennium";

    private static decimal DateField(string name, DateTime value) => name switch
    {
        "year" => value.Year,
        "month" => value.Month,
        "day" => value.Day,
        "dow" => (int)value.DayOfWeek,
        "isodow" => value.DayOfWeek == DayOfWeek.Sunday ? 7 : (int)value.DayOfWeek,
        "doy" => value.DayOfYear,
        "week" => ISOWeek.GetWeekOfYear(value),
        "isoyear" => ISOWeek.GetYear(value),
        "quarter" => (value.Month - 1) / 3 + 1,
        "decade" => value.Year / 10,
        "century" => (value.Year + 99) / 100,
        _ => (value.Year + 999) / 1000,
    };

    /// <summary>extract/date_part of a timestamp (zone null) or a timestamptz (its fields in the zone).</summary>
    private static decimal ExtractTimestamp(string unit, DateTime value, TimeZoneInfo? zone)
    {
        string name = unit.ToLowerInvariant();
        string typeName = zone is null ? "timestamp without time zone" : "timestamp with time zone";
        DateTime local = zone is null ? value : TimeZones.ToLocal(value, zone);
        long microsecondsOfMinute = local.Ticks % TimeSpan.TicksPerMinute / 10;
        switch (name)
        {
            case "epoch":
                long ticks = (zone is null ? value : value).Ticks - DateTime.UnixEpoch.Ticks;
                return WithScale((decimal)(ticks / 10) / 1_000_000m, 6);
            case "julian":
            {
                long microsecondsOfDay = local.Ticks % TimeSpan.TicksPerDay / 10;
                decimal day = DateOnly.FromDateTime(local).DayNumber - DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber + UnixEpochJulianDay;
                return day + (decimal)NumericOperations.Divide(PgNumeric.FromInt64(microsecondsOfDay), PgNumeric.FromInt64(MicrosecondsPerDay)).ToDecimal()!;
            }
            case "microseconds" or "microsecond" or "us":
                return microsecondsOfMinute;
            case "milliseconds" or "millisecond" or "ms":
                return WithScale(microsecondsOfMinute / 1000m, 3);
            case "second" or "seconds" or "s" or "sec":
                return WithScale(microsecondsOfMinute / 1_000_000m, 6);
            case "minute" or "minutes" or "m" or "min":
                return local.Minute;
            case "hour" or "hours" or "h" or "hr":
                return local.Hour;
            case "timezone" or "timezone_hour" or "timezone_minute":
                if (zone is null) throw UnitNotSupported(unit, typeName);
                int offsetSeconds = (int)zone.GetUtcOffset(value).TotalSeconds;
                return name switch
                {
                    "timezone" => offsetSeconds,
                    "timezone_hour" => offsetSeconds / 3600,
                    _ => offsetSeconds / 60 % 60,
                };
        }
        string field = name switch
        {
            "years" or "y" or "yr" => "year",
            "months" or "mon" => "month",
            "days" or "d" => "day",
            "weeks" or "w" => "week",
            "qtr" => "quarter",
            "decades" or "dec" => "decade",
            "centuries" or "c" or "cent" => "century",
            "millennia" or "mil" or "mils" => "millennium",
            _ => name,
        };
        if (!IsDateField(field)) throw UnitNotRecognized(unit, typeName);
        return DateField(field, local);
    }

    private static DateOnly MakeDate(int year, int month, int day)
    {
        if (year <= 0 || year > 9999 || month < 1 || month > 12 || day < 1 || day > DateTime.DaysInMonth(Math.Clamp(year, 1, 9999), month))
        {
            if (year < 0) throw new SqlException(SqlState.FeatureNotSupported, "dates before the year 1 are not supported");
            throw new SqlException(EngineSqlState.DatetimeFieldOverflow, $"date field value out of range: {year}-{month:D2}-{day:D2}");
        }
        return new DateOnly(year, month, day);
    }

    private static DateTime MakeTimestamp(int year, int month, int day, int hour, int minute, double seconds)
    {
        DateOnly date = MakeDate(year, month, day);
        if (hour < 0 || hour > 24 || minute < 0 || minute > 59 || double.IsNaN(seconds) || seconds < 0 || seconds > 60
            || (hour == 24 && (minute > 0 || seconds > 0)))
        {
            throw new SqlException(EngineSqlState.DatetimeFieldOverflow,
                $"time field value out of range: {hour}:{minute:D2}:{ValueFormatter.FormatFloat8(seconds)}");
        }
        long microseconds = (long)Math.Round(seconds * 1_000_000, MidpointRounding.ToEven);
        return date.ToDateTime(TimeOnly.MinValue).AddHours(hour).AddMinutes(minute).AddTicks(microseconds * 10);
    }

    /// <summary>to_timestamp(seconds since the Unix epoch), to the microsecond.</summary>
    private static DateTime FromUnixSeconds(double seconds)
    {
        if (double.IsNaN(seconds)) throw new SqlException(EngineSqlState.DatetimeFieldOverflow, "timestamp cannot be NaN");
        double microseconds = Math.Round(seconds * 1_000_000, MidpointRounding.ToEven);
        double maximum = (DateTime.MaxValue.Ticks - DateTime.UnixEpoch.Ticks) / 10.0;
        double minimum = -(DateTime.UnixEpoch.Ticks / 10.0);
        if (microseconds > maximum || microseconds < minimum)
        {
            throw new SqlException(EngineSqlState.DatetimeFieldOverflow, $"timestamp out of range: \"{ValueFormatter.FormatFloat8(seconds)}\"");
        }
        return new DateTime(DateTime.UnixEpoch.Ticks + (long)microseconds * 10, DateTimeKind.Utc);
    }
}
