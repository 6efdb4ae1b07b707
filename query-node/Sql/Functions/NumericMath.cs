using System.Diagnostics;
using System.Numerics;
using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Types;
using Log.Wire.Types;

namespace Log.QueryNode.Sql.Functions;

/// <summary>
/// sqrt, exp, ln, log and power over numeric at PostgreSQL's precision and result scales (numeric.c: at least 16
/// significant digits, never fewer fraction digits than the inputs, at most 1000). The series run on fixed-point
/// integers (a BigInteger holding the value times 10^scale) with guard digits, and the results are rounded half away
/// from zero to the scale PostgreSQL shows.
/// </summary>
internal static class NumericMath
{
    private const int MinimumSignificantDigits = PgNumeric.MinimumSignificantDigits;

    /// <summary>NUMERIC_MAX_DISPLAY_SCALE: the largest scale a function result is shown with.</summary>
    private const int DisplayScaleMax = PgNumeric.PrecisionMax;

    /// <summary>NUMERIC_MAX_RESULT_SCALE: exp's argument beyond 3 times this overflows (or underflows to 0).</summary>
    private const int ResultScaleMax = PgNumeric.PrecisionMax * 2;

    /// <summary>Extra digits carried through a series so that the rounded result is exact.</summary>
    private const int GuardDigits = 8;

    /// <summary>exp reduces its argument below 2^-ExpReductionBits before the Taylor series (then squares back).</summary>
    private const int ExpReductionBits = 24;

    /// <summary>ln's Halley iterations each triple the correct digits: from a double's 15 to numeric's 16383 in 7.</summary>
    private const int LnIterationsMax = 12;

    private const double Log10OfE = 0.434294481903252;

    private static int ClampScale(int scale) => Math.Clamp(scale, 0, DisplayScaleMax);

    public static SqlException Overflow() => NumericOperations.Overflow();

    // ---------------------------------------------------------------- sqrt

    /// <summary>numeric_sqrt: scale from the base-10000 weight of the argument, at least the argument's scale.</summary>
    public static PgNumeric Sqrt(PgNumeric value)
    {
        if (value.IsNaN) return value;
        if (value.Sign < 0)
        {
            throw new SqlException(EngineSqlState.InvalidArgumentForPowerFunction, "cannot take square root of a negative number");
        }
        if (value.IsInfinity) return value;
        (int weight, _) = value.Base10000Weight();
        int squareWeight = (weight + 1) * PgNumeric.DecimalDigitsPerBase10000Digit / 2 - 1;
        return SquareRoot(value, ClampScale(Math.Max(MinimumSignificantDigits - squareWeight, value.Scale)));
    }

    /// <summary>√value rounded half away from zero to <paramref name="scale"/> digits (value ≥ 0, scale ≥ its scale).</summary>
    public static PgNumeric SquareRoot(PgNumeric value, int scale)
    {
        // √(u·10^-s) · 10^scale = √(u · 10^(2·scale - s)); one more digit decides the rounding.
        BigInteger radicand = value.Unscaled * PgNumeric.PowerOfTen(2 * (scale + 1) - value.Scale);
        BigInteger root = IntegerSquareRoot(radicand);
        return new PgNumeric(root, scale + 1).Round(scale);
    }

    /// <summary>⌊√n⌋ by Newton's method from above.</summary>
    private static BigInteger IntegerSquareRoot(BigInteger n)
    {
        if (n.IsZero) return n;
        long bits = (long)n.GetBitLength();
        BigInteger estimate = BigInteger.One << (int)((bits + 1) / 2);
        while (true)
        {
            BigInteger next = (estimate + n / estimate) >> 1;
            if (next >= estimate) return estimate;
            estimate = next;
        }
    }

    // ---------------------------------------------------------------- exp

