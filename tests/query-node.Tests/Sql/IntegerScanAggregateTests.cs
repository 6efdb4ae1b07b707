namespace Log.QueryNode.Tests.Sql;

/// <summary>
/// Aggregates folded into longs inside a table scan (count, sum, avg, min and max of integer columns, no GROUP BY):
/// each answer is compared with the same aggregate over an expression of the column (<c>amount + 0</c>), which the
/// folding does not take and the general aggregator computes, and with the values inserted here; over NULLs, filters,
/// every integer width, a bigint sum past a long, an empty result, and rows the direct decoding hands to the general
/// path (a dropped column's value in them, a column added with a default).
/// </summary>
public class IntegerScanAggregateTests
{
    private const int RowCount = 5000;
    private readonly SqlHarness _sql = new();
    private readonly List<(long Id, int? Amount, short? Small, long? Big)> _rows = [];

    public IntegerScanAggregateTests()
    {
        _sql.Run("create table folded (id bigint primary key, amount int, small smallint, big bigint, note text)");
        for (long id = 1; id <= RowCount; id++)
        {
            _rows.Add((id, id % 17 == 0 ? null : (int)(id * 104729 % 1000) - 300, id % 23 == 0 ? null : (short)(id % 50 - 25),
                id % 29 == 0 ? null : id * 1_000_003 - 2_000_000_000));
        }
        Insert("folded", _rows);
    }

    private void Insert(string table, IEnumerable<(long Id, int? Amount, short? Small, long? Big)> rows)
    {
        foreach ((long Id, int? Amount, short? Small, long? Big)[] chunk in rows.Chunk(1000))
        {
            _sql.Run($"insert into {table} values " + string.Join(", ",
                chunk.Select(row => $"({row.Id}, {Text(row.Amount)}, {Text(row.Small)}, {Text(row.Big)}, 'note {row.Id}')")));
        }
    }

    private static string Text<T>(T? value) where T : struct => value is null ? "NULL" : value.Value.ToString()!;

    /// <summary>The answer of the folded aggregates and of the general aggregator (each column as column + 0), which must agree.</summary>
    private string Both(string aggregates, string table, string where = "")
    {
        string folded = _sql.Scalar($"select {aggregates} from {table} {where}");
        string general = _sql.Scalar($"select {aggregates.Replace("(amount)", "(amount + 0)").Replace("(small)", "(small + 0)").Replace("(big)", "(big + 0)")} from {table} {where}");
        Assert.Equal(general, folded);
        return folded;
    }

    [Fact]
    public void Every_aggregate_over_every_integer_width_agrees_with_the_general_aggregator()
    {
        const string all = "count(*), count(amount), sum(amount), avg(amount), min(amount), max(amount), count(small), sum(small), avg(small), "
            + "min(small), max(small), count(big), sum(big), avg(big), min(big), max(big)";
        Both(all, "folded");
        Both(all, "folded", "where amount % 10 < 3");
        Both(all, "folded", "where small is null or big > 1000000000");
        string answer = Both("count(*), sum(amount), min(small), max(big)", "folded", "where amount % 10 < 3");
        var passing = _rows.Where(row => row.Amount % 10 < 3).ToList();
        Assert.Equal($"{passing.Count}|{passing.Sum(row => (long)row.Amount!.Value)}|{passing.Min(row => row.Small)}|{passing.Max(row => row.Big)}", answer);
        Assert.Equal($"{_rows.Count(row => row.Amount is not null)}|{_rows.Sum(row => row.Big ?? 0)}", Both("count(amount), sum(big)", "folded"));
    }

    [Fact]
    public void A_remainder_by_a_constant_in_the_filter_agrees_with_the_values()
    {
        foreach (int divisor in new[] { 10, -7, 1, -1, 1000 })
        {
            var passing = _rows.Where(row => row.Amount % divisor < 3).ToList();
            Assert.Equal($"{passing.Count}|{passing.Sum(row => (long)row.Amount!.Value)}", Both("count(*), sum(amount)", "folded", $"where amount % {divisor} < 3"));
        }
        var small = _rows.Where(row => row.Small % 4 == -1 || row.Big % 10 == 3).ToList();
        Assert.Equal($"{small.Count}|{small.Sum(row => row.Big ?? 0)}", Both("count(*), sum(big)", "folded", "where small % 4 = -1 or big % 10 = 3"));
        Assert.Equal(Log.QueryNode.Execution.SqlState.DivisionByZero, _sql.Error("select count(*) from folded where amount % 0 < 1").SqlState);
    }

    [Fact]
    public void No_row_gives_a_count_of_zero_and_nulls()
    {
        Assert.Equal("0|0|NULL|NULL|NULL|NULL", Both("count(*), count(amount), sum(amount), avg(small), min(big), max(amount)", "folded", "where amount > 100000"));
        // Rows whose aggregated column is NULL are counted by count(*) only.
        Assert.Equal($"{_rows.Count(row => row.Amount is null)}|0|NULL|NULL", Both("count(*), count(amount), sum(amount), min(amount)", "folded", "where amount is null"));
    }

    [Fact]
    public void A_bigint_sum_past_a_long_goes_on_in_numeric()
    {
        _sql.Run("create table huge (id bigint primary key, amount int, small smallint, big bigint, note text)");
        Insert("huge", Enumerable.Range(1, 3000).Select(id => ((long)id, (int?)id, (short?)1, (long?)(id % 3 == 0 ? -long.MaxValue + id : long.MaxValue - id))));
        long[] values = Enumerable.Range(1, 3000).Select(id => id % 3 == 0 ? -long.MaxValue + id : long.MaxValue - id).ToArray();
        System.Numerics.BigInteger expected = values.Aggregate(System.Numerics.BigInteger.Zero, (sum, value) => sum + value);
        Assert.Equal($"{expected}|{long.MaxValue - 1}|{-long.MaxValue + 3}", Both("sum(big), max(big), min(big)", "huge"));
        // An int sum is a bigint, an int average a numeric.
        Assert.Equal($"{3000L * 3001 / 2}|1500.5000000000000000", Both("sum(amount), avg(amount)", "huge"));
    }

    [Fact]
    public void Rows_the_direct_decoding_cannot_read_are_aggregated_all_the_same()
    {
        _sql.Run("create table altered (id bigint primary key, gone int, amount int, small smallint, big bigint, note text)");
        _sql.Run("insert into altered select g, g::int, (g % 100)::int, 1::smallint, g * 2, 'x' from generate_series(1::bigint, 500) as g");
        // Every stored row now holds a value of a dropped column, which the direct decoding leaves to the general path.
        _sql.Run("alter table altered drop column gone");
        _sql.Run("insert into altered select g, (g % 100)::int, 1::smallint, g * 2, 'x' from generate_series(501::bigint, 1000) as g");
        long expected = Enumerable.Range(1, 1000).Where(g => g % 100 < 50).Sum(g => (long)g * 2);
        Assert.Equal($"{Enumerable.Range(1, 1000).Count(g => g % 100 < 50)}|{expected}", Both("count(*), sum(big)", "altered", "where amount < 50"));
        // A column added with a default: the rows written before it read the default.
        _sql.Run("alter table altered add column extra int default 7");
        Assert.Equal("7000|7|7", _sql.Scalar("select sum(extra), min(extra), max(extra) from altered"));
    }
}
