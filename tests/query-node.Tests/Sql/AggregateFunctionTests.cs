using Log.QueryNode.Execution;

namespace Log.QueryNode.Tests.Sql;

/// <summary>The aggregate family: FILTER, ORDER BY and DISTINCT inside aggregates, string_agg, bool and bit aggregates, the stddev/variance family, ordered-set aggregates. Expected rows and errors were recorded from PostgreSQL 15.</summary>
public class AggregateFunctionTests
{
    private readonly SqlHarness _sql = new();

    public AggregateFunctionTests()
    {
        _sql.Run("create table t (id int primary key, a int, b int, c text, f float8, n numeric, v varchar(5), ch char(3), g boolean)");
        _sql.Run("insert into t values (1, 1, 1, 'x', 1.5, 1.5, 'p', 'a', true), (2, 1, 2, 'y', 2.5, 2.25, 'q', 'b', false), (3, 2, 3, 'z', 3.5, 3, 'r', 'a', true), (4, 2, null, null, null, null, null, null, null), (5, 3, 5, 'w', 0.1, 0.1, 's', 'c ', true), (6, 3, 5, 'w', -2, 10.125, 's', 'c', true)");
    }

    [Fact]
    public void String_agg_with_order_distinct_and_delimiters()
    {
        Assert.Equal(["x,y,z,w,w|z,y,x,w,w|w-x-y-z|xyzww|pbqarcscs"], _sql.Text("select string_agg(c, ','), string_agg(c, ',' order by c desc), string_agg(distinct c, '-'), string_agg(c, null), string_agg(v, ch) from t"));
        Assert.Equal(["1|y", "2|z", "3|w;w"], _sql.Text("select a, string_agg(c, ';' order by id desc) filter (where b > 1) from t group by a order by a"));
        Assert.Equal(["NULL"], _sql.Text("select string_agg(c, ',') from t where false"));
    }

    [Fact]
    public void Filter_and_distinct()
    {
        Assert.Equal(["4|6|4|11|2.7500000000000000|3"], _sql.Text("select count(*) filter (where a > 1), sum(b) filter (where c <> 'w'), count(distinct b), sum(distinct b), avg(distinct b), count(distinct a) filter (where b is not null) from t"));
        Assert.Equal(["1|1|y|2.5", "2|1|z|NULL", "3|2|w|0.1"], _sql.Text("select a, count(*) filter (where g), min(c) filter (where id > 1), max(f) filter (where f < 3) from t group by a order by a"));
    }

    [Fact]
    public void Boolean_and_bit_aggregates()
    {
        Assert.Equal(["f|t|f|t|f"], _sql.Text("select bool_and(g), bool_or(g), every(g), bool_and(a > 0), bool_or(a > 5) from t"));
        Assert.Equal(["1|f|t", "2|t|f", "3|t|f"], _sql.Text("select a, bool_and(g), bool_or(not g) from t group by a order by a"));
        Assert.Equal(["0|3|0|7|7"], _sql.Text("select bit_and(a), bit_or(a), bit_and(b::int8), bit_or(b::smallint), bit_or(id) from t"));
        Assert.Equal(["NULL|NULL"], _sql.Text("select bool_and(g), bit_or(a) from t where false"));
    }

    [Fact]
    public void Standard_deviation_and_variance()
    {
        Assert.Equal(["0.89442719099991587856|1.7888543819998318|0.81649658092772603273|0.80000000000000000000|3.2000000000000000|2.5600000000000000"], _sql.Text("select stddev(a), stddev_samp(b), stddev_pop(a), variance(a), var_samp(b), var_pop(b) from t"));
        Assert.Equal(["2.149883717785685|1.9229144546755064|4.622|3.6976"], _sql.Text("select stddev(f), stddev_pop(f), variance(f), var_pop(f) from t"));
        Assert.Equal(["3.9117770897636793|3.4987997942151534|15.3020000000000000|12.2416000000000000"], _sql.Text("select stddev(n), stddev_pop(n), variance(n), var_pop(n) from t"));
        Assert.Equal(["1|0.70710678118654752440|0.5|0.14062500000000000000", "2|NULL|NULL|0", "3|0|2.205|25.1251562500000000"], _sql.Text("select a, stddev(b), variance(f), var_pop(n) from t group by a order by a"));
        Assert.Equal(["NULL|NULL|0|0|NULL"], _sql.Text("select stddev(1), variance(1.5), var_pop(2), stddev_pop(3::float8), stddev('1')"));
    }

    [Fact]
    public void Ordered_set_aggregates()
    {
        Assert.Equal(["2|0.1|2.85|x|1|3.5|1|w"], _sql.Text("select percentile_cont(0.5) within group (order by a), percentile_cont(0.25) within group (order by f), percentile_cont(0.3) within group (order by n desc), percentile_disc(0.5) within group (order by c), percentile_disc(0) within group (order by b), percentile_disc(1) within group (order by f), mode() within group (order by a), mode() within group (order by c desc) from t"));
        Assert.Equal(["1|1.5|1.5", "2|3|3.5", "3|5|-2"], _sql.Text("select a, percentile_cont(0.5) within group (order by b), mode() within group (order by f) from t group by a order by a"));
        Assert.Equal(["NULL|NULL"], _sql.Text("select percentile_cont(0.5) within group (order by b), percentile_cont(null) within group (order by b) from t where false"));
        Assert.Equal(["NULL"], _sql.Text("select percentile_cont(null) within group (order by b) from t"));
    }

    [Fact]
    public void Min_max_and_count_over_every_type()
    {
        Assert.Equal(["w|z|a  |s|0.1|3.5|5"], _sql.Text("select min(c), max(c), min(ch), max(v), min(n), max(f), count(ch) from t"));
        Assert.Equal(["6"], _sql.Text("select count(*) from t group by ()"));
        Assert.Equal(["0"], _sql.Text("select count(*) from t where false group by ()"));
    }

    [Theory]
    [InlineData("select percentile_cont(1.5) within group (order by a) from t", "22003", "percentile value 1.5 is not between 0 and 1")]
    [InlineData("select percentile_cont(0.5) from t", "42883", "function percentile_cont(numeric) does not exist")]
    [InlineData("select sum(a) within group (order by a) from t", "42883", "function sum(integer, integer) does not exist")]
    [InlineData("select string_agg(distinct c, ',' order by a) from t", "42P10", "in an aggregate with DISTINCT, ORDER BY expressions must appear in argument list")]
    [InlineData("select string_agg(a, ',') from t", "42883", "function string_agg(integer, unknown) does not exist")]
    [InlineData("select mode() within group (order by 'x') from t", "42804", "could not determine polymorphic type because input has type unknown")]
    [InlineData("select bit_and('1') from t", "42725", "function bit_and(unknown) is not unique")]
    [InlineData("select sum(sum(a)) from t", "42803", "aggregate function calls cannot be nested")]
    [InlineData("select a from t where count(*) > 1", "42803", "aggregate functions are not allowed in WHERE")]
    [InlineData("select bool_and(a) from t", "42883", "function bool_and(integer) does not exist")]
    public void Errors_match_postgresql(string sql, string sqlState, string message)
    {
        SqlException error = _sql.Error(sql);
        Assert.Equal((sqlState, message), (error.SqlState, error.Message));
    }
}
