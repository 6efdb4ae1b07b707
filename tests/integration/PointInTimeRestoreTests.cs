using Log.Integration.Tests.Support;
using static Log.Integration.Tests.RecoveryTests;

namespace Log.Integration.Tests;

/// <summary>
/// Point-in-time restore as README.md describes it: <c>storage-node replay --until T --cut-journal</c> into a new
/// folder, then <c>log --data</c> on that folder starts the database on the state as of T (digest, rows), with its
/// journal cut there: later writes of the original database are absent, and new writes commit and survive a kill -9.
/// </summary>
public sealed class PointInTimeRestoreTests
{
    [Fact]
    public async Task TheDatabaseStartsOnTheStateAsOfATimestampAndGoesOnFromThere()
    {
        var dataDirectory = Directory.CreateTempSubdirectory("log-pitr-source-").FullName;
        var restoreDirectory = Directory.CreateTempSubdirectory("log-pitr-restore-").FullName;
        try
        {
            string digestThen;
            long then;
            await using (var server = await LogProcess.StartAsync(dataDirectory))
            {
                await using var connection = await OpenAsync(server.Port);
                await ExecuteAsync(connection, "CREATE TABLE items (id int PRIMARY KEY, amount bigint NOT NULL)");
                await ExecuteAsync(connection, "INSERT INTO items SELECT g, g * 10 FROM generate_series(1, 500) g");
                await ExecuteAsync(connection, "UPDATE items SET amount = amount + 1 WHERE id <= 100");
                (digestThen, then) = await DigestAsync(connection);
                // After the point: changed, deleted and inserted rows, and a new table.
                await ExecuteAsync(connection, "UPDATE items SET amount = 0 WHERE id > 400");
                await ExecuteAsync(connection, "DELETE FROM items WHERE id <= 50");
                await ExecuteAsync(connection, "INSERT INTO items SELECT g, 1 FROM generate_series(501, 600) g");
                await ExecuteAsync(connection, "CREATE TABLE later (id int PRIMARY KEY)");
                Assert.NotEqual(digestThen, (await DigestAsync(connection)).Digest);

                var replay = await RunToolAsync("replay", "--journal", $"127.0.0.1:{server.JournalPort}", "--from", "beginning",
                    "--until", then.ToString(System.Globalization.CultureInfo.InvariantCulture), "--cut-journal", "--data", restoreDirectory);
                Assert.True(replay.ExitCode == 0, replay.Output);
                Assert.Equal(digestThen, DigestLine().Match(replay.Output).Groups["digest"].Value);
                Assert.Contains("journal cut:", replay.Output);
                await server.KillAsync();
            }

            long restoredTotal;
            await using (var restored = await LogProcess.StartAsync(restoreDirectory))
            {
                await using var connection = await OpenAsync(restored.Port);
                Assert.Contains("recovered checkpoint", restored.Output);
                Assert.Equal(digestThen, (string?)await ScalarAsync(connection, $"SELECT sys.state_digest({then})"));
                Assert.Equal(500L, Convert.ToInt64(await ScalarAsync(connection, "SELECT count(*) FROM items")));
                restoredTotal = Convert.ToInt64(await ScalarAsync(connection, "SELECT sum(amount) FROM items"));
                Assert.Equal(Enumerable.Range(1, 500).Sum(id => id * 10L) + 100, restoredTotal);
                Assert.Null(await ScalarAsync(connection, "SELECT to_regclass('later')::text"));
                // The database goes on from the cut: new writes commit, and the table created after the point can be
                // created again.
                await ExecuteAsync(connection, "INSERT INTO items VALUES (1000, 7)");
                await ExecuteAsync(connection, "CREATE TABLE later (id int PRIMARY KEY)");
                await restored.KillAsync();
            }
            await using (var again = await LogProcess.StartAsync(restoreDirectory))
            {
                await using var connection = await OpenAsync(again.Port);
                Assert.Equal(501L, Convert.ToInt64(await ScalarAsync(connection, "SELECT count(*) FROM items")));
                Assert.Equal(restoredTotal + 7, Convert.ToInt64(await ScalarAsync(connection, "SELECT sum(amount) FROM items")));
                Assert.Equal(0L, Convert.ToInt64(await ScalarAsync(connection, "SELECT count(*) FROM later")));
            }
        }
        finally
        {
            LogProcess.DeleteDirectory(dataDirectory);
            LogProcess.DeleteDirectory(restoreDirectory);
        }
    }
}
