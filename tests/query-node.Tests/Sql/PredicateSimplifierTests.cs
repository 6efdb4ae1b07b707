namespace Log.QueryNode.Tests.Sql;

/// <summary>OR chains of equalities and long IN lists: the same answers as term-by-term evaluation, NULL rules included.</summary>
public class PredicateSimplifierTests
{
    private readonly SqlHarness _sql = new();

    public PredicateSimplifierTests()
    {
        _sql.Run("create table t (id int primary key, v int, s text)");
        _sql.Run("insert into t values " + string.Join(", ", Enumerable.Range(1, 1000).Select(id => $"({id}, {(id % 7 == 0 ? "null" : (id % 50).ToString())}, 's{id % 13}')")));
    }

    [Fact]
    public void A_hundred_thousand_or_terms_select_the_same_rows_as_an_in_list()
    {
        string terms = string.Join(" or ", Enumerable.Range(0, 100_000).Select(value => $"v = {value * 3}"));
        string list = string.Join(", ", Enumerable.Range(0, 100_000).Select(value => value * 3));
        string expected = _sql.Scalar("select count(*) from t where v % 3 = 0");
        Assert.Equal(expected, _sql.Scalar($"select count(*) from t where {terms}"));
        Assert.Equal(expected, _sql.Scalar($"select count(*) from t where v in ({list})"));
        Assert.Equal(_sql.Scalar("select count(*) from t where v % 3 <> 0"), _sql.Scalar($"select count(*) from t where v not in ({list})"));
    }

    [Fact]
    public void Long_in_lists_keep_the_null_rules()
    {
        string list = string.Join(", ", Enumerable.Range(100, 20));
        // NOT IN a list holding NULL is never true; IN it is true for members and NULL otherwise.
        Assert.Equal("0", _sql.Scalar($"select count(*) from t where v not in ({list}, null)"));
        Assert.Equal("0", _sql.Scalar($"select count(*) from t where v in ({list}, null)"));
        Assert.Equal("1", _sql.Scalar($"select count(*) from t where id in ({list}, null) and id = 105"));
        Assert.Equal("NULL", _sql.Scalar($"select 5 in ({list}, null)"));
        Assert.Equal("t", _sql.Scalar($"select 105 in ({list}, null)"));
        Assert.Equal("f", _sql.Scalar($"select 5.0 in ({list})"));
        Assert.Equal("t", _sql.Scalar($"select 105.0 in ({list})"));
        Assert.Equal(["s1", "s2"], _sql.Text($"select distinct s from t where s in ('s1', 's2', 'x1', 'x2', 'x3', 'x4', 'x5', 'x6', 'x7') order by 1"));
    }

    [Fact]
    public void Or_of_key_equalities_reads_points_not_the_table()
    {
        _sql.Store.ResetCounters();
        Assert.Equal(["3", "5", "8"], _sql.Text("select id from t where id = 5 or id = 3 or 8 = id order by id"));
        Assert.Equal(0, _sql.Store.ScanCalls);
    }
}
