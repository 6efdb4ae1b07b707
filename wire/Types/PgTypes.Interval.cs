using System.Globalization;
using System.Text;

namespace Log.Wire.Types;

public static partial class PgTypes
{
    private static PgInterval ToInterval(object value) => value switch
    {
        PgInterval interval => interval,
        TimeSpan span => PgInterval.FromTimeSpan(span),
        string s => ParseInterval(s),
        _ => throw new ArgumentException($"an interval value must be a PgInterval, not {value.GetType().Name}", nameof(value)),
    };

    /// <summary>IntervalStyle postgres: "1 year 2 mons -3 days +04:05:06.5", as PostgreSQL's EncodeInterval writes it.</summary>
    private static string FormatInterval(PgInterval interval)
    {
        var builder = new StringBuilder(32);
        bool isZero = true;
        bool isBefore = false;
        int years = interval.Months / 12;
        int months = interval.Months % 12;
        AppendIntervalPart(builder, years, "year", ref isZero, ref isBefore);
        AppendIntervalPart(builder, months, "mon", ref isZero, ref isBefore);
        AppendIntervalPart(builder, interval.Days, "day", ref isZero, ref isBefore);
        long time = interval.Microseconds;
        if (isZero || time != 0)
        {
            bool minus = time < 0;
            // long.MinValue cannot be negated; its magnitude fits in an unsigned long.
            ulong magnitude = minus ? unchecked((ulong)-(time + 1)) + 1 : (ulong)time;
            ulong hours = magnitude / (3600UL * MicrosecondsPerSecond);
            ulong rest = magnitude % (3600UL * MicrosecondsPerSecond);
            if (!isZero)
            {
                builder.Append(' ');
            }
            builder.Append(minus ? "-" : isBefore ? "+" : "");
            builder.Append(hours.ToString("D2", Invariant)).Append(':');
            AppendMinutesAndSeconds(builder, (long)rest);
        }
        return builder.ToString();
    }

    private static void AppendIntervalPart(StringBuilder builder, int value, string units, ref bool isZero, ref bool isBefore)
    {
        if (value == 0)
        {
            return;
        }
        if (!isZero)
        {
            builder.Append(' ');
        }
        if (isBefore && value > 0)
        {
            builder.Append('+');
        }
        builder.Append(value.ToString(Invariant)).Append(' ').Append(units);
        if (value != 1)
        {
            builder.Append('s');
        }
        isBefore = value < 0;
        isZero = false;
    }

    /// <summary>
    /// interval_in for the forms drivers and people write: "[@] n unit [n unit ...] [[+-]hh:mm[:ss[.f]]] [ago]"
    /// with PostgreSQL's unit names and abbreviations, and ISO 8601 "P1Y2M3DT4H5M6S".
    /// </summary>
    private static PgInterval ParseInterval(string text)
    {
        string trimmed = text.Trim();
        if (trimmed.StartsWith('P') || trimmed.StartsWith('p'))
        {
            return ParseIsoInterval(trimmed, text);
        }
        string[] tokens = trimmed.Replace(",", " ", StringComparison.Ordinal).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        long months = 0;
        long days = 0;
        decimal microseconds = 0;
        bool any = false;
        bool ago = false;
        int last = tokens.Length - 1;
        if (last >= 0 && tokens[last].Equals("ago", StringComparison.OrdinalIgnoreCase))
        {
            ago = true;
            last--;
        }
        for (int i = tokens.Length > 0 && tokens[0] == "@" ? 1 : 0; i <= last; i++)
        {
            string token = tokens[i];
            any = true;
            if (token.Contains(':', StringComparison.Ordinal))
            {
                microseconds += ParseIntervalTime(token, text);
                continue;
            }
            if (TryParseYearMonth(token, out long yearMonths))
            {
                // SQL standard "years-months": the sign covers both fields.
                months += yearMonths;
                continue;
            }
            if (!decimal.TryParse(token, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, Invariant, out decimal number))
            {
                // A number glued to its unit, as in "3days" or "10s".
                int split = 0;
                while (split < token.Length && (char.IsAsciiDigit(token[split]) || token[split] is '.' or '-' or '+'))
                {
                    split++;
                }
                if (split == 0 || !decimal.TryParse(token[..split], NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, Invariant, out number))
                {
                    throw InvalidInterval(text);
                }
                AddIntervalUnit(number, token[split..], ref months, ref days, ref microseconds, text);
                continue;
            }
            string? next = i < last ? tokens[i + 1] : null;
            if (next is null)
            {
                // A bare number at the end counts seconds ("1 hour 30" is 01:00:30).
                AddIntervalUnit(number, "second", ref months, ref days, ref microseconds, text);
            }
            else if (next.Contains(':', StringComparison.Ordinal))
            {
                // "3 4:05:06": a bare number before a time counts days.
                AddIntervalUnit(number, "day", ref months, ref days, ref microseconds, text);
            }
            else
            {
                i++;
                AddIntervalUnit(number, next, ref months, ref days, ref microseconds, text);
            }
        }
        if (!any)
        {
            throw InvalidInterval(text);
        }
        if (ago)
        {
            months = -months;
            days = -days;
            microseconds = -microseconds;
        }
        return MakeInterval(months, days, microseconds, text);
    }

    private static PgInterval MakeInterval(long months, long days, decimal microseconds, string text)
    {
        decimal rounded = Math.Round(microseconds, MidpointRounding.AwayFromZero);
        if (months is < int.MinValue or > int.MaxValue || days is < int.MinValue or > int.MaxValue || rounded < long.MinValue || rounded > long.MaxValue)
        {
            throw new PgException(PgError.Error(IntervalFieldOverflow, $"interval field value out of range: \"{text}\""));
        }
        return new PgInterval((int)months, (int)days, (long)rounded);
    }

