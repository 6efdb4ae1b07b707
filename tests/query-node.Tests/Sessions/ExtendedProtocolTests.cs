using Log.QueryNode.Sessions;
using Log.Wire;

namespace Log.QueryNode.Tests.Sessions;

public class ExtendedProtocolTests
{
    private readonly InMemoryCluster cluster = new();

    private static async Task<(RecordingWriter Writer, PgExecuteResult Result)> ExecuteAsync(IPgPortal portal, int maxRows, RecordingWriter? writer = null)
    {
        writer ??= new RecordingWriter();
        writer.UseFields(portal.ResultFields);
        var result = await portal.ExecuteAsync(maxRows, writer, CancellationToken.None);
        return (writer, result);
    }

    [Fact]
    public async Task Parse_infers_parameter_types_and_Execute_resumes_after_PortalSuspended()
    {
        await using var session = cluster.Connect();
        await session.QueryAsync("create table t (id int primary key, name varchar(10), big bigint); insert into t values (1, 'a', 10), (2, 'b', 20), (3, 'c', 30)");
        var statement = await session.PrepareAsync("select id, name, big from t where id >= $1 and name <> $2 order by id", [0, 25], CancellationToken.None);
        Assert.Equal([23, 25], statement.ParameterTypeOids);
        Assert.Equal([23, 1043, 20], statement.ResultFields!.Select(field => field.TypeOid));

        var portal = await session.BindAsync(statement, [1, "x"], CancellationToken.None);
        var (first, suspended) = await ExecuteAsync(portal, 2);
        Assert.Equal(PgExecuteOutcome.Suspended, suspended.Outcome);
        Assert.Equal(["DataRow 1|a|10", "DataRow 2|b|20"], first.Messages);
        // Typed values, as the binary codecs need them: int4 -> int, varchar -> string, int8 -> long.
        Assert.IsType<int>(first.TypedRows[0][0]);
        Assert.IsType<string>(first.TypedRows[0][1]);
        Assert.IsType<long>(first.TypedRows[0][2]);
        var (second, completed) = await ExecuteAsync(portal, 2);
        Assert.Equal(["DataRow 3|c|30"], second.Messages);
        Assert.Equal(PgExecuteResult.Completed("SELECT 1"), completed);
        Assert.Equal(PgExecuteResult.Completed("SELECT 0"), (await ExecuteAsync(portal, 0)).Result);
        await session.SyncAsync(false, new RecordingWriter(), CancellationToken.None);
        Assert.Equal(PgTransactionStatus.Idle, session.TransactionStatus);
    }

    [Fact]
    public async Task Messages_up_to_Sync_are_one_implicit_transaction()
    {
        await using var session = cluster.Connect();
        await using var other = cluster.Connect();
        await session.QueryAsync("create table t (id int primary key)");
        var insert = await session.PrepareAsync("insert into t values ($1)", [], CancellationToken.None);
        Assert.Null(insert.ResultFields);
        await ExecuteAsync(await session.BindAsync(insert, [1], CancellationToken.None), 0);
        await ExecuteAsync(await session.BindAsync(insert, [2], CancellationToken.None), 0);
        Assert.Equal(["0"], await other.RowsAsync("select count(*) from t")); // nothing committed before Sync
        await session.SyncAsync(false, new RecordingWriter(), CancellationToken.None);
        Assert.Equal(["2"], await other.RowsAsync("select count(*) from t"));

        // An error before Sync (here reported by the server) rolls back the whole implicit transaction.
        await ExecuteAsync(await session.BindAsync(insert, [3], CancellationToken.None), 0);
        await session.SyncAsync(true, new RecordingWriter(), CancellationToken.None);
        Assert.Equal(["2"], await other.RowsAsync("select count(*) from t"));
    }

    [Fact]
    public async Task Errors_fail_an_explicit_transaction_until_rollback()
    {
        await using var session = cluster.Connect();
        await session.QueryAsync("create table t (id int primary key)");
        await session.QueryAsync("begin; insert into t values (1)");
        var duplicate = await session.PrepareAsync("insert into t values (1)", [], CancellationToken.None);
        var error = await Assert.ThrowsAsync<PgException>(async () => await ExecuteAsync(await session.BindAsync(duplicate, [], CancellationToken.None), 0));
        Assert.Equal("23505", error.Error.SqlState);
        await session.SyncAsync(true, new RecordingWriter(), CancellationToken.None);
        Assert.Equal(PgTransactionStatus.Failed, session.TransactionStatus);
        var refused = await Assert.ThrowsAsync<PgException>(async () => await session.PrepareAsync("select 1", [], CancellationToken.None));
        Assert.Equal("25P02", refused.Error.SqlState);
        var rollback = await session.PrepareAsync("rollback", [], CancellationToken.None);
        Assert.Equal(PgExecuteResult.Completed("ROLLBACK"), (await ExecuteAsync(await session.BindAsync(rollback, [], CancellationToken.None), 0)).Result);
        Assert.Equal(PgTransactionStatus.Idle, session.TransactionStatus);
        Assert.Equal(["0"], await session.RowsAsync("select count(*) from t"));
    }

    [Fact]
    public async Task A_commit_conflict_at_Sync_is_40001_before_ReadyForQuery()
    {
        await using var first = cluster.Connect();
        await using var second = cluster.Connect();
        await first.QueryAsync("create table t (id int primary key, v int); insert into t values (1, 0)");
        var update = await first.PrepareAsync("update t set v = $1 where id = 1", [], CancellationToken.None);
        await ExecuteAsync(await first.BindAsync(update, [1], CancellationToken.None), 0);
        Assert.Equal(["CommandComplete UPDATE 1"], await second.QueryAsync("update t set v = 2 where id = 1"));
        var sync = new RecordingWriter();
        await first.SyncAsync(false, sync, CancellationToken.None);
        Assert.Equal(["Error 40001 change conflicts with another transaction, please retry: (OC000)"], sync.Messages);
        Assert.Equal(["2"], await first.RowsAsync("select v from t"));
    }

    [Fact]
    public async Task Several_statements_in_Parse_are_refused_and_empty_ones_are_EmptyQuery()
    {
        await using var session = cluster.Connect();
        var error = await Assert.ThrowsAsync<PgException>(async () => await session.PrepareAsync("select 1; select 2", [], CancellationToken.None));
        Assert.Equal("cannot insert multiple commands into a prepared statement", error.Error.Message);
        var empty = await session.PrepareAsync("  ", [], CancellationToken.None);
        Assert.Equal(PgExecuteOutcome.EmptyQuery, (await ExecuteAsync(await session.BindAsync(empty, [], CancellationToken.None), 0)).Result.Outcome);
    }
}
