using Log.QueryNode.Sql;

namespace Log.QueryNode.Tests.Sql;

public class FormatTests
{
    private static readonly ResultColumn AnyColumn = new("x", 701, 8, -1);

    [Theory]
    [InlineData(1.5, "1.5")]
    [InlineData(0.1, "0.1")]
    [InlineData(1e100, "1e+100")]
    [InlineData(1e15, "1e+15")]
    [InlineData(1e14, "100000000000000")]
    [InlineData(0.0001, "0.0001")]
    [InlineData(0.00001, "1e-05")]
    [InlineData(123456789012345680000.0, "1.2345678901234568e+20")]
    [InlineData(-2.5, "-2.5")]
    [InlineData(100.0, "100")]
    [InlineData(double.PositiveInfinity, "Infinity")]
    [InlineData(double.NegativeInfinity, "-Infinity")]
    [InlineData(double.NaN, "NaN")]
    [InlineData(-0.0, "-0")]
    [InlineData(0.0, "0")]
    [InlineData(1.0 / 3, "0.3333333333333333")]
    public void Float8_output_matches_postgresql(double value, string expected) => Assert.Equal(expected, AnyColumn.FormatText(value));

    [Fact]
    public void Other_types()
    {
        Assert.Equal("t", AnyColumn.FormatText(true));
        Assert.Equal("f", AnyColumn.FormatText(false));
        Assert.Equal("1.50", AnyColumn.FormatText(1.50m));
        Assert.Equal("-42", AnyColumn.FormatText(-42));
        Assert.Equal("9223372036854775807", AnyColumn.FormatText(long.MaxValue));
        Assert.Null(AnyColumn.FormatText(null));
    }

    [Fact]
    public void Float8_results_through_sql()
    {
        var sql = new SqlHarness();
        Assert.Equal("0.30000000000000004|1e+100|Infinity", sql.Scalar("select 0.1::float8 + 0.2::float8, 1e100::float8, 'infinity'::float8"));
        Assert.Equal("0.33333333333333333333", sql.Scalar("select 1::numeric / 3"));
    }
}
