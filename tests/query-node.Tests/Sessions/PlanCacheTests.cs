using Log.QueryNode.Sessions;
using Log.QueryNode.Sql.Executor.Operators;
using Log.QueryNode.Sql.Planner;
using Log.Wire;

namespace Log.QueryNode.Tests.Sessions;

/// <summary>Prepared queries keep their plan across Binds, take their parameters at run time, and are planned again
/// (transparently, or with PostgreSQL's 0A000 when the result type changed) after DDL.</summary>
public class PlanCacheTests
{
    private readonly InMemoryCluster cluster = new();

    internal static async Task<List<string>> RunAsync(QuerySession session, IPgPreparedStatement statement, params object?[] values)
    {
        var portal = await session.BindAsync(statement, values, CancellationToken.None);
        var writer = new RecordingWriter();
        writer.UseFields(portal.ResultFields);
        await portal.ExecuteAsync(0, writer, CancellationToken.None);
        await session.SyncAsync(false, new RecordingWriter(), CancellationToken.None);
        return writer.Messages.Where(message => message.StartsWith("DataRow ", StringComparison.Ordinal)).Select(message => message["DataRow ".Length..]).ToList();
    }

    private static async Task<PgException> FailAtBindAsync(QuerySession session, IPgPreparedStatement statement, params object?[] values)
    {
        var error = await Assert.ThrowsAsync<PgException>(async () => await session.BindAsync(statement, values, CancellationToken.None));
        await session.SyncAsync(true, new RecordingWriter(), CancellationToken.None);
        return error;
    }

    private static async Task<PgException> FailAtExecuteAsync(QuerySession session, IPgPreparedStatement statement, params object?[] values)
    {
        var error = await Assert.ThrowsAsync<PgException>(async () =>
        {
            var portal = await session.BindAsync(statement, values, CancellationToken.None);
            await portal.ExecuteAsync(0, new RecordingWriter(), CancellationToken.None);
        });
        await session.SyncAsync(true, new RecordingWriter(), CancellationToken.None);
        return error;
    }

    [Fact]
    public async Task A_point_lookup_is_planned_once_and_reads_each_Binds_key()
    {
        await using var session = cluster.Connect();
        await session.QueryAsync("create table t (id int primary key, v text); insert into t values (1, 'a'), (2, 'b'), (3, 'c')");
        var statement = await session.PrepareAsync("select v from t where id = $1", [], CancellationToken.None);
        Assert.Equal(["a"], await RunAsync(session, statement, "1"));
        Assert.Equal(["c"], await RunAsync(session, statement, 3));
        Assert.Equal([], await RunAsync(session, statement, 4));
        Assert.Equal([], await RunAsync(session, statement, [null]));
        Assert.Equal(1, QuerySession.PlanOf(statement)!.PlanCount);
        // The plan shape of a literal key: one point lookup, its key computed from $1 when the scan opens.
        AccessPath path = Scans(QuerySession.PlanOf(statement)!.Planned!.Root).Single();
        Assert.Equal(AccessKind.PointLookup, path.Kind);
        Assert.NotNull(path.RunTimeKeys);
    }

    internal static IEnumerable<AccessPath> Scans(PhysicalOperator root) => root switch
    {
        TableScanOperator scan => [scan.Path],
        RowKeyScanOperator scan => [scan.Path],
        _ => root.Children.SelectMany(Scans),
    };

