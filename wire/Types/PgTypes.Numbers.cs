using System.Buffers;
using System.Globalization;
using System.Numerics;
using System.Text;

namespace Log.Wire.Types;

public static partial class PgTypes
{
    /// <summary>boolin: t/true/yes/on/1 and f/false/no/off/0, any case, any unique prefix, spaces around.</summary>
    private static bool ParseBool(string text)
    {
        string trimmed = text.Trim().ToLowerInvariant();
        if (trimmed.Length > 0)
        {
            if ("true".StartsWith(trimmed, StringComparison.Ordinal) || "yes".StartsWith(trimmed, StringComparison.Ordinal) || trimmed is "on" or "1")
            {
                return true;
            }
            if ("false".StartsWith(trimmed, StringComparison.Ordinal) || "no".StartsWith(trimmed, StringComparison.Ordinal) || trimmed is "off" or "of" or "0")
            {
                return false;
            }
        }
        throw InvalidSyntax(PgTypeOid.Bool, text);
    }

    /// <summary>int2in, int4in, int8in: optional spaces, sign, decimal digits.</summary>
    private static long ParseInteger(string text, long minimum, long maximum, int typeOid)
    {
        ReadOnlySpan<char> span = text.AsSpan().Trim();
        bool negative = false;
        int position = 0;
        if (span.Length > 0 && span[0] is '+' or '-')
        {
            negative = span[0] == '-';
            position = 1;
        }
        if (position == span.Length)
        {
            throw InvalidSyntax(typeOid, text);
        }
        // Accumulate negatively so that long.MinValue parses.
        long value = 0;
        bool overflow = false;
        for (; position < span.Length; position++)
        {
            char c = span[position];
            if (c is < '0' or > '9')
            {
                throw InvalidSyntax(typeOid, text);
            }
            if (!overflow)
            {
                int digit = c - '0';
                if (value < (long.MinValue + digit) / 10)
                {
                    overflow = true;
                }
                else
                {
                    value = value * 10 - digit;
                }
            }
        }
        if (!negative)
        {
            if (value == long.MinValue)
            {
                overflow = true;
            }
            value = -value;
        }
        if (overflow || value < minimum || value > maximum)
        {
            throw OutOfRange(typeOid, text);
        }
        return value;
    }

    private static uint ParseOid(string text)
    {
        // oidin accepts what strtoul accepts, including negative values that wrap (as -1 → 4294967295).
        long value = ParseInteger(text, int.MinValue, uint.MaxValue, PgTypeOid.Oid);
        return unchecked((uint)value);
    }

    /// <summary>float4in, float8in: decimal or exponent notation, NaN, Infinity, inf, with a sign and spaces around.</summary>
    private static double ParseFloat(string text, int typeOid)
    {
        string trimmed = text.Trim();
        string unsigned = trimmed.TrimStart('+', '-');
        bool negative = trimmed.StartsWith('-');
        if (unsigned.Equals("nan", StringComparison.OrdinalIgnoreCase) && unsigned.Length == trimmed.Length)
        {
            return double.NaN;
        }
        if ((unsigned.Equals("infinity", StringComparison.OrdinalIgnoreCase) || unsigned.Equals("inf", StringComparison.OrdinalIgnoreCase))
            && trimmed.Length - unsigned.Length <= 1)
        {
            return negative ? double.NegativeInfinity : double.PositiveInfinity;
        }
        if (trimmed.Length == 0 || unsigned.Length == 0 || !char.IsAsciiDigit(unsigned[0]) && unsigned[0] != '.'
            || !double.TryParse(trimmed, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, Invariant, out double value))
        {
            throw InvalidSyntax(typeOid, text);
        }
        bool outOfRange = typeOid == PgTypeOid.Float4
            ? float.IsInfinity((float)value) || (value != 0 && (float)value == 0)
            : double.IsInfinity(value) || (value == 0 && HasNonZeroDigit(unsigned));
        if (outOfRange)
        {
            throw new PgException(PgError.Error(NumericValueOutOfRange, $"\"{text}\" is out of range for type {GetTypeName(typeOid)}"));
        }
        return value;
    }

