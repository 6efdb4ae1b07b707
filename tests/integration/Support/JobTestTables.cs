using Npgsql;

namespace Log.Integration.Tests.Support;

/// <summary>What the job tests (index builds, table rewrites) share: a connection to a server with a long command
/// timeout, one-statement commands, and a table large enough that a job is still running when a test acts on it.</summary>
internal static class JobTestTables
{
    private const int InsertBatchRows = 3_000;

    public static async Task<NpgsqlConnection> OpenAsync(LogProcess server, int commandTimeoutSeconds)
    {
        var connection = new NpgsqlConnection($"Host=127.0.0.1;Port={server.Port};Username=admin;Database=postgres;Timeout=15;" +
            $"Command Timeout={commandTimeoutSeconds};Server Compatibility Mode=NoTypeLoading;Pooling=false;SSL Mode=Disable;");
        await connection.OpenAsync();
        return connection;
    }

    public static async Task<object?> ScalarAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }

    /// <summary>Creates <paramref name="table"/> (id int PRIMARY KEY, v int, pad text) with ids 1 to <paramref name="rows"/>
    /// (a multiple of 3,000), where v holds (id * 7919) % 100000.</summary>
    public static async Task LoadAsync(NpgsqlConnection connection, string table, int rows)
    {
        await ScalarAsync(connection, $"CREATE TABLE {table} (id int PRIMARY KEY, v int, pad text)");
        for (int first = 1; first <= rows; first += InsertBatchRows)
        {
            await ScalarAsync(connection,
                $"INSERT INTO {table} SELECT g, (g * 7919) % 100000, 'pad' || g FROM generate_series({first}, {first + InsertBatchRows - 1}) g");
        }
    }
}