    [Theory]
    [InlineData("select id from t where id >= $1 and id < $2 order by id", 2, 4, "2,3")]
    [InlineData("select id from t where id > $1 and id <= $2 order by id", 2, 4, "3,4")]
    [InlineData("select id from t where id in ($1, $2) order by id", 4, 1, "1,4")]
    [InlineData("select id from t where id in ($1, $2) order by id", null, 5, "5")]
    [InlineData("select id from t where id between $1 and $2 order by id", 5, 9, "5")]
    [InlineData("select id from t where id >= $1 and id < $2 order by id", null, 3, "")]
    [InlineData("select id from t order by id limit $1 offset $2", 2, 1, "2,3")]
    [InlineData("select k.id from t k join t j on j.id = k.id + 1 where k.id = $1 and j.id = $2", 2, 3, "2")]
    [InlineData("select id from t where id = $1 or id = $2 order by id", 1, 3, "1,3")]
    public async Task Key_ranges_and_limits_take_the_Binds_values(string sql, object? first, object? second, string expected)
    {
        await using var session = cluster.Connect();
        await session.QueryAsync("create table t (id int primary key); insert into t values (1), (2), (3), (4), (5)");
        var statement = await session.PrepareAsync(sql, [], CancellationToken.None);
        Assert.Equal(expected, string.Join(",", await RunAsync(session, statement, first, second)));
        // The second Bind reuses the plan with other values: nothing of the first values stays in it.
        Assert.Equal("", string.Join(",", await RunAsync(session, statement, 100, 100)));
        Assert.Equal(1, QuerySession.PlanOf(statement)!.PlanCount);
    }

    [Theory]
    [InlineData("select id from t where id in ($1, $2) order by id")]
    [InlineData("select id from t where id = $1 or id = $2 order by id")]
    [InlineData("select id from t where $2 = id or id = $1 order by id")]
    public async Task IN_lists_and_ORs_of_parameters_are_multi_point_lookups(string sql)
    {
        await using var session = cluster.Connect();
        await session.QueryAsync("create table t (id int primary key); insert into t values (1), (2), (3)");
        var statement = await session.PrepareAsync(sql, [], CancellationToken.None);
        Assert.Equal(["1", "3"], await RunAsync(session, statement, 3, 1));
        Assert.Equal(["2"], await RunAsync(session, statement, 2, null));
        Assert.Equal(AccessKind.MultiPointLookup, Scans(QuerySession.PlanOf(statement)!.Planned!.Root).Single().Kind);
    }

    [Fact]
    public async Task A_composite_key_prefix_and_a_text_key_take_parameters()
    {
        await using var session = cluster.Connect();
        await session.QueryAsync("create table c (a int, b text, v int, primary key (a, b)); insert into c values (1, 'x', 10), (1, 'y', 11), (2, 'x', 20)");
        var prefix = await session.PrepareAsync("select v from c where a = $1 order by b", [], CancellationToken.None);
        Assert.Equal(["10", "11"], await RunAsync(session, prefix, 1));
        Assert.Equal(["20"], await RunAsync(session, prefix, 2));
        Assert.Equal(AccessKind.RangeScan, Scans(QuerySession.PlanOf(prefix)!.Planned!.Root).Single().Kind);
        var point = await session.PrepareAsync("select v from c where a = $1 and b = $2", [], CancellationToken.None);
        Assert.Equal(["11"], await RunAsync(session, point, 1, "y"));
        Assert.Equal([], await RunAsync(session, point, 2, "y"));
    }

    [Fact]
    public async Task DDL_in_another_session_replans_and_a_changed_result_type_is_0A000()
    {
        await using var session = cluster.Connect();
        await using var other = cluster.Connect();
        await session.QueryAsync("create table t (id int primary key, v text); insert into t values (1, 'old')");
        var narrow = await session.PrepareAsync("select v from t where id = $1", [], CancellationToken.None);
        var star = await session.PrepareAsync("select * from t where id = $1", [], CancellationToken.None);
        Assert.Equal(["old"], await RunAsync(session, narrow, 1));
        Assert.Equal(["1|old"], await RunAsync(session, star, 1));

        // A new table of the same name (a new table id): a stale plan would still read the old rows.
        await other.QueryAsync("drop table t; create table t (id int primary key, v text); insert into t values (1, 'new')");
        Assert.Equal(["new"], await RunAsync(session, narrow, 1));
        Assert.Equal(2, QuerySession.PlanOf(narrow)!.PlanCount);

        await other.QueryAsync("alter table t add column w int");
        Assert.Equal(["new"], await RunAsync(session, narrow, 1));
        var error = await FailAtBindAsync(session, star, 1);
        Assert.Equal("0A000", error.Error.SqlState);
        Assert.Equal("cached plan must not change result type", error.Error.Message);

        await other.QueryAsync("drop table t");
        Assert.Equal("42P01", (await FailAtBindAsync(session, narrow, 1)).Error.SqlState);
    }

