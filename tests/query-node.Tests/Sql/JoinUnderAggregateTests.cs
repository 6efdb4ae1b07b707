using Log.QueryNode.Sql;

namespace Log.QueryNode.Tests.Sql;

/// <summary>
/// An aggregate directly over a hash join or a key lookup join is handed the joined rows one by one in a reused array
/// holding only the columns read above; the batches of a join elsewhere stay whole rows. The aggregates must be those
/// computed here from the same data, for inner and outer joins, a residual condition, NULL and repeated keys, keys
/// probed in batches of many rows, and the lookup join turned hash join past its outer-row limit.
/// </summary>
public class JoinUnderAggregateTests
{
    private const int ProbeRows = 12_000; // past SqlLimits.LookupJoinOuterRowsMax, over many probing batches
    private const int BuildRows = 3_000;

    private readonly SqlHarness _sql = new();

    private static int? ProbeKey(long id) => id % 97 == 0 ? null : (int)(id * 7 % 2_500);

    private static int ProbeValue(long id) => (int)(id % 13);

    // Keys 0..1999, most of them twice; every fifth row's key matches no probing row.
    private static int BuildKey(int id) => id % 5 == 0 ? 5_000 + id : id % 2_000;

    private static int BuildValue(int id) => id % 7;

    public JoinUnderAggregateTests()
    {
        _sql.Run("create table probe (id bigint primary key, k int, v int, note text)");
        _sql.Run("create table build (id int primary key, k int, w int, name text)");
        for (long start = 1; start <= ProbeRows; start += 2_000)
        {
            _sql.Run("insert into probe values " + string.Join(", ", Enumerable.Range(0, 2_000).Select(offset => start + offset).Select(id =>
                $"({id}, {ProbeKey(id)?.ToString() ?? "NULL"}, {ProbeValue(id)}, 'note {id}')")));
        }
        for (int start = 1; start <= BuildRows; start += 1_000)
        {
            _sql.Run("insert into build values " + string.Join(", ", Enumerable.Range(start, 1_000).Select(id => $"({id}, {BuildKey(id)}, {BuildValue(id)}, 'name {id}')")));
        }
    }

    private static IEnumerable<(long Id, int? Key, int Value)> Probes() =>
        Enumerable.Range(1, ProbeRows).Select(id => ((long)id, ProbeKey(id), ProbeValue(id)));

    private static IEnumerable<(int Id, int Key, int Value)> Builds() =>
        Enumerable.Range(1, BuildRows).Select(id => (id, BuildKey(id), BuildValue(id)));

    [Fact]
    public void An_inner_hash_join_counts_and_sums_every_match()
    {
        var matches = Probes().Join(Builds(), probe => probe.Key, build => build.Key, (probe, build) => (probe, build)).ToList();
        Assert.NotEmpty(matches);
        Assert.Equal($"{matches.Count}|{matches.Sum(match => match.probe.Value)}|{matches.Sum(match => match.build.Value)}",
            _sql.Scalar("select count(*), sum(p.v), sum(b.w) from probe p join build b on b.k = p.k"));
    }

    [Fact]
    public void A_residual_reads_columns_nothing_above_reads()
    {
        var matches = Probes().Join(Builds(), probe => probe.Key, build => build.Key, (probe, build) => (probe, build))
            .Where(match => match.probe.Value < match.build.Value && match.build.Id % 3 != 0).ToList();
        Assert.NotEmpty(matches);
        Assert.Equal($"{matches.Count}|{matches.Sum(match => match.probe.Id)}",
            _sql.Scalar("select count(*), sum(p.id) from probe p join build b on b.k = p.k and p.v < b.w and b.id % 3 <> 0"));
    }

    [Fact]
    public void Outer_joins_count_their_null_extended_rows()
    {
        var left = Probes().GroupJoin(Builds(), probe => probe.Key, build => build.Key, (probe, builds) => builds.Select(build => (int?)build.Value).DefaultIfEmpty())
            .SelectMany(values => values).ToList();
        Assert.Equal($"{left.Count}|{left.Count(value => value is not null)}|{left.Sum()}",
            _sql.Scalar("select count(*), count(b.w), sum(b.w) from probe p left join build b on b.k = p.k"));
        int unmatchedBuilds = Builds().Count(build => !Probes().Any(probe => probe.Key == build.Key));
        Assert.NotEqual(0, unmatchedBuilds);
        Assert.Equal($"{left.Count + unmatchedBuilds}|{left.Count(value => value is not null) + unmatchedBuilds}",
            _sql.Scalar("select count(*), count(b.id) from probe p full join build b on b.k = p.k"));
    }

    [Fact]
    public void A_lookup_join_past_its_outer_limit_sums_as_the_hash_join()
    {
        // build.id is build's primary key: planned as key lookups, run as a hash join past 10,000 outer rows.
        var matches = Probes().Join(Builds(), probe => probe.Key, build => (int?)build.Id, (probe, build) => (probe, build)).ToList();
        Assert.NotEmpty(matches);
        Assert.Equal($"{matches.Count}|{matches.Sum(match => match.probe.Value)}|{matches.Sum(match => match.build.Key)}",
            _sql.Scalar("select count(*), sum(p.v), sum(b.k) from probe p join build b on b.id = p.k"));
        // Few outer rows: looked up by key.
        var few = matches.Where(match => match.probe.Id <= 300).ToList();
        Assert.NotEmpty(few);
        Assert.Equal($"{few.Count}|{few.Sum(match => match.build.Value)}",
            _sql.Scalar("select count(*), sum(b.w) from probe p join build b on b.id = p.k where p.id <= 300"));
    }
}
