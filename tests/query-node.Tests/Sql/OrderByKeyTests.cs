namespace Log.QueryNode.Tests.Sql;

/// <summary>
/// ORDER BY on the leading primary key columns, ascending, is answered by reading along the key:
/// no sort, and reading stops at the LIMIT. The results must be what sorting gives, which the
/// same queries ordered by an expression of the column (always sorted) show.
/// </summary>
public class OrderByKeyTests
{
    private readonly SqlHarness _sql = new();

    public OrderByKeyTests()
    {
        _sql.Run("create table pairs (region text, n int, note text, primary key (region, n))");
        var random = new Random(7);
        var regions = new[] { "b", "a", "ab", "", "é", "z", "A" };
        var values = Enumerable.Range(0, 60)
            .Select(index => (Region: regions[index % regions.Length], N: random.Next(-50, 50) * 100 + index))
            .OrderBy(_ => random.Next())
            .Select(row => $"('{row.Region}', {row.N}, 'row {row.N}')");
        _sql.Run("insert into pairs values " + string.Join(", ", values));
        _sql.Run("create table numbers (id bigint primary key, divisor int)");
        _sql.Run("insert into numbers values " + string.Join(", ", Enumerable.Range(1, 100).Reverse().Select(id => $"({id}, {id - 50})")));
    }

    [Theory]
    [InlineData("select region, n from pairs order by region", "select region, n from pairs order by region || ''")]
    [InlineData("select region, n, note from pairs order by region, n", "select region, n, note from pairs order by region || '', n + 0")]
    [InlineData("select note from pairs order by region, n limit 7 offset 5", "select note from pairs order by region || '', n + 0 limit 7 offset 5")]
    [InlineData("select n from pairs where region = 'ab' order by region, n", "select n from pairs where region = 'ab' order by region || '', n + 0")]
    [InlineData("select n from pairs where region > 'a' and region < 'z' order by region, n limit 10", "select n from pairs where region > 'a' and region < 'z' order by region || '', n + 0 limit 10")]
    [InlineData("select region as r, n from pairs order by r, n", "select region as r, n from pairs order by region || '', n + 0")]
    [InlineData("select n from pairs order by region, n desc", "select n from pairs order by region || '', n desc")]
    [InlineData("select id from numbers order by id limit 5", "select id from numbers order by id + 0 limit 5")]
    [InlineData("select id from numbers where id >= 40 order by id limit 3 offset 2", "select id from numbers where id >= 40 order by id + 0 limit 3 offset 2")]
    [InlineData("select id from numbers where id = 7 order by id", "select id from numbers where id = 7 order by id + 0")]
    [InlineData("select divisor > 0, count(*) from numbers group by 1 order by 1", "select divisor > 0, count(*) from numbers group by 1 order by 1")]
    [InlineData("select distinct region from pairs order by region", "select distinct region || '' from pairs order by 1")]
    public void Reading_along_the_key_gives_what_sorting_gives(string byKey, string sorted)
    {
        List<string> expected = _sql.Text(sorted);
        Assert.NotEmpty(expected);
        Assert.Equal(expected, _sql.Text(byKey));
    }

    [Fact]
    public void Reading_stops_at_the_limit_when_the_key_gives_the_order()
    {
        _sql.Store.ResetCounters();
        Assert.Equal(["1", "2", "3"], _sql.Text("select id from numbers order by id limit 3"));
        Assert.Equal(3, _sql.Store.RowsScanned);

        // Ordered by something else, every row is read and sorted.
        _sql.Store.ResetCounters();
        Assert.Equal(["1", "2", "3"], _sql.Text("select id from numbers order by id + 0 limit 3"));
        Assert.Equal(100, _sql.Store.RowsScanned);
        _sql.Store.ResetCounters();
        Assert.Equal(["100", "99"], _sql.Text("select id from numbers order by id desc limit 2"));
        Assert.Equal(100, _sql.Store.RowsScanned);
    }

    /// <summary>As in PostgreSQL, which reads the primary key index and stops: the rows past the
    /// limit are never computed, so the division by zero at id 50 is never reached.</summary>
    [Fact]
    public void Rows_past_the_limit_are_not_computed()
    {
        Assert.Equal(["-2", "-2", "-2"], _sql.Text("select 100 / divisor from numbers order by id limit 3"));
        Assert.Equal("22012", _sql.Error("select 100 / divisor from numbers order by id + 0 limit 3").SqlState);
    }
}
