using System.Diagnostics;
using System.Text.RegularExpressions;
using Log.Integration.Tests.Support;
using Npgsql;

namespace Log.Integration.Tests;

/// <summary>
/// Recovery tests as README.md describes them: the live database, a replay of its journal from zero, and restarts that
/// recover from each kept checkpoint (and from none) all give the same state digest; a kill -9 in the middle of a
/// checkpoint loses no acknowledged commit.
/// </summary>
public sealed partial class RecoveryTests
{
    [Fact]
    public async Task LiveReplayedAndRecoveredStatesHaveTheSameDigest()
    {
        var dataDirectory = Directory.CreateTempSubdirectory("log-recovery-").FullName;
        var replayDirectory = Directory.CreateTempSubdirectory("log-replay-").FullName;
        try
        {
            string liveDigest;
            long liveTimestamp;
            var checkpoints = new List<string>();
            await using (var server = await LogProcess.StartAsync(dataDirectory))
            {
                await using var connection = await OpenAsync(server.Port);
                await ExecuteAsync(connection, "CREATE TABLE accounts (id int PRIMARY KEY, balance bigint NOT NULL, note text)");
                var random = new Random(20261205);
                for (var round = 0; round < 3; round++)
                {
                    await RunWorkloadAsync(connection, random, statementCount: 120);
                    checkpoints.Add((string?)await ScalarAsync(connection, "SELECT sys.checkpoint()") ?? "none");
                }
                // Writes after the last checkpoint: a recovery replays them from the journal.
                await RunWorkloadAsync(connection, random, statementCount: 60);
                (liveDigest, liveTimestamp) = await DigestAsync(connection);
                Assert.Equal(liveDigest, (string?)await ScalarAsync(connection, $"SELECT sys.state_digest({liveTimestamp})"));

                // A replay of the journal from zero into a new folder gives the same digest at the same timestamp.
                var replay = await RunToolAsync("replay", "--journal", $"127.0.0.1:{server.JournalPort}", "--from", "beginning", "--data", replayDirectory);
                Assert.True(replay.ExitCode == 0, replay.Output);
                var replayed = DigestLine().Match(replay.Output);
                Assert.True(replayed.Success, replay.Output);
                var digestAtLive = await RunToolAsync("digest", "--data", replayDirectory, "--at", liveTimestamp.ToString());
                Assert.True(digestAtLive.ExitCode == 0, digestAtLive.Output);
                Assert.Equal(liveDigest, DigestLine().Match(digestAtLive.Output).Groups["digest"].Value);
                // And the database agrees with the replay at the timestamp the replay covers.
                Assert.Equal(replayed.Groups["digest"].Value,
                    (string?)await ScalarAsync(connection, $"SELECT sys.state_digest({replayed.Groups["timestamp"].Value})"));
                await server.KillAsync();
            }
            Assert.All(checkpoints, checkpoint => Assert.StartsWith("checkpoint ", checkpoint));

            // Restarts after kill -9: from the newest checkpoint, from the older kept one, and from none (full replay).
            var storage = Path.Combine(dataDirectory, "storage", "manifests");
            foreach (var recovery in new[] { "newest", "older", "none" })
            {
                if (recovery != "newest")
                {
                    File.Delete(Directory.EnumerateFiles(storage, "manifest-*.json").Max(StringComparer.Ordinal)!);
                }
                await using var server = await LogProcess.StartAsync(dataDirectory);
                await using var connection = await OpenAsync(server.Port);
                Assert.Equal(liveDigest, (string?)await ScalarAsync(connection, $"SELECT sys.state_digest({liveTimestamp})"));
                Assert.Contains(recovery == "none" ? "replaying the journal from offset 0" : "recovered checkpoint", server.Output);
                await server.KillAsync();
            }
        }
        finally
        {
            LogProcess.DeleteDirectory(dataDirectory);
            LogProcess.DeleteDirectory(replayDirectory);
        }
    }

