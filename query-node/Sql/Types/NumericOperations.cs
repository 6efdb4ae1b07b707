using Log.QueryNode.Execution;
using Log.Wire.Types;

namespace Log.QueryNode.Sql.Types;

/// <summary>
/// numeric's operators and casts with PostgreSQL's result scales and errors (numeric.c): + - * exact, / at
/// select_div_scale's scale, % with the larger scale, NaN and the infinities by IEEE-like rules, 22003 beyond numeric's
/// limits, 22012 on division by zero, typmod numeric(p,s) rounding half away from zero.
/// </summary>
internal static class NumericOperations
{
    public static PgNumeric Parse(string text, int? position) => PgNumeric.TryParse(text, out PgNumeric value) switch
    {
        PgNumericParseStatus.Ok => value,
        PgNumericParseStatus.Overflow => throw Overflow(position),
        _ => throw new SqlException(SqlState.InvalidTextRepresentation, $"invalid input syntax for type numeric: \"{text}\"", position),
    };

    public static SqlException Overflow(int? position = null) => new(SqlState.NumericValueOutOfRange, "value overflows numeric format", position);

    /// <summary>A finite result beyond 131072 digits before the point is 22003; more than 16383 after it are rounded off.</summary>
    public static PgNumeric CheckResult(PgNumeric value)
    {
        if (value.IsFinite && value.Scale > PgNumeric.DisplayScaleMax) value = value.Round(PgNumeric.DisplayScaleMax);
        return value.IsWithinLimits ? value : throw Overflow();
    }

    public static PgNumeric Apply(ArithmeticOperator op, PgNumeric left, PgNumeric right) => op switch
    {
        ArithmeticOperator.Add => Add(left, right),
        ArithmeticOperator.Subtract => Add(left, right.Negate()),
        ArithmeticOperator.Multiply => Multiply(left, right),
        ArithmeticOperator.Divide => Divide(left, right),
        _ => Modulo(left, right),
    };

    /// <summary>numeric_add: NaN if either is; Infinity + -Infinity is NaN; an infinity absorbs any finite value.</summary>
    public static PgNumeric Add(PgNumeric left, PgNumeric right)
    {
        if (left.IsFinite && right.IsFinite) return CheckResult(PgNumeric.AddFinite(left, right));
        if (left.IsNaN || right.IsNaN) return PgNumeric.NaN;
        if (left.IsInfinity && right.IsInfinity) return left.Kind == right.Kind ? left : PgNumeric.NaN;
        return left.IsInfinity ? left : right;
    }

    /// <summary>numeric_mul: exact (the scales add up); Infinity × 0 is NaN.</summary>
    public static PgNumeric Multiply(PgNumeric left, PgNumeric right)
    {
        if (left.IsFinite && right.IsFinite) return CheckResult(PgNumeric.MultiplyFinite(left, right));
        if (left.IsNaN || right.IsNaN) return PgNumeric.NaN;
        int sign = left.Sign * right.Sign;
        return sign == 0 ? PgNumeric.NaN : sign > 0 ? PgNumeric.PositiveInfinity : PgNumeric.NegativeInfinity;
    }

    /// <summary>numeric_div: NaN if either is (NaN / 0 too); otherwise x / 0 is 22012; Infinity / Infinity is NaN;
    /// a finite value over an infinity is 0.</summary>
    public static PgNumeric Divide(PgNumeric left, PgNumeric right)
    {
        if (left.IsNaN || right.IsNaN) return PgNumeric.NaN;
        if (right.IsZero) throw ValueArithmetic.DivisionByZero();
        if (left.IsInfinity) return right.IsInfinity ? PgNumeric.NaN : right.Sign * left.Sign > 0 ? PgNumeric.PositiveInfinity : PgNumeric.NegativeInfinity;
        if (right.IsInfinity) return PgNumeric.Zero;
        return CheckResult(PgNumeric.DivideFinite(left, right, DivisionScale(left, right)));
    }

    /// <summary>numeric_div_trunc (div): the quotient truncated to a whole number.</summary>
    public static PgNumeric DivideTruncated(PgNumeric left, PgNumeric right)
    {
        if (left.IsNaN || right.IsNaN) return PgNumeric.NaN;
        if (right.IsZero) throw ValueArithmetic.DivisionByZero();
        if (left.IsInfinity) return right.IsInfinity ? PgNumeric.NaN : right.Sign * left.Sign > 0 ? PgNumeric.PositiveInfinity : PgNumeric.NegativeInfinity;
        if (right.IsInfinity) return PgNumeric.Zero;
        return CheckResult(PgNumeric.DivideFinite(left, right, 0, truncate: true));
    }

