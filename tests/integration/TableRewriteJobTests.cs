using Log.Integration.Tests.Support;
using Npgsql;
using static Log.Integration.Tests.Support.JobTestTables;

namespace Log.Integration.Tests;

/// <summary>ALTER COLUMN ... TYPE as a rewrite job through the real server: writers keep going while the rows are
/// converted and every write committed meanwhile is in the converted column and its index; and a rewrite cut short by
/// kill -9 finishes after the restart, never leaving a half-converted column.</summary>
public sealed class TableRewriteJobTests
{
    /// <summary>Rows of the table: enough batches (1,000 rows each) that the rewrite is still running when the test acts.</summary>
    private const int TableRows = 60_000;

    private const int Writers = 4;

    private static Task<NpgsqlConnection> OpenAsync(LogProcess server) => JobTestTables.OpenAsync(server, commandTimeoutSeconds: 300);

    /// <summary>v holds (id * 7919) % 100000 as an integer, indexed.</summary>
    private static async Task LoadTableAsync(NpgsqlConnection connection)
    {
        await LoadAsync(connection, "rw", TableRows);
        await ScalarAsync(connection, "CREATE INDEX rw_v ON rw (v)");
    }

    /// <summary>The rewrite's job once it has committed a batch (or finished), and its status then.</summary>
    private static async Task<(string JobId, string Status)> WaitUntilProcessingAsync(NpgsqlConnection connection)
    {
        for (int poll = 0; poll < 4_000; poll++)
        {
            await using var command = new NpgsqlCommand("SELECT job_id, status FROM sys.jobs WHERE job_type = 'TABLE_REWRITE'", connection);
            await using var reader = await command.ExecuteReaderAsync();
            if (await reader.ReadAsync() && reader.GetString(1) != "submitted") return (reader.GetString(0), reader.GetString(1));
            await reader.DisposeAsync();
            await Task.Delay(5);
        }
        throw new TimeoutException("the rewrite never started");
    }

