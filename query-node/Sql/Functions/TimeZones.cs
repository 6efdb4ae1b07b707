using System.Globalization;
using Log.QueryNode.Execution;

namespace Log.QueryNode.Sql.Functions;

/// <summary>
/// Time zone names as AT TIME ZONE, timezone() and make_timestamptz read them: IANA names (any case, from the system's
/// database, which is what .NET's TimeZoneInfo reads on Linux), the common abbreviations of PostgreSQL's "Default"
/// set (EST, PST, CET ...), and POSIX-style offsets, where a bare number or UTC+3 means hours WEST of Greenwich.
/// </summary>
internal static class TimeZones
{
    /// <summary>Fixed-offset abbreviations of PostgreSQL's timezone_abbreviations "Default", hours east of UTC.</summary>
    private static readonly Dictionary<string, double> Abbreviations = new(StringComparer.OrdinalIgnoreCase)
    {
        ["UTC"] = 0, ["UT"] = 0, ["GMT"] = 0, ["Z"] = 0, ["ZULU"] = 0,
        ["EST"] = -5, ["EDT"] = -4, ["CST"] = -6, ["CDT"] = -5, ["MST"] = -7, ["MDT"] = -6, ["PST"] = -8, ["PDT"] = -7,
        ["AKST"] = -9, ["AKDT"] = -8, ["HST"] = -10, ["AST"] = -4, ["ADT"] = -3, ["NST"] = -3.5, ["NDT"] = -2.5,
        ["WET"] = 0, ["WEST"] = 1, ["BST"] = 1, ["CET"] = 1, ["CEST"] = 2, ["MET"] = 1, ["MEST"] = 2, ["EET"] = 2, ["EEST"] = 3,
        ["MSK"] = 3, ["IST"] = 2, ["JST"] = 9, ["KST"] = 9, ["HKT"] = 8, ["AWST"] = 8, ["ACST"] = 9.5, ["AEST"] = 10,
        ["AEDT"] = 11, ["NZST"] = 12, ["NZDT"] = 13,
    };

    private static readonly Lazy<Dictionary<string, string>> SystemIds = new(() =>
    {
        var ids = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (TimeZoneInfo zone in TimeZoneInfo.GetSystemTimeZones()) ids.TryAdd(zone.Id, zone.Id);
        return ids;
    });

    /// <summary>The zone, or 22023 "time zone ... not recognized".</summary>
    public static TimeZoneInfo Find(string name)
    {
        string trimmed = name.Trim();
        if (Abbreviations.TryGetValue(trimmed, out double hours)) return Fixed(trimmed, hours);
        if (TryPosix(trimmed, out double posixHours)) return Fixed(trimmed, posixHours);
        if (trimmed.Length > 0 && trimmed.Length <= 64 && !trimmed.Contains("..", StringComparison.Ordinal))
        {
            try
            {
                return TimeZoneInfo.FindSystemTimeZoneById(trimmed);
            }
            catch (Exception exception) when (exception is TimeZoneNotFoundException or InvalidTimeZoneException or ArgumentException)
            {
            }
            if (SystemIds.Value.TryGetValue(trimmed, out string? id)) return TimeZoneInfo.FindSystemTimeZoneById(id);
        }
        throw new SqlException(SqlState.InvalidParameterValue, $"time zone \"{name}\" not recognized");
    }

    private static TimeZoneInfo Fixed(string name, double hoursEast)
    {
        var offset = TimeSpan.FromMinutes(Math.Round(hoursEast * 60));
        return TimeZoneInfo.CreateCustomTimeZone(name, offset, name, name);
    }

    /// <summary>"+05", "-8", "5:30", "UTC+3", "EST5": POSIX offsets, positive west of Greenwich.</summary>
    private static bool TryPosix(string text, out double hoursEast)
    {
        hoursEast = 0;
        int index = 0;
        while (index < text.Length && char.IsAsciiLetter(text[index])) index++;
        if (index > 0 && index < 3) return false;
        string number = text[index..];
        if (number.Length == 0) return false;
        int sign = 1;
        if (number[0] is '+' or '-')
        {
            sign = number[0] == '-' ? -1 : 1;
            number = number[1..];
        }
        string[] parts = number.Split(':');
        if (parts.Length > 3 || parts.Any(part => part.Length == 0 || !part.All(char.IsAsciiDigit))) return false;
        double hours = int.Parse(parts[0], CultureInfo.InvariantCulture);
        if (parts.Length > 1) hours += int.Parse(parts[1], CultureInfo.InvariantCulture) / 60.0;
        if (parts.Length > 2) hours += int.Parse(parts[2], CultureInfo.InvariantCulture) / 3600.0;
        if (hours > 15 * 10) return false;
        hoursEast = -sign * hours;
        return true;
    }

    /// <summary>A wall-clock time in the zone as a UTC instant (a time skipped by a DST change reads as standard time).</summary>
    public static DateTime ToUtc(DateTime local, TimeZoneInfo zone)
    {
        TimeSpan offset = zone.GetUtcOffset(DateTime.SpecifyKind(local, DateTimeKind.Unspecified));
        return DateTime.SpecifyKind(local - offset, DateTimeKind.Utc);
    }

    public static DateTime ToLocal(DateTime utc, TimeZoneInfo zone) =>
        DateTime.SpecifyKind(utc + zone.GetUtcOffset(DateTime.SpecifyKind(utc, DateTimeKind.Utc)), DateTimeKind.Unspecified);
}
