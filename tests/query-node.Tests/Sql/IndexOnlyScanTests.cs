using Log.QueryNode.Tests.Sessions;

namespace Log.QueryNode.Tests.Sql;

/// <summary>Index-only scans (the columns a query reads decoded from index entries, no row fetched) and backward index
/// scans (ORDER BY ... DESC along an ascending index or the primary key), by the node names EXPLAIN prints, and their
/// answers against full scans over random data, updates and deletes (committed and within an open transaction).</summary>
public sealed class IndexOnlyScanTests
{
    private readonly SqlHarness sql = new();

    private string Plan(string query) => string.Join("\n", sql.Text("explain (costs off) " + query));

    private void CreateTable()
    {
        sql.Run("create table t (id int primary key, k int, s text, n numeric, f float8, d date, u uuid)");
        sql.Run("insert into t select g, (g * 37) % 101, 's' || g, g / 4.0, g / 2.0, date '2026-01-01' + g, "
            + "('00000000-0000-0000-0000-' || lpad(g::text, 12, '0'))::uuid from generate_series(1, 300) g");
    }

    [Fact]
    public void Explain_names_an_index_only_scan_when_the_index_holds_every_column_read()
    {
        CreateTable();
        sql.Run("create index t_k on t (k) include (s)");
        Assert.Contains("Index Only Scan using t_k on t", Plan("select k, s from t where k = 5"));
        // The entry holds the row key, so the primary key is there too.
        Assert.Contains("Index Only Scan using t_k on t", Plan("select id, k from t where k = 5"));
        Assert.Contains("Index Only Scan using t_k on t", Plan("select count(*) from t where k between 3 and 10"));
        // A column the index does not hold needs the row.
        Assert.Contains("Index Scan using t_k on t", Plan("select k, d from t where k = 5"));
        Assert.Contains("Index Scan using t_k on t", Plan("select k from t where k = 5 and d > date '2026-02-01'"));
        // FOR UPDATE locks rows, so it reads them.
        Assert.Contains("Index Scan using t_k on t", Plan("select k from t where k = 5 for update"));

        string analyzed = string.Join("\n", sql.Text("explain (analyze, costs off, timing off, summary off) select count(*) from t where k between 3 and 10"));
        Assert.Contains("Index Only Scan using t_k on t (actual rows=", analyzed);
        Assert.Contains("Heap Fetches: 0", analyzed);

        Assert.Equal(sql.Text("select id, k, s from t where k + 0 = 5 order by id"), sql.Text("select id, k, s from t where k = 5 order by id"));
        Assert.Equal(sql.Text("select count(*) from t where k + 0 between 3 and 10"), sql.Text("select count(*) from t where k between 3 and 10"));
    }

    [Fact]
    public void Keys_that_do_not_decode_exactly_are_read_from_the_row()
    {
        CreateTable();
        sql.Run("create index t_n on t (n)");
        sql.Run("create index t_f on t (f)");
        sql.Run("create index t_d_u on t (d desc, u)");
        // numeric keys drop trailing zeros (0.50 would read as 0.5) and float8 keys fold -0 into 0: fetch the row.
        sql.Run("insert into t (id, n) values (1001, 1000.50)");
        Assert.Contains("Index Scan using t_n on t", Plan("select n from t where n = 1000.5"));
        Assert.Contains("Index Scan using t_f on t", Plan("select f from t where f = 1.5"));
        Assert.Equal(["1000.50"], sql.Text("select n from t where n = 1000.5"));
        sql.Run("insert into t (id, f) values (1000, '-0')");
        Assert.Equal(["-0"], sql.Text("select f from t where f = 0"));
        // date (descending) and uuid decode exactly.
        Assert.Contains("Index Only Scan using t_d_u on t", Plan("select d, u from t where d = date '2026-01-10'"));
        Assert.Equal(["2026-01-10|00000000-0000-0000-0000-000000000009"], sql.Text("select d, u from t where d = date '2026-01-10'"));
        Assert.Equal(sql.Text("select d, u, id from t where d + 0 > date '2026-09-01' order by d desc limit 7"),
            sql.Text("select d, u, id from t where d > date '2026-09-01' order by d desc limit 7"));
    }

    [Fact]
    public void Order_by_desc_reads_an_ascending_index_or_the_primary_key_backwards()
    {
        CreateTable();
        sql.Run("create index t_k on t (k)");
        string byKey = Plan("select * from t order by id desc limit 3");
        Assert.Contains("Index Scan Backward using t_pkey on t", byKey);
        Assert.DoesNotContain("Sort", byKey);
        Assert.Equal(["300", "299", "298"], sql.Text("select id from t order by id desc limit 3"));
        Assert.Contains("Index Scan Backward using t_pkey on t", Plan("select * from t where id < 100 order by id desc limit 3"));
        Assert.Equal(["99", "98", "97"], sql.Text("select id from t where id < 100 order by id desc limit 3"));

        string byIndex = Plan("select id, k from t order by k desc limit 5");
        Assert.Contains("Index Only Scan Backward using t_k on t", byIndex);
        Assert.DoesNotContain("Sort", byIndex);
        Assert.Contains("Index Scan Backward using t_k on t", Plan("select * from t where k > 50 order by k desc limit 5"));
        Assert.Equal(sql.Text("select k from t order by k + 0 desc limit 40"), sql.Text("select k from t order by k desc limit 40"));
        Assert.Equal(sql.Text("select k from t where k < 50 order by k + 0 desc limit 40"), sql.Text("select k from t where k < 50 order by k desc limit 40"));
    }

