using Log.QueryNode.Execution;
using Log.Wire.Types;

namespace Log.QueryNode.Sql.Types;

/// <summary>
/// interval and time arithmetic as PostgreSQL's timestamp.c and date.c do it. An interval keeps months, days and
/// microseconds apart because their lengths vary (a month has 28 to 31 days, a day 23 to 25 hours across a DST change);
/// only comparison and hashing flatten them, with PostgreSQL's fixed 30-day months and 24-hour days. Timestamps are
/// DateTimes (MinValue and MaxValue are -infinity and infinity); a timestamptz is a UTC instant whose month and day
/// arithmetic happens on the session zone's wall clock.
/// </summary>
internal static class IntervalMath
{
    public const long MicrosecondsPerSecond = 1_000_000;
    public const long MicrosecondsPerDay = 86_400 * MicrosecondsPerSecond;

    /// <summary>PostgreSQL's DAYS_PER_MONTH, the month length interval comparison and justify_days assume.</summary>
    public const int DaysPerMonth = 30;

    /// <summary>The rounding of fractional days and seconds in interval * and / (PostgreSQL's TS_PREC_INV).</summary>
    private const double FractionPrecision = 1_000_000.0;

    public static readonly PgInterval Zero = new(0, 0, 0);

    /// <summary>interval_cmp_value: the interval as microseconds with 30-day months and 24-hour days.</summary>
    public static Int128 Span(PgInterval interval) =>
        ((Int128)interval.Months * DaysPerMonth + interval.Days) * MicrosecondsPerDay + interval.Microseconds;

    public static int Compare(PgInterval left, PgInterval right) => Span(left).CompareTo(Span(right));

    public static SqlException OutOfRange() => new(SqlState.DatetimeFieldOverflow, "interval out of range");

    private static SqlException TimestampOutOfRange() => new(SqlState.DatetimeFieldOverflow, "timestamp out of range");

    public static PgInterval Add(PgInterval left, PgInterval right) =>
        Make((long)left.Months + right.Months, (long)left.Days + right.Days, (Int128)left.Microseconds + right.Microseconds);

    public static PgInterval Subtract(PgInterval left, PgInterval right) =>
        Make((long)left.Months - right.Months, (long)left.Days - right.Days, (Int128)left.Microseconds - right.Microseconds);

    public static PgInterval Negate(PgInterval interval) => Make(-(long)interval.Months, -(long)interval.Days, -(Int128)interval.Microseconds);

    private static PgInterval Make(long months, long days, Int128 microseconds)
    {
        if (months is < int.MinValue or > int.MaxValue || days is < int.MinValue or > int.MaxValue
            || microseconds < long.MinValue || microseconds > long.MaxValue)
        {
            throw OutOfRange();
        }
        return new PgInterval((int)months, (int)days, (long)microseconds);
    }

    /// <summary>interval_mul: each field scaled, the fractions of months and days cascading down to days and seconds.</summary>
    public static PgInterval Multiply(PgInterval interval, double factor)
    {
        double months = interval.Months * factor;
        double days = interval.Days * factor;
        return Scale(months, days, interval.Microseconds * factor);
    }

    /// <summary>interval_div.</summary>
    public static PgInterval Divide(PgInterval interval, double divisor)
    {
        if (divisor == 0) throw new SqlException(SqlState.DivisionByZero, "division by zero");
        return Scale(interval.Months / divisor, interval.Days / divisor, interval.Microseconds / divisor);
    }

    private static PgInterval Scale(double months, double days, double microseconds)
    {
        if (double.IsNaN(months) || months is < int.MinValue or >= -(double)int.MinValue) throw OutOfRange();
        if (double.IsNaN(days) || days is < int.MinValue or >= -(double)int.MinValue) throw OutOfRange();
        int resultMonths = (int)months;
        int resultDays = (int)days;
        double monthRemainderDays = RoundFraction((months - resultMonths) * DaysPerMonth);
        double secondRemainder = RoundFraction((days - resultDays + monthRemainderDays - (int)monthRemainderDays) * 86_400);
        long extraDays = 0;
        if (Math.Abs(secondRemainder) >= 86_400)
        {
            extraDays = (long)(secondRemainder / 86_400);
            secondRemainder -= extraDays * 86_400;
        }
        double time = Math.Round(microseconds + secondRemainder * MicrosecondsPerSecond, MidpointRounding.ToEven);
        if (double.IsNaN(time) || time < long.MinValue || time >= -(double)long.MinValue) throw OutOfRange();
        return Make(resultMonths, (long)resultDays + extraDays + (long)monthRemainderDays, (long)time);
    }

