using Log.Integration.Tests.Faults;
using Log.Integration.Tests.Support;
using Npgsql;

namespace Log.Integration.Tests;

/// <summary>A snapshot older than storage's trim horizon is refused with PostgreSQL's 72000, never answered from newer
/// versions; a new transaction then reads as usual.</summary>
public sealed class SnapshotHorizonTests
{
    [Fact]
    public async Task AReadOlderThanTheHorizonFailsWithSnapshotTooOld()
    {
        await using var server = await LogProcess.StartAsync(null, "--snapshot-retention", "00:00:05");
        await using var connection = await WarmAsync(() => OpenAsync(server.Port));
        await using var writer = await WarmAsync(() => OpenAsync(server.Port));
        await WarmAsync(() => FaultSuite.ExecuteAsync(connection, "CREATE TABLE horizon_rows (id int PRIMARY KEY, value int NOT NULL)"));
        await WarmAsync(() => FaultSuite.ExecuteAsync(connection, "INSERT INTO horizon_rows VALUES (1, 0)"));
        // The stale snapshot's first read runs warm.
        await WarmAsync(() => FaultSuite.ScalarAsync(connection, "SELECT value FROM horizon_rows WHERE id = 1"));

        Assert.Equal(0, await WarmAsync(async () =>
        {
            await FaultSuite.ExecuteAsync(connection, "BEGIN ISOLATION LEVEL REPEATABLE READ");
            try
            {
                return (int)(await FaultSuite.ScalarAsync(connection, "SELECT value FROM horizon_rows WHERE id = 1"))!;
            }
            catch (PostgresException exception) when (exception.SqlState == "72000")
            {
                await FaultSuite.ExecuteAsync(connection, "ROLLBACK");
                throw;
            }
        }));
        // Newer versions of the row, then the snapshot falls behind the five-second horizon (short, but long enough for a loaded
        // machine's statements). The horizon follows the resolved timestamp, which an idle adjudicator's heartbeats advance at
        // growing intervals (up to its idle interval), so the stale read is tried until it is refused: until then it must still
        // answer from its snapshot, never from a newer version.
        for (var value = 1; value <= 5; value++)
        {
            await WarmAsync(() => FaultSuite.ExecuteAsync(writer, $"UPDATE horizon_rows SET value = {value} WHERE id = 1"));
        }
        await Task.Delay(TimeSpan.FromSeconds(5));
        PostgresException? refused = null;
        for (var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60); refused is null && DateTime.UtcNow < deadline;)
        {
            await using var stale = new NpgsqlCommand("SELECT value FROM horizon_rows WHERE id = 1", connection);
            try
            {
                Assert.Equal(0, (int)(await stale.ExecuteScalarAsync())!);
                await Task.Delay(TimeSpan.FromMilliseconds(500));
            }
            catch (PostgresException exception)
            {
                refused = exception;
            }
        }
        Assert.NotNull(refused);
        Assert.Equal("72000", refused.SqlState);
        Assert.Equal("snapshot too old", refused.MessageText);
        await FaultSuite.ExecuteAsync(connection, "ROLLBACK");
        Assert.Equal(5, (int)(await WarmAsync(() => FaultSuite.ScalarAsync(connection, "SELECT value FROM horizon_rows WHERE id = 1")))!);
    }

    /// <summary>The first open to the process runs Npgsql's type-loading query on cold code: on a loaded machine that
    /// outlasts the usual open timeout (see <see cref="FaultSuite.FirstOpenTimeoutSeconds"/>).</summary>
    private static Task<NpgsqlConnection> OpenAsync(int port) =>
        FaultSuite.OpenAsync(port, openTimeoutSeconds: FaultSuite.FirstOpenTimeoutSeconds);

    /// <summary>
    /// A step other than the stale read under test, tried again when refused as too old. This server keeps 5 s of
    /// versions behind its resolved timestamp, which is also the longest interval between an idle shard's heartbeats: a
    /// snapshot taken from the journal's end can be nearly 5 s behind, and the next heartbeat then moves the horizon past
    /// it at once. And on a loaded machine a statement on code the server has not run yet can take longer than 5 s from
    /// its snapshot to its reads (Npgsql's type-loading query at the first open above all: about 0.9 s of CPU in a Debug
    /// build, 11 to 15 s of wall time beside six busy loops on 2 cores). Either way it is refused 72000, as it should be.
    /// </summary>
    private static async Task<T> WarmAsync<T>(Func<Task<T>> step)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await step();
            }
            catch (PostgresException exception) when (exception.SqlState == "72000" && attempt < WarmAttempts)
            {
            }
        }
    }

    private const int WarmAttempts = 3;
}
