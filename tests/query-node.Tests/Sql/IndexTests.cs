using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Encoding;

namespace Log.QueryNode.Tests.Sql;

/// <summary>The row writer, secondary indexes and constraints through the engine: PostgreSQL's messages, details and
/// names, and indexes that always agree with the table they index.</summary>
public sealed class IndexTests
{
    private readonly SqlHarness sql = new();

    [Fact]
    public void A_unique_violation_names_the_constraint_and_the_key()
    {
        sql.Run("create table t (id int primary key, a int, b text, unique (a, b))");
        sql.Run("insert into t values (1, 1, 'x')");
        SqlException error = sql.Error("insert into t values (2, 1, 'x')");
        Assert.Equal("23505", error.SqlState);
        Assert.Equal("duplicate key value violates unique constraint \"t_a_b_key\"", error.Message);
        Assert.Equal("Key (a, b)=(1, x) already exists.", error.Detail);
        sql.Run("insert into t values (2, 1, null), (3, 1, null)"); // NULLs are distinct
        Assert.Equal("3", sql.Scalar("select count(*) from t"));
    }

    [Fact]
    public void A_check_violation_names_the_constraint_and_the_row()
    {
        sql.Run("create table t (a int check (a > 0), b int check (b > a), c int, check (c > 0), check (a < 100))");
        Assert.Equal("new row for relation \"t\" violates check constraint \"t_a_check\"", sql.Error("insert into t values (-1, null, null)").Message);
        SqlException error = sql.Error("insert into t values (1, 0, 3)");
        Assert.Equal("23514", error.SqlState);
        Assert.Equal("new row for relation \"t\" violates check constraint \"t_check\"", error.Message);
        Assert.Equal("Failing row contains (1, 0, 3).", error.Detail);
        Assert.Equal("new row for relation \"t\" violates check constraint \"t_c_check\"", sql.Error("insert into t values (1, 2, -3)").Message);
        Assert.Equal("new row for relation \"t\" violates check constraint \"t_a_check1\"", sql.Error("insert into t values (100, 200, 3)").Message);
    }

    [Fact]
    public void Limits_and_dependent_drops_give_postgres_errors()
    {
        sql.Run("create table t (a int unique, b text, c int, d int, e int, f int, g int, h int, i int)");
        Assert.Equal("54011", sql.Error("create index on t (a, b, c, d, e, f, g, h, i)").SqlState);
        Assert.Equal("54000", sql.Error($"insert into t (b) values ('{new string('x', 1100)}'); create index on t (b)").SqlState);
        SqlException dependent = sql.Error("drop index t_a_key");
        Assert.Equal("2BP01", dependent.SqlState);
        Assert.Equal("You can drop constraint t_a_key on table t instead.", dependent.Hint);
    }

    [Fact]
    public void A_unique_index_over_duplicates_is_not_created()
    {
        sql.Run("create table t (id int primary key, a int)");
        sql.Run("insert into t values (1, 5), (2, 5)");
        SqlException error = sql.Error("create unique index t_a on t (a)");
        Assert.Equal("could not create unique index \"t_a\"", error.Message);
        Assert.Equal("Key (a)=(5) is duplicated.", error.Detail);
        sql.Run("create index t_a on t (a)"); // the name is free again
    }

    [Fact]
    public void Queries_read_through_an_index_and_explain_names_it()
    {
        sql.Run("create table t (id int primary key, a int, b text)");
        sql.Run("insert into t select g, g % 7, 'v' || g from generate_series(1, 200) g");
        sql.Run("create index t_a_desc on t (a desc nulls last)");
        sql.Run("create index t_lower_b on t (lower(b))");
        // The entries hold the row key, so the primary key is read from them with no row fetched.
        string plan = string.Join("\n", sql.Text("explain (costs off) select id from t where a = 3"));
        Assert.Contains("Index Only Scan using t_a_desc on t", plan);
        Assert.Contains("Index Cond: (a = 3)", plan);
        Assert.Contains("Index Scan using t_lower_b on t", string.Join("\n", sql.Text("explain (costs off) select id from t where lower(b) = 'v9'")));
        Assert.Equal(sql.Text("select id from t where a + 0 = 3 order by id"), sql.Text("select id from t where a = 3 order by id"));
        Assert.Equal(["9"], sql.Text("select id from t where lower(b) = 'v9'"));
    }

    /// <summary>A seeded random mix of writes on a table with every kind of index; afterwards each index answers every
    /// lookup exactly as a full scan does (the "+ 0" and "|| ''" forms keep the planner off the indexes).</summary>
    [Fact]
    public async Task Indexes_agree_with_full_scans_after_random_writes()
    {
        sql.Run("create table t (id int primary key, a int, b text, c int)");
        sql.Run("create index t_a on t (a desc nulls first)");
        sql.Run("create unique index t_b on t (b) include (c)");
        sql.Run("create index t_c_partial on t (c) where c > 5");
        var random = new Random(20261204);
        for (int step = 0; step < 400; step++)
        {
            int id = random.Next(60);
            int? a = random.Next(5) == 0 ? null : random.Next(8);
            string b = random.Next(4) == 0 ? "null" : $"'b{random.Next(80)}'";
            int c = random.Next(10);
            string aText = a is null ? "null" : a.Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
            string statement = random.Next(4) switch
            {
                0 => $"delete from t where id = {id}",
                1 => $"update t set a = {aText}, c = {c} where id = {id}",
                2 => $"update t set b = {b} where id = {id}",
                _ => $"insert into t values ({id}, {aText}, {b}, {c}) on conflict (id) do update set a = excluded.a, c = excluded.c",
            };
            try
            {
                sql.Run(statement);
            }
            catch (SqlException exception) when (exception.SqlState == "23505")
            {
                // a duplicate b: refused, and nothing of the statement may remain
            }
        }
        for (int value = 0; value < 8; value++)
        {
            Assert.Equal(sql.Text($"select id from t where a + 0 = {value} order by id"), sql.Text($"select id from t where a = {value} order by id"));
            Assert.Equal(sql.Text($"select id from t where c + 0 = {value} and c > 5 order by id"), sql.Text($"select id from t where c = {value} and c > 5 order by id"));
        }
        for (int value = 0; value < 80; value++)
        {
            Assert.Equal(sql.Text($"select id, c from t where b || '' = 'b{value}'"), sql.Text($"select id, c from t where b = 'b{value}'"));
        }
        Assert.Contains("Index Only Scan using t_b on t", string.Join("\n", sql.Text("explain (costs off) select id, c from t where b = 'b1'")));
        // t_a is not partial: it holds exactly one entry per row, and nothing stale.
        int rows = int.Parse(sql.Scalar("select count(*) from t"), System.Globalization.CultureInfo.InvariantCulture);
        byte[] start = CatalogKeys.IndexPrefix(CatalogKeys.FirstUserTableId, TableDescriptor.FirstSecondaryIndexId).ToArray();
        byte[] end = CatalogKeys.IndexPrefix(CatalogKeys.FirstUserTableId, TableDescriptor.FirstSecondaryIndexId).ToPrefixEnd();
        int entries = await sql.Store.ScanAsync(start, end, CancellationToken.None).CountAsync();
        Assert.Equal(rows, entries);
    }
}
