using System.Text;

namespace Log.QueryNode.Sql.Types;

/// <summary>
/// JSON numbers as jsonb keeps them: numeric's text, exact at any size (jsonb holds numerics, so 1.000000000000000000001
/// survives, which C#'s decimal and double would not). Ordering and hashing work on the digits.
/// </summary>
internal static class JsonNumber
{
    /// <summary>numeric_in then numeric_out of a JSON number (already checked by the JSON grammar): an exponent is
    /// applied ("1e3" is 1000, "1.50e1" is 15.0: numeric keeps max(0, fraction digits - exponent) digits), "-0" is 0.</summary>
    public static string Normalise(string raw)
    {
        int exponentAt = raw.IndexOfAny(['e', 'E']);
        if (exponentAt < 0 && !raw.StartsWith("-0", StringComparison.Ordinal)) return raw;
        bool negative = raw[0] == '-';
        string mantissa = exponentAt < 0 ? raw[(negative ? 1 : 0)..] : raw[(negative ? 1 : 0)..exponentAt];
        long exponent = exponentAt < 0 ? 0 : long.Parse(raw[(exponentAt + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        int point = mantissa.IndexOf('.');
        string integerDigits = point < 0 ? mantissa : mantissa[..point];
        string fractionDigits = point < 0 ? "" : mantissa[(point + 1)..];
        string digits = integerDigits + fractionDigits;
        long scale = Math.Max(0, fractionDigits.Length - exponent);
        // The decimal point sits integerDigits.Length + exponent digits into the digit string.
        long pointPosition = integerDigits.Length + exponent;
        var builder = new StringBuilder();
        if (pointPosition <= 0)
        {
            builder.Append('0');
            if (scale > 0) builder.Append('.').Append('0', (int)Math.Min(-pointPosition, scale));
            string rest = digits;
            builder.Append(rest.AsSpan(0, (int)Math.Min(rest.Length, Math.Max(0, scale + pointPosition))));
        }
        else
        {
            string whole = pointPosition >= digits.Length ? digits + new string('0', (int)(pointPosition - digits.Length)) : digits[..(int)pointPosition];
            whole = whole.TrimStart('0');
            builder.Append(whole.Length == 0 ? "0" : whole);
            if (scale > 0)
            {
                string fraction = pointPosition >= digits.Length ? "" : digits[(int)pointPosition..];
                builder.Append('.').Append(fraction.PadRight((int)scale, '0').AsSpan(0, (int)scale));
            }
        }
        string text = builder.ToString();
        bool zero = text.All(character => character is '0' or '.');
        return negative && !zero ? "-" + text : text;
    }

    /// <summary>The value without sign-of-zero, leading or trailing zeros: equal numbers give equal text.</summary>
    public static string Canonical(string numeric)
    {
        (bool negative, string integer, string fraction) = Split(numeric);
        if (integer.Length == 0 && fraction.Length == 0) return "0";
        return (negative ? "-" : "") + integer + (fraction.Length > 0 ? "." + fraction : "");
    }

    public static int Compare(string left, string right)
    {
        (bool leftNegative, string leftInteger, string leftFraction) = Split(left);
        (bool rightNegative, string rightInteger, string rightFraction) = Split(right);
        bool leftZero = leftInteger.Length == 0 && leftFraction.Length == 0;
        bool rightZero = rightInteger.Length == 0 && rightFraction.Length == 0;
        int leftSign = leftZero ? 0 : leftNegative ? -1 : 1;
        int rightSign = rightZero ? 0 : rightNegative ? -1 : 1;
        if (leftSign != rightSign) return leftSign.CompareTo(rightSign);
        int magnitude = leftInteger.Length != rightInteger.Length
            ? leftInteger.Length.CompareTo(rightInteger.Length)
            : string.CompareOrdinal(leftInteger, rightInteger);
        if (magnitude == 0) magnitude = string.CompareOrdinal(leftFraction, rightFraction);
        return Math.Sign(magnitude) * (leftSign < 0 ? -1 : 1);
    }

    /// <summary>Sign, integer digits without leading zeros, fraction digits without trailing zeros.</summary>
    private static (bool Negative, string Integer, string Fraction) Split(string numeric)
    {
        bool negative = numeric.StartsWith('-');
        string body = negative ? numeric[1..] : numeric;
        int point = body.IndexOf('.');
        string integer = (point < 0 ? body : body[..point]).TrimStart('0');
        string fraction = point < 0 ? "" : body[(point + 1)..].TrimEnd('0');
        return (negative, integer, fraction);
    }
}
