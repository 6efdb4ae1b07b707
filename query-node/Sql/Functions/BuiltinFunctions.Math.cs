using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Types;
using Log.Wire.Types;

namespace Log.QueryNode.Sql.Functions;

/// <summary>Mathematical functions (PostgreSQL's float.c, int.c and numeric.c), with their overloads per type so that
/// round(1) is round(double precision) and round(1.5) round(numeric), as in PostgreSQL.</summary>
internal static partial class BuiltinFunctions
{
    /// <summary>PostgreSQL's degree-based trigonometry returns exact values at these angles.</summary>
    private const double DegreesPerRadian = 180.0 / Math.PI;

    private static void AddMath(FunctionRegistry registry)
    {
        Add(registry, "abs", [Int2], Int2, (a, _) => (short)a[0]! == short.MinValue ? throw ValueCast.OutOfRange("smallint") : (short)Math.Abs((short)a[0]!));
        Add(registry, "abs", [Int4], Int4, (a, _) => (int)a[0]! == int.MinValue ? throw ValueCast.OutOfRange("integer") : Math.Abs((int)a[0]!));
        Add(registry, "abs", [Int8], Int8, (a, _) => (long)a[0]! == long.MinValue ? throw ValueCast.OutOfRange("bigint") : Math.Abs((long)a[0]!));
        Add(registry, "abs", [Float8], Float8, (a, _) => Math.Abs((double)a[0]!));
        Add(registry, "abs", [Numeric], Numeric, (a, _) => ((PgNumeric)a[0]!).Abs());

        Add(registry, "round", [Float8], Float8, (a, _) => Math.Round((double)a[0]!, MidpointRounding.ToEven));
        Add(registry, "round", [Numeric], Numeric, (a, _) => RoundNumeric((PgNumeric)a[0]!, 0, truncate: false));
        Add(registry, "round", [Numeric, Int4], Numeric, (a, _) => RoundNumeric((PgNumeric)a[0]!, (int)a[1]!, truncate: false));
        Add(registry, "trunc", [Float8], Float8, (a, _) => Math.Truncate((double)a[0]!));
        Add(registry, "trunc", [Numeric], Numeric, (a, _) => RoundNumeric((PgNumeric)a[0]!, 0, truncate: true));
        Add(registry, "trunc", [Numeric, Int4], Numeric, (a, _) => RoundNumeric((PgNumeric)a[0]!, (int)a[1]!, truncate: true));
        foreach (string name in new[] { "ceil", "ceiling" })
        {
            Add(registry, name, [Float8], Float8, (a, _) => Math.Ceiling((double)a[0]!));
            Add(registry, name, [Numeric], Numeric, (a, _) => ((PgNumeric)a[0]!).RoundToWhole(ceiling: true));
        }
        Add(registry, "floor", [Float8], Float8, (a, _) => Math.Floor((double)a[0]!));
        Add(registry, "floor", [Numeric], Numeric, (a, _) => ((PgNumeric)a[0]!).RoundToWhole(ceiling: false));
        Add(registry, "sign", [Float8], Float8, (a, _) => (double)a[0]! > 0 ? 1.0 : (double)a[0]! < 0 ? -1.0 : 0.0);
        Add(registry, "sign", [Numeric], Numeric, (a, _) => (PgNumeric)a[0]! is { IsNaN: true } nan ? nan : PgNumeric.FromInt64(((PgNumeric)a[0]!).Sign));

        Add(registry, "sqrt", [Float8], Float8, (a, _) => (double)a[0]! < 0
            ? throw new SqlException(EngineSqlState.InvalidArgumentForPowerFunction, "cannot take square root of a negative number")
            : Math.Sqrt((double)a[0]!));
        Add(registry, "sqrt", [Numeric], Numeric, (a, _) => NumericMath.Sqrt((PgNumeric)a[0]!));
        Add(registry, "cbrt", [Float8], Float8, (a, _) => Math.Cbrt((double)a[0]!));
        Add(registry, "exp", [Float8], Float8, (a, _) => CheckFloat(Math.Exp((double)a[0]!), (double)a[0]!, allowZero: false));
        Add(registry, "exp", [Numeric], Numeric, (a, _) => NumericMath.Exp((PgNumeric)a[0]!));
        Add(registry, "ln", [Float8], Float8, (a, _) => Math.Log(LogArgument((double)a[0]!)));
        Add(registry, "ln", [Numeric], Numeric, (a, _) => NumericMath.Ln((PgNumeric)a[0]!));
        foreach (string name in new[] { "log", "log10" })
        {
            Add(registry, name, [Float8], Float8, (a, _) => Math.Log10(LogArgument((double)a[0]!)));
            Add(registry, name, [Numeric], Numeric, (a, _) => NumericMath.Log(PgNumeric.FromInt64(10), (PgNumeric)a[0]!));
        }
        Add(registry, "log", [Numeric, Numeric], Numeric, (a, _) => NumericMath.Log((PgNumeric)a[0]!, (PgNumeric)a[1]!));
        foreach (string name in new[] { "power", "pow" })
        {
            Add(registry, name, [Float8, Float8], Float8, (a, _) => PowerFloat((double)a[0]!, (double)a[1]!));
            Add(registry, name, [Numeric, Numeric], Numeric, (a, _) => NumericMath.Power((PgNumeric)a[0]!, (PgNumeric)a[1]!));
        }

        Add(registry, "mod", [Int2, Int2], Int2, (a, _) => (short)IntegerModulo((short)a[0]!, (short)a[1]!));
        Add(registry, "mod", [Int4, Int4], Int4, (a, _) => (int)IntegerModulo((int)a[0]!, (int)a[1]!));
        Add(registry, "mod", [Int8, Int8], Int8, (a, _) => IntegerModulo((long)a[0]!, (long)a[1]!));
        Add(registry, "mod", [Numeric, Numeric], Numeric, (a, _) => NumericOperations.Modulo((PgNumeric)a[0]!, (PgNumeric)a[1]!));
        Add(registry, "div", [Numeric, Numeric], Numeric, (a, _) => NumericOperations.DivideTruncated((PgNumeric)a[0]!, (PgNumeric)a[1]!));
        Add(registry, "gcd", [Int4, Int4], Int4, (a, _) => (int)CheckedGcd((int)a[0]!, (int)a[1]!, int.MinValue, "integer"));
        Add(registry, "gcd", [Int8, Int8], Int8, (a, _) => CheckedGcd((long)a[0]!, (long)a[1]!, long.MinValue, "bigint"));
        Add(registry, "gcd", [Numeric, Numeric], Numeric, (a, _) => GcdNumeric((PgNumeric)a[0]!, (PgNumeric)a[1]!));
        Add(registry, "lcm", [Int4, Int4], Int4, (a, _) => (int)Lcm((int)a[0]!, (int)a[1]!, int.MinValue, int.MaxValue, "integer"));
        Add(registry, "lcm", [Int8, Int8], Int8, (a, _) => Lcm((long)a[0]!, (long)a[1]!, long.MinValue, long.MaxValue, "bigint"));
        Add(registry, "lcm", [Numeric, Numeric], Numeric, (a, _) => LcmNumeric((PgNumeric)a[0]!, (PgNumeric)a[1]!));
        Add(registry, "factorial", [Int8], Numeric, (a, _) => Factorial((long)a[0]!));
        Add(registry, "width_bucket", [Float8, Float8, Float8, Int4], Int4,
            (a, _) => WidthBucket((double)a[0]!, (double)a[1]!, (double)a[2]!, (int)a[3]!, double.IsNaN((double)a[0]!) || double.IsNaN((double)a[1]!) || double.IsNaN((double)a[2]!)));
        Add(registry, "width_bucket", [Numeric, Numeric, Numeric, Int4], Int4,
            (a, _) => WidthBucket(((PgNumeric)a[0]!).ToDouble(), ((PgNumeric)a[1]!).ToDouble(), ((PgNumeric)a[2]!).ToDouble(), (int)a[3]!,
                ((PgNumeric)a[0]!).IsNaN || ((PgNumeric)a[1]!).IsNaN || ((PgNumeric)a[2]!).IsNaN));
        Add(registry, "scale", [Numeric], Int4, (a, _) => (PgNumeric)a[0]! is { IsFinite: true } number ? number.Scale : null);
        Add(registry, "min_scale", [Numeric], Int4, (a, _) => (PgNumeric)a[0]! is { IsFinite: true } number ? number.TrimScale().Scale : null);
        Add(registry, "trim_scale", [Numeric], Numeric, (a, _) => ((PgNumeric)a[0]!).TrimScale());

        // The bitwise operators' functions (int4and ...), as pg_proc names them.
        Add(registry, "int2and", [Int2, Int2], Int2, (a, _) => (short)((short)a[0]! & (short)a[1]!));
        Add(registry, "int4and", [Int4, Int4], Int4, (a, _) => (int)a[0]! & (int)a[1]!);
        Add(registry, "int8and", [Int8, Int8], Int8, (a, _) => (long)a[0]! & (long)a[1]!);
        Add(registry, "int2or", [Int2, Int2], Int2, (a, _) => (short)((short)a[0]! | (short)a[1]!));
        Add(registry, "int4or", [Int4, Int4], Int4, (a, _) => (int)a[0]! | (int)a[1]!);
        Add(registry, "int8or", [Int8, Int8], Int8, (a, _) => (long)a[0]! | (long)a[1]!);
        Add(registry, "int2xor", [Int2, Int2], Int2, (a, _) => (short)((short)a[0]! ^ (short)a[1]!));
        Add(registry, "int4xor", [Int4, Int4], Int4, (a, _) => (int)a[0]! ^ (int)a[1]!);
        Add(registry, "int8xor", [Int8, Int8], Int8, (a, _) => (long)a[0]! ^ (long)a[1]!);
        Add(registry, "int2not", [Int2], Int2, (a, _) => (short)~(short)a[0]!);
        Add(registry, "int4not", [Int4], Int4, (a, _) => ~(int)a[0]!);
        Add(registry, "int8not", [Int8], Int8, (a, _) => ~(long)a[0]!);
        Add(registry, "int2shl", [Int2, Int4], Int2, (a, _) => (short)((short)a[0]! << (int)a[1]!));
        Add(registry, "int4shl", [Int4, Int4], Int4, (a, _) => (int)a[0]! << (int)a[1]!);
        Add(registry, "int8shl", [Int8, Int4], Int8, (a, _) => (long)a[0]! << (int)a[1]!);
        Add(registry, "int2shr", [Int2, Int4], Int2, (a, _) => (short)((short)a[0]! >> (int)a[1]!));
        Add(registry, "int4shr", [Int4, Int4], Int4, (a, _) => (int)a[0]! >> (int)a[1]!);
        Add(registry, "int8shr", [Int8, Int4], Int8, (a, _) => (long)a[0]! >> (int)a[1]!);

        Add(registry, "pi", [], Float8, (_, _) => Math.PI);
        Add(registry, "random", [], Float8, (_, context) => RandomOf(context).NextDouble(), Volatility.Volatile);
        Add(registry, "setseed", [Float8], Void, SetSeed, Volatility.Volatile);
        Add(registry, "degrees", [Float8], Float8, (a, _) => (double)a[0]! * DegreesPerRadian);
        Add(registry, "radians", [Float8], Float8, (a, _) => (double)a[0]! * (Math.PI / 180.0));
        AddTrigonometry(registry, "sin", Math.Sin, double.NegativeInfinity, double.PositiveInfinity);
        AddTrigonometry(registry, "cos", Math.Cos, double.NegativeInfinity, double.PositiveInfinity);
        AddTrigonometry(registry, "tan", Math.Tan, double.NegativeInfinity, double.PositiveInfinity);
        AddTrigonometry(registry, "cot", x => 1.0 / Math.Tan(x), double.NegativeInfinity, double.PositiveInfinity);
        AddTrigonometry(registry, "asin", Math.Asin, -1, 1);
        AddTrigonometry(registry, "acos", Math.Acos, -1, 1);
        AddTrigonometry(registry, "atan", Math.Atan, double.NegativeInfinity, double.PositiveInfinity);
        AddTrigonometry(registry, "sinh", Math.Sinh, double.NegativeInfinity, double.PositiveInfinity);
        AddTrigonometry(registry, "cosh", Math.Cosh, double.NegativeInfinity, double.PositiveInfinity);
        AddTrigonometry(registry, "tanh", Math.Tanh, double.NegativeInfinity, double.PositiveInfinity);
        AddTrigonometry(registry, "asinh", Math.Asinh, double.NegativeInfinity, double.PositiveInfinity);
        AddTrigonometry(registry, "acosh", Math.Acosh, 1, double.PositiveInfinity);
        AddTrigonometry(registry, "atanh", Math.Atanh, -1, 1);
        Add(registry, "atan2", [Float8, Float8], Float8, (a, _) => Math.Atan2((double)a[0]!, (double)a[1]!));
        AddTrigonometry(registry, "sind", x => DegreeFunction(Math.Sin, x * (Math.PI / 180.0), SineExact(x)), double.NegativeInfinity, double.PositiveInfinity, rejectInfinity: true);
        AddTrigonometry(registry, "cosd", x => DegreeFunction(Math.Cos, x * (Math.PI / 180.0), SineExact(x + 90)), double.NegativeInfinity, double.PositiveInfinity, rejectInfinity: true);
        AddTrigonometry(registry, "tand", x => TangentDegrees(x), double.NegativeInfinity, double.PositiveInfinity, rejectInfinity: true);
        AddTrigonometry(registry, "cotd", x => 1.0 / TangentDegrees(x) + 0.0, double.NegativeInfinity, double.PositiveInfinity, rejectInfinity: true);
        AddTrigonometry(registry, "asind", x => ExactDegrees(Math.Asin(x) * DegreesPerRadian), -1, 1);
        AddTrigonometry(registry, "acosd", x => ExactDegrees(Math.Acos(x) * DegreesPerRadian), -1, 1);
        AddTrigonometry(registry, "atand", x => ExactDegrees(Math.Atan(x) * DegreesPerRadian), double.NegativeInfinity, double.PositiveInfinity);
        Add(registry, "atan2d", [Float8, Float8], Float8, (a, _) => ExactDegrees(Math.Atan2((double)a[0]!, (double)a[1]!) * DegreesPerRadian));
    }

