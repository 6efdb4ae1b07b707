using Log.Integration.Tests.Support;
using Npgsql;

namespace Log.Integration.Tests;

/// <summary>Deferrable constraints under optimistic concurrency, with two sessions through the real server: a deferred
/// foreign key check keeps the reference lock of an immediate one (a parent deleted by a transaction that committed
/// first fails the child's COMMIT), and two transactions that write the same value of a deferrable unique constraint
/// cannot both commit (the value's uniqueness lock), though neither sees the other's row.</summary>
[Collection(ServerCollection.Name)]
public sealed class DeferredConstraintTests(ServerFixture fixture)
{
    private static string UniqueName(string prefix) => $"{prefix}_{Guid.NewGuid():N}"[..20];

    private async Task<NpgsqlConnection> OpenAsync()
    {
        var connection = new NpgsqlConnection($"Host=127.0.0.1;Port={fixture.Server.Port};Username=admin;Database=postgres;Timeout=15;" +
            "Command Timeout=60;Pooling=false;SSL Mode=Disable;Include Error Detail=true;");
        await connection.OpenAsync();
        return connection;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<long> CountAsync(NpgsqlConnection connection, string table)
    {
        await using var command = new NpgsqlCommand($"SELECT count(*) FROM {table}", connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task A_deferred_child_whose_parent_another_transaction_deleted_fails_at_commit()
    {
        string parent = UniqueName("dparent"), child = UniqueName("dchild");
        await using var inserter = await OpenAsync();
        await using var deleter = await OpenAsync();
        await ExecuteAsync(inserter, $"CREATE TABLE {parent} (id int PRIMARY KEY)");
        await ExecuteAsync(inserter, $"CREATE TABLE {child} (id int PRIMARY KEY, parent_id int REFERENCES {parent} DEFERRABLE INITIALLY DEFERRED)");
        await ExecuteAsync(inserter, $"INSERT INTO {parent} VALUES (1)");

        await using var transaction = await inserter.BeginTransactionAsync();
        await ExecuteAsync(inserter, $"INSERT INTO {child} VALUES (1, 1)");
        // The parent goes away and that commits first; the child's snapshot still sees it.
        await ExecuteAsync(deleter, $"DELETE FROM {parent} WHERE id = 1");
        var conflict = await Assert.ThrowsAsync<PostgresException>(() => transaction.CommitAsync());
        Assert.Equal("40001", conflict.SqlState);
        Assert.Equal(0, await CountAsync(deleter, child));
    }

    [Fact]
    public async Task Two_transactions_writing_one_value_of_a_deferrable_unique_constraint_cannot_both_commit()
    {
        string table = UniqueName("dunique");
        await using var first = await OpenAsync();
        await using var second = await OpenAsync();
        await ExecuteAsync(first, $"CREATE TABLE {table} (id int PRIMARY KEY, code int UNIQUE DEFERRABLE INITIALLY DEFERRED)");

        await using var firstTransaction = await first.BeginTransactionAsync();
        await using var secondTransaction = await second.BeginTransactionAsync();
        await ExecuteAsync(first, $"INSERT INTO {table} VALUES (1, 7)");
        await ExecuteAsync(second, $"INSERT INTO {table} VALUES (2, 7)");
        await firstTransaction.CommitAsync();
        var conflict = await Assert.ThrowsAsync<PostgresException>(() => secondTransaction.CommitAsync());
        Assert.Equal("40001", conflict.SqlState);
        Assert.Equal(1, await CountAsync(first, table));

        // Once committed, the value is seen: a later duplicate fails its COMMIT with 23505.
        await using var third = await second.BeginTransactionAsync();
        await ExecuteAsync(second, $"INSERT INTO {table} VALUES (3, 7)");
        var duplicate = await Assert.ThrowsAsync<PostgresException>(() => third.CommitAsync());
        Assert.Equal("23505", duplicate.SqlState);
        Assert.Equal("Key (code)=(7) already exists.", duplicate.Detail);
    }
}
