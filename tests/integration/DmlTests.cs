using Log.Integration.Tests.Support;
using Npgsql;

namespace Log.Integration.Tests;

/// <summary>Data-modifying statements through the real server, where the transaction limits and the commit-time
/// conflict check matter: concurrent upserts of one key, and DROP TABLE of a table larger than one transaction may
/// write.</summary>
[Collection(ServerCollection.Name)]
public sealed class DmlTests(ServerFixture fixture)
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

    [Fact]
    public async Task Two_concurrent_upserts_of_a_new_key_one_commits_the_other_gets_40001()
    {
        var table = UniqueName("upsert");
        await using var first = await OpenAsync();
        await using var second = await OpenAsync();
        await ExecuteAsync(first, $"CREATE TABLE {table} (id int PRIMARY KEY, n int)");
        string upsert = $"INSERT INTO {table} VALUES (1, 1) ON CONFLICT (id) DO UPDATE SET n = {table}.n + 1";

        await using var firstTransaction = await first.BeginTransactionAsync();
        await using var secondTransaction = await second.BeginTransactionAsync();
        // Both see no row 1 in their snapshots, so both insert it.
        Assert.Equal(1, await ExecuteAsync(first, upsert));
        Assert.Equal(1, await ExecuteAsync(second, upsert));
        await firstTransaction.CommitAsync();
        var conflict = await Assert.ThrowsAsync<PostgresException>(() => secondTransaction.CommitAsync());
        Assert.Equal("40001", conflict.SqlState);

        // The retry sees the committed row and updates it: no row lost, none doubled.
        Assert.Equal(1, await ExecuteAsync(second, upsert));
        Assert.Equal(2, await ScalarAsync(first, $"SELECT n FROM {table} WHERE id = 1"));
        Assert.Equal(1, await ScalarAsync(first, $"SELECT count(*) FROM {table}"));
    }

    [Fact]
    public async Task Do_nothing_that_found_the_key_fails_if_the_row_changed_before_commit()
    {
        var table = UniqueName("nothing");
        await using var first = await OpenAsync();
        await using var second = await OpenAsync();
        await ExecuteAsync(first, $"CREATE TABLE {table} (id int PRIMARY KEY, n int)");
        await ExecuteAsync(first, $"INSERT INTO {table} VALUES (1, 1)");

        await using var transaction = await first.BeginTransactionAsync();
        // The key is taken in this snapshot: nothing is written, but the read decided the outcome.
        Assert.Equal(0, await ExecuteAsync(first, $"INSERT INTO {table} VALUES (1, 5) ON CONFLICT (id) DO NOTHING"));
        Assert.Equal(1, await ExecuteAsync(second, $"DELETE FROM {table} WHERE id = 1"));
        var conflict = await Assert.ThrowsAsync<PostgresException>(() => transaction.CommitAsync());
        Assert.Equal("40001", conflict.SqlState);
        Assert.Equal(0, await ScalarAsync(first, $"SELECT count(*) FROM {table}"));
    }

    [Fact]
    public async Task Drop_table_of_5000_rows_succeeds_and_the_name_starts_empty()
    {
        var table = UniqueName("big");
        await using var connection = await OpenAsync();
        await ExecuteAsync(connection, $"CREATE TABLE {table} (id int PRIMARY KEY, v text)");
        // Each transaction may modify at most 3,000 rows.
        await ExecuteAsync(connection, $"INSERT INTO {table} SELECT g, 'row ' || g FROM generate_series(1, 2500) AS g");
        await ExecuteAsync(connection, $"INSERT INTO {table} SELECT g, 'row ' || g FROM generate_series(2501, 5000) AS g");
        Assert.Equal(5000, await ScalarAsync(connection, $"SELECT count(*) FROM {table}"));

        await ExecuteAsync(connection, $"DROP TABLE {table}");
        var missing = await Assert.ThrowsAsync<PostgresException>(() => ScalarAsync(connection, $"SELECT count(*) FROM {table}"));
        Assert.Equal("42P01", missing.SqlState);
        await ExecuteAsync(connection, $"CREATE TABLE {table} (id int PRIMARY KEY, v text)");
        Assert.Equal(0, await ScalarAsync(connection, $"SELECT count(*) FROM {table}"));
        Assert.Equal(0, await ScalarAsync(connection, $"SELECT count(*) FROM {table} WHERE id = 42"));
        await ExecuteAsync(connection, $"INSERT INTO {table} VALUES (42, 'new')");
        Assert.Equal(1, await ScalarAsync(connection, $"SELECT count(*) FROM {table}"));
    }
}
