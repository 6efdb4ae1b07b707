namespace Log.QueryNode.Tests.Sessions;

/// <summary>Early conflict detection: a session's write (or FOR UPDATE) of a row that another transaction committed
/// after the snapshot fails the statement at once with 40001 (OC000), as DSQL does, when the replica can tell; the
/// COMMIT would have been refused for it anyway.</summary>
public sealed class EarlyConflictTests
{
    private const string Conflict = "Error 40001 change conflicts with another transaction, please retry: (OC000)";

    private static async Task<(InMemoryCluster Cluster, TwoSessions Sessions)> TwoSessionsAsync(bool tellsNewestVersions = true,
        bool secondOnOtherNode = false)
    {
        var cluster = new InMemoryCluster { TellsNewestVersions = tellsNewestVersions };
        var first = cluster.Connect();
        var second = cluster.Connect(otherNode: secondOnOtherNode);
        await first.QueryAsync("create table t (id int primary key, v int); insert into t values (1, 0), (2, 0)");
        // The first takes its snapshot, then the second changes row 1 and commits.
        await first.QueryAsync("begin; select v from t where id = 1");
        Assert.Equal(["CommandComplete UPDATE 1"], await second.QueryAsync("update t set v = 10 where id = 1"));
        return (cluster, new TwoSessions(first, second));
    }

    /// <summary>The session whose snapshot is older than the other's commit, and the other.</summary>
    private sealed record TwoSessions(Log.QueryNode.Sessions.QuerySession First, Log.QueryNode.Sessions.QuerySession Second);

    [Theory]
    [InlineData("update t set v = v + 1 where id = 1")]
    [InlineData("delete from t where id = 1")]
    [InlineData("select v from t where id = 1 for update")]
    [InlineData("insert into t values (1, 5) on conflict (id) do update set v = excluded.v")]
    public async Task A_statement_on_a_row_committed_after_the_snapshot_fails_at_once(string statement)
    {
        var (cluster, sessions) = await TwoSessionsAsync();
        int commits = cluster.Commits;
        // A SELECT may have described its columns before it failed; no row reaches the client.
        List<string> messages = await sessions.First.QueryAsync(statement);
        Assert.Equal(Conflict, messages[^1]);
        Assert.DoesNotContain(messages, message => message.StartsWith("DataRow", StringComparison.Ordinal) || message.StartsWith("CommandComplete", StringComparison.Ordinal));
        Assert.Equal(Log.Wire.PgTransactionStatus.Failed, sessions.First.TransactionStatus);
        await sessions.First.QueryAsync("rollback");
        Assert.Equal(commits, cluster.Commits);
        // A new transaction sees the other's row and writes it.
        Assert.DoesNotContain(await sessions.First.QueryAsync(statement), message => message.StartsWith("Error", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_insert_of_a_key_committed_after_the_snapshot_fails_at_once_as_a_conflict()
    {
        var (_, sessions) = await TwoSessionsAsync();
        Assert.Equal(["CommandComplete INSERT 0 1"], await sessions.Second.QueryAsync("insert into t values (3, 3)"));
        Assert.Equal([Conflict], await sessions.First.QueryAsync("insert into t values (3, 30)"));
    }

    [Fact]
    public async Task Rows_nobody_else_changed_are_written_and_committed()
    {
        var (_, sessions) = await TwoSessionsAsync();
        Assert.Equal(["CommandComplete UPDATE 1"], await sessions.First.QueryAsync("update t set v = 20 where id = 2"));
        Assert.Equal(["CommandComplete INSERT 0 1"], await sessions.First.QueryAsync("insert into t values (4, 4)"));
        Assert.Equal(["CommandComplete COMMIT"], await sessions.First.QueryAsync("commit"));
        Assert.Equal(["1|10", "2|20", "4|4"], await sessions.Second.RowsAsync("select id, v from t order by id"));
    }

    [Fact]
    public async Task A_statement_that_failed_early_inside_a_savepoint_leaves_the_rest_to_commit()
    {
        var (_, sessions) = await TwoSessionsAsync();
        await sessions.First.QueryAsync("update t set v = 20 where id = 2; savepoint s");
        Assert.Equal([Conflict], await sessions.First.QueryAsync("update t set v = v + 1 where id = 1"));
        await sessions.First.QueryAsync("rollback to savepoint s");
        // The failed UPDATE wrote nothing, so nothing of it is left to check: the row it would have changed is the other's.
        Assert.Equal(["CommandComplete COMMIT"], await sessions.First.QueryAsync("commit"));
        Assert.Equal(["1|10", "2|20"], await sessions.Second.RowsAsync("select id, v from t order by id"));
    }

    [Fact]
    public async Task Without_a_replica_that_can_tell_another_nodes_commit_is_found_at_commit()
    {
        // This node's registry of writers does not see another node's commit either (LocalWriterWaitTests has this
        // node's own).
        var (_, sessions) = await TwoSessionsAsync(tellsNewestVersions: false, secondOnOtherNode: true);
        Assert.Equal(["CommandComplete UPDATE 1"], await sessions.First.QueryAsync("update t set v = v + 1 where id = 1"));
        Assert.Equal([Conflict], await sessions.First.QueryAsync("commit"));
    }
}
