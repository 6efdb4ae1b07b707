using Log.QueryNode.Sql;

namespace Log.QueryNode.Tests.Sessions;

/// <summary>Schema changes as transactions: a writer whose snapshot predates a committed ALTER fails with OC001, and
/// DSQL's rules (one DDL per transaction, no DDL with DML) hold only under the compatibility switch.</summary>
public sealed class SchemaChangeTransactionTests
{
    private const string SchemaConflict = "Error 40001 schema has been updated by another transaction, please retry: (OC001)";
    private const string DdlAndDml = "Error 0A000 ddl and dml are not supported in the same transaction";
    private const string MultipleDdl = "Error 0A000 multiple ddl statements are not supported in a transaction";

    [Fact]
    public async Task A_write_from_a_snapshot_older_than_a_committed_alter_fails_with_OC001()
    {
        var cluster = new InMemoryCluster();
        var alterer = cluster.Connect();
        var writer = cluster.Connect();
        await alterer.QueryAsync("create table t (id int primary key, v int)");
        await writer.QueryAsync("begin");
        Assert.Equal(["0"], await writer.RowsAsync("select count(*) from t")); // the snapshot is taken

        Assert.Equal(["CommandComplete ALTER TABLE"], await alterer.QueryAsync("alter table t add column w int"));
        Assert.Equal(["CommandComplete INSERT 0 1"], await writer.QueryAsync("insert into t values (1, 1)"));
        Assert.Equal([SchemaConflict], await writer.QueryAsync("commit"));

        Assert.Empty(await alterer.RowsAsync("select id from t"));
        Assert.Equal(["CommandComplete INSERT 0 1"], await writer.QueryAsync("insert into t values (2, 2, 2)"));
    }

    [Fact]
    public async Task A_write_begun_after_the_alter_committed_commits()
    {
        var cluster = new InMemoryCluster();
        var session = cluster.Connect();
        await session.QueryAsync("create table t (id int primary key)");
        await session.QueryAsync("alter table t add column w int");
        Assert.Equal(["CommandComplete INSERT 0 1"], await session.QueryAsync("insert into t values (1, 1)"));
        Assert.Equal(["1|1"], await session.RowsAsync("select id, w from t"));
    }

    [Fact]
    public async Task Without_the_switch_DDL_and_DML_mix_in_one_transaction_as_in_PostgreSQL()
    {
        var session = new InMemoryCluster().Connect();
        List<string> messages = await session.QueryAsync(
            "begin; create table t (id int primary key); insert into t values (1); create index t_id on t (id); commit");
        Assert.DoesNotContain(messages, message => message.StartsWith("Error", StringComparison.Ordinal));
        Assert.Equal(["1"], await session.RowsAsync("select id from t"));
    }

    [Fact]
    public async Task Under_the_switch_DML_after_DDL_fails_and_the_transaction_rolls_back()
    {
        var cluster = new InMemoryCluster { Engine = new SqlEngine { DsqlCompatibility = true } };
        var session = cluster.Connect();
        await session.QueryAsync("begin");
        Assert.Equal(["CommandComplete CREATE TABLE"], await session.QueryAsync("create table t (id int primary key)"));
        Assert.Equal([DdlAndDml], await session.QueryAsync("insert into t values (1)"));
        Assert.Equal(["CommandComplete ROLLBACK"], await session.QueryAsync("commit"));
        Assert.StartsWith("Error 42P01", Assert.Single(await session.QueryAsync("select * from t")));
    }

    [Fact]
    public async Task Under_the_switch_DDL_after_DML_and_a_second_DDL_fail()
    {
        var cluster = new InMemoryCluster { Engine = new SqlEngine { DsqlCompatibility = true } };
        var session = cluster.Connect();
        Assert.Equal(["CommandComplete CREATE TABLE"], await session.QueryAsync("create table t (id int primary key)"));

        await session.QueryAsync("begin");
        Assert.Equal(["CommandComplete INSERT 0 1"], await session.QueryAsync("insert into t values (1)"));
        Assert.Equal([DdlAndDml], await session.QueryAsync("alter table t add column v int"));
        await session.QueryAsync("rollback");

        await session.QueryAsync("begin");
        Assert.Equal(["CommandComplete CREATE TABLE"], await session.QueryAsync("create table u (id int primary key)"));
        Assert.Equal([MultipleDdl], await session.QueryAsync("create table w (id int primary key)"));
        await session.QueryAsync("rollback");

        // One statement of each kind in its own transaction, and reads beside either, are fine; so is an implicit
        // transaction of one DDL after an implicit one of DML. A query string of several statements is one implicit transaction.
        Assert.Equal(["CommandComplete INSERT 0 1"], await session.QueryAsync("insert into t values (2)"));
        List<string> messages = await session.QueryAsync("begin; select count(*) from t; create index t_id on t (id); select 1; commit");
        Assert.DoesNotContain(messages, message => message.StartsWith("Error", StringComparison.Ordinal));
        Assert.Equal(["CommandComplete CREATE TABLE", DdlAndDml], await session.QueryAsync("create table x (id int); insert into x values (1)"));
        Assert.StartsWith("Error 42P01", Assert.Single(await session.QueryAsync("select * from x")));
        Assert.Equal(["2"], await session.RowsAsync("select id from t")); // the first insert rolled back with its transaction
    }
}