    private static bool HasNonZeroDigit(string number)
    {
        foreach (char c in number)
        {
            if (c is 'e' or 'E')
            {
                return false;
            }
            if (c is >= '1' and <= '9')
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>float4out.</summary>
    public static string FormatFloat4(float value, int extraFloatDigits = 1)
    {
        if (float.IsNaN(value) || float.IsInfinity(value) || value == 0)
        {
            return FormatSpecialFloat(value);
        }
        string digits = extraFloatDigits > 0
            ? value.ToString("R", Invariant)
            : value.ToString("E" + (Math.Max(1, 6 + extraFloatDigits) - 1).ToString(Invariant), Invariant);
        return LayOutFloat(digits, 6);
    }

    /// <summary>float8out.</summary>
    public static string FormatFloat8(double value, int extraFloatDigits = 1)
    {
        if (double.IsNaN(value) || double.IsInfinity(value) || value == 0)
        {
            return FormatSpecialFloat(value);
        }
        string digits = extraFloatDigits > 0
            ? value.ToString("R", Invariant)
            : value.ToString("E" + (Math.Max(1, 15 + extraFloatDigits) - 1).ToString(Invariant), Invariant);
        return LayOutFloat(digits, 15);
    }

    private static string FormatSpecialFloat(double value) =>
        double.IsNaN(value) ? "NaN"
        : double.IsPositiveInfinity(value) ? "Infinity"
        : double.IsNegativeInfinity(value) ? "-Infinity"
        : double.IsNegative(value) ? "-0" : "0";

    /// <summary>
    /// Lays out .NET's digits ("R" or "E" output) as PostgreSQL does: fixed point when the decimal
    /// exponent is in [-4, precision), else d.ddde±XX with at least two exponent digits.
    /// </summary>
    private static string LayOutFloat(string formatted, int precision)
    {
        bool negative = formatted[0] == '-';
        int start = negative ? 1 : 0;
        int exponentIndex = formatted.IndexOfAny(['E', 'e']);
        string mantissa = exponentIndex < 0 ? formatted[start..] : formatted[start..exponentIndex];
        int exponentPart = exponentIndex < 0 ? 0 : int.Parse(formatted.AsSpan(exponentIndex + 1), NumberStyles.AllowLeadingSign, Invariant);
        int pointIndex = mantissa.IndexOf('.');
        string integerDigits = pointIndex < 0 ? mantissa : mantissa[..pointIndex];
        string allDigits = pointIndex < 0 ? mantissa : integerDigits + mantissa[(pointIndex + 1)..];
        string digits = allDigits.TrimStart('0');
        int leadingZeros = allDigits.Length - digits.Length;
        digits = digits.TrimEnd('0');
        if (digits.Length == 0)
        {
            digits = "0";
        }
        // The value is 0.d1d2d3... * 10^decimalExponent.
        int decimalExponent = integerDigits.Length - leadingZeros + exponentPart;
        int scientificExponent = decimalExponent - 1;

        var builder = new StringBuilder(32);
        if (negative)
        {
            builder.Append('-');
        }
        if (scientificExponent < -4 || scientificExponent >= precision)
        {
            builder.Append(digits[0]);
            if (digits.Length > 1)
            {
                builder.Append('.').Append(digits, 1, digits.Length - 1);
            }
            builder.Append('e').Append(scientificExponent < 0 ? '-' : '+');
            int absoluteExponent = Math.Abs(scientificExponent);
            if (absoluteExponent < 10)
            {
                builder.Append('0');
            }
            builder.Append(absoluteExponent.ToString(Invariant));
        }
        else if (decimalExponent <= 0)
        {
            builder.Append("0.").Append('0', -decimalExponent).Append(digits);
        }
        else if (decimalExponent >= digits.Length)
        {
            builder.Append(digits).Append('0', decimalExponent - digits.Length);
        }
        else
        {
            builder.Append(digits, 0, decimalExponent).Append('.').Append(digits, decimalExponent, digits.Length - decimalExponent);
        }
        return builder.ToString();
    }

    private static string FormatNumeric(object value) => value switch
    {
        PgNumeric numeric => numeric.ToString(),
        decimal m => m.ToString(Invariant),
        double d => PgNumeric.FromDouble(d).ToString(),
        float f => PgNumeric.FromDouble(f, significantDigits: 6).ToString(),
        string s => s,
        _ => Convert.ToDecimal(value, Invariant).ToString(Invariant),
    };

    /// <summary>numeric_in: up to 131072 digits before the point and 16383 after, NaN and the infinities.</summary>
    private static PgNumeric ParseNumeric(string text) => PgNumeric.TryParse(text, out PgNumeric value) switch
    {
        PgNumericParseStatus.Ok => value,
        PgNumericParseStatus.Overflow => throw new PgException(PgError.Error(NumericValueOutOfRange, "value overflows numeric format")),
        _ => throw InvalidSyntax(PgTypeOid.Numeric, text),
    };

    /// <summary>A CLR value a client or the engine hands over as numeric.</summary>
    private static PgNumeric ToNumeric(object value) => value switch
    {
        PgNumeric numeric => numeric,
        decimal m => PgNumeric.FromDecimal(m),
        double d => PgNumeric.FromDouble(d),
        float f => PgNumeric.FromDouble(f, significantDigits: 6),
        string s => ParseNumeric(s),
        _ => PgNumeric.FromInt64(Convert.ToInt64(value, Invariant)),
    };

    private const ushort NumericPositive = 0x0000;
    private const ushort NumericNegative = 0x4000;
    private const ushort NumericNaN = 0xC000;
    private const ushort NumericPositiveInfinity = 0xD000;
    private const ushort NumericNegativeInfinity = 0xF000;

    /// <summary>numeric_send: Int16 ndigits, weight, sign, dscale, then the base-10000 digits, leading and trailing zero digits stripped.</summary>
    private static void WriteNumeric(IBufferWriter<byte> output, object value)
    {
        PgNumeric number = ToNumeric(value);
        if (!number.IsFinite)
        {
            WriteInt16(output, 0);
            WriteInt16(output, 0);
            WriteInt16(output, unchecked((short)(number.Kind switch
            {
                PgNumericKind.NaN => NumericNaN,
                PgNumericKind.PositiveInfinity => NumericPositiveInfinity,
                _ => NumericNegativeInfinity,
            })));
            WriteInt16(output, 0);
            return;
        }
        int scale = number.Scale;
        // Align the fraction to whole base-10000 digits: the digits then split into groups of four from the right.
        int alignedScale = (scale + 3) / 4 * 4;
        string all = PgNumeric.DigitsOf(number.Unscaled * PgNumeric.PowerOfTen(alignedScale - scale));
        int integerDigits = Math.Max(all.Length - alignedScale, 0);
        int integerGroups = (integerDigits + 3) / 4;
        int totalDigits = integerGroups * 4 + alignedScale;
        all = all.PadLeft(totalDigits, '0');
        var digits = new List<short>(totalDigits / 4);
        for (int i = 0; i < totalDigits; i += 4)
        {
            digits.Add(short.Parse(all.AsSpan(i, 4), NumberStyles.None, Invariant));
        }
        int weight = integerGroups - 1;
        int first = 0;
        while (first < digits.Count && digits[first] == 0)
        {
            first++;
            weight--;
        }
        int last = digits.Count;
        while (last > first && digits[last - 1] == 0)
        {
            last--;
        }
        int count = last - first;
        if (count == 0)
        {
            weight = 0;
        }
        WriteInt16(output, (short)count);
        WriteInt16(output, (short)weight);
        WriteInt16(output, unchecked((short)(number.Sign < 0 ? NumericNegative : NumericPositive)));
        WriteInt16(output, (short)scale);
        for (int i = first; i < last; i++)
        {
            WriteInt16(output, digits[i]);
        }
    }

    /// <summary>numeric_recv: the base-10000 digits with their weight, shown with dscale digits after the point.</summary>
    private static PgNumeric ReadNumeric(ref PgBinaryReader reader)
    {
        int count = reader.ReadInt16();
        int weight = reader.ReadInt16();
        ushort sign = unchecked((ushort)reader.ReadInt16());
        int scale = reader.ReadInt16();
        switch (sign)
        {
            case NumericNaN: return PgNumeric.NaN;
            case NumericPositiveInfinity: return PgNumeric.PositiveInfinity;
            case NumericNegativeInfinity: return PgNumeric.NegativeInfinity;
        }
        if (count < 0 || (sign != NumericPositive && sign != NumericNegative))
        {
            throw new PgException(PgError.Error(InvalidBinaryRepresentation, "invalid sign in external \"numeric\" value"));
        }
        if (scale < 0 || scale > PgNumeric.DisplayScaleMax)
        {
            throw new PgException(PgError.Error(InvalidBinaryRepresentation, "invalid scale in external \"numeric\" value"));
        }
        var digits = new StringBuilder(count * 4);
        for (int i = 0; i < count; i++)
        {
            int digit = reader.ReadInt16();
            if (digit is < 0 or > 9999)
            {
                throw new PgException(PgError.Error(InvalidBinaryRepresentation, "invalid digit in external \"numeric\" value"));
            }
            digits.Append(digit.ToString("D4", Invariant));
        }
        if (count == 0)
        {
            return new PgNumeric(BigInteger.Zero, scale);
        }
        // The digits are the value times 10000^(count - 1 - weight).
        BigInteger unscaled = BigInteger.Parse(digits.ToString(), NumberStyles.None, Invariant);
        if (sign == NumericNegative)
        {
            unscaled = -unscaled;
        }
        var value = new PgNumeric(unscaled, (count - 1 - weight) * 4);
        if (!value.IsWithinLimits)
        {
            throw new PgException(PgError.Error(NumericValueOutOfRange, "value overflows numeric format"));
        }
        return value.Round(scale);
    }
}
