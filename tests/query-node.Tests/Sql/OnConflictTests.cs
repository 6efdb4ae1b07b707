using Log.QueryNode.Execution;
using Log.QueryNode.Sql;

namespace Log.QueryNode.Tests.Sql;

/// <summary>INSERT ... ON CONFLICT over the primary key (the only unique index). Expected rows, tags and errors are
/// PostgreSQL 15's for the same statements.</summary>
public class OnConflictTests
{
    private readonly SqlHarness _sql = new();

    public OnConflictTests()
    {
        _sql.Run("create table t (id int primary key, v text, n int)");
        _sql.Run("create table h (x int)");
        _sql.Run("create table k (a int, b text, c int, primary key (a, b))");
        _sql.Run("insert into t values (1, 'a', 1), (2, 'b', 2)");
    }

    [Fact]
    public void Do_nothing_counts_and_returns_only_inserted_rows()
    {
        StatementResult result = _sql.Run("insert into t values (1, 'x', 9), (3, 'c', 3) on conflict (id) do nothing returning *");
        Assert.Equal("INSERT 0 1", result.CommandTag);
        Assert.Equal(new object?[] { 3, "c", 3 }, Assert.Single(result.Rows));
        Assert.Equal("INSERT 0 1", _sql.Run("insert into t values (1, 'x', 9), (4, 'd', 4) on conflict do nothing").CommandTag);
        Assert.Equal(["1|a|1", "2|b|2", "3|c|3", "4|d|4"], _sql.Text("select * from t order by id"));
        // A table without a declared key has no unique index: nothing conflicts.
        Assert.Equal("INSERT 0 2", _sql.Run("insert into h values (1), (1) on conflict do nothing").CommandTag);
        // Rows of the same statement: the second is skipped.
        Assert.Equal(["5|q|1"], _sql.Text("insert into t values (5, 'q', 1), (5, 'r', 1) on conflict (id) do nothing returning *"));
    }

    [Fact]
    public void Do_update_with_excluded_and_an_alias()
    {
        StatementResult result = _sql.Run("insert into t as x values (1, 'y', 5), (5, 'e', 5) on conflict (id) do update "
            + "set v = x.v || excluded.v, n = x.n + excluded.n returning x.*");
        Assert.Equal("INSERT 0 2", result.CommandTag);
        Assert.Equal(["1|ay|6", "5|e|5"], _sql.Text("select * from t where id in (1, 5) order by id"));
        Assert.Equal("INSERT 0 0", _sql.Run("insert into t values (2, 'q', 7) on conflict (id) do update set v = excluded.v where t.n > 100 returning *").CommandTag);
        Assert.Equal(["7"], _sql.Text("insert into t values (2, 'q', 7) on conflict on constraint t_pkey do update set n = excluded.n returning n"));
        Assert.Equal(["6|f|6"], _sql.Text("insert into t values (6, 'f', 6) on conflict (id) do update set v = default returning *"));
        const string composite = "insert into k values (1, 'a', 1) on conflict (b, a) do update set c = excluded.c + 1 returning *";
        Assert.Equal(["1|a|1"], _sql.Text(composite));
        Assert.Equal(["1|a|2"], _sql.Text(composite));
    }

    [Fact]
    public void Do_update_may_move_the_key_and_reads_subqueries()
    {
        SqlException duplicate = _sql.Error("insert into t values (1, 'z', 0) on conflict (id) do update set id = 2");
        Assert.Equal(SqlState.UniqueViolation, duplicate.SqlState);
        Assert.Equal("Key (id)=(2) already exists.", duplicate.Detail);
        var sql = new SqlHarness();
        sql.Run("create table t (id int primary key, v text, n int); insert into t values (1, 'a', 1), (2, 'b', 2)");
        Assert.Equal(["50|a|1"], sql.Text("insert into t values (1, 'z', 0) on conflict (id) do update set id = 50 returning *"));
        Assert.Equal(["2", "50"], sql.Text("select id from t order by id"));
        Assert.Equal(["7|g|7"], sql.Text("insert into t values (7, 'g', 7) on conflict (id) do update set n = (select max(n) from t) returning *"));
        Assert.Equal(["7|g|7"], sql.Text("insert into t values (7, 'g', 7) on conflict (id) do update set n = (select max(n) from t) returning *"));
        SqlException notNull = sql.Error("insert into t values (2, null, 1) on conflict (id) do update set id = null");
        Assert.Equal(SqlState.NotNullViolation, notNull.SqlState);
        Assert.Equal("Failing row contains (null, b, 2).", notNull.Detail);
    }

    [Fact]
    public void A_row_proposed_twice_for_do_update_is_21000()
    {
        SqlException exception = _sql.Error("insert into t values (5, 'q', 1), (5, 'r', 1) on conflict (id) do update set v = excluded.v");
        Assert.Equal("21000", exception.SqlState);
        Assert.Equal("ON CONFLICT DO UPDATE command cannot affect row a second time", exception.Message);
        Assert.Equal("Ensure that no rows proposed for insertion within the same command have duplicate constrained values.", exception.Hint);
    }

    [Fact]
    public void Conflict_target_must_be_the_primary_key()
    {
        const string noMatch = "there is no unique or exclusion constraint matching the ON CONFLICT specification";
        SqlException other = _sql.Error("insert into t values (1, 'q', 1) on conflict (v) do nothing");
        Assert.Equal("42P10", other.SqlState);
        Assert.Equal(noMatch, other.Message);
        Assert.Equal(noMatch, _sql.Error("insert into h values (1) on conflict (x) do nothing").Message);
        Assert.Equal(noMatch, _sql.Error("insert into k values (1, 'a', 1) on conflict (a) do nothing").Message);
        SqlException constraint = _sql.Error("insert into t values (1, 'q', 1) on conflict on constraint foo do nothing");
        Assert.Equal("42704", constraint.SqlState);
        Assert.Equal("constraint \"foo\" for table \"t\" does not exist", constraint.Message);
        SqlException column = _sql.Error("insert into t values (1, 'q', 1) on conflict (nope) do nothing");
        Assert.Equal(SqlState.UndefinedColumn, column.SqlState);
        Assert.Equal(47, column.Position);
        Assert.Equal("INSERT 0 0", _sql.Run("insert into t values (1, 'q', 1) on conflict (id) where id > 0 do nothing").CommandTag);
        SqlException aggregate = _sql.Error("insert into t values (9, 'a', 1) on conflict (id) do update set n = count(*)");
        Assert.Equal("aggregate functions are not allowed in UPDATE", aggregate.Message);
        Assert.Equal(SqlState.UndefinedTable, _sql.Error("insert into t values (1, 'q', 1) on conflict (id) do update set v = excluded.v returning excluded.v").SqlState);
    }

    [Fact]
    public void The_conflict_key_joins_the_conflict_check()
    {
        _sql.Store.ResetCounters();
        _sql.Run("insert into t values (1, 'x', 9) on conflict (id) do nothing");
        Assert.Contains(_sql.Store.ConflictChecks, check => !check.IsSchema);
    }
}
