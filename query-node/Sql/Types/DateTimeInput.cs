using System.Globalization;
using System.Text.RegularExpressions;
using Log.QueryNode.Execution;

namespace Log.QueryNode.Sql.Types;

/// <summary>date_in / timestamp_in / timestamptz_in for ISO 8601 input ("2024-01-02", "2024-01-02 03:04:05.123456",
/// "2024-01-02T03:04:05+02:00"), with the session time zone fixed at UTC. timestamp drops a given zone, as
/// PostgreSQL does; timestamptz converts to UTC. Values are DateTime (Unspecified for timestamp, Utc for
/// timestamptz) and DateOnly, at microsecond resolution.</summary>
internal static partial class DateTimeInput
{
    [GeneratedRegex(@"^\s*(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6})\d*)?)?)?\s*(Z|UTC|GMT|[+-]\d{1,2}(?::?\d{2})?)?\s*$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex IsoPattern();

    public static object Parse(string text, SqlType type, int? position)
    {
        string trimmed = text.Trim();
        string lower = trimmed.ToLowerInvariant();
        if (lower is "now" or "today")
        {
            DateTime now = DateTime.UtcNow;
            if (lower == "today") now = now.Date;
            return Convert(new DateTime(now.Ticks - now.Ticks % 10), TimeSpan.Zero, type);
        }
        Match match = IsoPattern().Match(trimmed);
        if (!match.Success)
        {
            // 22007 invalid_datetime_format; PostgreSQL names timestamp without its zone clause here.
            string typeName = type.Kind == TypeKind.Timestamp ? "timestamp" : type.DisplayName;
            throw new SqlException("22007", $"invalid input syntax for type {typeName}: \"{text}\"", position);
        }
        int Number(int group) => match.Groups[group].Success ? int.Parse(match.Groups[group].Value, CultureInfo.InvariantCulture) : 0;
        DateTime value;
        try
        {
            value = new DateTime(Number(1), Number(2), Number(3), Number(4), Number(5), Number(6), DateTimeKind.Unspecified);
            if (match.Groups[4].Success && Number(4) == 24) throw new ArgumentOutOfRangeException(nameof(text));
        }
        catch (ArgumentOutOfRangeException)
        {
            throw new SqlException("22008", $"date/time field value out of range: \"{text}\"", position);
        }
        if (match.Groups[7].Success)
        {
            string fraction = match.Groups[7].Value.PadRight(6, '0');
            value = value.AddTicks(long.Parse(fraction, CultureInfo.InvariantCulture) * 10);
        }
        TimeSpan offset = TimeSpan.Zero;
        if (match.Groups[8].Success && match.Groups[8].Value[0] is '+' or '-')
        {
            string zone = match.Groups[8].Value.Replace(":", "", StringComparison.Ordinal);
            int sign = zone[0] == '-' ? -1 : 1;
            string digits = zone[1..];
            int hours = digits.Length <= 2 ? int.Parse(digits, CultureInfo.InvariantCulture) : int.Parse(digits[..^2], CultureInfo.InvariantCulture);
            int minutes = digits.Length <= 2 ? 0 : int.Parse(digits[^2..], CultureInfo.InvariantCulture);
            offset = sign * new TimeSpan(hours, minutes, 0);
        }
        return Convert(value, offset, type);
    }

    private static object Convert(DateTime local, TimeSpan offset, SqlType type) => type.Kind switch
    {
        TypeKind.Date => DateOnly.FromDateTime(local),
        TypeKind.Timestamp => DateTime.SpecifyKind(local, DateTimeKind.Unspecified),
        _ => DateTime.SpecifyKind(local - offset, DateTimeKind.Utc),
    };
}
