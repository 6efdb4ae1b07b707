using System.Globalization;
using System.Text;

namespace Log.Wire.Types;

public static partial class PgTypes
{
    private const long MicrosecondsPerSecond = 1_000_000;
    private const long MicrosecondsPerDay = 86_400 * MicrosecondsPerSecond;
    private static readonly DateTime PostgresEpoch = new(2000, 1, 1, 0, 0, 0, DateTimeKind.Unspecified);
    private static readonly int PostgresEpochDayNumber = DateOnly.FromDateTime(PostgresEpoch).DayNumber;

    private static readonly string[] DateFormats = ["yyyy-MM-dd", "yyyy-M-d", "yyyyMMdd"];
    private static readonly string[] TimeFormats = ["HH:mm:ss.FFFFFFF", "HH:mm", "H:mm:ss.FFFFFFF", "H:mm"];

    private static DateOnly ToDate(object value) => value switch
    {
        DateOnly date => date,
        DateTime dateTime => DateOnly.FromDateTime(dateTime),
        string s => ParseDate(s),
        _ => throw new ArgumentException($"a date value must be a DateOnly, not {value.GetType().Name}", nameof(value)),
    };

    private static long ToTimeMicroseconds(object value) => value switch
    {
        TimeOnly time => TimeToMicroseconds(time),
        TimeSpan span => span.Ticks / 10,
        _ => throw new ArgumentException($"a time value must be a TimeOnly, not {value.GetType().Name}", nameof(value)),
    };

    private static DateTime ToTimestamp(object value) => value switch
    {
        DateTime dateTime => dateTime,
        DateTimeOffset offset => offset.DateTime,
        _ => throw new ArgumentException($"a timestamp value must be a DateTime, not {value.GetType().Name}", nameof(value)),
    };

    /// <summary>An instant in UTC; Unspecified DateTimes are taken as UTC, infinities stay infinite.</summary>
    private static DateTime ToTimestamptz(object value) => value switch
    {
        DateTime dateTime when dateTime == DateTime.MaxValue || dateTime == DateTime.MinValue => dateTime,
        DateTime { Kind: DateTimeKind.Local } dateTime => dateTime.ToUniversalTime(),
        DateTime dateTime => DateTime.SpecifyKind(dateTime, DateTimeKind.Utc),
        DateTimeOffset offset when offset == DateTimeOffset.MaxValue || offset == DateTimeOffset.MinValue => offset.DateTime,
        DateTimeOffset offset => offset.UtcDateTime,
        _ => throw new ArgumentException($"a timestamptz value must be a DateTime, not {value.GetType().Name}", nameof(value)),
    };

    private static int DateToDays(DateOnly date) =>
        date == DateOnly.MaxValue ? int.MaxValue
        : date == DateOnly.MinValue ? int.MinValue
        : date.DayNumber - PostgresEpochDayNumber;

    private static DateOnly DaysToDate(int days)
    {
        if (days == int.MaxValue)
        {
            return DateOnly.MaxValue;
        }
        if (days == int.MinValue)
        {
            return DateOnly.MinValue;
        }
        long dayNumber = (long)days + PostgresEpochDayNumber;
        if (dayNumber < DateOnly.MinValue.DayNumber + 1 || dayNumber > DateOnly.MaxValue.DayNumber - 1)
        {
            throw new PgException(PgError.Error(DatetimeFieldOverflow, "date out of range"));
        }
        return DateOnly.FromDayNumber((int)dayNumber);
    }

    /// <summary>time's 24:00:00, which PostgreSQL accepts and orders after every other time of day: TimeOnly cannot
    /// hold it, so its largest value (a tick count no microsecond time has) stands for it.</summary>
    public static readonly TimeOnly EndOfDay = TimeOnly.MaxValue;

    /// <summary>A time of day as PostgreSQL's microseconds since midnight (24:00:00 is a whole day).</summary>
    public static long TimeToMicroseconds(TimeOnly time) => time == EndOfDay ? MicrosecondsPerDay : time.Ticks / 10;

    /// <summary>The time of microseconds since midnight, 0 to a whole day (24:00:00) included; others are out of range (22008).</summary>
    public static TimeOnly MicrosecondsToTime(long microseconds)
    {
        if (microseconds < 0 || microseconds > MicrosecondsPerDay)
        {
            throw new PgException(PgError.Error(DatetimeFieldOverflow, "time out of range"));
        }
        return microseconds == MicrosecondsPerDay ? EndOfDay : new TimeOnly(microseconds * 10);
    }

    private static long TimestampToMicroseconds(DateTime timestamp) =>
        timestamp == DateTime.MaxValue ? long.MaxValue
        : timestamp == DateTime.MinValue ? long.MinValue
        : (timestamp.Ticks - PostgresEpoch.Ticks) / 10;

