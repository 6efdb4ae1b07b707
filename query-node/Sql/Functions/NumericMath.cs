using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Functions;

/// <summary>
/// sqrt, ln, log, exp and power over numeric, with PostgreSQL's result scales (numeric.c: at least 16 significant
/// digits, never fewer fraction digits than the inputs). System.Decimal carries 28 digits, so the series below are
/// computed to that and rounded to the scale PostgreSQL would show; a result beyond its range is 22003.
/// </summary>
internal static class NumericMath
{
    /// <summary>NUMERIC_MIN_SIG_DIGITS.</summary>
    private const int MinimumSignificantDigits = 16;

    /// <summary>System.Decimal's largest scale.</summary>
    private const int DecimalScaleMax = 28;

    private const decimal Ln10 = 2.3025850929940456840179914547m;
    private const decimal E = 2.7182818284590452353602874714m;

    /// <summary>numeric_sqrt's scale: from the base-10000 weight of the argument.</summary>
    public static decimal Sqrt(decimal value)
    {
        if (value < 0)
        {
            throw new SqlException(EngineSqlState.InvalidArgumentForPowerFunction, "cannot take square root of a negative number");
        }
        (int weight, _) = ValueArithmetic.Base10000Weight(value);
        int squareWeight = (weight + 1) * 4 / 2 - 1;
        int scale = Math.Max(MinimumSignificantDigits - squareWeight, value.Scale);
        if (value == 0) return Round(0m, scale);
        decimal root = (decimal)Math.Sqrt((double)value);
        for (int iteration = 0; iteration < 4 && root != 0; iteration++) root = (root + value / root) / 2;
        return Round(root, scale);
    }

    public static decimal Exp(decimal value)
    {
        double weight = (double)value * 0.434294481903252;
        int scale = Math.Max(MinimumSignificantDigits - (int)weight, value.Scale);
        return Round(ExpRaw(value), scale);
    }

    public static decimal Ln(decimal value)
    {
        CheckLogArgument(value);
        int scale = Math.Max(MinimumSignificantDigits - EstimateLnDecimalWeight(value), value.Scale);
        return Round(LnRaw(value), scale);
    }

    /// <summary>log(base, value), and log(value) / log10(value) with base 10.</summary>
    public static decimal Log(decimal logBase, decimal value)
    {
        CheckLogArgument(logBase);
        CheckLogArgument(value);
        decimal lnBase = LnRaw(logBase);
        if (lnBase == 0) throw ValueArithmetic.DivisionByZero();
        int resultWeight = EstimateLnDecimalWeight(value) - EstimateLnDecimalWeight(logBase);
        int scale = Math.Max(Math.Max(MinimumSignificantDigits - resultWeight, (int)logBase.Scale), (int)value.Scale);
        return Round(LnRaw(value) / lnBase, scale);
    }

    public static decimal Power(decimal value, decimal exponent)
    {
        if (value == 0 && exponent < 0)
        {
            throw new SqlException(EngineSqlState.InvalidArgumentForPowerFunction, "zero raised to a negative power is undefined");
        }
        bool integral = exponent == decimal.Truncate(exponent);
        if (value < 0 && !integral)
        {
            throw new SqlException(EngineSqlState.InvalidArgumentForPowerFunction, "a negative number raised to a non-integer power yields a complex result");
        }
        if (integral && exponent >= int.MinValue && exponent <= int.MaxValue)
        {
            int scale = Math.Max(MinimumSignificantDigits, (int)value.Scale);
            return Round(IntegerPower(value, (long)exponent), scale);
        }
        if (value == 0) return Round(0m, MinimumSignificantDigits);
        decimal logarithm = LnRaw(value) * exponent;
        double weight = (double)logarithm * 0.434294481903252;
        int resultScale = Math.Max(Math.Max(MinimumSignificantDigits - (int)weight, (int)value.Scale), (int)exponent.Scale);
        return Round(ExpRaw(logarithm), resultScale);
    }

    private static void CheckLogArgument(decimal value)
    {
        if (value == 0) throw new SqlException(EngineSqlState.InvalidArgumentForLogarithm, "cannot take logarithm of zero");
        if (value < 0) throw new SqlException(EngineSqlState.InvalidArgumentForLogarithm, "cannot take logarithm of a negative number");
    }

    /// <summary>estimate_ln_dweight: the decimal weight of ln(value), which sets the result's scale.</summary>
    private static int EstimateLnDecimalWeight(decimal value)
    {
        if (value >= 0.9m && value <= 1.1m)
        {
            decimal difference = Math.Abs(value - 1);
            return difference == 0 ? 0 : (int)Math.Floor(Math.Log10((double)difference));
        }
        return (int)Math.Log10(Math.Abs(Math.Log((double)value)));
    }

    private static decimal IntegerPower(decimal value, long exponent)
    {
        try
        {
            bool negative = exponent < 0;
            ulong remaining = (ulong)Math.Abs(exponent);
            decimal result = 1;
            decimal square = value;
            while (remaining > 0)
            {
                if ((remaining & 1) != 0) result *= square;
                remaining >>= 1;
                if (remaining > 0) square *= square;
            }
            return negative ? 1 / result : result;
        }
        catch (OverflowException)
        {
            throw Overflow();
        }
    }

    /// <summary>e^x to decimal's precision: e^round(x) by multiplication, e^(fraction) by its Taylor series.</summary>
    private static decimal ExpRaw(decimal value)
    {
        try
        {
            decimal whole = decimal.Round(value);
            decimal fraction = value - whole;
            decimal term = 1;
            decimal sum = 1;
            for (int index = 1; index < 60; index++)
            {
                term = term * fraction / index;
                if (term == 0) break;
                sum += term;
            }
            decimal wholePart = IntegerPower(E, (long)whole);
            return sum * wholePart;
        }
        catch (OverflowException)
        {
            throw Overflow();
        }
    }

    /// <summary>ln(x): x = m·10^k with m in [1, 10); ln m from a double estimate refined by Newton steps on e^y = m.</summary>
    private static decimal LnRaw(decimal value)
    {
        int exponent = 0;
        decimal mantissa = value;
        while (mantissa >= 10)
        {
            mantissa /= 10;
            exponent++;
        }
        while (mantissa < 1)
        {
            mantissa *= 10;
            exponent--;
        }
        decimal estimate = (decimal)Math.Log((double)mantissa);
        for (int iteration = 0; iteration < 3; iteration++)
        {
            decimal power = ExpRaw(estimate);
            estimate += 2 * (mantissa - power) / (mantissa + power);
        }
        return estimate + exponent * Ln10;
    }

    /// <summary>Rounds half away from zero to the scale (at most decimal's 28) and shows exactly that many digits.</summary>
    public static decimal Round(decimal value, int scale)
    {
        scale = Math.Clamp(scale, 0, DecimalScaleMax);
        return ValueCast.SetScale(Math.Round(value, scale, MidpointRounding.AwayFromZero), scale);
    }

    public static SqlException Overflow() => new(SqlState.NumericValueOutOfRange, "value overflows numeric format");
}
