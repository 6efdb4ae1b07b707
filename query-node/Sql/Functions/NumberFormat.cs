using System.Globalization;
using System.Text;

namespace Log.QueryNode.Sql.Functions;

/// <summary>
/// to_char for numbers (PostgreSQL's NUM_ patterns, the common ones): 9 (a digit, blank when it is a leading zero),
/// 0 (a digit, zero-padded from there on), . or D (the decimal point), , or G (a group separator, blank among leading
/// blanks), S, SG, PL, MI and PR (sign placement), TH (ordinal suffix), FM (no padding, no trailing zeros). A number too wide for the
/// pattern prints as #s, as in PostgreSQL.
/// </summary>
internal static class NumberFormat
{
    public static string? FormatFloat(double value, string format)
    {
        if (double.IsNaN(value) || double.IsInfinity(value))
        {
            return Format(0m, format, MidpointRounding.ToEven, overflow: true);
        }
        decimal number;
        try
        {
            number = decimal.Parse(value.ToString("R", CultureInfo.InvariantCulture), NumberStyles.Float, CultureInfo.InvariantCulture);
        }
        catch (OverflowException)
        {
            return Format(0m, format, MidpointRounding.ToEven, overflow: true);
        }
        return Format(number, format, MidpointRounding.ToEven);
    }

    /// <summary>to_char(numeric): a value beyond decimal's 28 digits is wider than any pattern here, so it prints as #s.</summary>
    public static string? Format(Log.Wire.Types.PgNumeric value, string format, MidpointRounding rounding) =>
        value.ToDecimal() is decimal number
            ? Format(number, format, rounding)
            : Format(0m, format, rounding, overflow: true);

