using Log.Integration.Tests.Support;

namespace Log.Integration.Tests;

public sealed class DurabilityTests
{
    [Fact]
    public async Task AcknowledgedCommitSurvivesKillNine()
    {
        var dataDirectory = Directory.CreateTempSubdirectory("log-kill-").FullName;
        try
        {
            await using (var server = await LogProcess.StartAsync(dataDirectory))
            {
                var write = await Psql.RunAsync(server.Port, """
                    \set ON_ERROR_STOP 1
                    CREATE TABLE survivors (id int PRIMARY KEY, name text);
                    INSERT INTO survivors VALUES (1, 'before'), (2, 'deleted');
                    BEGIN;
                    UPDATE survivors SET name = 'after' WHERE id = 1;
                    DELETE FROM survivors WHERE id = 2;
                    COMMIT;
                    INSERT INTO survivors VALUES (3, 'last');
                    """);
                Assert.True(write.ExitCode == 0, write.ToString());
                // psql has seen every COMMIT acknowledged: kill at once, no shutdown code runs.
                await server.KillAsync();
            }

            await using var restarted = await LogProcess.StartAsync(dataDirectory);
            var read = await Psql.CommandAsync(restarted.Port, "SELECT id, name FROM survivors ORDER BY id");
            Assert.True(read.ExitCode == 0, read + restarted.Output);
            Assert.Equal("1|after\n3|last", read.Output);

            // The restarted database takes new writes, and still detects duplicates of old rows.
            var more = await Psql.RunAsync(restarted.Port, """
                INSERT INTO survivors VALUES (4, 'new');
                INSERT INTO survivors VALUES (3, 'duplicate');
                SELECT count(*) FROM survivors;
                """);
            Assert.Contains("23505", more.Error);
            Assert.Equal("3", more.Output);
        }
        finally
        {
            LogProcess.DeleteDirectory(dataDirectory);
        }
    }
}