    [Fact]
    public async Task An_int4_parameter_against_a_bigint_key_is_a_point_lookup()
    {
        await using var session = cluster.Connect();
        await session.QueryAsync("create table t (k bigint primary key, v text); insert into t values (1, 'a'), (2, 'b')");
        var statement = await session.PrepareAsync("select v from t where k = $1", [23], CancellationToken.None);
        Assert.Equal(["b"], await RunAsync(session, statement, 2));
        Assert.Equal(AccessKind.PointLookup, Scans(QuerySession.PlanOf(statement)!.Planned!.Root).Single().Kind);
    }

    [Fact]
    public async Task TRUNCATE_views_and_indexes_move_the_catalog_version()
    {
        await using var session = cluster.Connect();
        await using var other = cluster.Connect();
        await session.QueryAsync("create table t (id int primary key, v text); insert into t values (1, 'a'), (2, 'b')");
        var statement = await session.PrepareAsync("select v from t where id = $1", [], CancellationToken.None);
        Assert.Equal(["a"], await RunAsync(session, statement, 1));

        // TRUNCATE gives the table a new storage id: a plan made before it would read the old rows.
        await other.QueryAsync("truncate t; insert into t values (1, 'after')");
        Assert.Equal(["after"], await RunAsync(session, statement, 1));
        Assert.Equal(2, QuerySession.PlanOf(statement)!.PlanCount);

        await other.QueryAsync("create index t_v on t (v)");
        Assert.Equal(["after"], await RunAsync(session, statement, 1));
        Assert.Equal(3, QuerySession.PlanOf(statement)!.PlanCount);
    }

    [Fact]
    public async Task A_transaction_older_than_a_DDL_keeps_reading_its_snapshots_table()
    {
        await using var session = cluster.Connect();
        await using var other = cluster.Connect();
        await session.QueryAsync("create table t (id int primary key, v text); insert into t values (1, 'old')");
        var statement = await session.PrepareAsync("select v from t where id = $1", [], CancellationToken.None);
        Assert.Equal(["old"], await RunAsync(session, statement, 1));

        await session.QueryAsync("begin");
        await session.QueryAsync("select 1");
        await other.QueryAsync("drop table t; create table t (id int primary key, v text); insert into t values (1, 'new')");
        Assert.Equal(["old"], await RunAsync(session, statement, 1));
        Assert.Equal(["old"], await RunAsync(session, statement, 1));
        await session.QueryAsync("commit");
        Assert.Equal(["new"], await RunAsync(session, statement, 1));
        Assert.Equal(["new"], await RunAsync(session, statement, 1));
    }

    [Fact]
    public async Task DDL_in_the_statements_own_transaction_is_seen_and_rolled_back()
    {
        await using var session = cluster.Connect();
        await session.QueryAsync("create table t (id int primary key, v text); insert into t values (1, 'old')");
        var statement = await session.PrepareAsync("select v from t where id = $1", [], CancellationToken.None);
        Assert.Equal(["old"], await RunAsync(session, statement, 1));
        await session.QueryAsync("begin; drop table t; create table t (id int primary key, v text); insert into t values (1, 'mine')");
        Assert.Equal(["mine"], await RunAsync(session, statement, 1));
        await session.QueryAsync("rollback");
        Assert.Equal(["old"], await RunAsync(session, statement, 1));
    }

