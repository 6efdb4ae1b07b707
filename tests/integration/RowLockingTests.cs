using Log.Integration.Tests.Support;
using Npgsql;

namespace Log.Integration.Tests;

/// <summary>SELECT ... FOR UPDATE and its kin under optimistic concurrency, with two sessions through the real server:
/// a transaction that locked a row cannot commit once another transaction has committed a change to that row since
/// its snapshot (40001), whatever the strength; rows it did not lock (FOR ... OF another table) do not make it fail.</summary>
[Collection(ServerCollection.Name)]
public sealed class RowLockingTests(ServerFixture fixture)
{
    private static string UniqueName(string prefix) => $"{prefix}_{Guid.NewGuid():N}"[..20];

    private async Task<NpgsqlConnection> OpenAsync()
    {
        var connection = new NpgsqlConnection($"Host=127.0.0.1;Port={fixture.Server.Port};Username=admin;Database=postgres;Timeout=15;" +
            "Command Timeout=60;Pooling=false;SSL Mode=Disable;");
        await connection.OpenAsync();
        return connection;
    }

    private static async Task<int> ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteNonQueryAsync();
    }

    private static async Task<long> ScalarAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    [Theory]
    [InlineData("FOR UPDATE")]
    [InlineData("FOR NO KEY UPDATE")]
    [InlineData("FOR SHARE")]
    [InlineData("FOR KEY SHARE NOWAIT")]
    [InlineData("FOR UPDATE OF {0} SKIP LOCKED")]
    public async Task A_locked_row_updated_by_another_transaction_makes_the_locker_fail_with_40001(string clause)
    {
        var table = UniqueName("locked");
        await using var locker = await OpenAsync();
        await using var writer = await OpenAsync();
        await ExecuteAsync(locker, $"CREATE TABLE {table} (id int PRIMARY KEY, n int)");
        await ExecuteAsync(locker, $"INSERT INTO {table} VALUES (1, 1), (2, 2)");

        await using var transaction = await locker.BeginTransactionAsync();
        Assert.Equal(1, await ScalarAsync(locker, $"SELECT n FROM {table} WHERE id = 1 {string.Format(clause, table)}"));
        // The other session changes the locked row and commits first: it is never blocked.
        Assert.Equal(1, await ExecuteAsync(writer, $"UPDATE {table} SET n = 10 WHERE id = 1"));
        await ExecuteAsync(locker, $"UPDATE {table} SET n = n + 1 WHERE id = 2");
        var conflict = await Assert.ThrowsAsync<PostgresException>(() => transaction.CommitAsync());
        Assert.Equal("40001", conflict.SqlState);
        Assert.Contains("(OC000)", conflict.MessageText, StringComparison.Ordinal);
        // Nothing of the failed transaction is there.
        Assert.Equal(2, await ScalarAsync(writer, $"SELECT n FROM {table} WHERE id = 2"));
    }

    [Fact]
    public async Task A_read_only_locking_transaction_fails_too_and_an_unlocked_row_does_not_matter()
    {
        var table = UniqueName("readlock");
        await using var locker = await OpenAsync();
        await using var writer = await OpenAsync();
        await ExecuteAsync(locker, $"CREATE TABLE {table} (id int PRIMARY KEY, n int)");
        await ExecuteAsync(locker, $"INSERT INTO {table} VALUES (1, 1), (2, 2)");

        // Without a lock, a read-only transaction commits whatever others did.
        await using (var plain = await locker.BeginTransactionAsync())
        {
            Assert.Equal(1, await ScalarAsync(locker, $"SELECT n FROM {table} WHERE id = 1"));
            await ExecuteAsync(writer, $"UPDATE {table} SET n = 5 WHERE id = 1");
            await plain.CommitAsync();
        }

        // Locking only row 1: a change to row 2 does not conflict; a change to row 1 does.
        await using (var locking = await locker.BeginTransactionAsync())
        {
            Assert.Equal(5, await ScalarAsync(locker, $"SELECT n FROM {table} WHERE id = 1 FOR UPDATE"));
            await ExecuteAsync(writer, $"UPDATE {table} SET n = 20 WHERE id = 2");
            await locking.CommitAsync();
        }
        await using (var locking = await locker.BeginTransactionAsync())
        {
            Assert.Equal(5, await ScalarAsync(locker, $"SELECT n FROM {table} WHERE id = 1 FOR SHARE"));
            await ExecuteAsync(writer, $"DELETE FROM {table} WHERE id = 1");
            var conflict = await Assert.ThrowsAsync<PostgresException>(() => locking.CommitAsync());
            Assert.Equal("40001", conflict.SqlState);
        }
    }

    [Fact]
    public async Task For_update_of_one_table_of_a_join_checks_only_that_tables_rows()
    {
        var left = UniqueName("lockleft");
        var right = UniqueName("lockright");
        await using var locker = await OpenAsync();
        await using var writer = await OpenAsync();
        await ExecuteAsync(locker, $"CREATE TABLE {left} (id int PRIMARY KEY, n int)");
        await ExecuteAsync(locker, $"CREATE TABLE {right} (id int PRIMARY KEY, m int)");
        await ExecuteAsync(locker, $"INSERT INTO {left} VALUES (1, 1)");
        await ExecuteAsync(locker, $"INSERT INTO {right} VALUES (1, 1)");
        string query = $"SELECT l.n + r.m FROM {left} l JOIN {right} r ON l.id = r.id FOR UPDATE OF l";

        await using (var transaction = await locker.BeginTransactionAsync())
        {
            Assert.Equal(2, await ScalarAsync(locker, query));
            await ExecuteAsync(writer, $"UPDATE {right} SET m = 7 WHERE id = 1");
            await transaction.CommitAsync();
        }
        await using (var transaction = await locker.BeginTransactionAsync())
        {
            Assert.Equal(8, await ScalarAsync(locker, query));
            await ExecuteAsync(writer, $"UPDATE {left} SET n = 7 WHERE id = 1");
            var conflict = await Assert.ThrowsAsync<PostgresException>(() => transaction.CommitAsync());
            Assert.Equal("40001", conflict.SqlState);
        }
    }
}
