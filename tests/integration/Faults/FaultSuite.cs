using Npgsql;

namespace Log.Integration.Tests.Faults;

/// <summary>
/// The standing fault suite: crashes, anomalies, bad input and journal faults against the real
/// server process. Its tests run one at a time (each starts and kills processes, and a loaded
/// two-core machine must not turn a timing bound into a flake) and are bounded to a few minutes in
/// all. LOG_FAULTS_LONG=1 runs every workload longer, with more crashes and more faults.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FaultSuite
{
    public const string Name = "fault suite";

    public const string LongRunVariable = "LOG_FAULTS_LONG";

    public static bool IsLongRun => Environment.GetEnvironmentVariable(LongRunVariable) == "1";

    /// <summary>The short value in CI, the long one under LOG_FAULTS_LONG=1.</summary>
    public static T Pick<T>(T normal, T longRun) => IsLongRun ? longRun : normal;

    /// <summary>Npgsql settings for the server under test: no type loading (the catalog tables
    /// Npgsql reads do not exist yet), no pool (a connection's fate is the test's to see), bounded
    /// waits so that a hang becomes a failure rather than a stuck run.</summary>
    public static string ConnectionString(int port, int commandTimeoutSeconds = 30) =>
        $"Host=127.0.0.1;Port={port};Username=admin;Database=postgres;" +
        $"Pooling=false;SSL Mode=Disable;Timeout=10;Command Timeout={commandTimeoutSeconds};Cancellation Timeout=2000";

    public static async Task<NpgsqlConnection> OpenAsync(int port, CancellationToken cancellationToken = default,
        int commandTimeoutSeconds = 30)
    {
        var connection = new NpgsqlConnection(ConnectionString(port, commandTimeoutSeconds));
        try
        {
            await connection.OpenAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>ROLLBACK after a refused statement; returns the connection, or null (after closing it) when it broke.</summary>
    public static async Task<NpgsqlConnection?> RollBackOrCloseAsync(NpgsqlConnection connection)
    {
        try
        {
            await ExecuteAsync(connection, "ROLLBACK");
            return connection;
        }
        // InvalidOperationException: Npgsql closed the connection itself after the refusal (it does after 57P03).
        catch (Exception failure) when (failure is NpgsqlException or IOException or TimeoutException or InvalidOperationException)
        {
            await connection.DisposeAsync();
            return null;
        }
    }

    public static async Task<int> ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken = default,
        params object[] parameters)
    {
        await using var command = Command(connection, sql, parameters);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public static async Task<object?> ScalarAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken = default,
        params object[] parameters)
    {
        await using var command = Command(connection, sql, parameters);
        return await command.ExecuteScalarAsync(cancellationToken);
    }

    private static NpgsqlCommand Command(NpgsqlConnection connection, string sql, object[] parameters)
    {
        var command = new NpgsqlCommand(sql, connection);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }
        return command;
    }
}