    /// <summary>numeric_exp: 16 significant digits from the estimated decimal weight x·log10(e).</summary>
    public static PgNumeric Exp(PgNumeric value)
    {
        if (value.IsNaN || value.Kind == PgNumericKind.PositiveInfinity) return value;
        if (value.Kind == PgNumericKind.NegativeInfinity) return PgNumeric.Zero;
        double weight = Math.Clamp(value.ToDouble() * Log10OfE, -ResultScaleMax, ResultScaleMax);
        int scale = ClampScale(Math.Max(MinimumSignificantDigits - (int)weight, value.Scale));
        return ExpToScale(value, scale);
    }

    /// <summary>exp_var: e^x rounded to <paramref name="scale"/>; beyond numeric's range 22003 (or 0 for a large negative x).</summary>
    private static PgNumeric ExpToScale(PgNumeric exponent, int scale)
    {
        double approximate = exponent.ToDouble();
        if (Math.Abs(approximate) >= ResultScaleMax * 3)
        {
            return approximate > 0 ? throw Overflow() : new PgNumeric(BigInteger.Zero, scale);
        }
        int resultWeight = (int)Math.Floor(approximate * Log10OfE);
        int workingScale = scale + Math.Max(resultWeight, 0) + GuardDigits;
        BigInteger fixedExponent = ToFixed(exponent, workingScale);
        return NumericOperations.CheckResult(new PgNumeric(ExpFixed(fixedExponent, workingScale), workingScale).Round(scale));
    }

    /// <summary>e^(x·10^-scale)·10^scale: the argument halved until tiny, a Taylor series, then squared back.</summary>
    private static BigInteger ExpFixed(BigInteger exponent, int scale)
    {
        long magnitudeBits = (long)BigInteger.Abs(exponent).GetBitLength() - (long)PgNumeric.PowerOfTen(scale).GetBitLength();
        int halvings = (int)Math.Max(0, magnitudeBits + 1) + ExpReductionBits;
        // Each squaring doubles the relative error: carry log10(2) digits more per halving.
        int extra = halvings * 30103 / 100000 + GuardDigits;
        int innerScale = scale + extra;
        BigInteger one = PgNumeric.PowerOfTen(innerScale);
        BigInteger reduced = (exponent * PgNumeric.PowerOfTen(extra)) >> halvings;
        BigInteger sum = one + reduced;
        BigInteger term = reduced;
        for (int index = 2; !term.IsZero; index++)
        {
            term = term * reduced / (one * index);
            sum += term;
        }
        for (int squaring = 0; squaring < halvings; squaring++)
        {
            sum = sum * sum / one;
        }
        return RoundDivide(sum, PgNumeric.PowerOfTen(extra));
    }

    // ---------------------------------------------------------------- ln and log

    /// <summary>numeric_ln: 16 significant digits from estimate_ln_dweight.</summary>
    public static PgNumeric Ln(PgNumeric value)
    {
        if (value.IsNaN) return value;
        CheckLogArgument(value);
        if (value.IsInfinity) return value;
        int scale = ClampScale(Math.Max(MinimumSignificantDigits - EstimateLnDecimalWeight(value), value.Scale));
        return new PgNumeric(LnFixed(value, scale + GuardDigits), scale + GuardDigits).Round(scale);
    }

    /// <summary>log(base, value) (log_var), and log(value) / log10(value) with base 10.</summary>
    public static PgNumeric Log(PgNumeric logBase, PgNumeric value)
    {
        if (logBase.IsNaN || value.IsNaN) return PgNumeric.NaN;
        CheckLogArgument(logBase);
        CheckLogArgument(value);
        if (logBase.IsInfinity) return value.IsInfinity ? PgNumeric.NaN : PgNumeric.Zero;
        if (value.IsInfinity) return PgNumeric.PositiveInfinity;
        int baseWeight = EstimateLnDecimalWeight(logBase);
        int valueWeight = EstimateLnDecimalWeight(value);
        int resultWeight = valueWeight - baseWeight;
        int scale = ClampScale(Math.Max(Math.Max(MinimumSignificantDigits - resultWeight, logBase.Scale), value.Scale));
        // Both logarithms with more significant digits than the quotient needs.
        int workingScale = Math.Max(scale + resultWeight - baseWeight, scale + resultWeight - valueWeight) + 2 * GuardDigits;
        workingScale = Math.Max(workingScale, GuardDigits);
        BigInteger lnBase = LnFixed(logBase, workingScale);
        if (lnBase.IsZero) throw ValueArithmetic.DivisionByZero();
        BigInteger lnValue = LnFixed(value, workingScale);
        return PgNumeric.DivideFinite(new PgNumeric(lnValue, workingScale), new PgNumeric(lnBase, workingScale), scale);
    }

