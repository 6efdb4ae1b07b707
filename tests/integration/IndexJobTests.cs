using Log.Integration.Tests.Support;
using Npgsql;
using static Log.Integration.Tests.Support.JobTestTables;

namespace Log.Integration.Tests;

/// <summary>Index builds as jobs through the real server: CREATE INDEX ASYNC, sys.jobs, CALL sys.wait_for_job, DROP
/// INDEX cancelling a running build, and a build cut short by kill -9 that finishes after the restart with an index
/// that agrees with a full scan.</summary>
public sealed class IndexJobTests
{
    /// <summary>Rows of the large table: enough batches (1,000 rows each) that the build is still running when the
    /// test acts on it.</summary>
    private const int LargeTableRows = 150_000;

    private static Task<NpgsqlConnection> OpenAsync(LogProcess server) => JobTestTables.OpenAsync(server, commandTimeoutSeconds: 120);

    private static async Task LoadLargeTableAsync(NpgsqlConnection connection)
    {
        await LoadAsync(connection, "big", LargeTableRows);
    }

    private static async Task<(string Status, string? Details)> JobAsync(NpgsqlConnection connection, string jobId)
    {
        await using var command = new NpgsqlCommand("SELECT status, details FROM sys.jobs WHERE job_id = $1", connection) { Parameters = { new() { Value = jobId } } };
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync(), $"job {jobId} is not in sys.jobs");
        return (reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1));
    }

    /// <summary>Waits until the build has committed some batches but not all.</summary>
    private static async Task<string> WaitUntilProcessingAsync(NpgsqlConnection connection, string jobId)
    {
        for (int poll = 0; poll < 2_000; poll++)
        {
            (string status, _) = await JobAsync(connection, jobId);
            if (status != "submitted") return status;
            await Task.Delay(5);
        }
        throw new TimeoutException($"job {jobId} never started");
    }

    private static async Task<bool> WaitForJobAsync(NpgsqlConnection connection, string jobId)
    {
        await using var command = new NpgsqlCommand($"CALL sys.wait_for_job('{jobId}')", connection);
        return (bool)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>The same aggregates through the index (a range on v) and through a full scan (OFFSET 0 keeps the
    /// filter above the scan of the subquery, so no index is used there).</summary>
    private static async Task AssertIndexAgreesWithFullScanAsync(NpgsqlConnection connection, string indexName)
    {
        string plan = string.Join("\n", await RowsAsync(connection, "EXPLAIN SELECT count(*) FROM big WHERE v >= 1000 AND v < 2000"));
        Assert.Contains($"Index Only Scan using {indexName} on big", plan); // count(*) and sum(id) read the entries alone
        string fullPlan = string.Join("\n", await RowsAsync(connection, "EXPLAIN SELECT count(*) FROM (SELECT * FROM big OFFSET 0) s WHERE v >= 1000 AND v < 2000"));
        Assert.DoesNotContain("Index", fullPlan);
        foreach ((int low, int high) in new[] { (0, 10), (1000, 2000), (50_000, 50_001), (99_990, 100_000) })
        {
            string where = $"v >= {low} AND v < {high}";
            object? indexed = await ScalarAsync(connection, $"SELECT count(*) || ':' || coalesce(sum(id), 0) FROM big WHERE {where}");
            object? full = await ScalarAsync(connection, $"SELECT count(*) || ':' || coalesce(sum(id), 0) FROM (SELECT * FROM big OFFSET 0) s WHERE {where}");
            Assert.Equal(full, indexed);
        }
        Assert.Equal((long)LargeTableRows, await ScalarAsync(connection, "SELECT count(*) FROM big WHERE v >= 0"));
    }

    private static async Task<List<string>> RowsAsync(NpgsqlConnection connection, string sql)
    {
        var rows = new List<string>();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) rows.Add(reader.GetValue(0).ToString()!);
        return rows;
    }

    [Fact]
    public async Task A_build_killed_midway_finishes_after_the_restart_and_agrees_with_a_full_scan()
    {
        var dataDirectory = Directory.CreateTempSubdirectory("log-index-kill-").FullName;
        try
        {
            string jobId;
            string statusAtKill;
            await using (var server = await LogProcess.StartAsync(dataDirectory))
            {
                await using var connection = await OpenAsync(server);
                await LoadLargeTableAsync(connection);
                jobId = (string)(await ScalarAsync(connection, "CREATE INDEX ASYNC big_v ON big (v)"))!;
                statusAtKill = await WaitUntilProcessingAsync(connection, jobId);
                await server.KillAsync();
            }

            await using var restarted = await LogProcess.StartAsync(dataDirectory);
            await using (var connection = await OpenAsync(restarted))
            {
                // Not yet valid: no query may use it before the build is done.
                if (statusAtKill == "processing" && (await JobAsync(connection, jobId)).Status != "completed")
                {
                    string plan = string.Join("\n", await RowsAsync(connection, "EXPLAIN SELECT * FROM big WHERE v = 5"));
                    Assert.DoesNotContain("big_v", plan);
                }
                Assert.True(await WaitForJobAsync(connection, jobId), restarted.Output);
                (string status, string? details) = await JobAsync(connection, jobId);
                Assert.Equal("completed", status);
                Assert.Equal($"{LargeTableRows} rows processed", details);
                await AssertIndexAgreesWithFullScanAsync(connection, "big_v");
                // Writes after the build keep the index in step.
                await ScalarAsync(connection, "UPDATE big SET v = 1500 WHERE id <= 1000");
                await ScalarAsync(connection, "DELETE FROM big WHERE id > 1000 AND id <= 2000");
                await ScalarAsync(connection, "INSERT INTO big SELECT g, g % 100000, 'x' FROM generate_series(1001, 2000) g");
                await AssertIndexAgreesWithFullScanAsync(connection, "big_v");
            }
        }
        finally
        {
            LogProcess.DeleteDirectory(dataDirectory);
        }
    }

    [Fact]
    public async Task Drop_index_cancels_a_running_build_and_wait_for_job_reports_it()
    {
        await using var server = await LogProcess.StartAsync();
        await using var connection = await OpenAsync(server);
        await LoadLargeTableAsync(connection);
        string jobId = (string)(await ScalarAsync(connection, "CREATE INDEX ASYNC big_pad ON big (pad)"))!;
        Assert.Equal("processing", await WaitUntilProcessingAsync(connection, jobId));
        await ScalarAsync(connection, "DROP INDEX big_pad");
        Assert.False(await WaitForJobAsync(connection, jobId));
        Assert.Equal("cancelled", (await JobAsync(connection, jobId)).Status);
        Assert.Equal(0L, await ScalarAsync(connection, "SELECT count(*) FROM pg_indexes WHERE indexname = 'big_pad'"));

        // The name is free again, and a plain CREATE INDEX is the same job, awaited.
        await ScalarAsync(connection, "CREATE INDEX big_v ON big (v)");
        Assert.Equal(1L, await ScalarAsync(connection, "SELECT count(*) FROM sys.jobs WHERE object_name = 'public.big_v' AND status = 'completed'"));
        await AssertIndexAgreesWithFullScanAsync(connection, "big_v");

        // A unique build that meets a duplicate fails its job and leaves no index behind.
        string failing = (string)(await ScalarAsync(connection, "CREATE UNIQUE INDEX ASYNC big_v_unique ON big (v)"))!;
        Assert.False(await WaitForJobAsync(connection, failing));
        (string status, string? details) = await JobAsync(connection, failing);
        Assert.Equal("failed", status);
        Assert.Equal("could not create unique index \"big_v_unique\"", details);
        Assert.Equal(0L, await ScalarAsync(connection, "SELECT count(*) FROM pg_indexes WHERE indexname = 'big_v_unique'"));
        var missing = await Assert.ThrowsAsync<PostgresException>(() => WaitForJobAsync(connection, "no_such_job"));
        Assert.Equal("42704", missing.SqlState);
    }
}