    /// <summary>numeric_mod: NaN if either is; x % 0 is 22012; Infinity % y is NaN; x % Infinity is x.</summary>
    public static PgNumeric Modulo(PgNumeric left, PgNumeric right)
    {
        if (left.IsNaN || right.IsNaN) return PgNumeric.NaN;
        if (right.IsZero) throw ValueArithmetic.DivisionByZero();
        if (left.IsInfinity) return PgNumeric.NaN;
        if (right.IsInfinity) return left;
        return PgNumeric.RemainderFinite(left, right);
    }

    /// <summary>select_div_scale: at least 16 significant digits in the quotient (estimated from the base-10000 weights
    /// and first digits), no fewer fraction digits than either input, at most 1000.</summary>
    public static int DivisionScale(PgNumeric left, PgNumeric right)
    {
        (int leftWeight, int leftFirstDigit) = left.Base10000Weight();
        (int rightWeight, int rightFirstDigit) = right.Base10000Weight();
        int quotientWeight = leftWeight - rightWeight;
        if (leftFirstDigit <= rightFirstDigit) quotientWeight--;
        int scale = PgNumeric.MinimumSignificantDigits - quotientWeight * PgNumeric.DecimalDigitsPerBase10000Digit;
        scale = Math.Max(scale, left.Scale);
        scale = Math.Max(scale, right.Scale);
        return Math.Clamp(scale, 0, PgNumeric.PrecisionMax);
    }

    /// <summary>numeric(p,s) (apply_typmod): NaN passes, an infinity is 22003, a finite value rounds half away from zero
    /// to s digits and must then have at most p - s digits before the point.</summary>
    public static PgNumeric ApplyModifier(PgNumeric value, SqlType type)
    {
        int precision = type.NumericPrecision;
        if (precision < 0 || value.IsNaN) return value;
        int scale = type.NumericScale;
        if (value.IsInfinity)
        {
            throw new SqlException(SqlState.NumericValueOutOfRange, "numeric field overflow",
                detail: $"A field with precision {precision}, scale {scale} cannot hold an infinite value.");
        }
        PgNumeric rounded = value.Round(scale);
        int maximumDigits = precision - scale;
        if (!rounded.IsZero && rounded.DecimalExponent + 1 > maximumDigits)
        {
            throw new SqlException(SqlState.NumericValueOutOfRange, "numeric field overflow",
                detail: $"A field with precision {precision}, scale {scale} must round to an absolute value less than {(maximumDigits == 0 ? "1" : "10^" + maximumDigits)}.");
        }
        return rounded;
    }

    /// <summary>numeric_int2/4/8: rounds half away from zero; NaN and the infinities cannot convert (0A000).</summary>
    public static long ToInt64Rounded(PgNumeric value, string typeName)
    {
        if (value.IsNaN) throw new SqlException(SqlState.FeatureNotSupported, $"cannot convert NaN to {typeName}");
        if (value.IsInfinity) throw new SqlException(SqlState.FeatureNotSupported, $"cannot convert infinity to {typeName}");
        System.Numerics.BigInteger whole = value.Round(0).Unscaled;
        if (whole < long.MinValue || whole > long.MaxValue) throw ValueCast.OutOfRange(typeName);
        return (long)whole;
    }

    /// <summary>numeric_float8 and numeric_float4: through the text form, so out of the float's range is float8in's 22003.</summary>
    public static double ToDouble(PgNumeric value, bool single)
    {
        double result = value.ToDouble();
        bool outOfRange = single
            ? value.IsFinite && (float.IsInfinity((float)result) || (!value.IsZero && (float)result == 0))
            : value.IsFinite && (double.IsInfinity(result) || (!value.IsZero && result == 0));
        if (outOfRange)
        {
            throw new SqlException(SqlState.NumericValueOutOfRange, $"\"{value}\" is out of range for type {(single ? "real" : "double precision")}");
        }
        return result;
    }

    /// <summary>A CLR number (an integer, a decimal or a numeric) as numeric.</summary>
    public static PgNumeric From(object value) => value switch
    {
        PgNumeric numeric => numeric,
        short s => PgNumeric.FromInt64(s),
        int i => PgNumeric.FromInt64(i),
        long l => PgNumeric.FromInt64(l),
        decimal m => PgNumeric.FromDecimal(m),
        double d => PgNumeric.FromDouble(d),
        float f => PgNumeric.FromDouble(f, significantDigits: 6),
        _ => throw new InvalidOperationException($"not a number: {value.GetType()}"),
    };
}
