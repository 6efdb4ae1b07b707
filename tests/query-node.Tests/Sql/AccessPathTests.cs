namespace Log.QueryNode.Tests.Sql;

public class AccessPathTests
{
    private readonly SqlHarness _sql = new();

    public AccessPathTests()
    {
        _sql.Run("create table t (id int primary key, v text)");
        _sql.Run("create table m (a int, b text, c int, primary key (a, b))");
        for (int index = 1; index <= 20; index++)
        {
            _sql.Run($"insert into t values ({index}, 'v{index}')");
            _sql.Run($"insert into m values ({index % 3}, 'k{index:D2}', {index})");
        }
        _sql.Store.ResetCounters();
    }

    [Fact]
    public void Point_select_uses_get_not_scan()
    {
        Assert.Equal("7|v7", _sql.Scalar("select * from t where id = 7"));
        Assert.Equal(0, _sql.Store.ScanCalls);
        // Whether the schema "$user" of the default search_path exists with the descriptors the name has in it and in
        // public (one GetManyAsync, which this store answers key by key), then the row.
        Assert.Equal(4, _sql.Store.GetCalls);
        Assert.Equal("7|v7", _sql.Scalar("select * from t where 7 = id and v = 'v7'"));
        Assert.Equal(0, _sql.Store.ScanCalls);
    }

    [Fact]
    public void Point_update_and_delete_use_get()
    {
        _sql.Run("update t set v = 'x' where id = 3");
        _sql.Run("delete from t where id = 4");
        Assert.Equal(0, _sql.Store.ScanCalls);
    }

    [Fact]
    public void Composite_key_point_and_prefix()
    {
        Assert.Equal("5", _sql.Scalar("select c from m where a = 2 and b = 'k05'"));
        Assert.Equal(0, _sql.Store.ScanCalls);
        Assert.Equal(["k03", "k06", "k09", "k12", "k15", "k18"], _sql.Text("select b from m where a = 0"));
        Assert.Equal(1, _sql.Store.ScanCalls);
        // Rows come back in key order: (a, b) ascending.
        Assert.Equal(["k03", "k06", "k09"], _sql.Text("select b from m where a = 0 and b < 'k10'"));
    }

    [Fact]
    public void Range_scan_bounds_match_filter()
    {
        Assert.Equal(["5", "6", "7"], _sql.Text("select id from t where id >= 5 and id < 8"));
        Assert.Equal(["19", "20"], _sql.Text("select id from t where id > 18"));
        Assert.Equal(["1", "2"], _sql.Text("select id from t where id <= 2"));
        Assert.Equal(["1", "2"], _sql.Text("select id from t where id <= 2::bigint"));
        Assert.Equal(4, _sql.Store.Scans.Count(scan => scan.Start.Length > 20 || scan.End.Length > 20));
    }

    [Fact]
    public void Full_scan_returns_in_key_order()
    {
        Assert.Equal(Enumerable.Range(1, 20).Select(index => index.ToString()).ToList(), _sql.Text("select id from t"));
    }
}

public class MultiPointTests
{
    [Fact]
    public void In_list_on_the_key_uses_one_get_per_value_in_key_order()
    {
        var sql = new SqlHarness();
        sql.Run("create table t (id int primary key, v text)");
        for (int index = 1; index <= 10; index++) sql.Run($"insert into t values ({index}, 'v{index}')");
        sql.Store.ResetCounters();
        Assert.Equal(["2|v2", "5|v5", "9|v9"], sql.Text("select * from t where id in (9, 2, 5, 2, 42, null)"));
        Assert.Equal(0, sql.Store.ScanCalls);
        Assert.Equal("DELETE 2", sql.Run("delete from t where id in (3, 4) and v = 'v3' or id = 8").CommandTag);
    }
}
