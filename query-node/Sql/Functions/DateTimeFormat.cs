using System.Globalization;
using System.Text;
using Log.QueryNode.Execution;

namespace Log.QueryNode.Sql.Functions;

/// <summary>
/// to_char for date/time values and to_date/to_timestamp (PostgreSQL's formatting.c, DCH_ patterns): YYYY YYY YY Y
/// IYYY MM Mon Month DD DDD D ID IW WW W Q CC J HH HH12 HH24 MI SS SSSS MS US FF1-FF6 AM PM A.M. P.M. Day Dy TZ OF
/// TZH TZM RM, with the FM prefix (no padding) and the TH suffix (ordinal), "quoted text" and other characters copied.
/// Names follow the pattern's case (Month, MONTH, month); English only (TM is accepted and ignored).
/// </summary>
internal static class DateTimeFormat
{
    private static readonly string[] Patterns =
    [
        "A.D.", "A.M.", "AD", "AM", "B.C.", "BC", "CC", "DAY", "DDD", "DD", "DY", "Day", "Dy", "D", "FF1", "FF2", "FF3", "FF4", "FF5", "FF6",
        "HH24", "HH12", "HH", "IDDD", "ID", "IW", "IYYY", "IYY", "IY", "I", "J", "MI", "MM", "MONTH", "MON", "MS", "Month", "Mon",
        "OF", "P.M.", "PM", "Q", "RM", "SSSSS", "SSSS", "SS", "TZH", "TZM", "TZ", "US", "WW", "W", "Y,YYY", "YYYY", "YYY", "YY", "Y",
        "a.d.", "a.m.", "ad", "am", "b.c.", "bc", "cc", "day", "ddd", "dd", "dy", "d", "ff1", "ff2", "ff3", "ff4", "ff5", "ff6",
        "hh24", "hh12", "hh", "iddd", "id", "iw", "iyyy", "iyy", "iy", "i", "j", "mi", "mm", "month", "mon", "ms", "of", "p.m.", "pm",
        "q", "rm", "sssss", "ssss", "ss", "tzh", "tzm", "tz", "us", "ww", "w", "y,yyy", "yyyy", "yyy", "yy", "y",
    ];

    private static readonly string[] RomanMonths = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"];

    private enum PartKind : byte
    {
        Literal,
        Field,
    }

    private readonly record struct Part(PartKind Kind, string Text, bool FillMode, bool Ordinal, bool OrdinalUpper);

    private static List<Part> Tokenize(string format)
    {
        var parts = new List<Part>();
        int index = 0;
        while (index < format.Length)
        {
            bool fill = false;
            while (true)
            {
                if (string.CompareOrdinal(format, index, "FM", 0, 2) == 0 || string.CompareOrdinal(format, index, "fm", 0, 2) == 0)
                {
                    fill = true;
                    index += 2;
                }
                else if (string.CompareOrdinal(format, index, "TM", 0, 2) == 0 || string.CompareOrdinal(format, index, "tm", 0, 2) == 0
                    || string.CompareOrdinal(format, index, "FX", 0, 2) == 0 || string.CompareOrdinal(format, index, "fx", 0, 2) == 0)
                {
                    index += 2;
                }
                else
                {
                    break;
                }
            }
            if (index >= format.Length) break;
            string? pattern = Patterns.FirstOrDefault(candidate => string.CompareOrdinal(format, index, candidate, 0, candidate.Length) == 0);
            if (pattern is not null)
            {
                index += pattern.Length;
                bool ordinal = false, upper = false;
                if (string.CompareOrdinal(format, index, "TH", 0, 2) == 0 || string.CompareOrdinal(format, index, "th", 0, 2) == 0)
                {
                    ordinal = true;
                    upper = format[index] == 'T';
                    index += 2;
                }
                parts.Add(new Part(PartKind.Field, pattern, fill, ordinal, upper));
                continue;
            }
            char current = format[index];
            if (current == '"')
            {
                var literal = new StringBuilder();
                index++;
                while (index < format.Length && format[index] != '"')
                {
                    if (format[index] == '\\' && index + 1 < format.Length) index++;
                    literal.Append(format[index++]);
                }
                index++;
                parts.Add(new Part(PartKind.Literal, literal.ToString(), false, false, false));
                continue;
            }
            if (current == '\\' && index + 1 < format.Length && format[index + 1] == '"')
            {
                parts.Add(new Part(PartKind.Literal, "\"", false, false, false));
                index += 2;
                continue;
            }
            parts.Add(new Part(PartKind.Literal, current.ToString(), false, false, false));
            index++;
        }
        return parts;
    }