    /// <summary>A float8 function of one argument whose domain is [minimum, maximum]: outside it, 22003 "input is out of range".</summary>
    private static void AddTrigonometry(FunctionRegistry registry, string name, Func<double, double> function, double minimum, double maximum, bool rejectInfinity = false) =>
        Add(registry, name, [Float8], Float8, (a, _) =>
        {
            double value = (double)a[0]!;
            if (double.IsNaN(value)) return double.NaN;
            if (value < minimum || value > maximum || (rejectInfinity && double.IsInfinity(value)))
            {
                throw new SqlException(SqlState.NumericValueOutOfRange, "input is out of range");
            }
            return function(value);
        });

    /// <summary>sin of a whole number of degrees that is a multiple of 30 is exact in PostgreSQL (sind(30) = 0.5).</summary>
    private static double? SineExact(double degrees)
    {
        double reduced = degrees % 360.0;
        if (reduced < 0) reduced += 360.0;
        return reduced switch
        {
            0 or 180 => 0.0,
            30 or 150 => 0.5,
            90 => 1.0,
            210 or 330 => -0.5,
            270 => -1.0,
            _ => null,
        };
    }

    private static double DegreeFunction(Func<double, double> function, double radians, double? exact) => exact ?? function(radians);

    private static double TangentDegrees(double degrees)
    {
        double reduced = degrees % 180.0;
        if (reduced < 0) reduced += 180.0;
        return reduced switch
        {
            0 => 0.0,
            45 => 1.0,
            90 => double.PositiveInfinity,
            135 => -1.0,
            _ => Math.Tan(degrees * (Math.PI / 180.0)),
        };
    }

