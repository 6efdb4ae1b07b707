namespace Log.QueryNode.Tests.Sql;

/// <summary>Which index a query reads, as EXPLAIN shows it (PostgreSQL's own choice depends on its statistics, so these
/// plans are Log's): ordered index scans under ORDER BY ... LIMIT, partial indexes whose predicate the WHERE clause
/// implies, and CREATE INDEX ASYNC's job as sys.jobs shows it. The answers themselves are PostgreSQL's
/// (tests/sql/index_planner.test).</summary>
public sealed class IndexPlannerTests
{
    private readonly SqlHarness sql = new();

    private string Plan(string query) => string.Join("\n", sql.Text("explain (costs off) " + query));

    private void CreateTable()
    {
        sql.Run("create table t (id int primary key, k int, s text, p int)");
        sql.Run("insert into t select g, case when g % 10 = 0 then null else (g * 37) % 101 end, 's' || g, g % 7 from generate_series(1, 300) g");
    }

    [Fact]
    public void Order_by_limit_reads_an_index_in_its_order_and_drops_the_sort()
    {
        CreateTable();
        sql.Run("create index t_k on t (k)");
        sql.Run("create index t_k_desc on t (k desc nulls last)");
        sql.Run("create index t_lower on t (lower(s))");

        string ascending = Plan("select * from t order by k limit 3");
        Assert.Contains("Index Scan using t_k on t", ascending);
        Assert.DoesNotContain("Sort", ascending);
        Assert.Contains("Index Scan using t_k_desc on t", Plan("select * from t order by k desc nulls last limit 3"));
        Assert.Contains("Index Scan using t_lower on t", Plan("select id from t order by lower(s) limit 3"));

        // DESC NULLS FIRST (DESC's default) is t_k read backwards, NULLS FIRST ascending t_k_desc read backwards.
        Assert.Contains("Index Scan Backward using t_k on t", Plan("select * from t order by k desc limit 3"));
        Assert.Contains("Index Scan Backward using t_k_desc on t", Plan("select * from t order by k nulls first limit 3"));
        // Mixed directions match neither way of reading an index: those sort.
        Assert.Contains("Sort Key: k DESC, id", Plan("select * from t order by k desc, id limit 3"));
        // Without a LIMIT, fetching every row through the index costs more than sorting a full scan.
        Assert.Contains("Seq Scan on t", Plan("select * from t order by k"));

        // The ordered scan gives the sorted answer, NULLs where the index puts them.
        Assert.Equal(sql.Text("select k from t order by k + 0 limit 280"), sql.Text("select k from t order by k limit 280"));
        Assert.Equal(sql.Text("select k from t order by k + 0 desc nulls last limit 300"), sql.Text("select k from t order by k desc nulls last limit 300"));
        Assert.Equal(sql.Text("select k from t where p = 2 order by k + 0 limit 20"), sql.Text("select k from t where p = 2 order by k limit 20"));
        Assert.Equal(sql.Text("select k from t order by k + 0 desc limit 300"), sql.Text("select k from t order by k desc limit 300"));
        Assert.Equal(sql.Text("select k from t order by k + 0 nulls first limit 300"), sql.Text("select k from t order by k nulls first limit 300"));
    }

    [Fact]
    public void A_partial_index_is_used_when_the_where_clause_implies_its_predicate()
    {
        CreateTable();
        sql.Run("create index t_k_part on t (k) where p > 3");
        Assert.Contains("Index Scan using t_k_part on t", Plan("select id from t where k = 5 and p > 3"));
        Assert.Contains("Index Scan using t_k_part on t", Plan("select id from t where k = 5 and p > 4"));
        Assert.Contains("Index Scan using t_k_part on t", Plan("select id from t where k = 5 and p >= 4"));
        Assert.Contains("Index Scan using t_k_part on t", Plan("select id from t where k = 5 and p = 6"));
        Assert.Contains("Index Scan using t_k_part on t", Plan("select id from t where p > 5 order by k limit 3"));
        // Weaker or unrelated bounds could want rows the index leaves out.
        Assert.Contains("Seq Scan on t", Plan("select id from t where k = 5 and p > 2"));
        Assert.Contains("Seq Scan on t", Plan("select id from t where k = 5 and p >= 3"));
        Assert.Contains("Seq Scan on t", Plan("select id from t where k = 5 and p < 6"));
        Assert.Contains("Seq Scan on t", Plan("select id from t where k = 5"));
        Assert.Equal(sql.Text("select id from t where k + 0 = 5 and p > 4 order by id"), sql.Text("select id from t where k = 5 and p > 4 order by id"));

        sql.Run("create index t_s_not_null on t (s) where k is not null");
        Assert.Contains("Index Scan using t_s_not_null on t", Plan("select id from t where s = 's5' and k > 3"));
        Assert.Contains("Seq Scan on t", Plan("select id from t where s = 's5'"));
    }

    [Fact]
    public void Create_index_async_returns_its_job_and_sys_jobs_shows_it()
    {
        CreateTable();
        string jobId = sql.Scalar("create index async t_k on t (k)");
        Assert.Matches("^ix[0-9]+_[0-9]+$", jobId);
        Assert.Equal($"{jobId}|completed|300 rows processed|INDEX_BUILD|public.t_k", sql.Scalar("select job_id, status, details, job_type, object_name from sys.jobs"));
        Assert.Contains("Index Only Scan using t_k on t", Plan("select id from t where k = 5"));
        Assert.Equal("42P01", sql.Error("select * from jobs").SqlState); // only by its qualified name, as in DSQL
    }
}
