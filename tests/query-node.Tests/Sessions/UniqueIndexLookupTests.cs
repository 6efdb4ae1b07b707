using Log.QueryNode.Sessions;
using Log.QueryNode.Sql.Planner;

namespace Log.QueryNode.Tests.Sessions;

/// <summary>An equality on every key column of a unique index reads its one entry by key instead of scanning the index
/// (pgbench's tables, whose primary key ALTER TABLE adds to rows keyed by a hidden row id, are read so): the same rows as
/// a scan, the transaction's own writes included, and a range still where several entries may share the values.</summary>
public sealed class UniqueIndexLookupTests
{
    private readonly InMemoryCluster cluster = new();

    private static AccessPath PathOf(Wire.IPgPreparedStatement statement) => PlanCacheTests.Scans(QuerySession.PlanOf(statement)!.Planned!.Root).Single();

    [Fact]
    public async Task A_primary_key_added_by_ALTER_TABLE_is_read_by_key_with_each_Binds_value()
    {
        await using var session = cluster.Connect();
        await session.QueryAsync("create table accounts (aid int, bid int, abalance int)");
        await session.QueryAsync("insert into accounts select g, 1, g * 10 from generate_series(1, 50) g");
        await session.QueryAsync("alter table accounts add primary key (aid)");
        var lookup = await session.PrepareAsync("select abalance from accounts where aid = $1", [], CancellationToken.None);
        Assert.Equal(["70"], await PlanCacheTests.RunAsync(session, lookup, 7));
        Assert.Equal(["500"], await PlanCacheTests.RunAsync(session, lookup, "50"));
        Assert.Equal([], await PlanCacheTests.RunAsync(session, lookup, 51));
        Assert.Equal([], await PlanCacheTests.RunAsync(session, lookup, [null]));
        Assert.Equal(1, QuerySession.PlanOf(lookup)!.PlanCount);
        AccessPath planned = PathOf(lookup);
        Assert.Equal(AccessKind.IndexScan, planned.Kind);
        Assert.NotNull(planned.IndexKeys);

        // A constant key is resolved when planned: the path is the one entry.
        var constant = await session.PrepareAsync("select abalance from accounts where aid = 9", [], CancellationToken.None);
        Assert.Equal(["90"], await PlanCacheTests.RunAsync(session, constant));
        Assert.True(PathOf(constant).IsOneEntry);
    }

    [Fact]
    public async Task The_transactions_own_inserts_updates_and_deletes_are_seen_through_the_entry()
    {
        await using var session = cluster.Connect();
        await session.QueryAsync("create table t (id int, v text); insert into t values (1, 'a'), (2, 'b')");
        await session.QueryAsync("alter table t add primary key (id)");
        var lookup = await session.PrepareAsync("select v from t where id = $1", [], CancellationToken.None);
        await session.QueryAsync("begin; insert into t values (3, 'c')");
        Assert.Equal(["c"], await PlanCacheTests.RunAsync(session, lookup, 3));
        await session.QueryAsync("update t set id = 4 where id = 1");
        Assert.Equal([], await PlanCacheTests.RunAsync(session, lookup, 1));
        Assert.Equal(["a"], await PlanCacheTests.RunAsync(session, lookup, 4));
        await session.QueryAsync("delete from t where id = 2");
        Assert.Equal([], await PlanCacheTests.RunAsync(session, lookup, 2));
        await session.QueryAsync("rollback");
        Assert.Equal(["a"], await PlanCacheTests.RunAsync(session, lookup, 1));
        Assert.Equal(["b"], await PlanCacheTests.RunAsync(session, lookup, 2));
        Assert.Equal([], await PlanCacheTests.RunAsync(session, lookup, 3));
    }

    [Fact]
    public async Task Only_a_unique_index_with_every_key_column_fixed_is_read_as_one_entry()
    {
        await using var session = cluster.Connect();
        await session.QueryAsync("create table t (id int primary key, a int, b int, c int, d int)");
        // (a, b) is unique where b is not NULL (id = 100 * b + a); c repeats every 50 rows; d is unique, deferrable.
        await session.QueryAsync("insert into t select g, g % 100, g / 100, g % 50, g from generate_series(1, 300) g");
        await session.QueryAsync("insert into t values (1001, 1, null, null, 1001), (1002, 1, null, null, 1002)");
        await session.QueryAsync("create unique index t_a_b on t (a, b)");
        await session.QueryAsync("create index t_c on t (c)");
        await session.QueryAsync("alter table t add constraint t_d unique (d) deferrable");
        foreach ((string sql, bool oneEntry, string[] rows) in new (string, bool, string[])[]
        {
            ("select id from t where a = 5 and b = 2", true, ["205"]),
            ("select id from t where a = 5 and b = 7", true, []),
            ("select id from t where a = 1 order by id", false, ["1", "101", "201", "1001", "1002"]),
            ("select id from t where c = 7 order by id", false, ["7", "57", "107", "157", "207", "257"]),
            ("select id from t where d = 42", false, ["42"]),
        })
        {
            var statement = await session.PrepareAsync(sql, [], CancellationToken.None);
            Assert.Equal(rows, await PlanCacheTests.RunAsync(session, statement));
            AccessPath path = PathOf(statement);
            Assert.True(path.Kind == AccessKind.IndexScan, $"{sql}: {path.Kind}");
            Assert.True(oneEntry == path.IsOneEntry, sql);
        }
    }

    [Fact]
    public async Task After_DROP_and_CREATE_the_cached_plan_reads_the_new_tables_index()
    {
        await using var session = cluster.Connect();
        await session.QueryAsync("create table t (id int, v text); insert into t values (1, 'old')");
        await session.QueryAsync("alter table t add primary key (id)");
        var lookup = await session.PrepareAsync("select v from t where id = $1", [], CancellationToken.None);
        Assert.Equal(["old"], await PlanCacheTests.RunAsync(session, lookup, 1));
        // The new table's index on id is not unique: two rows with one key, both found.
        await session.QueryAsync("drop table t; create table t (id int, v text); create index t_id on t (id)");
        await session.QueryAsync("insert into t values (1, 'new'), (1, 'newer'), (2, 'other')");
        Assert.Equal(["new", "newer"], (await PlanCacheTests.RunAsync(session, lookup, 1)).Order(StringComparer.Ordinal));
        Assert.Equal("t_id", PathOf(lookup).Index!.Name);
        await session.QueryAsync("drop table t; create table t (id int, v text); insert into t values (1, 'newest')");
        await session.QueryAsync("alter table t add primary key (id)");
        Assert.Equal(["newest"], await PlanCacheTests.RunAsync(session, lookup, 1));
    }
}