    /// <summary>Inverse degree functions return whole degrees exactly where the true answer is one (asind(0.5) = 30).</summary>
    private static double ExactDegrees(double degrees)
    {
        double rounded = Math.Round(degrees);
        return Math.Abs(degrees - rounded) < 1e-12 ? rounded : degrees;
    }

    private static double LogArgument(double value)
    {
        if (value == 0) throw new SqlException(EngineSqlState.InvalidArgumentForLogarithm, "cannot take logarithm of zero");
        if (value < 0) throw new SqlException(EngineSqlState.InvalidArgumentForLogarithm, "cannot take logarithm of a negative number");
        return value;
    }

    /// <summary>float8 overflow (an infinite result from finite input) and underflow (zero from a nonzero exact result) are 22003.</summary>
    private static double CheckFloat(double result, double input, bool allowZero)
    {
        if (double.IsInfinity(result) && !double.IsInfinity(input)) throw new SqlException(SqlState.NumericValueOutOfRange, "value out of range: overflow");
        if (result == 0 && !allowZero && !double.IsInfinity(input)) throw new SqlException(SqlState.NumericValueOutOfRange, "value out of range: underflow");
        return result;
    }

    private static double PowerFloat(double value, double exponent)
    {
        if (value == 0 && exponent < 0)
        {
            throw new SqlException(EngineSqlState.InvalidArgumentForPowerFunction, "zero raised to a negative power is undefined");
        }
        if (value < 0 && exponent != Math.Floor(exponent) && !double.IsInfinity(exponent))
        {
            throw new SqlException(EngineSqlState.InvalidArgumentForPowerFunction, "a negative number raised to a non-integer power yields a complex result");
        }
        double result = Math.Pow(value, exponent);
        if (double.IsInfinity(result) && !double.IsInfinity(value) && !double.IsInfinity(exponent))
        {
            throw new SqlException(SqlState.NumericValueOutOfRange, "value out of range: overflow");
        }
        if (result == 0 && value != 0 && !double.IsInfinity(exponent) && !double.IsInfinity(value))
        {
            throw new SqlException(SqlState.NumericValueOutOfRange, "value out of range: underflow");
        }
        return result;
    }