    /// <summary>to_char of a wall-clock time; <paramref name="instant"/> is the UTC value of a timestamptz (for TZ and OF), null for a timestamp.</summary>
    public static string? Format(DateTime local, string format, DateTime? instant, EvaluationContext context)
    {
        if (format.Length == 0) return null;
        var result = new StringBuilder();
        TimeZoneInfo zone = context.DateTimeSettings.TimeZone;
        foreach (Part part in Tokenize(format))
        {
            if (part.Kind == PartKind.Literal)
            {
                result.Append(part.Text);
                continue;
            }
            (string text, long? number) = FormatField(part, local, instant, zone);
            result.Append(text);
            if (part.Ordinal && number is { } value) result.Append(OrdinalSuffix(value, part.OrdinalUpper));
        }
        return result.ToString();
    }

    private static (string Text, long? Number) FormatField(Part part, DateTime local, DateTime? instant, TimeZoneInfo zone)
    {
        string pattern = part.Text;
        string upper = pattern.ToUpperInvariant();
        int hour12 = local.Hour % 12 == 0 ? 12 : local.Hour % 12;
        long microseconds = local.Ticks % TimeSpan.TicksPerSecond / 10;
        switch (upper)
        {
            case "YYYY": return Number(local.Year, 4, part);
            case "Y,YYY": return ($"{local.Year / 1000},{local.Year % 1000:D3}", local.Year);
            case "YYY": return Number(local.Year % 1000, 3, part);
            case "YY": return Number(local.Year % 100, 2, part);
            case "Y": return Number(local.Year % 10, 1, part);
            case "IYYY": return Number(ISOWeek.GetYear(local), 4, part);
            case "IYY": return Number(ISOWeek.GetYear(local) % 1000, 3, part);
            case "IY": return Number(ISOWeek.GetYear(local) % 100, 2, part);
            case "I": return Number(ISOWeek.GetYear(local) % 10, 1, part);
            case "MM": return Number(local.Month, 2, part);
            case "DD": return Number(local.Day, 2, part);
            case "DDD": return Number(local.DayOfYear, 3, part);
            case "IDDD": return Number((ISOWeek.GetWeekOfYear(local) - 1) * 7 + IsoDayOfWeek(local), 3, part);
            case "D": return Number((int)local.DayOfWeek + 1, 1, part);
            case "ID": return Number(IsoDayOfWeek(local), 1, part);
            case "IW": return Number(ISOWeek.GetWeekOfYear(local), 2, part);
            case "WW": return Number((local.DayOfYear - 1) / 7 + 1, 2, part);
            case "W": return Number((local.Day - 1) / 7 + 1, 1, part);
            case "Q": return Number((local.Month - 1) / 3 + 1, 1, part);
            case "CC": return Number((local.Year + 99) / 100, 2, part);
            case "J": return Number(DateOnly.FromDateTime(local).DayNumber - DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber + 2_440_588, 1, part);
            case "HH" or "HH12": return Number(hour12, 2, part);
            case "HH24": return Number(local.Hour, 2, part);
            case "MI": return Number(local.Minute, 2, part);
            case "SS": return Number(local.Second, 2, part);
            case "SSSS" or "SSSSS": return Number((long)local.TimeOfDay.TotalSeconds, 1, part);
            case "MS": return Number(microseconds / 1000, 3, part);
            case "US": return Number(microseconds, 6, part);
            case "FF1" or "FF2" or "FF3" or "FF4" or "FF5" or "FF6":
            {
                int digits = upper[2] - '0';
                long value = microseconds;
                for (int index = digits; index < 6; index++) value /= 10;
                return Number(value, digits, part);
            }
            case "AM" or "PM": return (Cased(local.Hour < 12 ? "AM" : "PM", pattern), null);
            case "A.M." or "P.M.": return (Cased(local.Hour < 12 ? "A.M." : "P.M.", pattern), null);
            case "AD" or "BC": return (Cased("AD", pattern), null);
            case "A.D." or "B.C.": return (Cased("A.D.", pattern), null);
            case "MONTH": return (Name(CultureInfo.InvariantCulture.DateTimeFormat.GetMonthName(local.Month), pattern, part.FillMode), null);
            case "MON": return (Cased(CultureInfo.InvariantCulture.DateTimeFormat.GetAbbreviatedMonthName(local.Month), pattern), null);
            case "DAY": return (Name(CultureInfo.InvariantCulture.DateTimeFormat.GetDayName(local.DayOfWeek), pattern, part.FillMode), null);
            case "DY": return (Cased(CultureInfo.InvariantCulture.DateTimeFormat.GetAbbreviatedDayName(local.DayOfWeek), pattern), null);
            case "RM":
            {
                string roman = RomanMonths[local.Month - 1];
                if (!part.FillMode) roman = roman.PadRight(4);
                return (pattern == "rm" ? roman.ToLowerInvariant() : roman, null);
            }
            case "TZ":
                if (instant is null) return ("", null);
                string abbreviation = ZoneAbbreviation(zone, instant.Value);
                return (pattern == "tz" ? abbreviation.ToLowerInvariant() : abbreviation, null);
            case "OF" or "TZH" or "TZM":
            {
                if (instant is null) return ("", null);
                TimeSpan offset = zone.GetUtcOffset(instant.Value);
                string sign = offset < TimeSpan.Zero ? "-" : "+";
                TimeSpan magnitude = offset.Duration();
                return upper switch
                {
                    "TZH" => (sign + magnitude.Hours.ToString("D2", CultureInfo.InvariantCulture), null),
                    "TZM" => (magnitude.Minutes.ToString("D2", CultureInfo.InvariantCulture), null),
                    _ => (sign + magnitude.Hours.ToString("D2", CultureInfo.InvariantCulture)
                        + (magnitude.Minutes != 0 ? ":" + magnitude.Minutes.ToString("D2", CultureInfo.InvariantCulture) : ""), null),
                };
            }
            default:
                throw new InvalidOperationException($"pattern {pattern}");
        }
    }

