using Log.QueryNode.Execution;

namespace Log.QueryNode.Tests.Sql;

public class UpdateDeleteTests
{
    private readonly SqlHarness _sql = new();

    public UpdateDeleteTests()
    {
        _sql.Run("create table t (id int primary key, v text, n int)");
        _sql.Run("insert into t values (1, 'a', 1), (2, 'b', 2), (3, 'c', 3)");
    }

    [Fact]
    public void Update_sets_columns_and_counts_rows()
    {
        Assert.Equal("UPDATE 2", _sql.Run("update t set v = v || '!', n = n * 10 where id >= 2").CommandTag);
        Assert.Equal(["1|a|1", "2|b!|20", "3|c!|30"], _sql.Text("select * from t order by id"));
        Assert.Equal("UPDATE 0", _sql.Run("update t set v = 'x' where id = 99").CommandTag);
        Assert.Equal("UPDATE 3", _sql.Run("update t set n = null").CommandTag);
    }

    [Fact]
    public void Update_of_primary_key_moves_the_row()
    {
        Assert.Equal("UPDATE 1", _sql.Run("update t set id = 10 where id = 1").CommandTag);
        Assert.Equal(["2", "3", "10"], _sql.Text("select id from t order by id"));
        Assert.Empty(_sql.Text("select * from t where id = 1"));
        Assert.Equal("10|a|1", _sql.Scalar("select * from t where id = 10"));
        // Shifting every key works regardless of order; a real collision does not.
        Assert.Equal("UPDATE 3", _sql.Run("update t set id = id + 1").CommandTag);
        Assert.Equal(["3", "4", "11"], _sql.Text("select id from t order by id"));
        SqlException exception = _sql.Error("update t set id = 4 where id = 3");
        Assert.Equal(SqlState.UniqueViolation, exception.SqlState);
        Assert.Equal("Key (id)=(4) already exists.", exception.Detail);
    }

    [Fact]
    public void Update_errors()
    {
        Assert.Equal(SqlState.NotNullViolation, _sql.Error("update t set id = null").SqlState);
        Assert.Equal("column \"nope\" of relation \"t\" does not exist", _sql.Error("update t set nope = 1").Message);
        Assert.Equal("column \"n\" is of type integer but expression is of type text", _sql.Error("update t set n = v").Message);
    }

    [Fact]
    public void Update_returning()
    {
        var result = _sql.Run("update t set n = n + 100 where id = 2 returning id, n");
        Assert.Equal(new object?[] { 2, 102 }, Assert.Single(result.Rows));
    }

    [Fact]
    public void Delete_counts_rows()
    {
        Assert.Equal("DELETE 1", _sql.Run("delete from t where id = 2").CommandTag);
        Assert.Equal("DELETE 0", _sql.Run("delete from t where id = 2").CommandTag);
        Assert.Equal("DELETE 1", _sql.Run("delete from t where v = 'c'").CommandTag);
        Assert.Equal("DELETE 1", _sql.Run("delete from t").CommandTag);
        Assert.Equal("SELECT 0", _sql.Run("select * from t").CommandTag);
    }
}
