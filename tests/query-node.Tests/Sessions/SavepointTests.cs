using Log.QueryNode.Sql;

namespace Log.QueryNode.Tests.Sessions;

/// <summary>Savepoints in a session: what ROLLBACK TO puts back (writes, settings, index builds), what it keeps (the rows
/// the undone part wrote stay in the commit's conflict check), and DSQL's refusal under the compatibility switch.</summary>
public sealed class SavepointTests
{
    private const string Conflict = "Error 40001 change conflicts with another transaction, please retry: (OC000)";

    [Fact]
    public async Task Rollback_to_a_savepoint_undoes_the_writes_after_it_and_the_transaction_commits_the_rest()
    {
        var session = new InMemoryCluster().Connect();
        await session.QueryAsync("create table t (id int primary key, v text)");
        await session.QueryAsync("begin; insert into t values (1, 'kept'); savepoint s; insert into t values (2, 'undone'); update t set v = 'changed' where id = 1");
        Assert.Equal(["CommandComplete ROLLBACK"], await session.QueryAsync("rollback to savepoint s"));
        Assert.Equal(["1|kept"], await session.RowsAsync("select id, v from t order by id"));
        Assert.Equal(["CommandComplete COMMIT"], await session.QueryAsync("commit"));
        Assert.Equal(["1|kept"], await session.RowsAsync("select id, v from t order by id"));
    }

    [Fact]
    public async Task An_error_after_a_savepoint_fails_the_transaction_until_rollback_to()
    {
        var session = new InMemoryCluster().Connect();
        await session.QueryAsync("create table t (id int primary key)");
        await session.QueryAsync("begin; insert into t values (1); savepoint s; insert into t values (2)");
        Assert.StartsWith("Error 23505", Assert.Single(await session.QueryAsync("insert into t values (1)")));
        Assert.StartsWith("Error 25P02", Assert.Single(await session.QueryAsync("select 1")));
        Assert.Equal(Log.Wire.PgTransactionStatus.Failed, session.TransactionStatus);
        await session.QueryAsync("rollback to s");
        Assert.Equal(Log.Wire.PgTransactionStatus.InTransaction, session.TransactionStatus);
        Assert.Equal(["1"], await session.RowsAsync("select id from t"));
        Assert.Equal(["CommandComplete COMMIT"], await session.QueryAsync("commit"));
        Assert.Equal(["1"], await session.RowsAsync("select id from t"));
    }

    [Fact]
    public async Task A_row_written_only_inside_a_rolled_back_savepoint_still_conflicts_at_commit()
    {
        var cluster = new InMemoryCluster();
        var first = cluster.Connect();
        var second = cluster.Connect();
        await first.QueryAsync("create table t (id int primary key, v int); insert into t values (1, 0)");
        await first.QueryAsync("begin; savepoint s; update t set v = 1 where id = 1; rollback to s");
        Assert.Equal(["CommandComplete UPDATE 1"], await second.QueryAsync("update t set v = 2 where id = 1"));
        Assert.Equal([Conflict], await first.QueryAsync("commit"));
        Assert.Equal(["2"], await first.RowsAsync("select v from t"));
    }

    [Fact]
    public async Task Rollback_to_puts_back_set_and_set_local_and_release_keeps_them()
    {
        var session = new InMemoryCluster().Connect();
        await session.QueryAsync("begin; set application_name = 'before'; savepoint s; set application_name = 'inside'");
        await session.QueryAsync("rollback to s");
        Assert.Equal(["before"], await session.RowsAsync("show application_name"));
        await session.QueryAsync("select set_config('search_path', 'pg_catalog', true); release s");
        Assert.Equal(["pg_catalog"], await session.RowsAsync("show search_path"));
        await session.QueryAsync("commit");
        Assert.Equal(["\"$user\", public"], await session.RowsAsync("show search_path"));
        Assert.Equal(["before"], await session.RowsAsync("show application_name"));
    }

    [Fact]
    public async Task A_table_and_index_created_inside_a_rolled_back_savepoint_are_gone()
    {
        var session = new InMemoryCluster().Connect();
        await session.QueryAsync("begin; savepoint s; create table t (id int primary key, v int); create index t_v on t (v)");
        await session.QueryAsync("rollback to s");
        Assert.StartsWith("Error 42P01", Assert.Single(await session.QueryAsync("select * from t")));
        await session.QueryAsync("rollback to s");
        Assert.Equal(["CommandComplete COMMIT"], await session.QueryAsync("commit"));
        Assert.StartsWith("Error 42P01", Assert.Single(await session.QueryAsync("select * from t")));
    }

    [Fact]
    public async Task Under_the_switch_savepoints_are_refused_as_in_DSQL()
    {
        var session = new InMemoryCluster { Engine = new SqlEngine { DsqlCompatibility = true } }.Connect();
        await session.QueryAsync("begin");
        Assert.Equal(["Error 0A000 SAVEPOINT is not supported"], await session.QueryAsync("savepoint s"));
        await session.QueryAsync("rollback; begin");
        Assert.Equal(["Error 0A000 RELEASE is not supported"], await session.QueryAsync("release savepoint s"));
        await session.QueryAsync("rollback; begin");
        Assert.Equal(["Error 0A000 ROLLBACK TO SAVEPOINT is not supported"], await session.QueryAsync("rollback to savepoint s"));
        await session.QueryAsync("rollback");
    }
}
