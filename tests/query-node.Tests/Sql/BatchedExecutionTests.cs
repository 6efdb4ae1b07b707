namespace Log.QueryNode.Tests.Sql;

/// <summary>
/// Operators hand rows to aggregates, sorts and hash joins in batches, and a hash join emits its joined rows in
/// batches of a bounded size however many rows one probe matches. The answers are checked against the same
/// computation done here over the inserted values, with probes that match far more rows than a batch holds and outer
/// joins whose unmatched rows fill several batches.
/// </summary>
public class BatchedExecutionTests
{
    private const int LeftRows = 1500;
    private const int RightRows = 1300;
    private readonly SqlHarness _sql = new();
    private readonly List<(int Id, int? Key)> _left = [];
    private readonly List<(int Id, int? Key)> _right = [];

    public BatchedExecutionTests()
    {
        _sql.Run("create table batch_left (id int primary key, k int, note text)");
        _sql.Run("create table batch_right (id int primary key, k int, weight int)");
        for (int id = 1; id <= LeftRows; id++) _left.Add((id, id % 11 == 0 ? null : id % 3));
        // Keys 0..2 match many left rows each; 7 matches none; some NULL.
        for (int id = 1; id <= RightRows; id++) _right.Add((id, id % 13 == 0 ? null : id % 5 < 2 ? 7 : id % 3));
        foreach ((int Id, int? Key)[] chunk in _left.Chunk(500))
        {
            _sql.Run("insert into batch_left values " + string.Join(", ", chunk.Select(row => $"({row.Id}, {Text(row.Key)}, 'note {row.Id}')")));
        }
        foreach ((int Id, int? Key)[] chunk in _right.Chunk(500))
        {
            _sql.Run("insert into batch_right values " + string.Join(", ", chunk.Select(row => $"({row.Id}, {Text(row.Key)}, {row.Id % 7})")));
        }
    }

    private static string Text(int? key) => key is null ? "NULL" : key.Value.ToString();

    private long InnerMatches() => _left.Sum(left => (long)_right.Count(right => left.Key is not null && right.Key == left.Key));

    [Fact]
    public void A_hash_join_whose_probes_match_many_rows_counts_every_pair()
    {
        Assert.Equal($"{InnerMatches()}", _sql.Scalar("select count(*) from batch_left l join batch_right r on r.k = l.k"));
    }

    [Fact]
    public void A_full_join_emits_every_unmatched_row_of_both_sides()
    {
        long leftUnmatched = _left.Count(left => left.Key is null || !_right.Any(right => right.Key == left.Key));
        long rightUnmatched = _right.Count(right => right.Key is null || !_left.Any(left => left.Key == right.Key));
        Assert.True(rightUnmatched > 512, "the right side's unmatched rows fill more than one batch");
        Assert.Equal($"{InnerMatches() + leftUnmatched + rightUnmatched}", _sql.Scalar("select count(*) from batch_left l full join batch_right r on r.k = l.k"));
        Assert.Equal($"{rightUnmatched}", _sql.Scalar("select count(*) from batch_left l right join batch_right r on r.k = l.k where l.id is null"));
    }

    [Fact]
    public void A_limit_over_a_hash_join_returns_exactly_its_rows()
    {
        Assert.Equal(700, _sql.Text("select l.id, r.id from batch_left l join batch_right r on r.k = l.k limit 700").Count);
        Assert.Equal(3, _sql.Text("select l.id from batch_left l join batch_right r on r.k = l.k where r.weight = 3 limit 3").Count);
    }

    [Fact]
    public void Aggregates_and_sorts_over_batches_see_every_row()
    {
        long expectedSum = _left.Where(left => left.Key is not null).Sum(left => (long)left.Key!.Value * left.Id);
        Assert.Equal($"{LeftRows}|{_left.Count(left => left.Key is not null)}|{expectedSum}",
            _sql.Scalar("select count(*), count(k), sum(k * id) from batch_left where id > 0"));
        List<string> sorted = _sql.Text("select id from batch_left where k = 2 order by id desc");
        Assert.Equal(_left.Where(left => left.Key == 2).OrderByDescending(left => left.Id).Select(left => $"{left.Id}"), sorted);
    }
}