    [Fact]
    public async Task Constant_errors_are_Binds_and_bad_parameter_values_are_22P02_at_Bind()
    {
        await using var session = cluster.Connect();
        await session.QueryAsync("create table t (id int primary key)");
        var division = await session.PrepareAsync("select 1/0", [], CancellationToken.None);
        Assert.Equal("22012", (await FailAtBindAsync(session, division)).Error.SqlState);
        Assert.Equal("22012", (await FailAtBindAsync(session, division)).Error.SqlState);
        var lookup = await session.PrepareAsync("select id from t where id = $1", [], CancellationToken.None);
        var error = await FailAtBindAsync(session, lookup, "one");
        Assert.Equal("22P02", error.Error.SqlState);
        Assert.Equal("invalid input syntax for type integer: \"one\"", error.Error.Message);
        Assert.Equal(PgTransactionStatus.Idle, session.TransactionStatus);
    }

    [Fact]
    public async Task INSERT_UPDATE_and_DELETE_are_planned_once_and_write_each_Binds_values()
    {
        await using var session = cluster.Connect();
        await session.QueryAsync("create table t (id int primary key, v text, n int default 7)");
        var insert = await session.PrepareAsync("insert into t (id, v) values ($1, $2)", [], CancellationToken.None);
        var update = await session.PrepareAsync("update t set v = $2, n = n + 1 where id = $1 returning id, v, n", [], CancellationToken.None);
        var delete = await session.PrepareAsync("delete from t where id = $1", [], CancellationToken.None);
        foreach ((int id, string v) in new[] { (1, "a"), (2, "b"), (3, "c") }) Assert.Equal([], await RunAsync(session, insert, id, v));
        Assert.Equal(["2|B|8"], await RunAsync(session, update, 2, "B"));
        Assert.Equal(["2|BB|9"], await RunAsync(session, update, "2", "BB"));
        Assert.Equal([], await RunAsync(session, update, 9, "none"));
        Assert.Equal([], await RunAsync(session, delete, 3));
        Assert.Equal(["1|a|7", "2|BB|9"], await session.RowsAsync("select * from t order by id"));
        Assert.Equal(1, QuerySession.PlanOf(insert)!.PlanCount);
        Assert.Equal(1, QuerySession.PlanOf(update)!.PlanCount);
        Assert.Equal(1, QuerySession.PlanOf(delete)!.PlanCount);

        // A key that exists is still 23505 from the cached plan, and the failed transaction writes nothing.
        Assert.Equal("23505", (await FailAtExecuteAsync(session, insert, 1, "again")).Error.SqlState);
        Assert.Equal(["1|a|7", "2|BB|9"], await session.RowsAsync("select * from t order by id"));
    }

    [Fact]
    public async Task DDL_replans_a_cached_INSERT_and_a_changed_RETURNING_type_is_0A000()
    {
        await using var session = cluster.Connect();
        await using var other = cluster.Connect();
        await session.QueryAsync("create table t (id int primary key, v text)");
        var insert = await session.PrepareAsync("insert into t values ($1, $2)", [], CancellationToken.None);
        var returning = await session.PrepareAsync("insert into t (id) values ($1) returning *", [], CancellationToken.None);
        Assert.Equal([], await RunAsync(session, insert, 1, "a"));
        Assert.Equal(["2|NULL"], await RunAsync(session, returning, 2));

        // A new column: a stale plan would write rows of the old layout.
        await other.QueryAsync("alter table t add column w int default 5");
        Assert.Equal([], await RunAsync(session, insert, 3, "c"));
        Assert.Equal(2, QuerySession.PlanOf(insert)!.PlanCount);
        Assert.Equal(["1|a|5", "2|NULL|5", "3|c|5"], await session.RowsAsync("select * from t order by id"));
        Assert.Equal("0A000", (await FailAtExecuteAsync(session, returning, 4)).Error.SqlState);
    }
}