    private static int IsoDayOfWeek(DateTime value) => value.DayOfWeek == DayOfWeek.Sunday ? 7 : (int)value.DayOfWeek;

    private static (string, long?) Number(long value, int width, Part part) =>
        (part.FillMode ? value.ToString(CultureInfo.InvariantCulture) : value.ToString("D" + width, CultureInfo.InvariantCulture), value);

    /// <summary>"Month" capitalised, "MONTH" upper, "month" lower; padded to 9 characters unless FM.</summary>
    private static string Name(string name, string pattern, bool fillMode)
    {
        string cased = Cased(name, pattern);
        return fillMode ? cased : cased.PadRight(9);
    }

    private static string Cased(string text, string pattern)
    {
        if (pattern.All(character => !char.IsLetter(character) || char.IsUpper(character))) return text.ToUpperInvariant();
        if (char.IsUpper(pattern[0])) return char.ToUpperInvariant(text[0]) + text[1..].ToLowerInvariant();
        return text.ToLowerInvariant();
    }

    private static string OrdinalSuffix(long value, bool upper)
    {
        long lastTwo = Math.Abs(value) % 100;
        long last = Math.Abs(value) % 10;
        string suffix = lastTwo is >= 11 and <= 13 ? "th" : last switch { 1 => "st", 2 => "nd", 3 => "rd", _ => "th" };
        return upper ? suffix.ToUpperInvariant() : suffix;
    }

