using Log.QueryNode.Execution;

namespace Log.QueryNode.Tests.Sql;

/// <summary>GROUP BY ROLLUP, CUBE, GROUPING SETS and (), their cross products, and GROUPING(). Expected rows and errors were recorded from PostgreSQL 15.</summary>
public class GroupingSetsTests
{
    private readonly SqlHarness _sql = new();

    public GroupingSetsTests()
    {
        _sql.Run("create table s (id int primary key, a int, b text, c int, x numeric)");
        _sql.Run("insert into s values (1, 1, 'p', 10, 1.5), (2, 1, 'q', 20, 2), (3, 2, 'p', 30, 3), (4, 2, null, 40, 4), (5, null, 'q', 50, 5)");
    }

    [Fact]
    public void Rollup_with_grouping()
    {
        Assert.Equal(["NULL|NULL|50|1|0|1|1", "NULL|NULL|150|5|1|1|3", "NULL|q|50|1|0|0|0", "1|NULL|30|2|0|1|1", "1|p|10|1|0|0|0", "1|q|20|1|0|0|0", "2|NULL|40|1|0|0|0", "2|NULL|70|2|0|1|1", "2|p|30|1|0|0|0"], _sql.Text("select a, b, sum(c), count(*), grouping(a), grouping(b), grouping(a, b) from s group by rollup(a, b) order by a nulls first, b nulls first, grouping(a, b)"));
        Assert.Equal(["2|70", "NULL|150", "NULL|50"], _sql.Text("select a, sum(c) from s group by rollup(a) having sum(c) > 30 order by 1"));
        Assert.Equal(["1|30", "2|70", "NULL|150", "NULL|50"], _sql.Text("select a as k, sum(c) from s group by rollup(k) order by 1"));
        Assert.Equal(["2|30", "3|70", "NULL|150", "NULL|50"], _sql.Text("select a + 1, sum(c) from s group by rollup(a + 1) order by 1"));
    }

    [Fact]
    public void Cube_and_grouping_sets()
    {
        Assert.Equal(["1|p|10|0", "1|q|20|0", "1|NULL|30|2", "2|p|30|0", "2|NULL|40|0", "2|NULL|70|2", "NULL|p|40|1", "NULL|q|50|0", "NULL|q|70|1", "NULL|NULL|40|1", "NULL|NULL|50|2", "NULL|NULL|150|3"], _sql.Text("select a, b, sum(c), grouping(b, a) from s group by cube(a, b) order by 1, 2, 3, 4"));
        Assert.Equal(["1|NULL|30", "2|NULL|70", "NULL|p|40", "NULL|q|70", "NULL|NULL|40", "NULL|NULL|50", "NULL|NULL|150"], _sql.Text("select a, b, sum(c) from s group by grouping sets ((a), (b), ()) order by 1, 2, 3"));
        Assert.Equal(["1|p|10", "1|q|20", "1|NULL|30", "1|NULL|30", "2|p|30", "2|NULL|40", "2|NULL|70", "2|NULL|70", "NULL|q|50", "NULL|NULL|50", "NULL|NULL|50"], _sql.Text("select a, b, sum(c) from s group by grouping sets ((a, b), a, (a)) order by 1, 2, 3"));
        Assert.Equal(["1|p|1", "1|q|1", "1|NULL|2", "1|NULL|2", "2|p|1", "2|NULL|1", "2|NULL|2", "2|NULL|2", "NULL|q|1", "NULL|NULL|1", "NULL|NULL|1", "NULL|NULL|5"], _sql.Text("select a, b, count(*) from s group by grouping sets (a, rollup(a, b)) order by 1, 2, 3"));
        Assert.Equal(["1|p|1", "1|p|1", "1|q|1", "1|q|1", "1|NULL|2", "2|p|1", "2|p|1", "2|NULL|1", "2|NULL|1", "2|NULL|2", "NULL|q|1", "NULL|q|1", "NULL|NULL|1", "NULL|NULL|5"], _sql.Text("select a, b, count(*) from s group by cube((a), (b, a)) order by 1, 2, 3"));
    }

    [Fact]
    public void Cross_products_of_grouping_items()
    {
        Assert.Equal(["1|p|1", "1|q|1", "1|NULL|2", "2|p|1", "2|NULL|1", "2|NULL|2", "NULL|q|1", "NULL|NULL|1"], _sql.Text("select a, b, count(*) from s group by a, rollup(b) order by 1, 2, 3"));
        Assert.Equal(["1|p|1", "1|q|1", "1|NULL|2", "2|p|1", "2|NULL|1", "2|NULL|2", "NULL|p|2", "NULL|q|1", "NULL|q|2", "NULL|NULL|1", "NULL|NULL|1", "NULL|NULL|5"], _sql.Text("select a, b, count(*) from s group by rollup(a), rollup(b) order by 1, 2, 3"));
        Assert.Equal(["1|p|1", "1|q|1", "2|p|1", "2|NULL|1", "NULL|q|1", "NULL|NULL|5"], _sql.Text("select a, b, count(*) from s group by rollup((a, b)) order by 1, 2, 3"));
    }

    [Fact]
    public void Empty_input_keeps_the_empty_sets()
    {
        Assert.Equal(["0|NULL"], _sql.Text("select count(*), sum(c) from s where false group by rollup(a)"));
        Assert.Equal(["NULL|0", "NULL|0"], _sql.Text("select a, count(*) from s where false group by grouping sets ((), (a), ())"));
    }

    [Fact]
    public void Aggregates_and_windows_over_grouping_sets()
    {
        Assert.Equal(["NULL|40", "NULL|NULL", "1|10", "2|30"], _sql.Text("select a, sum(c) filter (where b = 'p') from s group by cube(a) order by 1 nulls first"));
        Assert.Equal(["1|30|4", "2|70|2", "NULL|150|1", "NULL|50|3"], _sql.Text("select a, sum(c), rank() over (order by sum(c) desc) from s group by rollup(a) order by 1"));
        Assert.Equal(["1|0", "2|0", "NULL|0"], _sql.Text("select a, grouping(a) from s group by a order by a"));
        Assert.Equal(["1", "2", "NULL"], _sql.Text("select a from s group by a having grouping(a) = 0 order by a"));
    }

    [Theory]
    [InlineData("select grouping(b) from s group by a", "42803", "arguments to GROUPING must be grouping expressions of the associated query level")]
    [InlineData("select a, grouping(a) from s", "42803", "arguments to GROUPING must be grouping expressions of the associated query level")]
    [InlineData("select a from s where grouping(a) = 0", "42803", "grouping operations are not allowed in WHERE")]
    [InlineData("select a, b, c from s group by rollup(a, b)", "42803", "column \"s.c\" must appear in the GROUP BY clause or be used in an aggregate function")]
    public void Errors_match_postgresql(string sql, string sqlState, string message)
    {
        SqlException error = _sql.Error(sql);
        Assert.Equal((sqlState, message), (error.SqlState, error.Message));
    }
}
