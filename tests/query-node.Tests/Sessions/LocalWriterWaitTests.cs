using Log.QueryNode.Execution;
using Log.QueryNode.Sessions;

namespace Log.QueryNode.Tests.Sessions;

/// <summary>Sessions of one query node that write the same row: the second writer waits for the first to end, as
/// PostgreSQL waits on the row lock, and fails its statement at once with 40001 when the first committed; the retry
/// reserves the row before its snapshot, so that it holds the commit it lost to. The adjudicator still decides.</summary>
public sealed class LocalWriterWaitTests
{
    private const string Conflict = "Error 40001 change conflicts with another transaction, please retry: (OC000)";
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(30);

    private static async Task<InMemoryCluster> ClusterAsync()
    {
        // Waits end by the events the tests make, not by the bound (200 ms by default), which a loaded machine can pass
        // between two statements of a test.
        var cluster = new InMemoryCluster { Limits = new TransactionLimits { LocalWriterWaitMax = Long } };
        await cluster.Connect().QueryAsync("create table t (id int primary key, v int); insert into t values (1, 0), (2, 0)");
        return cluster;
    }

    /// <summary>A statement that is still waiting a while after it was sent.</summary>
    private static async Task AssertWaitsAsync(Task task) => Assert.NotSame(task, await Task.WhenAny(task, Task.Delay(100)));

    /// <summary>The first adds 1 to row 1 and commits while the second, whose snapshot is older, waits to add 10: the
    /// second's UPDATE fails at once, and it rolls back.</summary>
    private static async Task SecondLosesRowOneAsync(InMemoryCluster cluster, QuerySession first, QuerySession second)
    {
        await first.QueryAsync("begin; update t set v = v + 1 where id = 1");
        await second.QueryAsync("begin; select v from t where id = 2");
        var update = second.QueryAsync("update t set v = v + 10 where id = 1");
        await AssertWaitsAsync(update);
        int commits = cluster.Commits;
        Assert.Equal(["CommandComplete COMMIT"], await first.QueryAsync("commit"));
        Assert.Equal([Conflict], await update.WaitAsync(Long));
        await second.QueryAsync("rollback");
        Assert.Equal(commits + 1, cluster.Commits);
    }

    [Fact]
    public async Task The_second_writer_of_a_row_waits_and_fails_at_once_when_the_first_commits()
    {
        var cluster = await ClusterAsync();
        var first = cluster.Connect();
        var second = cluster.Connect();
        await SecondLosesRowOneAsync(cluster, first, second);
        // The retry sees the first's row and commits.
        await RetryAddsTenToRowOneAsync(first, second);
    }

    /// <summary>The second's retry adds 10 to row 1 and commits over the first's 1.</summary>
    private static async Task RetryAddsTenToRowOneAsync(QuerySession first, QuerySession second)
    {
        await second.QueryAsync("begin");
        Assert.Equal(["CommandComplete UPDATE 1"], await second.QueryAsync("update t set v = v + 10 where id = 1"));
        Assert.Equal(["CommandComplete COMMIT"], await second.QueryAsync("commit"));
        Assert.Equal(["11"], await first.RowsAsync("select v from t where id = 1"));
    }

    [Fact]
    public async Task The_second_writer_goes_on_when_the_first_rolls_back()
    {
        var cluster = await ClusterAsync();
        var first = cluster.Connect();
        var second = cluster.Connect();
        await first.QueryAsync("begin; update t set v = v + 1 where id = 1");
        var update = second.QueryAsync("update t set v = v + 10 where id = 1");
        await AssertWaitsAsync(update);
        await first.QueryAsync("rollback");
        Assert.Equal(["CommandComplete UPDATE 1"], await update.WaitAsync(Long));
        Assert.Equal(["10"], await first.RowsAsync("select v from t where id = 1"));
    }

    [Fact]
    public async Task Writers_of_other_rows_do_not_wait()
    {
        var cluster = await ClusterAsync();
        var first = cluster.Connect();
        var second = cluster.Connect();
        await first.QueryAsync("begin; update t set v = v + 1 where id = 1");
        Assert.Equal(["CommandComplete UPDATE 1"], await second.QueryAsync("update t set v = v + 10 where id = 2").WaitAsync(Long));
        Assert.Equal(["CommandComplete COMMIT"], await first.QueryAsync("commit"));
    }

    [Fact]
    public async Task The_retry_of_a_transaction_that_lost_a_row_begins_after_the_rows_next_writer_ends()
    {
        var cluster = await ClusterAsync();
        var first = cluster.Connect();
        var second = cluster.Connect();
        var third = cluster.Connect();
        await SecondLosesRowOneAsync(cluster, first, second);
        // Another transaction writes the row meanwhile; the retry's BEGIN waits for it, so its snapshot holds that commit too.
        await third.QueryAsync("begin; update t set v = v + 100 where id = 1");
        var retry = second.QueryAsync("begin");
        await AssertWaitsAsync(retry);
        await third.QueryAsync("commit");
        await retry.WaitAsync(Long);
        Assert.Equal(["CommandComplete UPDATE 1"], await second.QueryAsync("update t set v = v + 10 where id = 1"));
        Assert.Equal(["CommandComplete COMMIT"], await second.QueryAsync("commit"));
        Assert.Equal(["111"], await first.RowsAsync("select v from t where id = 1"));
    }