    /// <summary>The zone's abbreviation at the instant, as PostgreSQL prints TZ: its name for a fixed-offset zone
    /// (UTC), otherwise the offset ("+09") when the system database has no abbreviation to give .NET.</summary>
    private static string ZoneAbbreviation(TimeZoneInfo zone, DateTime instant)
    {
        if (zone == TimeZoneInfo.Utc || zone.Id is "UTC" or "Etc/UTC") return "UTC";
        string name = zone.IsDaylightSavingTime(instant) ? zone.DaylightName : zone.StandardName;
        if (name.Length is > 0 and <= 6 && name.All(char.IsAsciiLetterUpper)) return name;
        TimeSpan offset = zone.GetUtcOffset(instant);
        return (offset < TimeSpan.Zero ? "-" : "+") + offset.Duration().Hours.ToString("D2", CultureInfo.InvariantCulture)
            + (offset.Minutes != 0 ? offset.Duration().Minutes.ToString("D2", CultureInfo.InvariantCulture) : "");
    }

    /// <summary>to_date / to_timestamp: reads the text with the pattern; spaces and separators are matched loosely
    /// (as outside FX mode), numbers take up to their field's width, or what is there before a non-digit.</summary>
    public static DateTime Parse(string text, string format)
    {
        int year = 1, month = 1, day = 1, hour = 0, minute = 0, second = 0, dayOfYear = 0;
        long microseconds = 0;
        bool? afternoon = null;
        bool twelveHour = false;
        int position = 0;
        List<Part> parts = Tokenize(format);
        for (int partIndex = 0; partIndex < parts.Count; partIndex++)
        {
            Part part = parts[partIndex];
            // A field directly followed by another (YYYYMMDD) takes only its width; otherwise it reads on to a non-digit.
            bool open = partIndex + 1 >= parts.Count || parts[partIndex + 1].Kind == PartKind.Literal;
            if (part.Kind == PartKind.Literal)
            {
                foreach (char character in part.Text)
                {
                    if (position >= text.Length) break;
                    if (char.IsWhiteSpace(character))
                    {
                        while (position < text.Length && char.IsWhiteSpace(text[position])) position++;
                    }
                    else if (!char.IsLetterOrDigit(text[position]))
                    {
                        position++;
                    }
                }
                continue;
            }
            while (position < text.Length && char.IsWhiteSpace(text[position])) position++;
            string upper = part.Text.ToUpperInvariant();
            switch (upper)
            {
                case "YYYY" or "IYYY": year = ReadNumber(text, ref position, 4, part.Text, allowLonger: open); break;
                case "YYY" or "IYY": year = 2000 + ReadNumber(text, ref position, 3, part.Text); break;
                case "YY" or "IY":
                {
                    int value = ReadNumber(text, ref position, 2, part.Text);
                    year = value < 70 ? 2000 + value : 1900 + value;
                    break;
                }
                case "Y" or "I": year = 2000 + ReadNumber(text, ref position, 1, part.Text); break;
                case "MM": month = ReadNumber(text, ref position, 2, part.Text); break;
                case "DD": day = ReadNumber(text, ref position, 2, part.Text); break;
                case "DDD": dayOfYear = ReadNumber(text, ref position, 3, part.Text); break;
                case "HH" or "HH12":
                    hour = ReadNumber(text, ref position, 2, part.Text);
                    twelveHour = true;
                    break;
                case "HH24": hour = ReadNumber(text, ref position, 2, part.Text); break;
                case "MI": minute = ReadNumber(text, ref position, 2, part.Text); break;
                case "SS": second = ReadNumber(text, ref position, 2, part.Text); break;
                case "MS": microseconds = ReadFraction(text, ref position, 3, part.Text) * 1000; break;
                case "US": microseconds = ReadFraction(text, ref position, 6, part.Text); break;
                case "AM" or "PM" or "A.M." or "P.M.":
                {
                    string word = text[position..Math.Min(text.Length, position + upper.Length)].ToUpperInvariant();
                    if (word.Replace(".", "", StringComparison.Ordinal) is not ("AM" or "PM")) throw InvalidValue(word, part.Text);
                    afternoon = word.StartsWith('P');
                    position += upper.Length;
                    break;
                }
                case "MON" or "MONTH":
                    month = ReadName(text, ref position, part.Text, CultureInfo.InvariantCulture.DateTimeFormat.MonthNames.Take(12).ToArray(),
                        CultureInfo.InvariantCulture.DateTimeFormat.AbbreviatedMonthNames.Take(12).ToArray()) + 1;
                    break;
                case "DAY" or "DY":
                    ReadName(text, ref position, part.Text, CultureInfo.InvariantCulture.DateTimeFormat.DayNames,
                        CultureInfo.InvariantCulture.DateTimeFormat.AbbreviatedDayNames);
                    break;
                case "J":
                {
                    int julian = ReadNumber(text, ref position, 7, part.Text, allowLonger: open);
                    DateOnly date = DateOnly.FromDayNumber(julian - 2_440_588 + DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber);
                    (year, month, day) = (date.Year, date.Month, date.Day);
                    break;
                }
                default:
                    ReadNumber(text, ref position, 2, part.Text);
                    break;
            }
        }
        if (twelveHour)
        {
            if (hour < 1 || hour > 12)
            {
                throw new SqlException(EngineSqlState.InvalidDatetimeFormat, $"hour \"{hour}\" is invalid for the 12-hour clock",
                    hint: "Use the 24-hour clock, or give an hour between 1 and 12.");
            }
            if (afternoon == true && hour < 12) hour += 12;
            else if (afternoon != true && hour == 12) hour = 0;
        }
        if (year <= 0 || year > 9999 || month < 1 || month > 12 || day < 1 || day > DateTime.DaysInMonth(year, month)
            || hour > 24 || minute > 59 || second > 60)
        {
            throw new SqlException(EngineSqlState.DatetimeFieldOverflow, $"date/time field value out of range: \"{text}\"");
        }
        DateTime result = new DateTime(year, month, day);
        if (dayOfYear > 0) result = new DateTime(year, 1, 1).AddDays(dayOfYear - 1);
        return result.AddHours(hour).AddMinutes(minute).AddSeconds(second).AddTicks(microseconds * 10);
    }

