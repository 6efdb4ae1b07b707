using Log.QueryNode.Sql;

namespace Log.QueryNode.Tests.Sql;

/// <summary>
/// A hash join whose right side is large hashes whichever side ends first: a small table joined to a large one
/// through a non-key column (so no key lookups) holds about twice the small side, not the large one, and stays under a
/// memory limit that the large side alone passes; with NULL keys, duplicates and outer joins, the answers are those of
/// the same join written the other way round.
/// </summary>
public class HashJoinBuildSideTests
{
    private const long LimitBytes = 4L * 1024 * 1024;

    private readonly SqlHarness _sql = new() { Engine = new SqlEngine { QueryMemoryBytesMax = LimitBytes } };

    public HashJoinBuildSideTests()
    {
        _sql.Run("create table large (id bigint primary key, grp int, note text)");
        _sql.Run("insert into large select g, case when g % 101 = 0 then null else (g % 700)::int end, 'a note of some length ' || g "
            + "from generate_series(1::bigint, 40000) as g");
        _sql.Run("create table few (id bigint primary key, grp int)");
        _sql.Run("insert into few select g, case when g % 9 = 0 then null else (g % 60)::int end from generate_series(1::bigint, 300) as g");
    }

    [Fact]
    public void The_large_side_alone_passes_the_limit()
    {
        Assert.Equal("53200", _sql.Error("select note from large order by note").SqlState);
    }

    [Theory]
    [InlineData("select count(*), sum(l.id) from few f join large l on l.grp = f.grp", "select count(*), sum(l.id) from large l join few f on f.grp = l.grp")]
    [InlineData("select count(*), count(l.id) from few f left join large l on l.grp = f.grp", "select count(*), count(l.id) from large l right join few f on f.grp = l.grp")]
    [InlineData("select count(*), count(f.id) from few f right join large l on l.grp = f.grp", "select count(*), count(f.id) from large l left join few f on f.grp = l.grp")]
    [InlineData("select count(*), count(f.id), count(l.id) from few f full join large l on l.grp = f.grp", "select count(*), count(f.id), count(l.id) from large l full join few f on f.grp = l.grp")]
    [InlineData("select count(*) from few f join large l on l.grp = f.grp and l.id % 3 = f.id % 3", "select count(*) from large l join few f on f.grp = l.grp and l.id % 3 = f.id % 3")]
    public void The_smaller_side_is_hashed_whichever_side_it_is_on(string largeOnTheRight, string largeOnTheLeft)
    {
        var expected = _sql.Text(largeOnTheLeft);
        Assert.Equal(expected, _sql.Text(largeOnTheRight));
        Assert.NotEqual("0", expected[0].Split('|')[0]);
    }
}