    [Fact]
    public async Task A_commit_refused_for_a_row_lets_the_retry_reserve_it()
    {
        var cluster = await ClusterAsync();
        var first = cluster.Connect();
        var second = cluster.Connect();
        var otherNode = cluster.Connect(otherNode: true);
        // Another query node commits the row after the second's snapshot and before the second writes it: neither waits
        // (this node's registry does not see that commit, and this replica cannot tell newer versions), so the
        // adjudicator refuses the second's COMMIT.
        await second.QueryAsync("begin; select v from t where id = 1");
        Assert.Equal(["CommandComplete UPDATE 1"], await otherNode.QueryAsync("update t set v = v + 1 where id = 1"));
        Assert.Equal(["CommandComplete UPDATE 1"], await second.QueryAsync("update t set v = v + 10 where id = 1"));
        Assert.Equal([Conflict], await second.QueryAsync("commit"));
        await first.QueryAsync("begin; update t set v = v + 100 where id = 1");
        var retry = second.QueryAsync("begin");
        await AssertWaitsAsync(retry);
        await first.QueryAsync("rollback");
        await retry.WaitAsync(Long);
        Assert.Equal(["CommandComplete UPDATE 1"], await second.QueryAsync("update t set v = v + 10 where id = 1"));
        Assert.Equal(["CommandComplete COMMIT"], await second.QueryAsync("commit"));
        Assert.Equal(["11"], await first.RowsAsync("select v from t where id = 1"));
    }

    [Fact]
    public async Task A_writer_whose_snapshot_is_older_than_a_commit_of_the_row_on_this_node_fails_at_once()
    {
        var cluster = await ClusterAsync();
        var first = cluster.Connect();
        var second = cluster.Connect();
        // The first commits the row after the second's snapshot, before the second writes it; this replica cannot tell
        // newer versions, but the node's registry saw the commit.
        await second.QueryAsync("begin; select v from t where id = 2");
        Assert.Equal(["CommandComplete UPDATE 1"], await first.QueryAsync("update t set v = v + 1 where id = 1"));
        int commits = cluster.Commits;
        Assert.Equal([Conflict], await second.QueryAsync("update t set v = v + 10 where id = 1"));
        await second.QueryAsync("rollback");
        Assert.Equal(commits, cluster.Commits);
        // Its retry's snapshot holds that commit: the row is its to write.
        await RetryAddsTenToRowOneAsync(first, second);
    }

    [Fact]
    public async Task A_writer_already_lost_to_a_commit_does_not_wait_for_the_rows_present_holder()
    {
        var cluster = await ClusterAsync();
        var first = cluster.Connect();
        var second = cluster.Connect();
        var third = cluster.Connect();
        await second.QueryAsync("begin; select v from t where id = 2");
        Assert.Equal(["CommandComplete UPDATE 1"], await first.QueryAsync("update t set v = v + 1 where id = 1"));
        // The third began after that commit and holds the row now; the second is lost whatever the third does.
        await third.QueryAsync("begin; update t set v = v + 100 where id = 1");
        Assert.Equal([Conflict], await second.QueryAsync("update t set v = v + 10 where id = 1").WaitAsync(Long));
        await second.QueryAsync("rollback");
        Assert.Equal(["CommandComplete COMMIT"], await third.QueryAsync("commit"));
        Assert.Equal(["101"], await first.RowsAsync("select v from t where id = 1"));
    }

    [Fact]
    public async Task A_commit_that_did_not_write_a_row_it_held_fails_nobody_on_it()
    {
        var cluster = await ClusterAsync();
        var first = cluster.Connect();
        var second = cluster.Connect();
        // The first writes row 1 and takes it back to a savepoint, then commits a write of row 2 only.
        await second.QueryAsync("begin; select v from t where id = 2");
        await first.QueryAsync("begin; savepoint s; update t set v = v + 1 where id = 1; rollback to savepoint s; update t set v = v + 1 where id = 2");
        Assert.Equal(["CommandComplete COMMIT"], await first.QueryAsync("commit"));
        Assert.Equal(["CommandComplete UPDATE 1"], await second.QueryAsync("update t set v = v + 10 where id = 1"));
        Assert.Equal(["CommandComplete COMMIT"], await second.QueryAsync("commit"));
        Assert.Equal(["10"], await first.RowsAsync("select v from t where id = 1"));
    }
}