    private static double RoundFraction(double value) => Math.Round(value * FractionPrecision, MidpointRounding.ToEven) / FractionPrecision;

    /// <summary>justify_hours: whole 24-hour spans of the time move to days, with time and days given one sign.</summary>
    public static PgInterval JustifyHours(PgInterval interval)
    {
        (long days, long time) = Carry(interval.Days, interval.Microseconds, MicrosecondsPerDay);
        return Make(interval.Months, days, time);
    }

    /// <summary>justify_days: whole 30-day spans move to months, with months and days given one sign.</summary>
    public static PgInterval JustifyDays(PgInterval interval)
    {
        (long months, long days) = Carry(interval.Months, interval.Days, DaysPerMonth);
        return Make(months, days, interval.Microseconds);
    }

    /// <summary>Moves whole units of <paramref name="smaller"/> into <paramref name="larger"/>, then borrows one unit
    /// back where needed so that both have one sign (PostgreSQL's justify_hours and justify_days).</summary>
    private static (long Larger, long Smaller) Carry(long larger, long smaller, long unit)
    {
        long whole = smaller / unit;
        smaller -= whole * unit;
        larger += whole;
        if (larger > 0 && smaller < 0)
        {
            smaller += unit;
            larger--;
        }
        else if (larger < 0 && smaller > 0)
        {
            smaller -= unit;
            larger++;
        }
        return (larger, smaller);
    }

    /// <summary>justify_interval: both, with all three fields given one sign.</summary>
    public static PgInterval JustifyInterval(PgInterval interval)
    {
        long months = interval.Months;
        long days = interval.Days;
        long time = interval.Microseconds;
        // Moving whole months out of the days first keeps the days from overflowing when the time adds more.
        if ((days > 0 && time > 0) || (days < 0 && time < 0))
        {
            long early = days / DaysPerMonth;
            days -= early * DaysPerMonth;
            months += early;
        }
        long wholeDays = time / MicrosecondsPerDay;
        time -= wholeDays * MicrosecondsPerDay;
        days += wholeDays;
        long wholeMonths = days / DaysPerMonth;
        days -= wholeMonths * DaysPerMonth;
        months += wholeMonths;
        if (months > 0 && (days < 0 || (days == 0 && time < 0)))
        {
            days += DaysPerMonth;
            months--;
        }
        else if (months < 0 && (days > 0 || (days == 0 && time > 0)))
        {
            days -= DaysPerMonth;
            months++;
        }
        if (days > 0 && time < 0)
        {
            time += MicrosecondsPerDay;
            days--;
        }
        else if (days < 0 && time > 0)
        {
            time -= MicrosecondsPerDay;
            days++;
        }
        return Make(months, days, time);
    }

    public static bool IsInfinite(DateTime timestamp) => timestamp == DateTime.MaxValue || timestamp == DateTime.MinValue
        || timestamp.Ticks == DateTime.MaxValue.Ticks || timestamp.Ticks == DateTime.MinValue.Ticks;

    /// <summary>timestamp_pl_interval on a wall-clock time: months (the day clamped to the new month's end), then days,
    /// then the time. An infinite timestamp stays infinite.</summary>
    public static DateTime AddToWallClock(DateTime timestamp, PgInterval interval)
    {
        if (IsInfinite(timestamp)) return timestamp;
        DateTime result = AddCalendar(timestamp, interval);
        return AddTicks(result, (Int128)interval.Microseconds * 10);
    }

    /// <summary>timestamptz_pl_interval: months and days on the session zone's wall clock (so a day across a DST change
    /// is 23 or 25 hours), the time on the instant.</summary>
    public static DateTime AddToInstant(DateTime instant, PgInterval interval, DateTimeSettings settings)
    {
        if (IsInfinite(instant)) return instant;
        DateTime result = instant;
        if (interval.Months != 0 || interval.Days != 0)
        {
            result = settings.ToUtc(AddCalendar(settings.ToLocal(instant), interval));
        }
        return DateTime.SpecifyKind(AddTicks(result, (Int128)interval.Microseconds * 10), DateTimeKind.Utc);
    }