    private static int ReadNumber(string text, ref int position, int width, string pattern, bool allowLonger = false)
    {
        int start = position;
        if (position < text.Length && text[position] is '-' or '+') position++;
        while (position < text.Length && char.IsAsciiDigit(text[position]) && (allowLonger || position - start < width)) position++;
        string digits = text[start..position];
        if (digits.Length == 0 || !int.TryParse(digits, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int value))
        {
            string shown = text[start..Math.Min(text.Length, start + Math.Max(width, 1))];
            throw InvalidValue(shown, pattern);
        }
        return value;
    }

    private static long ReadFraction(string text, ref int position, int width, string pattern)
    {
        int start = position;
        while (position < text.Length && char.IsAsciiDigit(text[position]) && position - start < width) position++;
        if (position == start) throw InvalidValue(text[start..Math.Min(text.Length, start + width)], pattern);
        string digits = text[start..position].PadRight(width, '0');
        return long.Parse(digits, CultureInfo.InvariantCulture);
    }

    private static int ReadName(string text, ref int position, string pattern, string[] full, string[] abbreviated)
    {
        for (int index = 0; index < full.Length; index++)
        {
            if (string.Compare(text, position, full[index], 0, full[index].Length, StringComparison.OrdinalIgnoreCase) == 0 && full[index].Length > 0)
            {
                position += full[index].Length;
                return index;
            }
        }
        for (int index = 0; index < abbreviated.Length; index++)
        {
            if (string.Compare(text, position, abbreviated[index], 0, abbreviated[index].Length, StringComparison.OrdinalIgnoreCase) == 0 && abbreviated[index].Length > 0)
            {
                position += abbreviated[index].Length;
                return index;
            }
        }
        throw new SqlException(EngineSqlState.InvalidDatetimeFormat, $"invalid value \"{text[position..Math.Min(text.Length, position + 3)]}\" for \"{pattern}\"",
            detail: "The given value did not match any of the allowed values for this field.");
    }

    private static SqlException InvalidValue(string value, string pattern) =>
        new(EngineSqlState.InvalidDatetimeFormat, $"invalid value \"{value}\" for \"{pattern}\"", detail: "Value must be an integer.");
}
