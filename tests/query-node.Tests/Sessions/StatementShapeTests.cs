using Log.QueryNode.Sessions;
using Log.Wire;

namespace Log.QueryNode.Tests.Sessions;

/// <summary>Simple-protocol INSERTs and SELECTs of one shape run from a prepared plan with their literals as values
/// (<see cref="StatementShapes"/>), and answer exactly as when each is parsed, bound and planned anew.</summary>
public class StatementShapeTests
{
    private static QuerySession Connect(InMemoryCluster cluster, bool withoutShapes) =>
        new(new PgStartup("postgres", "postgres", new Dictionary<string, string>(), 1, 2), cluster.Engine, cluster, cluster, cluster.Clock,
            cluster.Limits, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance) { LocalWriters = cluster.LocalWriters, WithoutShapes = withoutShapes };

    /// <summary>Runs the script one statement a Query on a session with shapes and on one without (each on its own
    /// data) and returns both transcripts and the shaped session's count of INSERTs run from a plan.</summary>
    private static async Task<(List<string> Shaped, List<string> Plain, int RunByShape)> RunBothAsync(IEnumerable<string> script)
    {
        var shapedCluster = new InMemoryCluster();
        var plainCluster = new InMemoryCluster();
        await using var shaped = Connect(shapedCluster, withoutShapes: false);
        await using var plain = Connect(plainCluster, withoutShapes: true);
        var shapedTranscript = new List<string>();
        var plainTranscript = new List<string>();
        foreach (string sql in script)
        {
            shapedTranscript.Add("> " + sql);
            shapedTranscript.AddRange(await shaped.QueryAsync(sql));
            shapedTranscript.Add("status " + shaped.TransactionStatus);
            plainTranscript.Add("> " + sql);
            plainTranscript.AddRange(await plain.QueryAsync(sql));
            plainTranscript.Add("status " + plain.TransactionStatus);
        }
        Assert.Equal(0, plain.StatementsRunByShape);
        return (shapedTranscript, plainTranscript, shaped.StatementsRunByShape);
    }

    private static async Task AssertSameBothWaysAsync(IEnumerable<string> script, int minimumRunByShape)
    {
        var (shaped, plain, runByShape) = await RunBothAsync(script);
        Assert.Equal(plain, shaped);
        Assert.True(runByShape >= minimumRunByShape, $"only {runByShape} statements ran from a shape's plan");
    }

    [Fact]
    public async Task Inserts_of_one_shape_run_from_a_plan_and_store_each_statements_literals()
    {
        var script = new List<string> { "create table orders (id bigint primary key, customer text, amount numeric)" };
        for (int row = 0; row < 20; row++)
        {
            script.Add($"insert into orders (id, customer, amount) values ({3_000_000_000L + row} * 2, 'customer {row}', {row}.5)");
        }
        script.Add("select id, customer, amount from orders order by id");
        var (shaped, plain, runByShape) = await RunBothAsync(script);
        Assert.Equal(plain, shaped);
        // The first INSERT of the shape records it, the second prepares it, and every one from the second on runs its plan.
        Assert.Equal(19, runByShape);
        Assert.Contains("DataRow 6000000038|customer 19|19.5", shaped);
    }