    public static string? Format(decimal value, string format, MidpointRounding rounding, bool overflow = false)
    {
        if (format.Length == 0) return null;
        bool fillMode = false, signAnywhere = false, explicitSign = false, minusSuffix = false, plusLeading = false, angle = false;
        int integerDigits = 0, fractionDigits = 0, zeroStart = -1;
        bool seenPoint = false;
        var layout = new List<char>();
        string upper = format.ToUpperInvariant();
        for (int index = 0; index < format.Length; index++)
        {
            char current = upper[index];
            if (upper.AsSpan(index).StartsWith("FM")) { fillMode = true; index++; continue; }
            if (upper.AsSpan(index).StartsWith("SG")) { signAnywhere = true; layout.Add('S'); index++; continue; }
            if (upper.AsSpan(index).StartsWith("PL")) { plusLeading = true; layout.Add('P'); index++; continue; }
            if (upper.AsSpan(index).StartsWith("MI")) { minusSuffix = true; layout.Add('M'); index++; continue; }
            if (upper.AsSpan(index).StartsWith("PR")) { angle = true; index++; continue; }
            if (upper.AsSpan(index).StartsWith("TH")) { layout.Add(format[index] == 't' ? 'h' : 'H'); index++; continue; }
            switch (current)
            {
                case '9' or '0':
                    if (seenPoint) fractionDigits++;
                    else
                    {
                        if (current == '0' && zeroStart < 0) zeroStart = integerDigits;
                        integerDigits++;
                    }
                    layout.Add(seenPoint ? (current == '0' ? 'z' : 'f') : 'd');
                    break;
                case '.' or 'D':
                    seenPoint = true;
                    layout.Add('.');
                    break;
                case ',' or 'G':
                    layout.Add(',');
                    break;
                case 'S':
                    explicitSign = true;
                    layout.Add('s');
                    break;
                default:
                    layout.Add('\u0001');
                    layout.Add(format[index]);
                    break;
            }
        }
        bool negative = value < 0;
        decimal rounded = Math.Round(Math.Abs(value), Math.Min(fractionDigits, 28), rounding);
        string digits = rounded.ToString("F" + Math.Min(fractionDigits, 28), CultureInfo.InvariantCulture);
        string integerPart = digits.Split('.')[0].TrimStart('0');
        string fractionPart = fractionDigits > 0 ? digits.Split('.')[1] : "";
        if (rounded == 0) negative = negative && false;
        bool tooWide = overflow || integerPart.Length > integerDigits;
        if (integerPart.Length == 0 && !seenPoint && integerDigits > 0) integerPart = "0";

        var body = new StringBuilder();
        int integerPosition = 0;
        bool started = false;
        bool signPlaced = false;
        string signText = negative ? "-" : (explicitSign || plusLeading ? "+" : " ");
        int firstDigitPosition = integerDigits - integerPart.Length;
        if (zeroStart >= 0 && zeroStart < firstDigitPosition) firstDigitPosition = zeroStart;
        bool implicitSign = !explicitSign && !signAnywhere && !minusSuffix && !plusLeading && !angle;
        for (int index = 0; index < layout.Count; index++)
        {
            char slot = layout[index];
            switch (slot)
            {
                case 'd':
                {
                    if (tooWide)
                    {
                        body.Append('#');
                    }
                    else if (integerPosition < firstDigitPosition)
                    {
                        if (!fillMode) body.Append(' ');
                    }
                    else
                    {
                        if (!started && implicitSign && !signPlaced)
                        {
                            AppendSign(body, negative ? "-" : " ", fillMode && !negative);
                            signPlaced = true;
                        }
                        if (!started && explicitSign && !signPlaced && layout.IndexOf('s') < index)
                        {
                            body.Append(signText);
                            signPlaced = true;
                        }
                        started = true;
                        int digitIndex = integerPosition - (integerDigits - integerPart.Length);
                        body.Append(digitIndex >= 0 ? integerPart[digitIndex] : '0');
                    }
                    integerPosition++;
                    break;
                }
                case '.':
                    if (!started && implicitSign && !signPlaced)
                    {
                        AppendSign(body, negative ? "-" : " ", fillMode && !negative);
                        signPlaced = true;
                    }
                    if (!started && explicitSign && !signPlaced && layout.IndexOf('s') < index)
                    {
                        body.Append(signText);
                        signPlaced = true;
                    }
                    started = true;
                    if (fractionDigits > 0) body.Append(tooWide ? '#' : '.');
                    break;
                case 'f' or 'z':
                    body.Append(tooWide ? '#' : fractionPart[CountBefore(layout, index, 'f', 'z')]);
                    break;
                case ',':
                    if (started) body.Append(tooWide ? '#' : ',');
                    else if (!fillMode) body.Append(' ');
                    break;
                case 's':
                    if (signPlaced) break;
                    if (!started && layout.IndexOf('d') > index && layout.Skip(index).Contains('d'))
                    {
                        // S before the digits: placed right before the first digit (handled there).
                        break;
                    }
                    body.Append(signText);
                    signPlaced = true;
                    break;
                case 'S':
                    body.Append(negative ? '-' : '+');
                    break;
                case 'P':
                    body.Append(negative ? ' ' : '+');
                    break;
                case 'M':
                    body.Append(negative ? '-' : (fillMode ? "" : " "));
                    break;
                case 'h' or 'H':
                {
                    // The ordinal suffix of the integer part (1st, 2nd, 3rd, 11th ...).
                    long whole = (long)decimal.Truncate(rounded % 1000);
                    string suffix = (whole % 100) is >= 11 and <= 13 ? "th" : (whole % 10) switch { 1 => "st", 2 => "nd", 3 => "rd", _ => "th" };
                    if (!tooWide) body.Append(slot == 'H' ? suffix.ToUpperInvariant() : suffix);
                    break;
                }
                case '\u0001':
                    body.Append(layout[++index]);
                    break;
            }
        }
        if (!signPlaced && implicitSign) body.Insert(0, negative ? "-" : (fillMode ? "" : " "));
        if (!signPlaced && explicitSign) body.Insert(0, signText);
        string text = body.ToString();
        if (fillMode)
        {
            // FM drops the trailing zeros of 9 positions (0 positions keep theirs).
            int end = text.Length;
            int lastZeroSlot = layout.LastIndexOf('z');
            if (seenPoint && lastZeroSlot < 0 && !tooWide)
            {
                int point = text.LastIndexOf('.');
                if (point >= 0)
                {
                    while (end > point + 1 && text[end - 1] == '0') end--;
                }
            }
            text = text[..end];
        }
        if (angle)
        {
            // The brackets hug the number; the padding stays outside them.
            string digitsOnly = text.TrimStart(' ');
            string padding = text[..(text.Length - digitsOnly.Length)];
            text = negative ? padding + "<" + digitsOnly + ">" : (fillMode ? text : " " + text + " ");
        }
        return text;
    }

    private static void AppendSign(StringBuilder body, string sign, bool omit)
    {
        if (!omit) body.Append(sign);
    }

    private static int CountBefore(List<char> layout, int index, char first, char second)
    {
        int count = 0;
        for (int position = 0; position < index; position++)
        {
            if (layout[position] == first || layout[position] == second) count++;
        }
        return count;
    }
}