    /// <summary>round(numeric, s) and trunc(numeric, s): a negative s rounds to the left of the point; the result shows
    /// max(s, 0) fraction digits; NaN and the infinities stay as they are.</summary>
    private static PgNumeric RoundNumeric(PgNumeric number, int places, bool truncate)
    {
        // numeric_round limits the scale to NUMERIC_MAX_RESULT_SCALE either way.
        const int placesLimit = 2 * PgNumeric.PrecisionMax;
        places = Math.Clamp(places, -placesLimit, placesLimit);
        return truncate ? number.Truncate(places) : NumericOperations.CheckResult(number.Round(places));
    }

    private static long IntegerModulo(long left, long right)
    {
        if (right == 0) throw ValueArithmetic.DivisionByZero();
        return right == -1 ? 0 : left % right;
    }

    private static long CheckedGcd(long left, long right, long minimum, string typeName)
    {
        long result = Gcd(left, right);
        if (result == minimum) throw ValueCast.OutOfRange(typeName);
        return Math.Abs(result);
    }

    private static long Gcd(long left, long right)
    {
        while (right != 0)
        {
            long remainder = left % right;
            left = right;
            right = remainder;
        }
        return left;
    }

    private static long Lcm(long left, long right, long minimum, long maximum, string typeName)
    {
        if (left == 0 || right == 0) return 0;
        long gcd = Math.Abs(Gcd(left, right));
        try
        {
            long result = checked(Math.Abs(checked(left / gcd * right)));
            if (result < minimum || result > maximum) throw ValueCast.OutOfRange(typeName);
            return result;
        }
        catch (OverflowException)
        {
            throw ValueCast.OutOfRange(typeName);
        }
    }

