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
        await using var connection = await FaultSuite.OpenAsync(server.Port);
        await using var writer = await FaultSuite.OpenAsync(server.Port);
        await FaultSuite.ExecuteAsync(connection, "CREATE TABLE horizon_rows (id int PRIMARY KEY, value int NOT NULL)");
        await FaultSuite.ExecuteAsync(connection, "INSERT INTO horizon_rows VALUES (1, 0)");

        await FaultSuite.ExecuteAsync(connection, "BEGIN ISOLATION LEVEL REPEATABLE READ");
        await using (var first = new NpgsqlCommand("SELECT value FROM horizon_rows WHERE id = 1", connection))
        {
            Assert.Equal(0, (int)(await first.ExecuteScalarAsync())!);
        }
        // Newer versions of the row, then the snapshot falls behind the five-second horizon (short, but long enough for a loaded
        // machine's statements). The horizon follows the resolved timestamp, which an idle adjudicator's heartbeats advance at
        // growing intervals (up to its idle interval), so the stale read is tried until it is refused: until then it must still
        // answer from its snapshot, never from a newer version.
        for (var value = 1; value <= 5; value++)
        {
            await FaultSuite.ExecuteAsync(writer, $"UPDATE horizon_rows SET value = {value} WHERE id = 1");
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
        await using var fresh = new NpgsqlCommand("SELECT value FROM horizon_rows WHERE id = 1", connection);
        Assert.Equal(5, (int)(await fresh.ExecuteScalarAsync())!);
    }
}
