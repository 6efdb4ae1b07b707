using Log.QueryNode.Execution;
using Log.QueryNode.Sql;

namespace Log.QueryNode.Tests.Sql;

/// <summary>UPDATE ... FROM, DELETE ... USING, subqueries and RETURNING expressions in DML, and WITH with data-modifying
/// statements. Expected rows and tags are PostgreSQL 15's for the same statements.</summary>
public class DmlTests
{
    private readonly SqlHarness _sql = new();

    public DmlTests()
    {
        _sql.Run("create table t (id int primary key, v text, n int)");
        _sql.Run("create table u (a int, b text)");
        _sql.Run("insert into t values (1, 'a', 1), (2, 'b', 2), (3, 'c', 3)");
        _sql.Run("insert into u values (1, 'x'), (1, 'y'), (2, 'z')");
    }

    [Fact]
    public void Update_from_updates_each_target_row_once_with_correlated_subqueries_and_returning()
    {
        StatementResult result = _sql.Run("update t set v = t.v || u.b, n = n + (select count(*) from u u2 where u2.a = t.id) from u where u.a = t.id "
            + "returning t.id, t.v, t.n, u.a, t.v || '!' as e");
        Assert.Equal("UPDATE 2", result.CommandTag);
        Assert.Equal(["id", "v", "n", "a", "e"], result.Columns!.Select(column => column.Name));
        List<string> rows = _sql.Text("select * from t order by id");
        // Row 1 joins two rows of u: PostgreSQL updates it once, with either.
        Assert.Contains(rows[0], new[] { "1|ax|3", "1|ay|3" });
        Assert.Equal(["2|bz|3", "3|c|3"], rows.Skip(1));
    }

    [Fact]
    public void Update_from_returning_sees_new_values_and_from_columns()
    {
        Assert.Equal(["2|bz|3|2|bz!"], _sql.Text("update t set v = t.v || u.b, n = 3 from u where u.a = t.id and u.b = 'z' returning t.id, t.v, t.n, u.a, t.v || '!' as e"));
    }

    [Fact]
    public void Delete_using_returns_target_and_using_columns()
    {
        StatementResult result = _sql.Run("delete from t using u where u.a = t.id and u.b = 'z' returning t.*, u.b, t.id * 10");
        Assert.Equal("DELETE 1", result.CommandTag);
        Assert.Equal(["id", "v", "n", "b", "?column?"], result.Columns!.Select(column => column.Name));
        Assert.Equal(["1|a|1", "3|c|3"], _sql.Text("select * from t order by id"));
        // Row 1 joins two rows of u and is deleted (and returned) once.
        Assert.Equal("DELETE 1", _sql.Run("delete from t using u where u.a = t.id returning t.id").CommandTag);
    }

    [Fact]
    public void Subqueries_in_where_and_set()
    {
        Assert.Equal(["1|a|2"], _sql.Text("update t set n = (select max(a) from u) where id in (select a from u where b = 'x') returning *"));
        Assert.Equal(["1", "2"], _sql.Text("delete from t where exists (select 1 from u where u.a = t.id) returning id"));
        Assert.Equal(["3|c|3"], _sql.Text("select * from t order by id"));
    }

    [Fact]
    public void Errors_match_postgresql()
    {
        SqlException twice = _sql.Error("update t set v = 'k' from t");
        Assert.Equal("42712", twice.SqlState);
        Assert.Equal("table name \"t\" specified more than once", twice.Message);
        SqlException aggregate = _sql.Error("update t set n = count(*)");
        Assert.Equal(SqlState.GroupingError, aggregate.SqlState);
        Assert.Equal("aggregate functions are not allowed in UPDATE", aggregate.Message);
        Assert.Equal(18, aggregate.Position);
        Assert.Equal(SqlState.UndefinedTable, _sql.Error("update nope set n = 1").SqlState);
        Assert.Equal(SqlState.UndefinedTable, _sql.Error("delete from t using nope").SqlState);
    }

    [Fact]
    public void With_delete_feeding_an_insert_moves_rows()
    {
        _sql.Run("create table a (id int primary key, v text); create table b (id int primary key, v text)");
        _sql.Run("insert into a values (1, 'p'), (2, 'q'), (3, 'r')");
        Assert.Equal("INSERT 0 2", _sql.Run("with moved as (delete from a where id >= 2 returning *) insert into b select * from moved").CommandTag);
        Assert.Equal(["1|p"], _sql.Text("select * from a"));
        Assert.Equal(["2|q", "3|r"], _sql.Text("select * from b order by id"));
    }