    [Fact]
    public async Task The_DEV308_write_transaction_runs_its_three_inserts_from_plans()
    {
        var cluster = new InMemoryCluster();
        await using var session = Connect(cluster, withoutShapes: false);
        await session.QueryAsync("create table dev308_orders (id bigint primary key, customer text, amount numeric)");
        await session.QueryAsync("create table dev308_audit (id bigint primary key, note text)");
        for (long id = 2_147_483_648; id < 2_147_483_658; id++)
        {
            Assert.Equal(["CommandComplete BEGIN"], await session.QueryAsync("BEGIN;"));
            Assert.Equal(["CommandComplete INSERT 0 1"], await session.QueryAsync($"INSERT INTO dev308_orders (id, customer, amount) VALUES ({id} * 2, 'alice', 10);"));
            Assert.Equal(["CommandComplete INSERT 0 1"], await session.QueryAsync($"INSERT INTO dev308_orders (id, customer, amount) VALUES ({id} * 2 + 1, 'bob', 20);"));
            Assert.Equal(["CommandComplete INSERT 0 1"], await session.QueryAsync($"INSERT INTO dev308_audit (id, note) VALUES ({id}, 'two orders');"));
            Assert.Equal(["CommandComplete COMMIT"], await session.QueryAsync("COMMIT;"));
        }
        Assert.Equal(27, session.StatementsRunByShape);
        Assert.Equal(3, session.ShapeCount);
        Assert.Equal(["DataRow 20|300"], (await session.QueryAsync("select count(*), sum(amount) from dev308_orders"))
            .Where(message => message.StartsWith("DataRow", StringComparison.Ordinal)));
        Assert.Equal(["DataRow 2147483657|two orders"], (await session.QueryAsync("select id, note from dev308_audit order by id desc limit 1"))
            .Where(message => message.StartsWith("DataRow", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Errors_notices_and_results_are_those_of_an_insert_run_anew()
    {
        string[] script =
        [
            "create table t (id bigint primary key, name text, amount numeric, day date, small smallint, flag boolean)",
            // Bad values for the parameter's type: the literal's own error, twice (the second time the shape is prepared).
            "insert into t (id, name, day) values (1001, 'a', 'notadate')",
            "insert into t (id, name, day) values (1002, 'b', 'notadate')",
            "insert into t (id, name, day) values (1003, 'c', '2024-02-29')",
            "insert into t (id, name, day) values (1004, 'd', '2023-02-29')",
            "insert into t (id, name, small) values (1005, 'e', 32767)",
            "insert into t (id, name, small) values (1006, 'f', 99999)",
            "insert into t (id, name, small) values (1007, 'g', 32768 - 1)",
            // int4 arithmetic that overflows, and the same shape at int8 size (another shape).
            "insert into t (id, name) values (1100000000 * 2, 'h')",
            "insert into t (id, name) values (1100000001 * 2, 'i')",
            "insert into t (id, name) values (3000000000 * 2, 'j')",
            "insert into t (id, name) values (3000000001 * 2, 'k')",
            // Duplicate keys, ON CONFLICT, RETURNING, several rows.
            "insert into t (id, name) values (1003, 'dup')",
            "insert into t (id, name) values (1005, 'dup')",
            "insert into t (id, name) values (1003, 'dup') on conflict do nothing",
            "insert into t (id, name) values (2001, 'r1'), (2002, 'r2') returning id, name",
            "insert into t (id, name) values (2003, 'r3'), (2004, 'r4') returning id, name",
            // Literals that stay part of the shape: short numbers, signs, strings inside expressions, E'' strings.
            "insert into t (id, name, amount) values (3001, upper('abc'), -5)",
            "insert into t (id, name, amount) values (3002, upper('xyz'), -6)",
            "insert into t (id, name, amount) values (3003, E'tab\\there', 1.25)",
            "insert into t (id, name, amount) values (3004, E'new\\nline', 2.50)",
            "insert into t (id, name, amount) values (3005, 'x' || 'y', (select 7 order by 1))",
            "insert into t (id, name, amount) values (3006, 'x' || 'z', (select 8 order by 1))",
            "insert into t (id, name, flag) values (3007, 'yes', 'yes')",
            "insert into t (id, name, flag) values (3008, 'maybe', 'maybe')",
            // A too-long identifier's notice, every time.
            "insert into t (id, name) values (4001, 'n') returning id as a234567890123456789012345678901234567890123456789012345678901234",
            "insert into t (id, name) values (4002, 'n') returning id as a234567890123456789012345678901234567890123456789012345678901234",
            // Inside a transaction, a failed one, and a read-only one.
            "begin",
            "insert into t (id, name) values (5001, 'tx')",
            "insert into t (id, name) values (5001, 'tx')",
            "insert into t (id, name) values (5002, 'tx')",
            "rollback",
            "begin read only",
            "insert into t (id, name) values (5003, 'ro')",
            "rollback",
            // The catalog changes under the shape: a column's type, then the table itself.
            "alter table t add column extra int",
            "insert into t (id, name, extra) values (6001, 'x1', 10)",
            "insert into t (id, name, extra) values (6002, 'x2', 11)",
            "insert into t (id, name) values (6003, 'after ddl')",
            "drop table t",
            "insert into t (id, name) values (6004, 'gone')",
            "insert into t (id, name) values (6005, 'gone')",
            "create table t (id text primary key, name int)",
            "insert into t (id, name) values (6006, 'not a number')",
            "insert into t (id, name) values (6007, '42')",
            "insert into t (id, name) values (6008, '43')",
            "select * from t order by id",
        ];
        await AssertSameBothWaysAsync(script, minimumRunByShape: 10);
    }

    [Fact]
    public async Task A_shape_is_kept_per_search_path()
    {
        string[] script =
        [
            "create schema a",
            "create schema b",
            "create table a.t (id int primary key, v text)",
            "create table b.t (id int primary key, v int)",
            "set search_path = a",
            "insert into t (id, v) values (101, '1001')",
            "insert into t (id, v) values (102, '1002')",
            "set search_path = b",
            "insert into t (id, v) values (103, '1003')",
            "insert into t (id, v) values (104, '1004')",
            "insert into t (id, v) values (105, 'text')",
            "set search_path = a",
            "insert into t (id, v) values (106, 'text')",
            "select * from a.t order by id",
            "select * from b.t order by id",
        ];
        await AssertSameBothWaysAsync(script, minimumRunByShape: 3);
    }

    [Fact]
    public async Task A_session_keeps_a_bounded_number_of_shapes()
    {
        var cluster = new InMemoryCluster();
        await using var session = Connect(cluster, withoutShapes: false);
        await session.QueryAsync("create table t (id int primary key, v text)");
        for (int shape = 0; shape < StatementShapes.Capacity * 2; shape++)
        {
            // Each text its own shape: the alias differs.
            await session.QueryAsync($"insert into t (id, v) values ({1000 + shape}, 'value') returning id as c{shape}");
            Assert.InRange(session.ShapeCount, 1, StatementShapes.Capacity);
        }
        Assert.Equal(0, session.StatementsRunByShape);
    }

    [Fact]
    public async Task Point_selects_of_one_shape_run_from_a_plan_and_read_each_statements_key()
    {
        var script = new List<string>
        {
            "create table accounts (aid int primary key, bid int, abalance int, filler text)",
            "insert into accounts select g, g % 3, g * 10, 'row ' || g from generate_series(1, 300) as g",
        };
        for (int key = 95; key < 125; key++)
        {
            script.Add($"SELECT abalance FROM accounts WHERE aid = {key};");
        }
        script.Add("SELECT abalance FROM accounts WHERE aid = 99999;");
        var (shaped, plain, runByShape) = await RunBothAsync(script);
        Assert.Equal(plain, shaped);
        // The first SELECT of the shape records it, the second prepares it, and every one from the second on runs its plan
        // (95 to 99 and 100 to 124 are two shapes: the literal's length is part of neither, but 99999 is a third).
        Assert.True(runByShape >= 28, $"only {runByShape} SELECTs ran from a shape's plan");
        Assert.Contains("DataRow 1240", shaped);
        Assert.Contains("CommandComplete SELECT 0", shaped);
    }

    [Fact]
    public async Task Errors_notices_and_results_are_those_of_a_select_run_anew()
    {
        string[] script =
        [
            "create table t (id bigint primary key, name text, amount numeric, day date, small smallint)",
            "insert into t values (10, 'ten', 10.5, '2024-01-10', 1), (11, 'eleven', 11.5, '2024-01-11', 2), (12, 'twelve', 12.5, '2024-01-12', 3)",
            "insert into t values (3000000000, 'big', 0, '2024-02-29', 4)",
            // Comparisons of every kind, under AND, OR and NOT, the literal on either side.
            "select name from t where id = 10 and amount > 10.25",
            "select name from t where id = 11 and amount > 10.25",
            "select name from t where 12 = id or name = 'ten' order by 1",
            "select name from t where 11 = id or name = 'twelve' order by 1",
            "select id from t where not (id <> 10) and name >= 'a'",
            "select id from t where not (id <> 11) and name >= 'z'",
            "select id from t where day = '2024-01-10'",
            "select id from t where day = '2024-02-29'",
            "select id from t where day = '2023-02-29'",
            "select id from t where day = 'notadate'",
            // Sizes of number: int4, int8 and numeric are shapes of their own.
            "select name from t where id = 3000000000",
            "select name from t where id = 3000000001",
            "select name from t where id = 99999999999999999999",
            "select name from t where id = 99999999999999999998",
            "select name from t where small = 40000",
            "select name from t where small = 40001",
            "select name from t where small = 32767",
            // Strings compared with a number column: the literal's own error and position.
            "select name from t where id = 'abc'",
            "select name from t where id = 'abd'",
            "select name from t where id = '11'",
            // Literals that stay part of the shape: the select list, ORDER BY, LIMIT, subqueries, functions, signs.
            "select 10, name from t where id = 10 order by 2 limit 10",
            "select 11, name from t where id = 11 order by 2 limit 11",
            "select name from t where id = (select 10) and length(name) > 2",
            "select name from t where id = (select 11) and length(name) > 3",
            "select name from t where id = -10 or id = 12 + 0",
            "select name from t where id = -11 or id = 11 + 0",
            // A too-long identifier's notice, every time.
            "select name as a234567890123456789012345678901234567890123456789012345678901234 from t where id = 10",
            "select name as a234567890123456789012345678901234567890123456789012345678901234 from t where id = 11",
            // Inside a transaction, a failed one, FOR UPDATE.
            "begin",
            "select name from t where id = 12 for update",
            "select name from t where id = 11 for update",
            "select name from t where id = 'x'",
            "select name from t where id = 10",
            "rollback",
            // The catalog changes under the shape: a column's type, then the table itself.
            "select name from t where id = 10",
            "drop table t",
            "select name from t where id = 10",
            "select name from t where id = 11",
            "create table t (id text primary key, name int)",
            "insert into t values ('10', 100), ('11', 110)",
            "select name from t where id = 10",
            "select name from t where id = '10'",
            "select name from t where id = '11'",
        ];
        await AssertSameBothWaysAsync(script, minimumRunByShape: 12);
    }
}
