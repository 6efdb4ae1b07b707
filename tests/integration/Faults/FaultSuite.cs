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

    /// <summary>Npgsql settings for the server under test: no pool (a connection's fate is the test's to see), bounded
    /// waits so that a hang becomes a failure rather than a stuck run. The open timeout (<c>Timeout</c>) also bounds
    /// Npgsql's type-loading query, which the first connection of a data source (one per connection string) runs.</summary>
    public static string ConnectionString(int port, int commandTimeoutSeconds = 30, int openTimeoutSeconds = OpenTimeoutSeconds) =>
        $"Host=127.0.0.1;Port={port};Username=admin;Database=postgres;" +
        $"Pooling=false;SSL Mode=Disable;Timeout={openTimeoutSeconds};Command Timeout={commandTimeoutSeconds};Cancellation Timeout=2000";

    /// <summary>The open timeout of <see cref="ConnectionString"/> unless a test asks for another.</summary>
    public const int OpenTimeoutSeconds = 10;

    /// <summary>
    /// An open timeout for the first connection to a process that was just started, used for every connection of a
    /// test that starts its server (so that they share one Npgsql data source and its loaded types). That open runs
    /// Npgsql's type-loading query on code the server has not run yet: about 0.9 s of the server's CPU in a Debug build
    /// (JIT compilation of the SQL pipeline and the catalog's virtual tables; 50 to 100 ms once warm), which took 11 to
    /// 15 s of wall time beside six busy loops on this 2-core machine, and failed CI's 10 s. It is CPU, not a wait:
    /// a restarted two-shard database spends the same CPU on it as a new one (Cluster/ShardedBankTests.cs).
    /// </summary>
    public const int FirstOpenTimeoutSeconds = 60;

    public static async Task<NpgsqlConnection> OpenAsync(int port, CancellationToken cancellationToken = default,
        int commandTimeoutSeconds = 30, int openTimeoutSeconds = OpenTimeoutSeconds)
    {
        var connection = new NpgsqlConnection(ConnectionString(port, commandTimeoutSeconds, openTimeoutSeconds));
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