    [Fact]
    public void The_main_query_sees_the_snapshot_before_the_with_query_changes()
    {
        _sql.Run("create table a (id int primary key, v text)");
        _sql.Run("insert into a values (1, 'p')");
        Assert.Equal(["1|1"], _sql.Text("with d as (delete from a returning *) select (select count(*) from a) as seen, count(*) from d"));
        Assert.Equal("0", _sql.Scalar("select count(*) from a"));
        _sql.Run("insert into a values (1, 'p'), (2, 'q')");
        // Not referenced, still run, once; the main query reads the rows as they were.
        Assert.Equal(["1|p", "2|q"], _sql.Text("with d as (delete from a where id = 1) select * from a order by id"));
        Assert.Equal(["2|q"], _sql.Text("select * from a"));
    }

    [Fact]
    public void With_before_insert_update_and_delete()
    {
        _sql.Run("create table a (id int primary key, v text)");
        Assert.Equal(["10"], _sql.Text("with i as (insert into a values (10, 'ten') returning id) select id from i"));
        Assert.Equal(["20|k20", "21|k21"], _sql.Text("with v(k) as (values (20), (21)) insert into a select k, 'k' || k from v returning *"));
        Assert.Equal(["10|x"], _sql.Text("with s as (select 10 as k) update a set v = 'x' from s where a.id = s.k returning a.*"));
        Assert.Equal("DELETE 2", _sql.Run("with s as (select 20 as k union all select 21) delete from a where id in (select k from s)").CommandTag);
        Assert.Equal(["10|x"], _sql.Text("select * from a"));
    }

    [Fact]
    public void Data_modifying_with_errors()
    {
        SqlException noReturning = _sql.Error("with x as (delete from u where a = 9) select * from x");
        Assert.Equal(SqlState.FeatureNotSupported, noReturning.SqlState);
        Assert.Equal("WITH query \"x\" does not have a RETURNING clause", noReturning.Message);
        Assert.Equal(53, noReturning.Position);
        SqlException nested = _sql.Error("select 1 from (with x as (delete from u where a = 9 returning *) select * from x) s");
        Assert.Equal(SqlState.FeatureNotSupported, nested.SqlState);
        Assert.Equal("WITH clause containing a data-modifying statement must be at the top level", nested.Message);
        Assert.Equal(21, nested.Position);
        Assert.Equal("3", _sql.Scalar("select count(*) from u"));
    }

    [Fact]
    public void Insert_select_with_joins_subqueries_and_ctes()
    {
        _sql.Run("create table r (id int primary key, label text, total bigint)");
        Assert.Equal("INSERT 0 2", _sql.Run("with w as (select a, count(*) as c from u group by a) "
            + "insert into r select t.id, t.v || u.b, (select c from w where w.a = t.id) from t join u on u.a = t.id where u.b <> 'y'").CommandTag);
        Assert.Equal(["1|ax|2", "2|bz|1"], _sql.Text("select * from r order by id"));
    }

    [Fact]
    public void Tables_without_a_key_update_and_delete_by_their_hidden_row_id()
    {
        _sql.Run("create table h (x int, y text); insert into h values (1, 'a'), (1, 'a'), (2, 'b')");
        Assert.Equal(["2|a", "2|a"], _sql.Text("update h set x = x + 1 where x = 1 returning *"));
        Assert.Equal(["2|a", "2|a", "2|b"], _sql.Text("select * from h order by y"));
        Assert.Equal("DELETE 2", _sql.Run("delete from h using u where h.y = 'a' and u.a = 1 and u.b = 'x'").CommandTag);
        Assert.Equal(["2|b"], _sql.Text("select * from h"));
    }

    [Fact]
    public void Returning_may_hold_subqueries_over_the_written_row()
    {
        Assert.Equal(["1|2"], _sql.Text("update t set n = 5 where id = 1 returning id, (select count(*) from u where u.a = t.id)"));
        Assert.Equal(["4|0"], _sql.Text("insert into t values (4, 'd', 4) returning id, (select count(*) from u where u.a = t.id)"));
    }
}