    /// <summary>gcd and lcm over numeric: exact at the larger scale; NaN if either is NaN or infinite.</summary>
    private static PgNumeric GcdNumeric(PgNumeric left, PgNumeric right)
    {
        if (!left.IsFinite || !right.IsFinite) return PgNumeric.NaN;
        int scale = Math.Max(left.Scale, right.Scale);
        return new PgNumeric(System.Numerics.BigInteger.GreatestCommonDivisor(left.Round(scale).Unscaled, right.Round(scale).Unscaled), scale);
    }

    private static PgNumeric LcmNumeric(PgNumeric left, PgNumeric right)
    {
        if (!left.IsFinite || !right.IsFinite) return PgNumeric.NaN;
        int scale = Math.Max(left.Scale, right.Scale);
        if (left.IsZero || right.IsZero) return new PgNumeric(System.Numerics.BigInteger.Zero, scale);
        System.Numerics.BigInteger leftAligned = left.Round(scale).Unscaled;
        System.Numerics.BigInteger rightAligned = right.Round(scale).Unscaled;
        System.Numerics.BigInteger gcd = System.Numerics.BigInteger.GreatestCommonDivisor(leftAligned, rightAligned);
        return NumericOperations.CheckResult(new PgNumeric(System.Numerics.BigInteger.Abs(leftAligned / gcd * rightAligned), scale));
    }

