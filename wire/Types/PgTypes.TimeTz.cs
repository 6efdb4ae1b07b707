using System.Buffers;
using System.Text;

namespace Log.Wire.Types;

public static partial class PgTypes
{
    /// <summary>22009: an offset of 16 hours or more.</summary>
    private const string InvalidTimeZoneDisplacementValue = "22009";

    private static PgTimeTz ToTimeTz(object value) => value switch
    {
        PgTimeTz timeTz => timeTz,
        DateTimeOffset offset => new PgTimeTz(offset.TimeOfDay.Ticks / 10, (int)offset.Offset.TotalSeconds),
        _ => throw new ArgumentException($"a timetz value must be a PgTimeTz, not {value.GetType().Name}", nameof(value)),
    };

    /// <summary>timetz_out: the time as time_out writes it, then the offset as +HH, +HH:MM or +HH:MM:SS.</summary>
    private static string FormatTimeTz(PgTimeTz value)
    {
        var builder = new StringBuilder(FormatTime(value.Microseconds), 24);
        AppendOffset(builder, TimeSpan.FromSeconds(value.OffsetSeconds));
        return builder.ToString();
    }

    /// <summary>A zone offset as PostgreSQL writes it after a time: the sign, the hours, and the minutes and seconds only when
    /// they are not zero.</summary>
    private static void AppendOffset(StringBuilder builder, TimeSpan offset)
    {
        builder.Append(offset < TimeSpan.Zero ? '-' : '+');
        TimeSpan absolute = offset.Duration();
        builder.Append(((int)absolute.TotalHours).ToString("D2", Invariant));
        if (absolute.Minutes != 0 || absolute.Seconds != 0)
        {
            builder.Append(':').Append(absolute.Minutes.ToString("D2", Invariant));
        }
        if (absolute.Seconds != 0)
        {
            builder.Append(':').Append(absolute.Seconds.ToString("D2", Invariant));
        }
    }

    /// <summary>timetz_in: [yyyy-mm-dd ]h:mm[:ss[.fraction]] (or hhmm[ss]), an optional AM/PM, then a zone: a numeric offset
    /// (+05, +05:30, +0530, +05:30:15), Z, UTC or GMT, or, after a date, a zone name read at that date and time. Without a
    /// zone the time takes the offset <paramref name="zone"/> has today at that time of day, as PostgreSQL takes the
    /// session zone's offset on the current date. Bad syntax is 22007, a field out of range 22008, an offset of 16 hours or
    /// more 22009.</summary>
    public static PgTimeTz ParseTimeTz(string text, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(zone);
        TimeText parts = SplitTimeText(text);
        // PostgreSQL's timetz_in reads "date time" but not "dateTtime".
        if (parts.BadDate || (parts.Date is not null && text.Trim()[10] != ' ')
            || !TryParseClock(parts.Clock, out long hours, out long minutes, out decimal seconds))
        {
            throw InvalidTimeTz(text);
        }
        DateOnly? date = parts.Date;
        string suffix = parts.Suffix;
        long total = MicrosecondsOfDay(hours, minutes, seconds, parts.Afternoon, text);
        DateOnly day = date ?? DateOnly.FromDateTime(TimeZoneInfo.ConvertTimeFromUtc(DateTime.UtcNow, zone));
        int offsetSeconds = suffix.Length == 0
            ? OffsetOfLocal(zone, day, total)
            : ParseZoneSuffix(suffix, date is null ? null : day, total, text);
        if (Math.Abs(offsetSeconds) >= PgTimeTz.OffsetSecondsLimit)
        {
            throw new PgException(PgError.Error(InvalidTimeZoneDisplacementValue, $"time zone displacement out of range: \"{text}\""));
        }
        return new PgTimeTz(total, offsetSeconds);
    }

    /// <summary>The offset of a zone written after a time, in seconds east of UTC.</summary>
    private static int ParseZoneSuffix(string suffix, DateOnly? date, long timeMicroseconds, string text)
    {
        if (suffix[0] is '+' or '-')
        {
            string[] pieces = SplitZoneOffset(suffix[1..]);
            if (pieces.Length > 3 || pieces.Any(piece => piece.Length is 0 or > 2 || !piece.All(char.IsAsciiDigit)))
            {
                throw InvalidTimeTz(text);
            }
            int seconds = int.Parse(pieces[0], Invariant) * 3600
                + (pieces.Length > 1 ? int.Parse(pieces[1], Invariant) * 60 : 0)
                + (pieces.Length > 2 ? int.Parse(pieces[2], Invariant) : 0);
            return suffix[0] == '-' ? -seconds : seconds;
        }
        switch (suffix.ToLowerInvariant())
        {
            case "z" or "zulu" or "utc" or "gmt" or "ut":
                return 0;
        }
        // A zone name has rules that depend on the date, so PostgreSQL reads one only after a date.
        if (date is { } day && suffix.All(character => char.IsAsciiLetter(character) || character is '/' or '_')
            && TimeZoneInfo.TryFindSystemTimeZoneById(suffix, out TimeZoneInfo? named))
        {
            return OffsetOfLocal(named, day, timeMicroseconds);
        }
        throw InvalidTimeTz(text);
    }

    /// <summary>The offset of a zone at a wall-clock date and time of day (a skipped or repeated time takes the standard offset).</summary>
    private static int OffsetOfLocal(TimeZoneInfo zone, DateOnly day, long timeMicroseconds)
    {
        DateTime local = day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified).AddTicks(Math.Min(timeMicroseconds, MicrosecondsPerDay - 1) * 10);
        return (int)zone.GetUtcOffset(local).TotalSeconds;
    }

    private static PgException InvalidTimeTz(string text) =>
        new(PgError.Error(InvalidDatetimeFormat, $"invalid input syntax for type time with time zone: \"{text}\""));

    /// <summary>timetz_send: the time in microseconds, then the zone in seconds west of UTC.</summary>
    private static void WriteTimeTz(IBufferWriter<byte> output, object value)
    {
        PgTimeTz timeTz = ToTimeTz(value);
        WriteInt64(output, timeTz.Microseconds);
        WriteInt32(output, -timeTz.OffsetSeconds);
    }

    /// <summary>timetz_recv: the checks timetz_in makes, on the binary fields.</summary>
    private static PgTimeTz ReadTimeTz(ref PgBinaryReader reader)
    {
        long microseconds = reader.ReadInt64();
        if (microseconds < 0 || microseconds > MicrosecondsPerDay)
        {
            throw new PgException(PgError.Error(DatetimeFieldOverflow, "time out of range"));
        }
        int west = reader.ReadInt32();
        if (west <= -PgTimeTz.OffsetSecondsLimit || west >= PgTimeTz.OffsetSecondsLimit)
        {
            throw new PgException(PgError.Error(InvalidTimeZoneDisplacementValue, "time zone displacement out of range"));
        }
        return new PgTimeTz(microseconds, -west);
    }
}