    private static DateTime AddCalendar(DateTime timestamp, PgInterval interval)
    {
        DateTime result = timestamp;
        if (interval.Months != 0)
        {
            long total = result.Year * 12L + (result.Month - 1) + interval.Months;
            long year = Math.DivRem(total, 12, out long month);
            if (month < 0)
            {
                month += 12;
                year--;
            }
            if (year < 1 || year > 9999) throw TimestampOutOfRange();
            int day = Math.Min(result.Day, DateTime.DaysInMonth((int)year, (int)month + 1));
            result = new DateTime((int)year, (int)month + 1, day, 0, 0, 0, result.Kind).Add(result.TimeOfDay);
        }
        if (interval.Days != 0)
        {
            result = AddTicks(result, (Int128)interval.Days * TimeSpan.TicksPerDay);
        }
        return result;
    }

    private static DateTime AddTicks(DateTime timestamp, Int128 ticks)
    {
        Int128 result = timestamp.Ticks + ticks;
        // The first and last ticks stand for the infinities, so a finite result stays inside them.
        if (result <= DateTime.MinValue.Ticks || result >= DateTime.MaxValue.Ticks) throw TimestampOutOfRange();
        return new DateTime((long)result, timestamp.Kind);
    }

    /// <summary>timestamp_mi: the difference as hours, minutes and seconds, whole 24-hour days moved to days (justify_hours).</summary>
    public static PgInterval Difference(DateTime left, DateTime right)
    {
        if (IsInfinite(left) || IsInfinite(right))
        {
            throw new SqlException(SqlState.DatetimeFieldOverflow, "cannot subtract infinite timestamps");
        }
        return JustifyHours(new PgInterval(0, 0, (left.Ticks - right.Ticks) / 10));
    }

    /// <summary>age: the symbolic difference of two wall-clock times field by field (years, months, days, time), each
    /// negative field borrowing from the next larger one, with the month length of the earlier timestamp's month.</summary>
    public static PgInterval Age(DateTime left, DateTime right)
    {
        if (IsInfinite(left) || IsInfinite(right))
        {
            throw new SqlException(SqlState.DatetimeFieldOverflow, "cannot subtract infinite timestamps");
        }
        bool negative = left < right;
        int sign = negative ? -1 : 1;
        long fraction = sign * (left.Ticks % TimeSpan.TicksPerSecond - right.Ticks % TimeSpan.TicksPerSecond) / 10;
        int seconds = sign * (left.Second - right.Second);
        int minutes = sign * (left.Minute - right.Minute);
        int hours = sign * (left.Hour - right.Hour);
        int days = sign * (left.Day - right.Day);
        int months = sign * (left.Month - right.Month);
        int years = sign * (left.Year - right.Year);
        while (fraction < 0)
        {
            fraction += MicrosecondsPerSecond;
            seconds--;
        }
        while (seconds < 0)
        {
            seconds += 60;
            minutes--;
        }
        while (minutes < 0)
        {
            minutes += 60;
            hours--;
        }
        while (hours < 0)
        {
            hours += 24;
            days--;
        }
        DateTime earlier = negative ? left : right;
        while (days < 0)
        {
            days += DateTime.DaysInMonth(earlier.Year, earlier.Month);
            months--;
        }
        while (months < 0)
        {
            months += 12;
            years--;
        }
        long time = ((hours * 60L + minutes) * 60 + seconds) * MicrosecondsPerSecond + fraction;
        return Make(sign * (years * 12L + months), sign * (long)days, sign * (Int128)time);
    }

    /// <summary>time_pl_interval: the interval's time wrapped around midnight (its months and days do nothing).</summary>
    public static TimeOnly AddToTime(TimeOnly time, PgInterval interval)
    {
        long result = (PgTypes.TimeToMicroseconds(time) + interval.Microseconds % MicrosecondsPerDay) % MicrosecondsPerDay;
        if (result < 0) result += MicrosecondsPerDay;
        return PgTypes.MicrosecondsToTime(result);
    }

    /// <summary>interval_time: the interval's time of day, wrapped into one day.</summary>
    public static TimeOnly TimeOfInterval(PgInterval interval)
    {
        long result = interval.Microseconds % MicrosecondsPerDay;
        if (result < 0) result += MicrosecondsPerDay;
        return PgTypes.MicrosecondsToTime(result);
    }

    /// <summary>time_mi_time.</summary>
    public static PgInterval TimeDifference(TimeOnly left, TimeOnly right) =>
        new(0, 0, PgTypes.TimeToMicroseconds(left) - PgTypes.TimeToMicroseconds(right));

    public static PgInterval FromTime(TimeOnly time) => new(0, 0, PgTypes.TimeToMicroseconds(time));
}