    /// <summary>numeric_fac: n! exactly; a negative n is 22003, and beyond 32177 the result overflows numeric.</summary>
    private static PgNumeric Factorial(long value)
    {
        const long factorialMax = 32177;
        if (value < 0) throw new SqlException(SqlState.NumericValueOutOfRange, "factorial of a negative number is undefined");
        if (value > factorialMax) throw NumericMath.Overflow();
        System.Numerics.BigInteger result = System.Numerics.BigInteger.One;
        for (long factor = 2; factor <= value; factor++) result *= factor;
        return new PgNumeric(result, 0);
    }

    /// <summary>width_bucket(operand, low, high, count): which of count equal buckets over [low, high) holds the operand;
    /// 0 below, count + 1 above (reversed when high &lt; low).</summary>
    private static int WidthBucket(double operand, double low, double high, int count, bool isNaN)
    {
        if (count <= 0) throw new SqlException(EngineSqlState.InvalidArgumentForWidthBucketFunction, "count must be greater than zero");
        if (isNaN) throw new SqlException(EngineSqlState.InvalidArgumentForWidthBucketFunction, "operand, lower bound, and upper bound cannot be NaN");
        if (double.IsInfinity(low) || double.IsInfinity(high))
        {
            throw new SqlException(EngineSqlState.InvalidArgumentForWidthBucketFunction, "lower and upper bounds must be finite");
        }
        if (low == high) throw new SqlException(EngineSqlState.InvalidArgumentForWidthBucketFunction, "lower bound cannot equal upper bound");
        long bucket;
        if (low < high)
        {
            if (operand < low) bucket = 0;
            else if (operand >= high) bucket = (long)count + 1;
            else bucket = (long)(count * ((operand - low) / (high - low))) + 1;
        }
        else
        {
            if (operand > low) bucket = 0;
            else if (operand <= high) bucket = (long)count + 1;
            else bucket = (long)(count * ((low - operand) / (low - high))) + 1;
        }
        if (bucket > int.MaxValue) throw ValueCast.OutOfRange("integer");
        return (int)bucket;
    }

    private static Random RandomOf(EvaluationContext context) => context.Statement?.Session?.Random ?? Random.Shared;

    /// <summary>setseed(s), s in [-1, 1]: random() then repeats the same sequence for the same seed.</summary>
    private static object SetSeed(ReadOnlySpan<object?> arguments, EvaluationContext context)
    {
        double seed = (double)arguments[0]!;
        if (seed < -1 || seed > 1 || double.IsNaN(seed))
        {
            throw new SqlException(SqlState.InvalidParameterValue, $"setseed parameter {ValueFormatter.FormatFloat8(seed)} is out of allowed range [-1,1]");
        }
        if (context.Statement?.Session is { } session) session.Random = new PostgresRandom(seed);
        return VoidValue;
    }
}