    [Fact]
    public void An_expression_index_serves_a_query_that_uses_the_expression()
    {
        sql.Run("create table users (id int primary key, email text)");
        sql.Run("insert into users select g, 'User' || g || '@Example.com' from generate_series(1, 200) g");
        sql.Run("create index users_lower_email on users (lower(email))");
        string plan = Plan("select id from users where lower(email) = 'user7@example.com'");
        Assert.Contains("Index Scan using users_lower_email on users", plan);
        Assert.Contains("Index Cond: (lower(email) = 'user7@example.com'::text)", plan);
        Assert.Equal(["7"], sql.Text("select id from users where lower(email) = 'user7@example.com'"));
        Assert.Contains("Index Scan using users_lower_email on users", Plan("select id from users order by lower(email) limit 3"));
    }

    /// <summary>Random inserts, updates and deletes, some inside a transaction left open while the reads run (so the
    /// transaction's own writes lie over the snapshot) and some committed; every index-only and backward read answers as
    /// the same query forced onto a full scan and a sort ("+ 0" keeps the planner off the indexes).</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Index_only_and_backward_reads_agree_with_full_scans_over_random_writes(int seed)
    {
        var cluster = new InMemoryCluster();
        await using var session = cluster.Connect();
        await session.QueryAsync("create table r (id int primary key, a int, b text, c int)");
        await session.QueryAsync("create index r_a on r (a) include (b)");
        await session.QueryAsync("create index r_c_desc on r (c desc nulls first, a)");
        var random = new Random(seed);
        string Value(int range) => random.Next(6) == 0 ? "null" : random.Next(range).ToString(System.Globalization.CultureInfo.InvariantCulture);
        async Task WriteAsync(int count)
        {
            for (int step = 0; step < count; step++)
            {
                int id = random.Next(120);
                string statement = random.Next(4) switch
                {
                    0 => $"delete from r where id = {id}",
                    1 => $"update r set a = {Value(20)}, c = {Value(9)} where id = {id}",
                    2 => $"update r set b = 'b{random.Next(50)}' where id = {id}",
                    _ => $"insert into r values ({id}, {Value(20)}, 'b{random.Next(50)}', {Value(9)}) on conflict (id) do update set a = excluded.a, b = excluded.b",
                };
                Assert.DoesNotContain((await session.QueryAsync(statement)), message => message.StartsWith("Error", StringComparison.Ordinal));
            }
        }
        async Task CheckAsync()
        {
            for (int value = 0; value < 20; value += 3)
            {
                Assert.Equal(await session.RowsAsync($"select id, a, b from r where a + 0 = {value} order by id"),
                    await session.RowsAsync($"select id, a, b from r where a = {value} order by id"));
                Assert.Equal(await session.RowsAsync($"select count(*) from r where a + 0 between {value} and {value + 5}"),
                    await session.RowsAsync($"select count(*) from r where a between {value} and {value + 5}"));
                Assert.Equal(await session.RowsAsync($"select a, id from r where a + 0 < {value} order by a + 0 desc, id desc limit 15"),
                    await session.RowsAsync($"select a, id from r where a < {value} order by a desc limit 15"));
            }
            Assert.Equal(await session.RowsAsync("select id from r order by id + 0 desc limit 25"), await session.RowsAsync("select id from r order by id desc limit 25"));
            Assert.Equal(await session.RowsAsync("select c, a, id from r order by c + 0 asc nulls last, a + 0 desc nulls first, id desc limit 30"),
                await session.RowsAsync("select c, a, id from r order by c, a desc limit 30"));
            Assert.Equal(await session.RowsAsync("select a, id from r order by a + 0 desc nulls first, id desc limit 40"),
                await session.RowsAsync("select a, id from r order by a desc limit 40"));
        }
        Assert.Contains(await session.RowsAsync("explain (costs off) select a, id from r order by a desc limit 40"),
            line => line.Contains("Index Only Scan Backward using r_a on r", StringComparison.Ordinal));
        Assert.Contains(await session.RowsAsync("explain (costs off) select c, a, id from r order by c, a desc limit 30"),
            line => line.Contains("Index Only Scan Backward using r_c_desc on r", StringComparison.Ordinal));
        for (int round = 0; round < 4; round++)
        {
            await WriteAsync(60);
            await CheckAsync();
            await session.QueryAsync("begin");
            await WriteAsync(25);
            await CheckAsync();
            await session.QueryAsync(round % 2 == 0 ? "commit" : "rollback");
            await CheckAsync();
        }
    }
}