    [Fact]
    public async Task KillNineDuringACheckpointLosesNoAcknowledgedCommit()
    {
        var dataDirectory = Directory.CreateTempSubdirectory("log-checkpoint-kill-").FullName;
        try
        {
            var random = new Random(7);
            var rows = 0;
            long total = 0;
            foreach (var delayMs in new[] { 0, 5, 30, 120 })
            {
                await using var server = await LogProcess.StartAsync(dataDirectory);
                await using var connection = await OpenAsync(server.Port);
                await ExecuteAsync(connection, "CREATE TABLE IF NOT EXISTS bank (id int PRIMARY KEY, amount bigint NOT NULL)");
                Assert.Equal(rows, Convert.ToInt32(await ScalarAsync(connection, "SELECT count(*) FROM bank")));
                Assert.Equal(total, Convert.ToInt64(await ScalarAsync(connection, "SELECT coalesce(sum(amount), 0) FROM bank")));
                // Enough rows that a checkpoint has a log to flush, then a checkpoint killed part way.
                for (var batch = 0; batch < 4; batch++)
                {
                    var amount = random.Next(1, 1000);
                    await ExecuteAsync(connection, $"INSERT INTO bank SELECT g, {amount} FROM generate_series({rows + 1}, {rows + 2000}) g");
                    rows += 2000;
                    total += 2000L * amount;
                }
                await using var other = await OpenAsync(server.Port);
                var checkpoint = ScalarAsync(other, "SELECT sys.checkpoint()");
                await Task.Delay(delayMs);
                await server.KillAsync();
                try
                {
                    await checkpoint.WaitAsync(TimeSpan.FromSeconds(30));
                }
                catch (Exception exception) when (exception is NpgsqlException or IOException)
                {
                    // Killed before it answered: the point of the test.
                }
            }
            await using var last = await LogProcess.StartAsync(dataDirectory);
            await using var check = await OpenAsync(last.Port);
            Assert.Equal(rows, Convert.ToInt32(await ScalarAsync(check, "SELECT count(*) FROM bank")));
            Assert.Equal(total, Convert.ToInt64(await ScalarAsync(check, "SELECT sum(amount) FROM bank")));
        }
        finally
        {
            LogProcess.DeleteDirectory(dataDirectory);
        }
    }

    /// <summary>Inserts, updates and deletes chosen by a seeded generator over a small key space.</summary>
    private static async Task RunWorkloadAsync(NpgsqlConnection connection, Random random, int statementCount)
    {
        for (var index = 0; index < statementCount; index++)
        {
            var id = random.Next(1, 200);
            var sql = random.Next(10) switch
            {
                < 5 => $"INSERT INTO accounts VALUES ({id}, {random.Next(1000)}, 'n{random.Next()}') ON CONFLICT (id) DO UPDATE SET balance = excluded.balance",
                < 8 => $"UPDATE accounts SET balance = balance + {random.Next(-50, 50)}, note = 'u{random.Next()}' WHERE id BETWEEN {id} AND {id + 5}",
                _ => $"DELETE FROM accounts WHERE id = {id}",
            };
            await ExecuteAsync(connection, sql);
        }
    }

    internal static async Task<(string Digest, long Timestamp)> DigestAsync(NpgsqlConnection connection)
    {
        await using var command = new NpgsqlCommand("SELECT sys.state_digest(), txid_current()", connection);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        return (reader.GetString(0), reader.GetInt64(1));
    }

    internal static async Task<NpgsqlConnection> OpenAsync(int port)
    {
        var connection = new NpgsqlConnection($"Host=127.0.0.1;Port={port};Username=admin;Database=postgres;SSL Mode=Disable;Pooling=false;Timeout=30;Command Timeout=60");
        await connection.OpenAsync();
        return connection;
    }

    internal static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    internal static async Task<object?> ScalarAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        var value = await command.ExecuteScalarAsync();
        return value is DBNull ? null : value;
    }

    /// <summary>Runs the storage node's tool (Log.StorageNode.dll beside the server) and returns its exit code and output.</summary>
    internal static async Task<(int ExitCode, string Output)> RunToolAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Log.StorageNode.dll"));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(120));
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        return (process.ExitCode, await output + await error);
    }

    [GeneratedRegex(@"^digest (?<digest>[0-9a-f]{64}) offset (?<offset>\d+) timestamp (?<timestamp>\d+)", RegexOptions.Multiline)]
    internal static partial Regex DigestLine();
}
