using System.Globalization;
using System.Numerics;
using System.Text;

namespace Log.Wire.Types;

/// <summary>NaN and the infinities beside the finite values, as numeric's sign word holds them.</summary>
public enum PgNumericKind : byte
{
    Finite,
    NaN,
    PositiveInfinity,
    NegativeInfinity,
}

/// <summary>What <see cref="PgNumeric.TryParse"/> found.</summary>
public enum PgNumericParseStatus : byte
{
    Ok,

    /// <summary>22P02 invalid input syntax for type numeric.</summary>
    InvalidSyntax,

    /// <summary>22003 value overflows numeric format.</summary>
    Overflow,
}

/// <summary>
/// PostgreSQL's numeric: an exact decimal number of up to 131072 digits before the point and 16383 after it, held as
/// an unscaled integer and a display scale (1.50 is 150 with scale 2 and prints as 1.50), or NaN, +Infinity, -Infinity.
/// Equality and ordering are by value (1.5 = 1.50, with one hash), and NaN equals NaN and sorts above everything,
/// Infinity included, as numeric's btree order has it. The engine and the wire codecs share this one value type; the
/// operations here are exact or take the scale to round to, so the callers apply PostgreSQL's result-scale rules and
/// raise PostgreSQL's errors.
/// </summary>
public readonly struct PgNumeric : IEquatable<PgNumeric>, IComparable<PgNumeric>
{
    /// <summary>NUMERIC_MAX_PRECISION: the largest precision numeric(p,s) takes.</summary>
    public const int PrecisionMax = 1000;

    /// <summary>NUMERIC_DSCALE_MAX: the most digits after the point a value may show.</summary>
    public const int DisplayScaleMax = 16383;

    /// <summary>(NUMERIC_WEIGHT_MAX + 1) * DEC_DIGITS: the most digits before the point.</summary>
    public const int IntegerDigitsMax = 131072;

    /// <summary>NUMERIC_MIN_SIG_DIGITS: the fewest significant digits a division or a function result carries.</summary>
    public const int MinimumSignificantDigits = 16;

    /// <summary>DEC_DIGITS: PostgreSQL stores base-10000 digits, which its result-scale rules count in.</summary>
    public const int DecimalDigitsPerBase10000Digit = 4;

    /// <summary>Powers of ten kept at hand for rescaling (most scales are small).</summary>
    private const int CachedPowersOfTen = 64;

    private static readonly BigInteger[] PowersOfTen = CreatePowersOfTen();

    public static readonly PgNumeric Zero = new(BigInteger.Zero, 0);
    public static readonly PgNumeric One = new(BigInteger.One, 0);
    public static readonly PgNumeric NaN = new(PgNumericKind.NaN);
    public static readonly PgNumeric PositiveInfinity = new(PgNumericKind.PositiveInfinity);
    public static readonly PgNumeric NegativeInfinity = new(PgNumericKind.NegativeInfinity);

    private readonly BigInteger _unscaled;
    private readonly int _scale;
    private readonly PgNumericKind _kind;

    /// <summary>The finite value <paramref name="unscaled"/> × 10^-<paramref name="scale"/>, shown with scale digits after the point.</summary>
    public PgNumeric(BigInteger unscaled, int scale)
    {
        if (scale < 0)
        {
            unscaled *= PowerOfTen(-scale);
            scale = 0;
        }
        _unscaled = unscaled;
        _scale = scale;
        _kind = PgNumericKind.Finite;
    }

    private PgNumeric(PgNumericKind kind)
    {
        _unscaled = BigInteger.Zero;
        _scale = 0;
        _kind = kind;
    }

    public PgNumericKind Kind => _kind;

    /// <summary>The digits as an integer (the value times 10^Scale); zero for NaN and the infinities.</summary>
    public BigInteger Unscaled => _unscaled;

    /// <summary>The display scale (dscale): how many digits after the point the value shows.</summary>
    public int Scale => _scale;

    public bool IsFinite => _kind == PgNumericKind.Finite;
    public bool IsNaN => _kind == PgNumericKind.NaN;
    public bool IsInfinity => _kind is PgNumericKind.PositiveInfinity or PgNumericKind.NegativeInfinity;
    public bool IsZero => _kind == PgNumericKind.Finite && _unscaled.IsZero;

    /// <summary>-1, 0 or 1 (NaN gives 0; callers check <see cref="IsNaN"/> first where it matters).</summary>
    public int Sign => _kind switch
    {
        PgNumericKind.Finite => _unscaled.Sign,
        PgNumericKind.PositiveInfinity => 1,
        PgNumericKind.NegativeInfinity => -1,
        _ => 0,
    };

    public static PgNumeric FromInt64(long value) => new(value, 0);

    public static PgNumeric FromDecimal(decimal value)
    {
        Span<int> bits = stackalloc int[4];
        decimal.GetBits(value, bits);
        var magnitude = new BigInteger((uint)bits[0]) | (new BigInteger((uint)bits[1]) << 32) | (new BigInteger((uint)bits[2]) << 64);
        int scale = (bits[3] >> 16) & 0xFF;
        return new PgNumeric(bits[3] < 0 ? -magnitude : magnitude, scale);
    }

    /// <summary>float8_numeric: the digits %.*g prints with <paramref name="significantDigits"/> (15 for float8, 6 for
    /// float4), so 0.1 becomes 0.1 and not the binary fraction's 55 digits.</summary>
    public static PgNumeric FromDouble(double value, int significantDigits = 15)
    {
        if (double.IsNaN(value)) return NaN;
        if (double.IsInfinity(value)) return value > 0 ? PositiveInfinity : NegativeInfinity;
        string text = value.ToString("G" + significantDigits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        return TryParse(text, out PgNumeric result) == PgNumericParseStatus.Ok
            ? result
            : throw new InvalidOperationException($"float text {text} did not parse as numeric");
    }

    /// <summary>numeric_float8: the nearest double (NaN and the infinities map to theirs).</summary>
    public double ToDouble()
    {
        switch (_kind)
        {
            case PgNumericKind.NaN: return double.NaN;
            case PgNumericKind.PositiveInfinity: return double.PositiveInfinity;
            case PgNumericKind.NegativeInfinity: return double.NegativeInfinity;
        }
        // Both operands exact in a double, so the one division rounds correctly.
        const long exactInDouble = 1L << 53;
        if (_scale <= 22 && _unscaled >= -exactInDouble && _unscaled <= exactInDouble)
        {
            return (double)(long)_unscaled / Math.Pow(10, _scale);
        }
        return double.Parse(ToString(), NumberStyles.Float, CultureInfo.InvariantCulture);
    }

    /// <summary>The value as a System.Decimal when it fits (28 digits), rounding extra fraction digits; null otherwise.</summary>
    public decimal? ToDecimal()
    {
        if (!IsFinite) return null;
        PgNumeric value = this;
        if (value._scale > 28) value = value.Round(28);
        if (BigInteger.Abs(value._unscaled) > DecimalMaxUnscaled) return null;
        var magnitude = BigInteger.Abs(value._unscaled);
        var low = (int)(uint)(magnitude & uint.MaxValue);
        var middle = (int)(uint)((magnitude >> 32) & uint.MaxValue);
        var high = (int)(uint)((magnitude >> 64) & uint.MaxValue);
        return new decimal(low, middle, high, value._unscaled.Sign < 0, (byte)value._scale);
    }

    private static readonly BigInteger DecimalMaxUnscaled = new(decimal.MaxValue);

    // ---------------------------------------------------------------- input and output

    /// <summary>numeric_in: spaces around, NaN, [+-]Infinity or [+-]inf in any case, else [+-]digits[.digits][e[+-]digits]
    /// with at least one digit; the scale is the fraction digits minus the exponent (never below 0).</summary>
    public static PgNumericParseStatus TryParse(ReadOnlySpan<char> text, out PgNumeric value)
    {
        value = default;
        ReadOnlySpan<char> span = text.Trim();
        if (span.Length == 0) return PgNumericParseStatus.InvalidSyntax;
        if (!char.IsAsciiDigit(span[0]) && span[0] != '.')
        {
            if (span.Equals("NaN", StringComparison.OrdinalIgnoreCase))
            {
                value = NaN;
                return PgNumericParseStatus.Ok;
            }
            bool negative = span[0] == '-';
            ReadOnlySpan<char> word = span[0] is '+' or '-' ? span[1..] : span;
            if (word.Equals("Infinity", StringComparison.OrdinalIgnoreCase) || word.Equals("inf", StringComparison.OrdinalIgnoreCase))
            {
                value = negative ? NegativeInfinity : PositiveInfinity;
                return PgNumericParseStatus.Ok;
            }
        }
        int position = 0;
        bool isNegative = false;
        if (span[0] is '+' or '-')
        {
            isNegative = span[0] == '-';
            position = 1;
        }
        int digitsStart = position;
        int pointIndex = -1;
        int digitCount = 0;
        for (; position < span.Length; position++)
        {
            char c = span[position];
            if (char.IsAsciiDigit(c))
            {
                digitCount++;
            }
            else if (c == '.' && pointIndex < 0)
            {
                pointIndex = position;
            }
            else
            {
                break;
            }
        }
        if (digitCount == 0) return PgNumericParseStatus.InvalidSyntax;
        int digitsEnd = position;
        long exponent = 0;
        if (position < span.Length)
        {
            if (span[position] is not ('e' or 'E')) return PgNumericParseStatus.InvalidSyntax;
            position++;
            bool exponentNegative = false;
            if (position < span.Length && span[position] is '+' or '-')
            {
                exponentNegative = span[position] == '-';
                position++;
            }
            if (position == span.Length) return PgNumericParseStatus.InvalidSyntax;
            bool exponentHuge = false;
            for (; position < span.Length; position++)
            {
                char c = span[position];
                if (!char.IsAsciiDigit(c)) return PgNumericParseStatus.InvalidSyntax;
                if (exponent < int.MaxValue) exponent = exponent * 10 + (c - '0');
                else exponentHuge = true;
            }
            if (exponentHuge || exponent >= int.MaxValue / 2) return PgNumericParseStatus.Overflow;
            if (exponentNegative) exponent = -exponent;
        }
        int fractionDigits = pointIndex < 0 ? 0 : digitsEnd - pointIndex - 1;
        long scale = fractionDigits - exponent;
        if (scale > DisplayScaleMax) return PgNumericParseStatus.Overflow;
        BigInteger unscaled = ParseDigits(span[digitsStart..digitsEnd], digitCount);
        if (isNegative) unscaled = -unscaled;
        if (!unscaled.IsZero && DecimalDigitCount(unscaled) - scale > IntegerDigitsMax) return PgNumericParseStatus.Overflow;
        value = new PgNumeric(unscaled, unscaled.IsZero ? (int)Math.Max(scale, 0) : (int)scale);
        return PgNumericParseStatus.Ok;
    }

    /// <summary>The digits of a span that holds digits and at most one point, as an integer.</summary>
    private static BigInteger ParseDigits(ReadOnlySpan<char> digits, int digitCount)
    {
        const int digitsInLong = 18;
        if (digitCount <= digitsInLong)
        {
            long small = 0;
            foreach (char c in digits)
            {
                if (c != '.') small = small * 10 + (c - '0');
            }
            return small;
        }
        Span<char> buffer = digitCount <= 1024 ? stackalloc char[digitCount] : new char[digitCount];
        int count = 0;
        foreach (char c in digits)
        {
            if (c != '.') buffer[count++] = c;
        }
        return BigInteger.Parse(buffer[..count], NumberStyles.None, CultureInfo.InvariantCulture);
    }

    /// <summary>numeric_out: plain notation with exactly Scale digits after the point; NaN, Infinity, -Infinity.</summary>
    public override string ToString()
    {
        switch (_kind)
        {
            case PgNumericKind.NaN: return "NaN";
            case PgNumericKind.PositiveInfinity: return "Infinity";
            case PgNumericKind.NegativeInfinity: return "-Infinity";
        }
        string digits = DigitsOf(_unscaled);
        if (_scale == 0) return _unscaled.Sign < 0 ? "-" + digits : digits;
        var builder = new StringBuilder(digits.Length + _scale + 3);
        if (_unscaled.Sign < 0) builder.Append('-');
        if (digits.Length <= _scale)
        {
            builder.Append("0.").Append('0', _scale - digits.Length).Append(digits);
        }
        else
        {
            builder.Append(digits, 0, digits.Length - _scale).Append('.').Append(digits, digits.Length - _scale, _scale);
        }
        return builder.ToString();
    }

    // ---------------------------------------------------------------- ordering and hashing

    /// <summary>cmp_numerics: -Infinity below every finite value, +Infinity above, NaN above everything and equal to itself.</summary>
    public int CompareTo(PgNumeric other)
    {
        if (_kind != PgNumericKind.Finite || other._kind != PgNumericKind.Finite)
        {
            return KindRank(_kind).CompareTo(KindRank(other._kind));
        }
        int leftSign = _unscaled.Sign;
        int rightSign = other._unscaled.Sign;
        if (leftSign != rightSign) return leftSign.CompareTo(rightSign);
        if (_scale == other._scale) return _unscaled.CompareTo(other._unscaled);
        if (leftSign == 0) return 0;
        // Far apart scales: the leading digits' positions decide before any alignment (which could multiply by 10^147000).
        const int alignedScaleDifferenceMax = 18;
        if (Math.Abs(_scale - other._scale) > alignedScaleDifferenceMax)
        {
            int leftExponent = DecimalExponent;
            int rightExponent = other.DecimalExponent;
            if (leftExponent != rightExponent) return leftExponent < rightExponent ? -leftSign : leftSign;
        }
        return _scale < other._scale
            ? (_unscaled * PowerOfTen(other._scale - _scale)).CompareTo(other._unscaled)
            : _unscaled.CompareTo(other._unscaled * PowerOfTen(_scale - other._scale));
    }

    private static int KindRank(PgNumericKind kind) => kind switch
    {
        PgNumericKind.NegativeInfinity => 0,
        PgNumericKind.Finite => 1,
        PgNumericKind.PositiveInfinity => 2,
        _ => 3,
    };

    public bool Equals(PgNumeric other) => CompareTo(other) == 0;

    public override bool Equals(object? obj) => obj is PgNumeric other && Equals(other);

    /// <summary>Equal values hash alike whatever their scale: the hash is of the value without trailing zeros.</summary>
    public override int GetHashCode()
    {
        if (_kind != PgNumericKind.Finite) return (int)_kind;
        if (_unscaled.IsZero) return 0;
        PgNumeric trimmed = TrimScale();
        return HashCode.Combine(trimmed._unscaled, trimmed._scale);
    }

    public static bool operator ==(PgNumeric left, PgNumeric right) => left.Equals(right);
    public static bool operator !=(PgNumeric left, PgNumeric right) => !left.Equals(right);
    public static bool operator <(PgNumeric left, PgNumeric right) => left.CompareTo(right) < 0;
    public static bool operator >(PgNumeric left, PgNumeric right) => left.CompareTo(right) > 0;
    public static bool operator <=(PgNumeric left, PgNumeric right) => left.CompareTo(right) <= 0;
    public static bool operator >=(PgNumeric left, PgNumeric right) => left.CompareTo(right) >= 0;

    // ---------------------------------------------------------------- digits and scales

    /// <summary>10^exponent (exponent ≥ 0). Large powers are kept too (up to a bound), since a value's digit count,
    /// rescaling and conversion to text ask for the same ones over and over.</summary>
    public static BigInteger PowerOfTen(int exponent)
    {
        if (exponent < CachedPowersOfTen) return PowersOfTen[exponent];
        if (LargePowersOfTen.TryGetValue(exponent, out BigInteger cached)) return cached;
        BigInteger power = BigInteger.Pow(10, exponent);
        if (LargePowersOfTen.Count < LargePowersOfTenMax) LargePowersOfTen.TryAdd(exponent, power);
        return power;
    }

    /// <summary>How many large powers of ten <see cref="PowerOfTen"/> keeps.</summary>
    private const int LargePowersOfTenMax = 512;

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<int, BigInteger> LargePowersOfTen = new();

    /// <summary>Below this many bits BigInteger's own conversion to text is fast; above it its cost grows with the
    /// square of the length, so the digits are split in halves by a power of ten first.</summary>
    private const long DirectToStringBitsMax = 20_000;

    /// <summary>The decimal digits of |value| (no sign), left-padded with zeros to <paramref name="width"/>.</summary>
    private static void AppendDigits(StringBuilder builder, BigInteger magnitude, int width)
    {
        if (magnitude.GetBitLength() < DirectToStringBitsMax)
        {
            string text = magnitude.ToString(CultureInfo.InvariantCulture);
            if (text.Length < width) builder.Append('0', width - text.Length);
            builder.Append(text);
            return;
        }
        int half = DecimalDigitCount(magnitude) / 2;
        BigInteger high = BigInteger.DivRem(magnitude, PowerOfTen(half), out BigInteger low);
        AppendDigits(builder, high, Math.Max(width - half, 0));
        AppendDigits(builder, low, half);
    }

    /// <summary>The decimal digits of |value|.</summary>
    public static string DigitsOf(BigInteger value)
    {
        BigInteger magnitude = BigInteger.Abs(value);
        if (magnitude.GetBitLength() < DirectToStringBitsMax) return magnitude.ToString(CultureInfo.InvariantCulture);
        var builder = new StringBuilder();
        AppendDigits(builder, magnitude, 0);
        return builder.ToString();
    }

    private static BigInteger[] CreatePowersOfTen()
    {
        var powers = new BigInteger[CachedPowersOfTen];
        powers[0] = BigInteger.One;
        for (int index = 1; index < powers.Length; index++) powers[index] = powers[index - 1] * 10;
        return powers;
    }

    /// <summary>How many decimal digits |value| has (0 has none).</summary>
    public static int DecimalDigitCount(BigInteger value)
    {
        if (value.IsZero) return 0;
        value = BigInteger.Abs(value);
        // log10(2) from below: the estimate is the true count or one less.
        long bits = (long)value.GetBitLength();
        int estimate = (int)((bits - 1) * 30103 / 100000) + 1;
        return value >= PowerOfTen(estimate) ? estimate + 1 : estimate;
    }

    /// <summary>The power of ten of the leading digit (123.4 gives 2, 0.05 gives -2); finite non-zero values only.</summary>
    public int DecimalExponent => DecimalDigitCount(_unscaled) - 1 - _scale;

    /// <summary>log10 of the magnitude of a finite non-zero value, to a double's precision (for estimates of size).</summary>
    public double Log10Magnitude()
    {
        const int leadingDigits = 17;
        int digitCount = DecimalDigitCount(_unscaled);
        BigInteger magnitude = BigInteger.Abs(_unscaled);
        if (digitCount > leadingDigits) magnitude /= PowerOfTen(digitCount - leadingDigits);
        int droppedDigits = Math.Max(digitCount - leadingDigits, 0);
        return Math.Log10((double)magnitude) + droppedDigits - _scale;
    }

    /// <summary>PostgreSQL's weight (the power of 10000 of the leading base-10000 digit) and that digit, which its
    /// result-scale rules are written in; (0, 0) for zero.</summary>
    public (int Weight, int FirstDigit) Base10000Weight()
    {
        if (!IsFinite || _unscaled.IsZero) return (0, 0);
        int exponent = DecimalExponent;
        int weight = (int)Math.Floor(exponent / (double)DecimalDigitsPerBase10000Digit);
        // The leading base-10000 digit holds the decimal digits from 10^exponent down to 10^(4·weight).
        int leadingDigits = exponent - weight * DecimalDigitsPerBase10000Digit + 1;
        int totalDigits = DecimalDigitCount(_unscaled);
        BigInteger magnitude = BigInteger.Abs(_unscaled);
        BigInteger leading = totalDigits >= leadingDigits
            ? magnitude / PowerOfTen(totalDigits - leadingDigits)
            : magnitude * PowerOfTen(leadingDigits - totalDigits);
        return (weight, (int)leading);
    }

    /// <summary>The same value shown with <paramref name="scale"/> digits after the point, rounding half away from zero
    /// when digits are dropped (round_var); a negative scale rounds to tens, hundreds ... and shows none.</summary>
    public PgNumeric Round(int scale) => Rescale(scale, truncate: false);

    /// <summary>trunc_var: like <see cref="Round"/> but dropping the digits.</summary>
    public PgNumeric Truncate(int scale) => Rescale(scale, truncate: true);

    private PgNumeric Rescale(int scale, bool truncate)
    {
        if (!IsFinite) return this;
        if (scale >= _scale) return new PgNumeric(_unscaled * PowerOfTen(scale - _scale), scale);
        BigInteger divisor = PowerOfTen(_scale - scale);
        BigInteger quotient = BigInteger.DivRem(_unscaled, divisor, out BigInteger remainder);
        if (!truncate && !remainder.IsZero && BigInteger.Abs(remainder) * 2 >= divisor)
        {
            quotient += _unscaled.Sign;
        }
        return new PgNumeric(quotient, scale);
    }

    /// <summary>ceil (toward +∞) or floor (toward -∞) to a whole number.</summary>
    public PgNumeric RoundToWhole(bool ceiling)
    {
        if (!IsFinite) return this;
        PgNumeric truncated = Truncate(0);
        bool hadFraction = truncated.CompareTo(this) != 0;
        if (hadFraction && ceiling && _unscaled.Sign > 0) return new PgNumeric(truncated._unscaled + 1, 0);
        if (hadFraction && !ceiling && _unscaled.Sign < 0) return new PgNumeric(truncated._unscaled - 1, 0);
        return truncated;
    }

    /// <summary>trim_scale: the same value without trailing fraction zeros (its scale is min_scale).</summary>
    public PgNumeric TrimScale()
    {
        if (!IsFinite || _scale == 0) return this;
        if (_unscaled.IsZero) return Zero;
        BigInteger unscaled = _unscaled;
        int scale = _scale;
        while (scale > 0)
        {
            BigInteger quotient = BigInteger.DivRem(unscaled, 10, out BigInteger remainder);
            if (!remainder.IsZero) break;
            unscaled = quotient;
            scale--;
        }
        return new PgNumeric(unscaled, scale);
    }

    public PgNumeric Negate() => _kind switch
    {
        PgNumericKind.Finite => new PgNumeric(-_unscaled, _scale),
        PgNumericKind.PositiveInfinity => NegativeInfinity,
        PgNumericKind.NegativeInfinity => PositiveInfinity,
        _ => this,
    };

    public PgNumeric Abs() => Sign < 0 ? Negate() : this;

    // ---------------------------------------------------------------- exact arithmetic on finite values

    /// <summary>Exact sum with the larger scale (finite operands).</summary>
    public static PgNumeric AddFinite(PgNumeric left, PgNumeric right)
    {
        if (left._scale == right._scale) return new PgNumeric(left._unscaled + right._unscaled, left._scale);
        return left._scale < right._scale
            ? new PgNumeric(left._unscaled * PowerOfTen(right._scale - left._scale) + right._unscaled, right._scale)
            : new PgNumeric(left._unscaled + right._unscaled * PowerOfTen(left._scale - right._scale), left._scale);
    }

    /// <summary>Exact product with the sum of the scales (finite operands).</summary>
    public static PgNumeric MultiplyFinite(PgNumeric left, PgNumeric right) =>
        new(left._unscaled * right._unscaled, left._scale + right._scale);

    /// <summary>left / right rounded half away from zero to <paramref name="scale"/> digits (finite, right non-zero).</summary>
    public static PgNumeric DivideFinite(PgNumeric left, PgNumeric right, int scale, bool truncate = false)
    {
        // left.u·10^-ls / (right.u·10^-rs) · 10^scale = left.u·10^(scale + rs - ls) / right.u
        int shift = scale + right._scale - left._scale;
        BigInteger numerator = shift >= 0 ? left._unscaled * PowerOfTen(shift) : left._unscaled;
        BigInteger denominator = shift >= 0 ? right._unscaled : right._unscaled * PowerOfTen(-shift);
        BigInteger quotient = BigInteger.DivRem(numerator, denominator, out BigInteger remainder);
        if (!truncate && !remainder.IsZero && BigInteger.Abs(remainder) * 2 >= BigInteger.Abs(denominator))
        {
            quotient += numerator.Sign * denominator.Sign;
        }
        return new PgNumeric(quotient, scale);
    }

    /// <summary>mod_var: left - trunc(left / right) · right, with the larger scale (finite, right non-zero).</summary>
    public static PgNumeric RemainderFinite(PgNumeric left, PgNumeric right)
    {
        int scale = Math.Max(left._scale, right._scale);
        BigInteger leftAligned = left._unscaled * PowerOfTen(scale - left._scale);
        BigInteger rightAligned = right._unscaled * PowerOfTen(scale - right._scale);
        return new PgNumeric(BigInteger.Remainder(leftAligned, rightAligned), scale);
    }

    /// <summary>Whether a finite value is within numeric's limits (131072 digits before the point).</summary>
    public bool IsWithinLimits => !IsFinite || _unscaled.IsZero || DecimalExponent < IntegerDigitsMax;
}