    private static DateTime MicrosecondsToTimestamp(long microseconds, DateTimeKind kind)
    {
        if (microseconds == long.MaxValue)
        {
            return DateTime.SpecifyKind(DateTime.MaxValue, kind);
        }
        if (microseconds == long.MinValue)
        {
            return DateTime.SpecifyKind(DateTime.MinValue, kind);
        }
        long ticks = PostgresEpoch.Ticks + microseconds * 10;
        if (microseconds > (DateTime.MaxValue.Ticks - PostgresEpoch.Ticks) / 10 || microseconds < -PostgresEpoch.Ticks / 10
            || ticks <= DateTime.MinValue.Ticks || ticks >= DateTime.MaxValue.Ticks - 9)
        {
            throw new PgException(PgError.Error(DatetimeFieldOverflow, "timestamp out of range"));
        }
        return new DateTime(ticks, kind);
    }

    private static string FormatDate(DateOnly date) =>
        date == DateOnly.MaxValue ? "infinity"
        : date == DateOnly.MinValue ? "-infinity"
        : date.ToString("yyyy-MM-dd", Invariant);

    /// <summary>hh:mm:ss then the fraction, trailing zeros dropped (PostgreSQL's AppendSeconds).</summary>
    private static string FormatTime(long microseconds)
    {
        var builder = new StringBuilder(15);
        long hours = microseconds / (3600 * MicrosecondsPerSecond);
        long rest = microseconds % (3600 * MicrosecondsPerSecond);
        builder.Append(hours.ToString("D2", Invariant)).Append(':');
        AppendMinutesAndSeconds(builder, rest);
        return builder.ToString();
    }

    private static void AppendMinutesAndSeconds(StringBuilder builder, long microseconds)
    {
        builder.Append((microseconds / (60 * MicrosecondsPerSecond)).ToString("D2", Invariant)).Append(':');
        AppendSeconds(builder, microseconds % (60 * MicrosecondsPerSecond));
    }

    private static void AppendSeconds(StringBuilder builder, long microseconds)
    {
        builder.Append((microseconds / MicrosecondsPerSecond).ToString("D2", Invariant));
        long fraction = microseconds % MicrosecondsPerSecond;
        if (fraction != 0)
        {
            builder.Append('.').Append(fraction.ToString("D6", Invariant).TrimEnd('0'));
        }
    }

    private static string FormatTimestamp(DateTime timestamp)
    {
        if (timestamp == DateTime.MaxValue)
        {
            return "infinity";
        }
        if (timestamp == DateTime.MinValue)
        {
            return "-infinity";
        }
        var builder = new StringBuilder(26);
        builder.Append(timestamp.ToString("yyyy-MM-dd ", Invariant));
        builder.Append(FormatTime(timestamp.TimeOfDay.Ticks / 10));
        return builder.ToString();
    }

    /// <summary>The instant in the session's zone, then the offset as +HH, +HH:MM or +HH:MM:SS.</summary>
    private static string FormatTimestamptz(DateTime utc, TimeZoneInfo zone)
    {
        if (utc == DateTime.MaxValue || utc == DateTime.MinValue)
        {
            return FormatTimestamp(utc);
        }
        TimeSpan offset = zone.GetUtcOffset(utc);
        DateTime local = DateTime.SpecifyKind(utc + offset, DateTimeKind.Unspecified);
        var builder = new StringBuilder(FormatTimestamp(local), 32);
        AppendOffset(builder, offset);
        return builder.ToString();
    }

    private static DateOnly ParseDate(string text)
    {
        string trimmed = text.Trim();
        switch (trimmed.ToLowerInvariant())
        {
            case "infinity" or "+infinity":
                return DateOnly.MaxValue;
            case "-infinity":
                return DateOnly.MinValue;
            case "epoch":
                return DateOnly.FromDateTime(DateTime.UnixEpoch);
        }
        if (DateOnly.TryParseExact(trimmed, DateFormats, Invariant, DateTimeStyles.None, out DateOnly date))
        {
            return date;
        }
        // PostgreSQL's date_in reads a whole datetime and keeps its date, ignoring the time and
        // the zone: pgjdbc's setDate sends "2024-02-29 +00", other drivers a full timestamp.
        if (TryParseTimestampParts(trimmed, out DateTime local, out _))
        {
            return DateOnly.FromDateTime(local);
        }
        throw new PgException(PgError.Error(InvalidDatetimeFormat, $"invalid input syntax for type date: \"{text}\""));
    }

