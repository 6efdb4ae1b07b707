using Log.QueryNode.Sql.Encoding;
using Log.QueryNode.Sql.Types;
using Log.Wire.Types;

namespace Log.QueryNode.Tests.Sql;

public class KeyEncodingTests
{
    private static byte[] Encode(params object?[] values)
    {
        var encoder = new KeyEncoder(16);
        foreach (object? value in values) encoder.WriteValue(value);
        return encoder.ToArray();
    }

    private static int Sign(int value) => Math.Sign(value);

    private static int CompareTuples(object?[] left, object?[] right)
    {
        for (int index = 0; index < Math.Min(left.Length, right.Length); index++)
        {
            int order = ValueComparer.Instance.Compare(left[index], right[index]);
            if (order != 0) return order;
        }
        return left.Length.CompareTo(right.Length);
    }

    private static void AssertOrderPreserved(IReadOnlyList<object?[]> tuples)
    {
        var encoded = tuples.Select(tuple => Encode(tuple)).ToList();
        for (int i = 0; i < tuples.Count; i++)
        {
            for (int j = 0; j < tuples.Count; j++)
            {
                int expected = Sign(CompareTuples(tuples[i], tuples[j]));
                int actual = Sign(encoded[i].AsSpan().SequenceCompareTo(encoded[j]));
                // The message only on failure: printing numerics of 131072 digits for every pair would dominate the test.
                if (expected != actual) Assert.Fail($"({string.Join(",", tuples[i])}) vs ({string.Join(",", tuples[j])}): expected {expected}, bytes {actual}");
            }
        }
    }

    [Fact]
    public void Integers_order_including_negatives_and_null()
    {
        var random = new Random(1234);
        var values = new List<object?[]> { new object?[] { null }, new object?[] { long.MinValue }, new object?[] { long.MaxValue }, new object?[] { 0L }, new object?[] { -1L } };
        for (int index = 0; index < 150; index++) values.Add([random.NextInt64(long.MinValue, long.MaxValue) >> random.Next(0, 63)]);
        AssertOrderPreserved(values);
    }

    [Fact]
    public void Floats_order_with_special_values()
    {
        var random = new Random(99);
        var values = new List<object?[]> { new object?[] { double.NaN }, new object?[] { double.PositiveInfinity }, new object?[] { double.NegativeInfinity }, new object?[] { 0.0 }, new object?[] { -0.0 }, new object?[] { double.Epsilon }, new object?[] { null } };
        for (int index = 0; index < 150; index++) values.Add([(random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-20, 20))]);
        AssertOrderPreserved(values);
        Assert.Equal(Encode(0.0), Encode(-0.0));
    }

    private static PgNumeric Numeric(string text) =>
        PgNumeric.TryParse(text, out PgNumeric value) == PgNumericParseStatus.Ok ? value : throw new ArgumentException(text);

    [Fact]
    public void Numerics_order_and_equal_scales_encode_alike()
    {
        var random = new Random(7);
        var values = new List<object?[]>
        {
            new object?[] { Numeric("0") }, new object?[] { Numeric("1.2") }, new object?[] { Numeric("1.23") }, new object?[] { Numeric("-1.2") },
            new object?[] { Numeric("-1.23") }, new object?[] { Numeric("79228162514264337593543950335") }, new object?[] { Numeric("0.0000001") },
            new object?[] { PgNumeric.NaN }, new object?[] { PgNumeric.PositiveInfinity }, new object?[] { PgNumeric.NegativeInfinity },
            new object?[] { Numeric("1e131071") }, new object?[] { Numeric("-1e131071") }, new object?[] { Numeric("1e-16383") }, new object?[] { Numeric("-1e-16383") },
            new object?[] { Numeric("1e125") }, new object?[] { Numeric("1e126") }, new object?[] { Numeric("1e-126") }, new object?[] { Numeric("1e-127") },
            new object?[] { Numeric("-1e125") }, new object?[] { Numeric("-1e126") }, new object?[] { Numeric("-1e-126") }, new object?[] { Numeric("-1e-127") },
        };
        for (int index = 0; index < 300; index++)
        {
            // Any precision: up to 60 digits, exponents on both sides of the one-byte exponent range.
            var digits = new System.Numerics.BigInteger(Enumerable.Range(0, random.Next(1, 25)).Select(_ => (byte)random.Next(256)).Append((byte)0).ToArray());
            values.Add([new PgNumeric(random.Next(2) == 0 ? digits : -digits, random.Next(-300, 300))]);
        }
        AssertOrderPreserved(values);
        Assert.Equal(Encode(Numeric("1.5")), Encode(Numeric("1.50")));
        Assert.Equal(Encode(Numeric("1e200")), Encode(Numeric("1e200").Round(3)));
    }

    [Fact]
    public void Text_orders_by_code_point_with_embedded_zero_bytes()
    {
        var random = new Random(42);
        string alphabet = "\0\u0001ab z\u00e9\u4e2d\uffff";
        var values = new List<object?[]> { new object?[] { "" }, new object?[] { "a" }, new object?[] { "a\0" }, new object?[] { "a\0b" }, new object?[] { "ab" }, new object?[] { "\U0001F600" }, new object?[] { "\uffff" } };
        for (int index = 0; index < 150; index++)
        {
            int length = random.Next(0, 6);
            values.Add([new string(Enumerable.Range(0, length).Select(_ => alphabet[random.Next(alphabet.Length)]).ToArray())]);
        }
        AssertOrderPreserved(values);
    }

    [Fact]
    public void Tuples_order_element_by_element()
    {
        var random = new Random(5);
        var values = new List<object?[]>();
        for (int index = 0; index < 200; index++)
        {
            values.Add([(long)random.Next(-3, 3), random.Next(3) == 0 ? null : new string('a', random.Next(0, 3)) + (char)('a' + random.Next(3)), random.Next(2) == 0]);
        }
        values.Add([1L]);
        values.Add([1L, "a"]);
        AssertOrderPreserved(values);
    }
}
