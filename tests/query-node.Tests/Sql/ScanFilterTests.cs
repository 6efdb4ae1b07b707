using Log.QueryNode.Execution;

namespace Log.QueryNode.Tests.Sql;

/// <summary>
/// Filters and aggregates evaluated inside a table scan: integer comparisons with a constant and arithmetic by a
/// constant (compiled without a delegate for the constant side), NULL constants, errors raised by the arithmetic, and
/// count(*) over rows whose bytes are not decoded at all. Each answer is checked against the same computation done
/// here over the inserted values, over more rows than a storage page holds.
/// </summary>
public class ScanFilterTests
{
    private const int RowCount = 5000;
    private readonly SqlHarness _sql = new();
    private readonly List<(long Id, int? Amount, short? Small)> _rows = [];

    public ScanFilterTests()
    {
        _sql.Run("create table scan_filter (id bigint primary key, amount int, small smallint, note text)");
        for (long id = 1; id <= RowCount; id++)
        {
            _rows.Add((id * 7919, id % 17 == 0 ? null : (int)(id * 104729 % 1000) - 100, id % 23 == 0 ? null : (short)(id % 50)));
        }
        foreach ((long Id, int? Amount, short? Small)[] chunk in _rows.Chunk(1000))
        {
            _sql.Run("insert into scan_filter values " + string.Join(", ",
                chunk.Select(row => $"({row.Id}, {Text(row.Amount)}, {Text(row.Small)}, 'note {row.Id}')")));
        }
    }

    private static string Text(int? value) => value is null ? "NULL" : value.Value.ToString();

    private static string Text(short? value) => value is null ? "NULL" : value.Value.ToString();

    [Fact]
    public void Count_star_over_undecoded_rows_counts_every_row()
    {
        Assert.Equal($"{RowCount}", _sql.Scalar("select count(*) from scan_filter"));
        // A filter that reads no column is evaluated on each row all the same.
        Assert.Equal($"{RowCount}", _sql.Scalar("select count(*) from scan_filter where 1 = 1"));
        Assert.Equal("0", _sql.Scalar("select count(*) from scan_filter where 1 = 2"));
    }

    [Fact]
    public void Comparisons_with_a_constant_agree_with_the_values()
    {
        Assert.Equal($"{_rows.Count(row => row.Amount % 10 < 3)}|{_rows.Where(row => row.Amount % 10 < 3).Sum(row => (long)row.Amount!.Value)}",
            _sql.Scalar("select count(*), sum(amount) from scan_filter where amount % 10 < 3"));
        Assert.Equal($"{_rows.Count(row => row.Amount >= 500)}", _sql.Scalar("select count(*) from scan_filter where amount >= 500"));
        Assert.Equal($"{_rows.Count(row => row.Amount <= -50)}", _sql.Scalar("select count(amount) from scan_filter where amount <= -50"));
        Assert.Equal($"{_rows.Count(row => row.Amount > 0 && row.Amount != 7)}", _sql.Scalar("select count(*) from scan_filter where amount > 0 and amount <> 7"));
        Assert.Equal($"{_rows.Count(row => row.Small == 49)}", _sql.Scalar("select count(*) from scan_filter where small = 49"));
        Assert.Equal($"{_rows.Count(row => row.Small * 3 - 1 > 100)}", _sql.Scalar("select count(*) from scan_filter where small * 3 - 1 > 100"));
        Assert.Equal($"{_rows.Count(row => row.Amount is not null && !(row.Amount + 1 < 10))}", _sql.Scalar("select count(*) from scan_filter where not (amount + 1 < 10)"));
    }

    [Fact]
    public void A_comparison_with_null_is_never_true_and_arithmetic_errors_are_raised()
    {
        Assert.Equal("0", _sql.Scalar("select count(*) from scan_filter where amount < NULL"));
        Assert.Equal("0", _sql.Scalar("select count(*) from scan_filter where not (amount < NULL)"));
        Assert.Equal($"{_rows.Count(row => row.Amount > 890)}", _sql.Scalar("select count(*) from scan_filter where amount < NULL or amount > 890"));
        Assert.Equal($"{_rows.Count(row => row.Amount % 10 < 3 || row.Small == 1)}",
            _sql.Scalar("select count(*) from scan_filter where amount % 10 < 3 or small = 1 or amount = NULL"));
        Assert.Equal(SqlState.DivisionByZero, _sql.Error("select count(*) from scan_filter where amount / 0 < 1").SqlState);
        Assert.Equal(SqlState.NumericValueOutOfRange, _sql.Error("select count(*) from scan_filter where amount * 100000000 > 1").SqlState);
        Assert.Equal(SqlState.NumericValueOutOfRange, _sql.Error("select count(*) from scan_filter where small * small * small > 1").SqlState);
    }
}
