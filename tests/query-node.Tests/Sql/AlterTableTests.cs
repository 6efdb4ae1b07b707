using Log.QueryNode.Execution;

namespace Log.QueryNode.Tests.Sql;

public class AlterTableTests
{
    private readonly SqlHarness _sql = new();

    public AlterTableTests() => _sql.Run("create table t (id int primary key, a text); insert into t values (1, 'x')");

    [Fact]
    public void Add_column_reads_null_in_old_rows()
    {
        Assert.Equal("ALTER TABLE", _sql.Run("alter table t add column b int").CommandTag);
        _sql.Run("insert into t values (2, 'y', 5)");
        Assert.Equal(["1|x|NULL", "2|y|5"], _sql.Text("select * from t order by id"));
        Assert.Equal(SqlState.DuplicateColumn, _sql.Error("alter table t add b int").SqlState);
        Assert.Equal(SqlState.FeatureNotSupported, _sql.Error("alter table t add c int not null").SqlState);
    }

    [Fact]
    public void Drop_and_re_add_a_column_does_not_resurrect_values()
    {
        _sql.Run("alter table t drop column a");
        Assert.Equal("1", _sql.Scalar("select * from t"));
        _sql.Run("alter table t add column a text");
        Assert.Equal("1|NULL", _sql.Scalar("select * from t"));
        Assert.Equal(SqlState.FeatureNotSupported, _sql.Error("alter table t drop column id").SqlState);
    }

    [Fact]
    public void Rename_column_and_table()
    {
        _sql.Run("alter table t rename column a to b");
        Assert.Equal("x", _sql.Scalar("select b from t"));
        _sql.Run("alter table t rename to u");
        Assert.Equal("1|x", _sql.Scalar("select * from u"));
        Assert.Equal(SqlState.UndefinedTable, _sql.Error("select * from t").SqlState);
        Assert.Equal("relation \"t\" does not exist", _sql.Error("alter table t add c int").Message);
    }
}
