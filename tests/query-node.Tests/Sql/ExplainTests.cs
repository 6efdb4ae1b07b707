using Log.QueryNode.Execution;
using Log.QueryNode.Sql;

namespace Log.QueryNode.Tests.Sql;

/// <summary>EXPLAIN's text format. Each expected plan is PostgreSQL 15's EXPLAIN (COSTS OFF) output for the same
/// statement over the same tables, for queries where both choose the same plan shape.</summary>
public class ExplainTests
{
    private readonly SqlHarness _sql = new();

    public ExplainTests()
    {
        _sql.Run("create table t (id int primary key, v text, n int)");
        _sql.Run("create table u (a int primary key, b text)");
        _sql.Run("insert into t values (1, 'a', 1), (2, 'b', 2), (3, 'c', 3)");
        _sql.Run("insert into u values (1, 'x'), (2, 'y')");
    }

    [Theory]
    [InlineData("select * from t", "Seq Scan on t")]
    [InlineData("select * from t where id = 5", "Index Scan using t_pkey on t|  Index Cond: (id = 5)")]
    [InlineData("select * from t x where x.id = 1", "Index Scan using t_pkey on t x|  Index Cond: (id = 1)")]
    [InlineData("select v from t where n > 3 and v = 'x'", "Seq Scan on t|  Filter: ((n > 3) AND (v = 'x'::text))")]
    [InlineData("select * from t where v like 'a%' or n is null", "Seq Scan on t|  Filter: ((v ~~ 'a%'::text) OR (n IS NULL))")]
    [InlineData("select * from t where n in (1, 2, 3)", "Seq Scan on t|  Filter: (n = ANY ('{1,2,3}'::integer[]))")]
    [InlineData("select * from t where n + 1 > 2 * n", "Seq Scan on t|  Filter: ((n + 1) > (2 * n))")]
    [InlineData("select * from t join u on u.a = t.n",
        "Hash Join|  Hash Cond: (t.n = u.a)|  ->  Seq Scan on t|  ->  Hash|        ->  Seq Scan on u")]
    [InlineData("select * from t left join u on u.a = t.n",
        "Hash Left Join|  Hash Cond: (t.n = u.a)|  ->  Seq Scan on t|  ->  Hash|        ->  Seq Scan on u")]
    [InlineData("select * from t order by v", "Sort|  Sort Key: v|  ->  Seq Scan on t")]
    [InlineData("select * from t order by v desc, n limit 3", "Limit|  ->  Sort|        Sort Key: v DESC, n|        ->  Seq Scan on t")]
    [InlineData("select count(*) from t", "Aggregate|  ->  Seq Scan on t")]
    [InlineData("select n, count(*) from t group by n", "HashAggregate|  Group Key: n|  ->  Seq Scan on t")]
    [InlineData("select distinct v from t", "HashAggregate|  Group Key: v|  ->  Seq Scan on t")]
    [InlineData("select 1", "Result")]
    [InlineData("update t set v = 'x' where id = 3", "Update on t|  ->  Index Scan using t_pkey on t|        Index Cond: (id = 3)")]
    [InlineData("delete from t where n = 3", "Delete on t|  ->  Seq Scan on t|        Filter: (n = 3)")]
    [InlineData("insert into t values (1, 'a', 1)", "Insert on t|  ->  Result")]
    [InlineData("insert into t values (1, 'a', 1), (2, 'b', 2)", "Insert on t|  ->  Values Scan on \"*VALUES*\"")]
    [InlineData("insert into t values (1, 'a', 1) on conflict do nothing", "Insert on t|  Conflict Resolution: NOTHING|  ->  Result")]
    [InlineData("insert into t values (1, 'a', 1) on conflict (id) do update set v = excluded.v where t.n > 1",
        "Insert on t|  Conflict Resolution: UPDATE|  Conflict Arbiter Indexes: t_pkey|  Conflict Filter: (t.n > 1)|  ->  Result")]
    public void Costs_off_matches_postgresql(string query, string expected)
    {
        Assert.Equal(expected.Split('|'), _sql.Text("explain (costs off) " + query));
    }

    [Fact]
    public void Result_is_one_text_column_named_query_plan()
    {
        StatementResult result = _sql.Run("explain select * from t where id = 5");
        Assert.Equal("EXPLAIN", result.CommandTag);
        Assert.Equal("QUERY PLAN", Assert.Single(result.Columns!).Name);
        Assert.Matches(@"^Index Scan using t_pkey on t  \(cost=\d+\.\d\d\.\.\d+\.\d\d rows=1 width=\d+\)$", (string)result.Rows[0][0]!);
        Assert.Equal("  Index Cond: (id = 5)", (string)result.Rows[1][0]!);
    }

    [Fact]
    public void Verbose_qualifies_names()
    {
        List<string> plan = _sql.Text("explain (costs off, verbose) select * from t where n = 5");
        Assert.Equal(["Seq Scan on public.t", "  Output: id, v, n", "  Filter: (t.n = 5)"], plan);
        Assert.Equal(["Seq Scan on public.t", "  Output: (n + 1), v"], _sql.Text("explain (costs off, verbose) select n + 1, v from t"));
    }

    [Fact]
    public void Analyze_runs_the_statement_and_reports_actual_rows_loops_and_times()
    {
        List<string> plan = _sql.Text("explain (analyze, costs off) select * from t where n >= 2");
        Assert.Matches(@"^Seq Scan on t \(actual time=\d+\.\d{3}\.\.\d+\.\d{3} rows=2 loops=1\)$", plan[0]);
        Assert.Equal("  Filter: (n >= 2)", plan[1]);
        Assert.Matches(@"^Planning Time: \d+\.\d{3} ms$", plan[2]);
        Assert.Matches(@"^Execution Time: \d+\.\d{3} ms$", plan[3]);
        Assert.Equal(4, plan.Count);

        List<string> join = _sql.Text("explain (analyze, timing off, costs off, summary off) select * from t join u on u.a = t.n");
        Assert.Equal(["Hash Join (actual rows=2 loops=1)", "  Hash Cond: (t.n = u.a)", "  ->  Seq Scan on t (actual rows=3 loops=1)",
            "  ->  Hash (actual rows=2 loops=1)", "        ->  Seq Scan on u (actual rows=2 loops=1)"], join);

        // DML under EXPLAIN ANALYZE runs (and writes), as in PostgreSQL.
        List<string> delete = _sql.Text("explain (analyze, timing off, costs off, summary off) delete from t where id = 3");
        Assert.Equal(["Delete on t (actual rows=0 loops=1)", "  ->  Index Scan using t_pkey on t (actual rows=1 loops=1)", "        Index Cond: (id = 3)"], delete);
        Assert.Equal("2", _sql.Scalar("select count(*) from t"));
        // Without ANALYZE nothing runs.
        _sql.Text("explain delete from t");
        Assert.Equal("2", _sql.Scalar("select count(*) from t"));
    }

    [Fact]
    public void Options_are_checked_as_postgresql_checks_them()
    {
        SqlException unknown = _sql.Error("explain (foo) select 1");
        Assert.Equal(SqlState.SyntaxError, unknown.SqlState);
        Assert.Equal("unrecognized EXPLAIN option \"foo\"", unknown.Message);
        SqlException timing = _sql.Error("explain (timing) select 1");
        Assert.Equal("22023", timing.SqlState);
        Assert.Equal("EXPLAIN option TIMING requires ANALYZE", timing.Message);
        Assert.Equal("analyze requires a Boolean value", _sql.Error("explain (analyze maybe) select 1").Message);
    }
}