    /// <summary>time_in: [date] h:mm[:ss[.fraction]] or hhmmss, an optional AM/PM, an optional zone (ignored, as
    /// PostgreSQL ignores it for time without time zone); 24:00:00 is allowed. Bad syntax is 22007, a field out of
    /// range 22008.</summary>
    private static TimeOnly ParseTime(string text)
    {
        TimeText parts = SplitTimeText(text);
        if (!TryParseClock(parts.Clock, out long hours, out long minutes, out decimal seconds) || !IsTimeZoneSuffix(parts.Suffix))
        {
            throw new PgException(PgError.Error(InvalidDatetimeFormat, $"invalid input syntax for type time: \"{text}\""));
        }
        return MicrosecondsToTime(MicrosecondsOfDay(hours, minutes, seconds, parts.Afternoon, text));
    }

    /// <summary>A time's text in pieces: an ISO date before it (time_in ignores it, timetz_in reads a zone name at it),
    /// the clock (digits, ':' and '.'), AM or PM, and what follows (a zone).</summary>
    private readonly record struct TimeText(DateOnly? Date, bool BadDate, string Clock, bool? Afternoon, string Suffix);

    private static TimeText SplitTimeText(string text)
    {
        string rest = text.Trim();
        DateOnly? date = null;
        bool badDate = false;
        if (rest.Length > 10 && rest[4] == '-' && rest[7] == '-' && rest[10] is ' ' or 'T' or 't')
        {
            if (DateOnly.TryParseExact(rest[..10], "yyyy-MM-dd", Invariant, DateTimeStyles.None, out DateOnly written)) date = written;
            else badDate = true;
            rest = rest[11..].TrimStart();
        }
        int end = 0;
        while (end < rest.Length && (char.IsAsciiDigit(rest[end]) || rest[end] is ':' or '.'))
        {
            end++;
        }
        string suffix = rest[end..].Trim();
        bool? afternoon = null;
        if (suffix.Length >= 2 && suffix[..2].ToLowerInvariant() is "am" or "pm" && (suffix.Length == 2 || !char.IsAsciiLetter(suffix[2])))
        {
            afternoon = char.ToLowerInvariant(suffix[0]) == 'p';
            suffix = suffix[2..].Trim();
        }
        return new TimeText(date, badDate, rest[..end], afternoon, suffix);
    }

    /// <summary>The clock's fields, after AM/PM, as microseconds since midnight; 24:00:00 is the largest (22008 past it).</summary>
    private static long MicrosecondsOfDay(long hours, long minutes, decimal seconds, bool? afternoon, string text)
    {
        if (afternoon is { } pm)
        {
            if (hours > 12)
            {
                throw TimeFieldOutOfRange(text);
            }
            hours = hours == 12 ? (pm ? 12 : 0) : pm ? hours + 12 : hours;
        }
        long microseconds = (long)Math.Round(seconds * MicrosecondsPerSecond, MidpointRounding.ToEven);
        long total = (hours * 3600 + minutes * 60) * MicrosecondsPerSecond + microseconds;
        if (hours > 24 || minutes > 59 || seconds >= 60 || total > MicrosecondsPerDay)
        {
            throw TimeFieldOutOfRange(text);
        }
        return total;
    }

    private static PgException TimeFieldOutOfRange(string text) =>
        new(PgError.Error(DatetimeFieldOverflow, $"date/time field value out of range: \"{text}\""));

    /// <summary>h:mm[:ss[.fraction]], or the digits-only forms hhmm and hhmmss[.fraction].</summary>
    private static bool TryParseClock(string clock, out long hours, out long minutes, out decimal seconds)
    {
        hours = 0;
        minutes = 0;
        seconds = 0;
        if (clock.Length == 0)
        {
            return false;
        }
        if (!clock.Contains(':', StringComparison.Ordinal))
        {
            int point = clock.IndexOf('.', StringComparison.Ordinal);
            string digits = point < 0 ? clock : clock[..point];
            if (digits.Length is not (4 or 6) || !digits.All(char.IsAsciiDigit))
            {
                return false;
            }
            clock = digits.Length == 4 ? $"{digits[..2]}:{digits[2..]}" : $"{digits[..2]}:{digits[2..4]}:{digits[4..]}{(point < 0 ? "" : clock[point..])}";
        }
        string[] parts = clock.Split(':');
        return parts.Length is 2 or 3
            && parts[0].Length > 0 && parts[0].All(char.IsAsciiDigit) && long.TryParse(parts[0], NumberStyles.None, Invariant, out hours)
            && parts[1].Length > 0 && parts[1].All(char.IsAsciiDigit) && long.TryParse(parts[1], NumberStyles.None, Invariant, out minutes)
            && (parts.Length == 2 || (parts[2].Length > 0 && char.IsAsciiDigit(parts[2][0])
                && decimal.TryParse(parts[2], NumberStyles.AllowDecimalPoint, Invariant, out seconds)));
    }

