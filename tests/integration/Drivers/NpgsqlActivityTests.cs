using Npgsql;

namespace Log.Integration.Tests.Drivers;

/// <summary>
/// pg_stat_activity lists every live session of the query node, as monitoring tools and DBeaver's session manager read
/// it: another connection's state (active, idle, idle in transaction) and its last statement, until it disconnects.
/// </summary>
[Collection(DriverCollection.Name)]
public sealed class NpgsqlActivityTests(DriverServerFixture fixture) : IClassFixture<DriverServerFixture>
{
    [DriverFact]
    public async Task AnotherSessionShowsItsStateAndLastStatementUntilItDisconnects()
    {
        string connectionString = fixture.Target.Npgsql("Pooling=false;SSL Mode=Disable;Application Name=activity_watched;");
        await using var watcher = new NpgsqlConnection(fixture.Target.Npgsql("Pooling=false;SSL Mode=Disable;"));
        await watcher.OpenAsync();
        int watchedPid;
        await using (var watched = new NpgsqlConnection(connectionString))
        {
            await watched.OpenAsync();
            watchedPid = Convert.ToInt32(await ScalarAsync(watched, "SELECT pg_backend_pid()"));
            var idle = await ActivityAsync(watcher, watchedPid);
            Assert.Equal(("idle", "SELECT pg_backend_pid()", "activity_watched", false), idle);

            await using var transaction = await watched.BeginTransactionAsync();
            await ScalarAsync(watched, "SELECT 41 + 1");
            var inTransaction = await ActivityAsync(watcher, watchedPid);
            Assert.Equal(("idle in transaction", "SELECT 41 + 1", "activity_watched", true), inTransaction);
            await transaction.RollbackAsync();
        }
        // The watcher's own statement is the active one.
        int watcherPid = Convert.ToInt32(await ScalarAsync(watcher, "SELECT pg_backend_pid()"));
        await using (var own = new NpgsqlCommand("SELECT state, query FROM pg_stat_activity WHERE pid = $1", watcher))
        {
            own.Parameters.Add(new NpgsqlParameter { Value = watcherPid });
            await using var reader = await own.ExecuteReaderAsync();
            Assert.True(await reader.ReadAsync());
            Assert.Equal("active", reader.GetString(0));
            Assert.Equal("SELECT state, query FROM pg_stat_activity WHERE pid = $1", reader.GetString(1));
        }
        // Gone once its connection closed (the server notices the Terminate message at once).
        for (int attempt = 0; attempt < 50 && await ActivityAsync(watcher, watchedPid) is not null; attempt++)
        {
            await Task.Delay(100);
        }
        Assert.Null(await ActivityAsync(watcher, watchedPid));
    }

    private static async Task<(string State, string Query, string Application, bool InTransaction)?> ActivityAsync(NpgsqlConnection connection, int pid)
    {
        await using var command = new NpgsqlCommand(
            "SELECT state, query, application_name, xact_start IS NOT NULL FROM pg_stat_activity WHERE pid = $1", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = pid });
        await using var reader = await command.ExecuteReaderAsync();
        if (!await reader.ReadAsync()) return null;
        return (reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetBoolean(3));
    }

    private static async Task<object?> ScalarAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }
}