    private static void CheckLogArgument(PgNumeric value)
    {
        if (value.IsZero) throw new SqlException(EngineSqlState.InvalidArgumentForLogarithm, "cannot take logarithm of zero");
        if (value.Sign < 0) throw new SqlException(EngineSqlState.InvalidArgumentForLogarithm, "cannot take logarithm of a negative number");
    }

    /// <summary>estimate_ln_dweight: the decimal weight of ln(value), which sets the result's scale. Near 1 from
    /// ln(1 + x) ≈ x, elsewhere from the first two base-10000 digits.</summary>
    private static int EstimateLnDecimalWeight(PgNumeric value)
    {
        if (value.CompareTo(LnNearOneLow) >= 0 && value.CompareTo(LnNearOneHigh) <= 0)
        {
            PgNumeric difference = NumericOperations.Add(value, PgNumeric.One.Negate());
            return difference.IsZero ? 0 : difference.DecimalExponent;
        }
        (int weight, int firstDigit) = value.Base10000Weight();
        // The first two base-10000 digits and the decimal weight of the second one.
        int digitCount = PgNumeric.DecimalDigitCount(value.Unscaled);
        int leadingDigits = value.DecimalExponent - weight * PgNumeric.DecimalDigitsPerBase10000Digit + 1 + PgNumeric.DecimalDigitsPerBase10000Digit;
        BigInteger leading = digitCount >= leadingDigits
            ? BigInteger.Abs(value.Unscaled) / PgNumeric.PowerOfTen(digitCount - leadingDigits)
            : BigInteger.Abs(value.Unscaled) * PgNumeric.PowerOfTen(leadingDigits - digitCount);
        Debug.Assert(leading / 10000 == firstDigit, "the first base-10000 digit leads the two");
        double lnEstimate = Math.Log((double)leading) + (weight - 1) * PgNumeric.DecimalDigitsPerBase10000Digit * 2.302585092994046;
        return (int)Math.Log10(Math.Abs(lnEstimate));
    }

    private static readonly PgNumeric LnNearOneLow = new(9, 1);
    private static readonly PgNumeric LnNearOneHigh = new(11, 1);

    /// <summary>ln(value)·10^scale (value positive and finite): value = m·10^e with m in [1, 10), ln m by Halley's
    /// iteration on e^y = m, plus e·ln 10.</summary>
    private static BigInteger LnFixed(PgNumeric value, int scale)
    {
        int exponent = value.DecimalExponent;
        int workingScale = scale + PgNumeric.DecimalDigitCount(Math.Abs(exponent)) + GuardDigits;
        // m·10^workingScale = u·10^(workingScale - s - e)
        int shift = workingScale - value.Scale - exponent;
        BigInteger mantissa = shift >= 0 ? value.Unscaled * PgNumeric.PowerOfTen(shift) : value.Unscaled / PgNumeric.PowerOfTen(-shift);
        BigInteger result = LnOfMantissa(mantissa, workingScale);
        if (exponent != 0)
        {
            result += exponent * LnOfMantissa(10 * PgNumeric.PowerOfTen(workingScale), workingScale);
        }
        return RoundDivide(result, PgNumeric.PowerOfTen(workingScale - scale));
    }

