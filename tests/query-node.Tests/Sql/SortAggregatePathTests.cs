namespace Log.QueryNode.Tests.Sql;

/// <summary>
/// The fast paths of sorts and aggregates give what the general ones give, over random tables (seeded): a sort under a
/// small LIMIT keeps only OFFSET + LIMIT rows in a heap, which must be the same rows, in the same order (ties too: both
/// are stable), as the full sort's slice; an aggregate straight over a table scan reads the rows in one reused array,
/// which must give the results of the same aggregate over the rows handed up as a subquery's.
/// </summary>
public class SortAggregatePathTests
{
    private const int Rows = 400;

    private readonly SqlHarness _sql = new();

    public SortAggregatePathTests()
    {
        _sql.Run("create table mixed (id int primary key, a int, b text, c float8, d bigint)");
        var random = new Random(20261206);
        var values = new List<string>();
        for (int id = 1; id <= Rows; id++)
        {
            string a = random.Next(8) == 0 ? "NULL" : random.Next(-20, 20).ToString(System.Globalization.CultureInfo.InvariantCulture);
            string b = random.Next(8) == 0 ? "NULL" : $"'{(char)('a' + random.Next(5))}{random.Next(3)}'";
            string c = random.Next(8) == 0 ? "NULL" : (random.Next(-40, 40) / 4.0).ToString(System.Globalization.CultureInfo.InvariantCulture);
            string d = random.Next(8) == 0 ? "NULL" : (random.NextInt64(-3, 3) * 1_000_000_000_000).ToString(System.Globalization.CultureInfo.InvariantCulture);
            values.Add($"({id}, {a}, {b}, {c}, {d})");
        }
        _sql.Run("insert into mixed values " + string.Join(", ", values));
    }

    public static TheoryData<string> Orders() =>
    [
        "a",
        "a desc",
        "a nulls first",
        "a desc nulls last",
        "b",
        "b desc, a",
        "c, b nulls first",
        "c desc, a desc",
        "d, a",
        "a, b, c",
        "a + 0, b",
        "b || ''",
    ];

    [Theory]
    [MemberData(nameof(Orders))]
    public void A_sort_under_a_small_limit_gives_the_slice_of_the_full_sort(string order)
    {
        // Past SqlLimits.TopNSortRowsMax the whole input is sorted: the reference.
        List<string> full = _sql.Text($"select id, a, b, c, d from mixed order by {order} limit 100000");
        Assert.Equal(Rows, full.Count);
        foreach ((int limit, int offset) in new[] { (1, 0), (5, 0), (10, 3), (25, 100), (7, 395), (10, 400), (0, 0), (400, 0) })
        {
            List<string> slice = full.Skip(offset).Take(limit).ToList();
            Assert.Equal(slice, _sql.Text($"select id, a, b, c, d from mixed order by {order} limit {limit} offset {offset}"));
        }
    }

    [Theory]
    [InlineData("count(*), count(a), sum(a), min(a), max(a)", "")]
    [InlineData("count(*), sum(a), avg(c), min(b), max(b)", "where a % 3 < 2")]
    [InlineData("count(d), sum(d), max(d), bool_or(a > 0), string_agg(b, ',' order by id)", "where id between 50 and 300")]
    [InlineData("count(*), sum(c), min(c)", "where b is null or c > 2")]
    [InlineData("a % 4, count(*), sum(d), max(b)", "group by a % 4 order by 1")]
    [InlineData("b, count(distinct a), sum(a)", "where a is not null group by b order by 1")]
    [InlineData("count(*), sum(a)", "where a > 100")]
    public void An_aggregate_over_a_scan_gives_what_it_gives_over_a_subquery(string aggregates, string rest)
    {
        List<string> overScan = _sql.Text($"select {aggregates} from mixed {rest}");
        List<string> overSubquery = _sql.Text($"select {aggregates} from (select * from mixed offset 0) as mixed {rest}");
        Assert.NotEmpty(overScan);
        Assert.Equal(overSubquery, overScan);
    }

    [Fact]
    public void An_error_inside_an_aggregate_over_a_scan_fails_the_statement()
    {
        Assert.Equal("22003", _sql.Error("select sum(d * 10000000) from mixed").SqlState);
        Assert.Equal(Rows.ToString(System.Globalization.CultureInfo.InvariantCulture), _sql.Scalar("select count(*) from mixed"));
    }
}
