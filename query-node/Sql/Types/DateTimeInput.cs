using System.Globalization;
using System.Text.RegularExpressions;
using Log.QueryNode.Execution;

namespace Log.QueryNode.Sql.Types;

/// <summary>date_in / timestamp_in / timestamptz_in for numeric input: ISO 8601 ("2024-01-02", "2024-01-02 03:04:05.123456",
/// "2024-01-02T03:04:05+02:00") and dates in DateStyle's field order ("05/03/2024" is 5 March under DMY, 3 May under
/// MDY). timestamp drops a given zone, as PostgreSQL does; timestamptz without an offset is read in the session's
/// TimeZone and converted to UTC. Values are DateTime (Unspecified for timestamp, Utc for timestamptz) and DateOnly,
/// at microsecond resolution.</summary>
internal static partial class DateTimeInput
{
    [GeneratedRegex(@"^\s*(\d{1,8})([-/.])(\d{1,8})\2(\d{1,8})(?:(?:[ T]|\s+)(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6})\d*)?)?)?\s*(Z|UTC|GMT|[+-]\d{1,2}(?::?\d{2})?)?\s*$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex DatePattern();

    public static object Parse(string text, SqlType type, int? position, DateTimeSettings settings)
    {
        string trimmed = text.Trim();
        string lower = trimmed.ToLowerInvariant();
        if (lower is "now" or "today")
        {
            DateTime now = DateTime.UtcNow;
            now = new DateTime(now.Ticks - now.Ticks % 10, DateTimeKind.Utc);
            // "today" is midnight of the session's current day, not of UTC's.
            if (lower == "today") return Convert(settings.ToLocal(now).Date, offset: null, type, settings);
            return type.Kind == TypeKind.TimestampTz ? now : Convert(settings.ToLocal(now), offset: null, type, settings);
        }
        Match match = DatePattern().Match(trimmed);
        if (!match.Success)
        {
            throw InvalidSyntax(text, type, position);
        }
        int Number(int group) => match.Groups[group].Success ? int.Parse(match.Groups[group].Value, CultureInfo.InvariantCulture) : 0;
        (int year, int month, int day) = OrderDateFields(match.Groups[1].Value, match.Groups[3].Value, match.Groups[4].Value,
            settings.DateOrder) ?? throw InvalidSyntax(text, type, position);
        DateTime value;
        try
        {
            value = new DateTime(year, month, day, Number(5), Number(6), Number(7), DateTimeKind.Unspecified);
            if (match.Groups[5].Success && Number(5) == 24) throw new ArgumentOutOfRangeException(nameof(text));
        }
        catch (ArgumentOutOfRangeException)
        {
            throw new SqlException("22008", $"date/time field value out of range: \"{text}\"", position);
        }
        if (match.Groups[8].Success)
        {
            string fraction = match.Groups[8].Value.PadRight(6, '0');
            value = value.AddTicks(long.Parse(fraction, CultureInfo.InvariantCulture) * 10);
        }
        TimeSpan? offset = null;
        if (match.Groups[9].Success)
        {
            offset = TimeSpan.Zero;
            if (match.Groups[9].Value[0] is '+' or '-')
            {
                string zone = match.Groups[9].Value.Replace(":", "", StringComparison.Ordinal);
                int sign = zone[0] == '-' ? -1 : 1;
                string digits = zone[1..];
                int hours = digits.Length <= 2 ? int.Parse(digits, CultureInfo.InvariantCulture) : int.Parse(digits[..^2], CultureInfo.InvariantCulture);
                int minutes = digits.Length <= 2 ? 0 : int.Parse(digits[^2..], CultureInfo.InvariantCulture);
                offset = sign * new TimeSpan(hours, minutes, 0);
            }
        }
        return Convert(value, offset, type, settings);
    }

    private static SqlException InvalidSyntax(string text, SqlType type, int? position)
    {
        // 22007 invalid_datetime_format; PostgreSQL names timestamp without its zone clause here.
        string typeName = type.Kind == TypeKind.Timestamp ? "timestamp" : type.DisplayName;
        return new SqlException("22007", $"invalid input syntax for type {typeName}: \"{text}\"", position);
    }

    /// <summary>PostgreSQL's DecodeNumber for the three fields of a date: a first field of more than two digits is the
    /// year (so ISO input reads the same under every DateStyle); otherwise DateStyle's order decides, and each later
    /// field is the one that order (or the year-first reading) leaves next. A one- or two-digit year is 1970..2069.
    /// Null when the fields cannot be a date in that order.</summary>
    internal static (int Year, int Month, int Day)? OrderDateFields(string first, string second, string third, DateOrder order)
    {
        int? year = null, month = null, day = null;
        bool yearHasTwoDigits = false;
        foreach (string field in (ReadOnlySpan<string>)[first, second, third])
        {
            if (!int.TryParse(field, NumberStyles.None, CultureInfo.InvariantCulture, out int value)) return null;
            switch (year.HasValue, month.HasValue, day.HasValue)
            {
                case (false, false, false):
                    if (field.Length >= 3 || order == DateOrder.YearMonthDay)
                    {
                        year = value;
                        yearHasTwoDigits = field.Length <= 2;
                    }
                    else if (order == DateOrder.DayMonthYear) day = value;
                    else month = value;
                    break;
                case (true, false, false) or (false, false, true):
                    month = value;
                    break;
                case (false, true, false) or (true, true, false):
                    day = value;
                    break;
                case (false, true, true):
                    year = value;
                    yearHasTwoDigits = field.Length <= 2;
                    break;
                default:
                    return null;
            }
        }
        if (year is null || month is null || day is null) return null;
        int fullYear = yearHasTwoDigits ? (year.Value < 70 ? year.Value + 2000 : year.Value + 1900) : year.Value;
        return (fullYear, month.Value, day.Value);
    }

    /// <summary>A wall-clock value with the offset it was given (null: none) as the type's value; timestamptz without an
    /// offset is in the session's TimeZone.</summary>
    private static object Convert(DateTime local, TimeSpan? offset, SqlType type, DateTimeSettings settings) => type.Kind switch
    {
        TypeKind.Date => DateOnly.FromDateTime(local),
        TypeKind.Timestamp => DateTime.SpecifyKind(local, DateTimeKind.Unspecified),
        _ => offset is { } given ? DateTime.SpecifyKind(local - given, DateTimeKind.Utc) : settings.ToUtc(local),
    };
}