    /// <summary>ln(m) for m in [1, 10] in fixed point: y ← y + 2(m - e^y)/(m + e^y) from the double estimate.</summary>
    private static BigInteger LnOfMantissa(BigInteger mantissa, int scale)
    {
        const int doubleDigits = 15;
        double approximate = Math.Log(new PgNumeric(mantissa, scale).ToDouble());
        BigInteger estimate = ToFixed(new PgNumeric(new BigInteger(approximate * 1e15), doubleDigits), scale);
        BigInteger one = PgNumeric.PowerOfTen(scale);
        for (int iteration = 0; iteration < LnIterationsMax; iteration++)
        {
            BigInteger power = ExpFixed(estimate, scale);
            BigInteger correction = 2 * (mantissa - power) * one / (mantissa + power);
            estimate += correction;
            if (BigInteger.Abs(correction) <= 1) break;
        }
        return estimate;
    }

    // ---------------------------------------------------------------- power

    /// <summary>numeric_power: POSIX's rules for NaN and the infinities; an integer exponent exactly (power_var_int's
    /// scale: 16 or the base's); otherwise e^(y·ln x) with 16 significant digits.</summary>
    public static PgNumeric Power(PgNumeric value, PgNumeric exponent)
    {
        if (!value.IsFinite || !exponent.IsFinite) return PowerSpecial(value, exponent);
        if (value.IsZero && exponent.Sign < 0)
        {
            throw new SqlException(EngineSqlState.InvalidArgumentForPowerFunction, "zero raised to a negative power is undefined");
        }
        if (IsIntegral(exponent) && exponent.Unscaled / PgNumeric.PowerOfTen(exponent.Scale) is var whole
            && whole >= int.MinValue && whole <= int.MaxValue)
        {
            int scale = ClampScale(Math.Max(MinimumSignificantDigits, value.Scale));
            if (IntegerPower(value, (int)whole, scale) is { } exact) return exact;
            // Too many digits to raise exactly: through e^(n·ln|x|), negative for an odd power of a negative base.
            PgNumeric magnitude = PowerThroughLogarithm(value.Abs(), exponent, scale);
            return value.Sign < 0 && !whole.IsEven ? magnitude.Negate() : magnitude;
        }
        if (value.IsZero) return new PgNumeric(BigInteger.Zero, MinimumSignificantDigits);
        if (value.Sign < 0)
        {
            throw new SqlException(EngineSqlState.InvalidArgumentForPowerFunction, "a negative number raised to a non-integer power yields a complex result");
        }
        return PowerThroughLogarithm(value, exponent, scale: null);
    }

    /// <summary>power_var's general path: x^y = e^(y·ln x) for x &gt; 0, at 16 significant digits (or the given scale).</summary>
    private static PgNumeric PowerThroughLogarithm(PgNumeric value, PgNumeric exponent, int? scale)
    {
        // A low-precision y·ln(x) sets the result's scale and catches overflow early, as power_var does.
        int lnWeight = EstimateLnDecimalWeight(value);
        int localScale = Math.Max(8 - lnWeight, 0);
        PgNumeric lnLow = new PgNumeric(LnFixed(value, localScale), localScale);
        double product = PgNumeric.MultiplyFinite(lnLow, exponent).ToDouble();
        if (Math.Abs(product) > ResultScaleMax * 3.01)
        {
            return product > 0 ? throw Overflow() : new PgNumeric(BigInteger.Zero, DisplayScaleMax);
        }
        int resultWeight = (int)(product * Log10OfE);
        int resultScale = scale ?? ClampScale(Math.Max(Math.Max(MinimumSignificantDigits - resultWeight, value.Scale), exponent.Scale));
        int exponentDigits = Math.Max(exponent.DecimalExponent + 1, 0);
        int lnScale = resultScale + Math.Max(resultWeight, 0) + exponentDigits + 2 * GuardDigits;
        PgNumeric lnValue = new PgNumeric(LnFixed(value, lnScale), lnScale);
        PgNumeric logarithm = PgNumeric.MultiplyFinite(lnValue, exponent).Round(lnScale);
        return ExpToScale(logarithm, resultScale);
    }

    private static bool IsIntegral(PgNumeric value) => value.TrimScale().Scale == 0;

