using Log.QueryNode.Execution;

namespace Log.QueryNode.Tests.Sql;

public class DdlTests
{
    private readonly SqlHarness _sql = new();

    [Fact]
    public void Create_and_drop_table()
    {
        Assert.Equal("CREATE TABLE", _sql.Run("create table t (id int primary key, name text)").CommandTag);
        Assert.Null(_sql.Run("create table u (a int)").Columns);
        Assert.Equal("DROP TABLE", _sql.Run("drop table t").CommandTag);
        Assert.Equal("CREATE TABLE", _sql.Run("create table t (id bigint primary key)").CommandTag);
    }

    [Fact]
    public void Duplicate_table_is_42P07_unless_if_not_exists()
    {
        _sql.Run("create table t (id int)");
        SqlException exception = _sql.Error("create table t (id int)");
        Assert.Equal(SqlState.DuplicateTable, exception.SqlState);
        Assert.Equal("relation \"t\" already exists", exception.Message);
        var result = _sql.Run("create table if not exists t (id int)");
        Assert.Equal("CREATE TABLE", result.CommandTag);
        Assert.Equal("relation \"t\" already exists, skipping", Assert.Single(result.Notices));
    }

    [Fact]
    public void Unknown_type_is_42704()
    {
        SqlException exception = _sql.Error("create table t (id foo)");
        Assert.Equal(SqlState.UndefinedObject, exception.SqlState);
        Assert.Equal("type \"foo\" does not exist", exception.Message);
        Assert.Equal(20, exception.Position);
    }

    [Fact]
    public void Drop_missing_table()
    {
        SqlException exception = _sql.Error("drop table nope");
        Assert.Equal(SqlState.UndefinedTable, exception.SqlState);
        Assert.Equal("table \"nope\" does not exist", exception.Message);
        Assert.Equal("DROP TABLE", _sql.Run("drop table if exists nope").CommandTag);
    }

    [Fact]
    public void Drop_writes_only_the_catalog_and_a_new_table_starts_empty()
    {
        _sql.Run("create table t (id int primary key); insert into t values (1), (2), (3)");
        int keysWithRows = _sql.Store.Count;
        _sql.Run("drop table t");
        // The descriptor and the name entry go; the rows stay, unreachable under the dropped table's id.
        Assert.Equal(keysWithRows - 2, _sql.Store.Count);
        Assert.Equal(SqlState.UndefinedTable, _sql.Error("select * from t").SqlState);
        _sql.Run("create table t (id int primary key)");
        Assert.Equal("SELECT 0", _sql.Run("select * from t").CommandTag);
        Assert.Equal("SELECT 0", _sql.Run("select * from t where id = 1").CommandTag);
        _sql.Run("insert into t values (1)");
        Assert.Equal("1", _sql.Scalar("select count(*) from t"));
        Assert.Equal(SqlState.UndefinedTable, _sql.Error("drop table t, missing").SqlState);
    }

    [Fact]
    public void Multiple_primary_keys_are_refused()
    {
        SqlException exception = _sql.Error("create table t (a int primary key, b int primary key)");
        Assert.Equal(SqlState.InvalidTableDefinition, exception.SqlState);
        Assert.Equal("multiple primary keys for table \"t\" are not allowed", exception.Message);
    }

    [Fact]
    public void Duplicate_column_is_42701()
    {
        Assert.Equal(SqlState.DuplicateColumn, _sql.Error("create table t (a int, a text)").SqlState);
    }

    [Fact]
    public void Identifiers_fold_to_lower_case_and_quoted_keep_case()
    {
        _sql.Run("create table MyTable (Id int, \"Name\" text)");
        _sql.Run("insert into mytable (ID, \"Name\") values (1, 'a')");
        Assert.Equal("1|a", _sql.Scalar("select id, \"Name\" from MYTABLE"));
        Assert.Equal(SqlState.UndefinedColumn, _sql.Error("select name from mytable").SqlState);
        Assert.Equal(SqlState.UndefinedTable, _sql.Error("select * from \"MyTable\"").SqlState);
    }

    [Fact]
    public void Long_identifiers_truncate_to_63_bytes()
    {
        string longName = new('a', 70);
        _sql.Run($"create table {longName} (x int)");
        _sql.Run($"insert into {new string('a', 63)} values (1)");
        Assert.Equal("1", _sql.Scalar($"select x from {new string('a', 80)}"));
    }

    [Fact]
    public void Dml_adds_a_schema_conflict_check_on_the_descriptor()
    {
        _sql.Run("create table t (id int primary key)");
        _sql.Store.ResetCounters();
        _sql.Run("insert into t values (1)");
        Assert.Contains(_sql.Store.ConflictChecks, check => check.IsSchema);
    }
}