    /// <summary>"1-2" (one year two months) or "-1-2"; the result in months.</summary>
    private static bool TryParseYearMonth(string token, out long months)
    {
        months = 0;
        int dash = token.IndexOf('-', 1);
        if (dash < 0
            || !long.TryParse(token.AsSpan(0, dash), NumberStyles.AllowLeadingSign, Invariant, out long years)
            || !long.TryParse(token.AsSpan(dash + 1), NumberStyles.None, Invariant, out long rest)
            || years is > int.MaxValue or < int.MinValue || rest > 11)
        {
            return false;
        }
        bool negative = token[0] == '-';
        months = years * 12 + (negative ? -rest : rest);
        return true;
    }

    private static PgException InvalidInterval(string text) =>
        new(PgError.Error(InvalidDatetimeFormat, $"invalid input syntax for type interval: \"{text}\""));

    private static decimal ParseIntervalTime(string token, string text)
    {
        bool negative = token.StartsWith('-');
        string[] parts = token.TrimStart('+', '-').Split(':');
        if (parts.Length is < 2 or > 3
            || !long.TryParse(parts[0], NumberStyles.None, Invariant, out long hours)
            || !long.TryParse(parts[1], NumberStyles.None, Invariant, out long minutes)
            || minutes > 59)
        {
            throw InvalidInterval(text);
        }
        decimal seconds = 0;
        if (parts.Length == 3 && (!decimal.TryParse(parts[2], NumberStyles.AllowDecimalPoint, Invariant, out seconds) || seconds >= 60))
        {
            throw InvalidInterval(text);
        }
        decimal total = (hours * 3600 + minutes * 60) * MicrosecondsPerSecond + seconds * MicrosecondsPerSecond;
        return negative ? -total : total;
    }

    private static void AddIntervalUnit(decimal number, string unit, ref long months, ref long days, ref decimal microseconds, string text)
    {
        // Fractions cascade down as PostgreSQL does: 1.5 months = 1 month 15 days, 1.5 days = 1 day 12 hours.
        switch (unit.ToLowerInvariant())
        {
            case "millennium" or "millennia" or "millenniums" or "mil" or "mils":
                AddMonths(number * 12000, ref months, ref days, ref microseconds);
                break;
            case "century" or "centuries" or "c" or "cent":
                AddMonths(number * 1200, ref months, ref days, ref microseconds);
                break;
            case "decade" or "decades" or "dec" or "decs":
                AddMonths(number * 120, ref months, ref days, ref microseconds);
                break;
            case "year" or "years" or "y" or "yr" or "yrs":
                AddMonths(number * 12, ref months, ref days, ref microseconds);
                break;
            case "month" or "months" or "mon" or "mons":
                AddMonths(number, ref months, ref days, ref microseconds);
                break;
            case "week" or "weeks" or "w":
                AddDays(number * 7, ref days, ref microseconds);
                break;
            case "day" or "days" or "d":
                AddDays(number, ref days, ref microseconds);
                break;
            case "hour" or "hours" or "h" or "hr" or "hrs":
                microseconds += number * 3600 * MicrosecondsPerSecond;
                break;
            case "minute" or "minutes" or "m" or "min" or "mins":
                microseconds += number * 60 * MicrosecondsPerSecond;
                break;
            case "second" or "seconds" or "s" or "sec" or "secs":
                microseconds += number * MicrosecondsPerSecond;
                break;
            case "millisecond" or "milliseconds" or "ms" or "msec" or "msecs":
                microseconds += number * 1000;
                break;
            case "microsecond" or "microseconds" or "us" or "usec" or "usecs":
                microseconds += number;
                break;
            default:
                throw InvalidInterval(text);
        }
    }

    private static void AddMonths(decimal number, ref long months, ref long days, ref decimal microseconds)
    {
        decimal whole = decimal.Truncate(number);
        months += (long)whole;
        AddDays((number - whole) * 30, ref days, ref microseconds);
    }

    private static void AddDays(decimal number, ref long days, ref decimal microseconds)
    {
        decimal whole = decimal.Truncate(number);
        days += (long)whole;
        microseconds += (number - whole) * MicrosecondsPerDay;
    }

    private static PgInterval ParseIsoInterval(string trimmed, string text)
    {
        long months = 0;
        long days = 0;
        decimal microseconds = 0;
        bool inTime = false;
        int position = 1;
        bool any = false;
        while (position < trimmed.Length)
        {
            if (trimmed[position] is 'T' or 't')
            {
                inTime = true;
                position++;
                continue;
            }
            int start = position;
            while (position < trimmed.Length && (char.IsAsciiDigit(trimmed[position]) || trimmed[position] is '.' or '-' or '+'))
            {
                position++;
            }
            if (position == start || position == trimmed.Length
                || !decimal.TryParse(trimmed.AsSpan(start, position - start), NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, Invariant, out decimal number))
            {
                throw InvalidInterval(text);
            }
            char designator = char.ToUpperInvariant(trimmed[position++]);
            string unit = (designator, inTime) switch
            {
                ('Y', false) => "year",
                ('M', false) => "month",
                ('W', false) => "week",
                ('D', false) => "day",
                ('H', true) => "hour",
                ('M', true) => "minute",
                ('S', true) => "second",
                _ => throw InvalidInterval(text),
            };
            AddIntervalUnit(number, unit, ref months, ref days, ref microseconds, text);
            any = true;
        }
        if (!any)
        {
            throw InvalidInterval(text);
        }
        return MakeInterval(months, days, microseconds, text);
    }
}