    /// <summary>A zone written after a time: an abbreviation or name (letters, '/', '_'), or a numeric offset.</summary>
    private static bool IsTimeZoneSuffix(string suffix) =>
        suffix.Length == 0
        || suffix.All(character => char.IsAsciiLetter(character) || character is '/' or '_')
        || (suffix[0] is '+' or '-' && suffix.Length > 1 && suffix[1..].All(character => char.IsAsciiDigit(character) || character == ':'));

    private static TimeOnly RoundToMicroseconds(TimeOnly time) => new(time.Ticks - time.Ticks % 10);

    private static DateTime ParseTimestamp(string text)
    {
        if (TrySpecialTimestamp(text, out DateTime special))
        {
            return special;
        }
        // A zone given to a timestamp without time zone is ignored, as PostgreSQL does.
        if (TryParseTimestampParts(text.Trim(), out DateTime local, out _))
        {
            return local;
        }
        throw new PgException(PgError.Error(InvalidDatetimeFormat, $"invalid input syntax for type timestamp: \"{text}\""));
    }

    private static DateTime ParseTimestamptz(string text, TimeZoneInfo zone)
    {
        if (TrySpecialTimestamp(text, out DateTime special))
        {
            return DateTime.SpecifyKind(special, DateTimeKind.Utc);
        }
        if (TryParseTimestampParts(text.Trim(), out DateTime local, out TimeSpan? offset))
        {
            if (offset is { } explicitOffset)
            {
                return DateTime.SpecifyKind(local - explicitOffset, DateTimeKind.Utc);
            }
            return zone.IsInvalidTime(local)
                ? DateTime.SpecifyKind(local - zone.BaseUtcOffset, DateTimeKind.Utc)
                : TimeZoneInfo.ConvertTimeToUtc(local, zone);
        }
        throw new PgException(PgError.Error(InvalidDatetimeFormat, $"invalid input syntax for type timestamp with time zone: \"{text}\""));
    }

    private static bool TrySpecialTimestamp(string text, out DateTime value)
    {
        switch (text.Trim().ToLowerInvariant())
        {
            case "infinity" or "+infinity":
                value = DateTime.MaxValue;
                return true;
            case "-infinity":
                value = DateTime.MinValue;
                return true;
            case "epoch":
                value = DateTime.UnixEpoch;
                return true;
        }
        value = default;
        return false;
    }

    /// <summary>ISO 8601 as PostgreSQL writes and drivers send it: date, space or T, time with up to 6 fraction digits, an optional Z or ±hh[:mm[:ss]].</summary>
    private static bool TryParseTimestampParts(string text, out DateTime local, out TimeSpan? offset)
    {
        local = default;
        offset = null;
        int separator = text.IndexOfAny([' ', 'T']);
        string datePart = separator < 0 ? text : text[..separator];
        string rest = separator < 0 ? "" : text[(separator + 1)..].Trim();
        if (!DateOnly.TryParseExact(datePart, DateFormats, Invariant, DateTimeStyles.None, out DateOnly date))
        {
            return false;
        }
        TimeOnly time = TimeOnly.MinValue;
        if (rest.Length > 0)
        {
            int zoneStart = rest.IndexOfAny(['+', '-', 'Z', 'z']);
            string timePart = zoneStart < 0 ? rest : rest[..zoneStart].TrimEnd();
            if (zoneStart >= 0)
            {
                string zonePart = rest[zoneStart..];
                if (zonePart is "Z" or "z")
                {
                    offset = TimeSpan.Zero;
                }
                else
                {
                    string[] pieces = SplitZoneOffset(zonePart[1..]);
                    if (pieces.Length > 3 || pieces.Any(piece => piece.Length is 0 or > 2 || !piece.All(char.IsAsciiDigit)))
                    {
                        return false;
                    }
                    var value = new TimeSpan(
                        int.Parse(pieces[0], Invariant),
                        pieces.Length > 1 ? int.Parse(pieces[1], Invariant) : 0,
                        pieces.Length > 2 ? int.Parse(pieces[2], Invariant) : 0);
                    offset = zonePart[0] == '-' ? -value : value;
                }
            }
            if (timePart.Length > 0)
            {
                if (!TimeOnly.TryParseExact(timePart, TimeFormats, Invariant, DateTimeStyles.None, out time))
                {
                    return false;
                }
                time = RoundToMicroseconds(time);
            }
        }
        local = date.ToDateTime(time, DateTimeKind.Unspecified);
        return true;
    }

    /// <summary>The hours, minutes and seconds of a zone offset without its sign: "05:30" and, as PostgreSQL also reads them, "0530" and "053015".</summary>
    private static string[] SplitZoneOffset(string offset) =>
        offset.Length is 4 or 6 && !offset.Contains(':')
            ? offset.Length == 4 ? [offset[..2], offset[2..]] : [offset[..2], offset[2..4], offset[4..]]
            : offset.Split(':');
}
