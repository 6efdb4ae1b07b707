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
        SqlException notNull = _sql.Error("alter table t add c int not null");
        Assert.Equal(SqlState.NotNullViolation, notNull.SqlState);
        Assert.Equal("column \"c\" of relation \"t\" contains null values", notNull.Message);
    }

    [Fact]
    public void Add_column_with_a_constant_default_is_read_by_old_rows_but_not_by_new_null_values()
    {
        _sql.Run("alter table t add column d int default 7");
        _sql.Run("insert into t values (2, 'y', null)");
        _sql.Run("insert into t (id) values (3)");
        Assert.Equal(["1|x|7", "2|y|NULL", "3|NULL|7"], _sql.Text("select * from t order by id"));
        _sql.Run("alter table t alter column d set default 8");
        _sql.Run("insert into t (id) values (4)");
        Assert.Equal(["1|7", "4|8"], _sql.Text("select id, d from t where id in (1, 4) order by id"));
        // Rows written since hold explicit NULLs; they still read as NULL once the column with the missing value is gone.
        _sql.Run("alter table t drop column d");
        Assert.Equal(["1|x", "2|y", "3|NULL", "4|NULL"], _sql.Text("select * from t order by id"));
    }

    [Fact]
    public void Identity_column_errors_carry_postgres_detail_and_hint()
    {
        _sql.Run("create table i (id int generated always as identity, v text)");
        SqlException insert = _sql.Error("insert into i values (1, 'a')");
        Assert.Equal(SqlState.GeneratedAlways, insert.SqlState);
        Assert.Equal("cannot insert a non-DEFAULT value into column \"id\"", insert.Message);
        Assert.Equal("Column \"id\" is an identity column defined as GENERATED ALWAYS.", insert.Detail);
        Assert.Equal("Use OVERRIDING SYSTEM VALUE to override.", insert.Hint);
        SqlException update = _sql.Error("update i set id = 2");
        Assert.Equal("column \"id\" can only be updated to DEFAULT", update.Message);
        Assert.Equal(insert.Detail, update.Detail);
        _sql.Run("insert into i (v) values ('a'), ('b')");
        Assert.Equal(["1|a", "2|b"], _sql.Text("select * from i order by id"));
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