    /// <summary>v is text now, every row holds the text of the integer it held (or was written with), and the index on
    /// v agrees with a full scan.</summary>
    private static async Task AssertConvertedAsync(NpgsqlConnection connection, long expectedRows)
    {
        Assert.Equal("text", await ScalarAsync(connection, "SELECT pg_typeof(v)::text FROM rw LIMIT 1"));
        Assert.Equal(expectedRows, await ScalarAsync(connection, "SELECT count(*) FROM rw"));
        Assert.Equal(0L, await ScalarAsync(connection,
            $"SELECT count(*) FROM rw WHERE v IS DISTINCT FROM (CASE WHEN id > {TableRows} THEN id ELSE (id * 7919) % 100000 END)::text"));
        string plan = (string)(await ScalarAsync(connection, "EXPLAIN SELECT count(*) FROM rw WHERE v >= '1000' AND v < '2000'"))!;
        foreach ((string low, string high) in new[] { ("1000", "2000"), ("5", "6"), ("99990", "99999"), ("0", "9") })
        {
            string where = $"v >= '{low}' AND v < '{high}'";
            object? indexed = await ScalarAsync(connection, $"SELECT count(*) || ':' || coalesce(sum(id), 0) FROM rw WHERE {where}");
            object? full = await ScalarAsync(connection, $"SELECT count(*) || ':' || coalesce(sum(id), 0) FROM (SELECT * FROM rw OFFSET 0) s WHERE {where}");
            Assert.Equal(full, indexed);
        }
        Assert.NotNull(plan);
        string indexPlan = string.Join("\n", await RowsAsync(connection, "EXPLAIN SELECT id FROM rw WHERE v = '1234'"));
        Assert.Contains("rw_v", indexPlan);
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
    public async Task Writes_during_the_rewrite_are_all_in_the_converted_column_and_its_index()
    {
        await using var server = await LogProcess.StartAsync();
        await using var connection = await OpenAsync(server);
        await LoadTableAsync(connection);
        Task alter = ScalarAsync(connection, "ALTER TABLE rw ALTER COLUMN v TYPE text");
        await using var observer = await OpenAsync(server);
        await WaitUntilProcessingAsync(observer);

        // Each writer inserts rows of its own (v = id, an integer before the switch and text after: both assign), and
        // rewrites and deletes rows of the table, until the rewrite is over.
        int inserted = 0, deleted = 0, insertedDuringRewrite = 0;
        async Task WriteAsync(int writer)
        {
            await using var session = await OpenAsync(server);
            var random = new Random(writer);
            for (int step = 0; !alter.IsCompleted || step < 20; step++)
            {
                int id = TableRows + 1 + writer * 100_000 + step;
                int existing = random.Next(1, TableRows + 1);
                try
                {
                    bool running = !alter.IsCompleted;
                    await ScalarAsync(session, $"INSERT INTO rw VALUES ({id}, {id}, 'w')");
                    Interlocked.Increment(ref inserted);
                    if (running && !alter.IsCompleted) Interlocked.Increment(ref insertedDuringRewrite);
                    await ScalarAsync(session, $"UPDATE rw SET v = (id * 7919) % 100000, pad = 'u' WHERE id = {existing}");
                    if (step % 10 == 0)
                    {
                        long gone = (long)(await ScalarAsync(session, $"WITH d AS (DELETE FROM rw WHERE id = {existing} + 1 RETURNING 1) SELECT count(*) FROM d"))!;
                        Interlocked.Add(ref deleted, (int)gone);
                    }
                }
                catch (PostgresException exception) when (exception.SqlState == "40001")
                {
                    // A conflict with a batch of the rewrite (or the switch): the statement did nothing.
                    if (exception.MessageText.Contains("INSERT", StringComparison.Ordinal)) continue;
                }
            }
        }
        await Task.WhenAll(Enumerable.Range(0, Writers).Select(WriteAsync).Append(alter));
        long rows = (long)(await ScalarAsync(connection, "SELECT count(*) FROM rw"))!;
        Assert.True(insertedDuringRewrite > 0, $"{inserted} rows inserted, none while the rewrite ran");
        await AssertConvertedAsync(connection, rows);
        Assert.Equal((long)(TableRows - deleted + inserted), rows);
    }

    [Fact]
    public async Task A_rewrite_killed_midway_finishes_after_the_restart()
    {
        var dataDirectory = Directory.CreateTempSubdirectory("log-rewrite-kill-").FullName;
        try
        {
            string jobId;
            await using (var server = await LogProcess.StartAsync(dataDirectory))
            {
                await using var connection = await OpenAsync(server);
                await LoadTableAsync(connection);
                Task alter = ScalarAsync(connection, "ALTER TABLE rw ALTER COLUMN v TYPE text");
                await using var observer = await OpenAsync(server);
                (jobId, _) = await WaitUntilProcessingAsync(observer);
                // Between batches the column is still the old one: readers see integers.
                if (!alter.IsCompleted) Assert.Equal("integer", await ScalarAsync(observer, "SELECT pg_typeof(v)::text FROM rw LIMIT 1"));
                await server.KillAsync();
                await Assert.ThrowsAnyAsync<Exception>(() => alter);
            }

            await using var restarted = await LogProcess.StartAsync(dataDirectory);
            await using (var connection = await OpenAsync(restarted))
            {
                string type = (string)(await ScalarAsync(connection, "SELECT pg_typeof(v)::text FROM rw LIMIT 1"))!;
                Assert.True(type is "integer" or "text", type); // the old column or the new one, never a mix
                await using var wait = new NpgsqlCommand($"CALL sys.wait_for_job('{jobId}')", connection);
                Assert.True((bool)(await wait.ExecuteScalarAsync())!, restarted.Output);
                Assert.Equal("completed", await ScalarAsync(connection, $"SELECT status FROM sys.jobs WHERE job_id = '{jobId}'"));
                await AssertConvertedAsync(connection, TableRows);
                // Writes after the switch go to the new column.
                await ScalarAsync(connection, $"INSERT INTO rw VALUES ({TableRows + 1}, '{TableRows + 1}', 'after')");
                await ScalarAsync(connection, "UPDATE rw SET v = ((id * 7919) % 100000)::text WHERE id <= 1000");
                await AssertConvertedAsync(connection, TableRows + 1);
            }
        }
        finally
        {
            LogProcess.DeleteDirectory(dataDirectory);
        }
    }
}
