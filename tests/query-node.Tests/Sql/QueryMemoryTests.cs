using Log.QueryNode.Sql;

namespace Log.QueryNode.Tests.Sql;

/// <summary>
/// Sorts and hash tables count their rows against the per-query memory limit (DSQL's 128 MiB by default); past it
/// the statement fails with 53200 "out of memory", and the next statement starts from nothing again.
/// </summary>
public class QueryMemoryTests
{
    private const long LimitBytes = 256 * 1024;

    private readonly SqlHarness _sql = new() { Engine = new SqlEngine { QueryMemoryBytesMax = LimitBytes } };

    public QueryMemoryTests()
    {
        _sql.Run("create table big (id bigint primary key, grp int, note text)");
        _sql.Run("insert into big select g, (g % 3000)::int, 'note number ' || g from generate_series(1::bigint, 6000) as g");
        _sql.Run("create table small (id bigint primary key, note text)");
        _sql.Run("insert into small select g, 'note ' || g from generate_series(1::bigint, 50) as g");
    }

    [Theory]
    [InlineData("select id, note from big order by note", "Sort")]
    [InlineData("select count(*) from small s join big b on s.id = b.grp", "Hash Join")]
    [InlineData("select grp, count(*) from big group by grp", "HashAggregate")]
    [InlineData("select distinct note from big", "HashAggregate")]
    [InlineData("select note from big union select note from small", "HashAggregate")]
    [InlineData("select note from big except select note from small", "HashSetOp")]
    [InlineData("select count(*) from small s join big b on s.id < b.grp", "Nested Loop")]
    public void Past_the_limit_the_query_fails_with_53200(string sql, string operatorName)
    {
        var error = _sql.Error(sql);
        Assert.Equal("53200", error.SqlState);
        Assert.Equal("out of memory", error.Message);
        Assert.Contains($"{LimitBytes} bytes", error.Detail);
        Assert.Contains(operatorName, error.Detail);
    }

    [Theory]
    [InlineData("select id, note from small order by note desc limit 3", "9|note 9")]
    [InlineData("select count(*) from big b join small s on s.id = b.grp + 0", "100")]
    [InlineData("select count(*) from (select grp from big where id <= 500 group by grp) g", "500")]
    [InlineData("select count(*) from big", "6000")]
    public void Below_the_limit_the_same_operators_run(string sql, string firstRow)
    {
        Assert.Equal(firstRow, _sql.Text(sql)[0]);
        // The failed statement's memory is not held against the next one.
        Assert.Equal("53200", _sql.Error("select id, note from big order by note").SqlState);
        Assert.Equal(firstRow, _sql.Text(sql)[0]);
    }

    [Fact]
    public void The_default_limit_is_DSQLs_128_MiB()
    {
        Assert.Equal(128L * 1024 * 1024, new SqlEngine().QueryMemoryBytesMax);
        Assert.Equal(SqlLimits.QueryMemoryBytesDefault, new SqlEngine().QueryMemoryBytesMax);
    }
}