    /// <summary>power_var_int: x^n exact, rounded to the scale; 1/x^|n| for a negative n. Null when the exact power
    /// would have too many digits to compute (the caller then goes through logarithms).</summary>
    private static PgNumeric? IntegerPower(PgNumeric value, int exponent, int scale)
    {
        const long exactDigitsMax = 4 * PgNumeric.IntegerDigitsMax;
        if (exponent == 0) return new PgNumeric(BigInteger.One, scale);
        if (value.IsZero) return new PgNumeric(BigInteger.Zero, scale);
        long magnitude = Math.Abs((long)exponent);
        // The decimal exponent of |x|^n is about n times log10|x|: refuse what cannot fit before computing it.
        double resultExponent = value.Log10Magnitude() * exponent;
        if (resultExponent >= PgNumeric.IntegerDigitsMax) throw Overflow();
        if (resultExponent < -(scale + 2)) return new PgNumeric(BigInteger.Zero, scale);
        if (PgNumeric.DecimalDigitCount(value.Unscaled) * magnitude > exactDigitsMax) return null;
        var power = new PgNumeric(BigInteger.Pow(value.Unscaled, (int)magnitude), checked((int)(value.Scale * magnitude)));
        PgNumeric result = exponent > 0 ? power.Round(scale) : PgNumeric.DivideFinite(PgNumeric.One, power, scale);
        return NumericOperations.CheckResult(result);
    }

    /// <summary>pow(3)'s rules when an operand is NaN or infinite (numeric_power).</summary>
    private static PgNumeric PowerSpecial(PgNumeric value, PgNumeric exponent)
    {
        if (value.IsNaN) return exponent.IsZero ? PgNumeric.One : PgNumeric.NaN;
        if (exponent.IsNaN) return value.IsFinite && value == PgNumeric.One ? PgNumeric.One : PgNumeric.NaN;
        int valueSign = value.Sign;
        int exponentSign = exponent.Sign;
        if (valueSign == 0 && exponentSign < 0)
        {
            throw new SqlException(EngineSqlState.InvalidArgumentForPowerFunction, "zero raised to a negative power is undefined");
        }
        if (valueSign < 0 && exponent.IsFinite && !IsIntegral(exponent))
        {
            throw new SqlException(EngineSqlState.InvalidArgumentForPowerFunction, "a negative number raised to a non-integer power yields a complex result");
        }
        if (value.IsFinite && value == PgNumeric.One) return PgNumeric.One;
        if (exponentSign == 0) return PgNumeric.One;
        if (valueSign == 0 && exponentSign > 0) return PgNumeric.Zero;
        if (exponent.IsInfinity)
        {
            if (value.IsFinite && value == PgNumeric.One.Negate()) return PgNumeric.One;
            bool magnitudeAboveOne = !value.IsFinite || value.Abs() > PgNumeric.One;
            return magnitudeAboveOne == exponentSign > 0 ? PgNumeric.PositiveInfinity : PgNumeric.Zero;
        }
        if (value.Kind == PgNumericKind.PositiveInfinity) return exponentSign > 0 ? PgNumeric.PositiveInfinity : PgNumeric.Zero;
        if (exponentSign < 0) return PgNumeric.Zero;
        bool oddInteger = IsIntegral(exponent) && !(exponent.TrimScale().Unscaled % 2).IsZero;
        return oddInteger ? PgNumeric.NegativeInfinity : PgNumeric.PositiveInfinity;
    }

    // ---------------------------------------------------------------- fixed point

    /// <summary>value·10^scale, truncated.</summary>
    private static BigInteger ToFixed(PgNumeric value, int scale) =>
        scale >= value.Scale
            ? value.Unscaled * PgNumeric.PowerOfTen(scale - value.Scale)
            : value.Unscaled / PgNumeric.PowerOfTen(value.Scale - scale);

    /// <summary>n / d rounded half away from zero (d positive).</summary>
    private static BigInteger RoundDivide(BigInteger numerator, BigInteger denominator)
    {
        BigInteger quotient = BigInteger.DivRem(numerator, denominator, out BigInteger remainder);
        if (BigInteger.Abs(remainder) * 2 >= denominator) quotient += numerator.Sign;
        return quotient;
    }
}
