using System.Diagnostics;
using Log.Integration.Tests.Support;
using Npgsql;
using NpgsqlTypes;

namespace Log.Integration.Tests;

/// <summary>
/// Transactions up to the 10 MiB limit commit through the real process (the journal takes them as
/// several records), survive a kill -9, and never stop the database: over the limit is 54000 for
/// that transaction only, and other connections keep answering throughout.
/// </summary>
public sealed class LargeTransactionTests
{
    private const int TwoMegabytes = 2_000_000;
    private const int NineAndAHalfMegabytes = 9_500_000;

    private static string ConnectionString(LogProcess server) =>
        $"Host=127.0.0.1;Port={server.Port};Username=admin;Database=postgres;Timeout=15;Command Timeout=120;" +
        "Pooling=false;SSL Mode=Disable;";

    private static async Task<NpgsqlConnection> OpenAsync(LogProcess server)
    {
        var connection = new NpgsqlConnection(ConnectionString(server));
        await connection.OpenAsync();
        return connection;
    }

    /// <summary>Text the test can recognise exactly: seeded, printable, not one repeated byte.</summary>
    private static string Body(int length, int seed)
    {
        var random = new Random(seed);
        return string.Create(length, random, static (span, random) =>
        {
            for (var index = 0; index < span.Length; index++)
            {
                span[index] = (char)('a' + random.Next(26));
            }
        });
    }

    private static async Task<int> ExecuteAsync(NpgsqlConnection connection, string sql, params object[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter, NpgsqlDbType = parameter is int ? NpgsqlDbType.Integer : NpgsqlDbType.Text });
        }
        return await command.ExecuteNonQueryAsync();
    }

    private static async Task<string?> BodyAsync(NpgsqlConnection connection, int id)
    {
        await using var command = new NpgsqlCommand("SELECT body FROM big WHERE id = $1", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = id, NpgsqlDbType = NpgsqlDbType.Integer });
        return (string?)await command.ExecuteScalarAsync();
    }

    private static async Task<long> CountAsync(NpgsqlConnection connection, string table)
    {
        await using var command = new NpgsqlCommand($"SELECT count(*) FROM {table}", connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    /// <summary>Small writes and reads on another connection while <paramref name="work"/> runs;
    /// returns how many round trips succeeded (every one must).</summary>
    private static async Task<int> KeepAnotherConnectionBusyAsync(LogProcess server, Task work, int firstId)
    {
        await using var other = await OpenAsync(server);
        var done = 0;
        var id = firstId;
        do
        {
            await ExecuteAsync(other, "INSERT INTO small VALUES ($1, $2)", id++, "s");
            Assert.Equal("s", (string?)await new NpgsqlCommand($"SELECT note FROM small WHERE id = {id - 1}", other).ExecuteScalarAsync());
            done++;
        }
        while (!work.IsCompleted);
        return done;
    }

    [Fact]
    public async Task Values_of_2_and_9_5_megabytes_commit_read_back_exactly_and_survive_a_kill()
    {
        var dataDirectory = Directory.CreateTempSubdirectory("log-large-").FullName;
        var two = Body(TwoMegabytes, 1);
        var nineAndAHalf = Body(NineAndAHalfMegabytes, 2);
        try
        {
            await using (var server = await LogProcess.StartAsync(dataDirectory))
            {
                await using var connection = await OpenAsync(server);
                await ExecuteAsync(connection, "CREATE TABLE big (id int PRIMARY KEY, body text)");
                await ExecuteAsync(connection, "CREATE TABLE small (id int PRIMARY KEY, note text)");

                // One autocommit INSERT of 2 MB (above a default Kafka broker's 1 MB message limit).
                var first = ExecuteAsync(connection, "INSERT INTO big VALUES (1, $1)", two);
                var busyDuringFirst = await KeepAnotherConnectionBusyAsync(server, first, 1_000);
                Assert.Equal(1, await first);

                // An explicit transaction holding 9.5 MB (just under the 10 MiB limit) and a small row.
                await using (var transaction = await connection.BeginTransactionAsync())
                {
                    await ExecuteAsync(connection, "INSERT INTO big VALUES (2, $1)", nineAndAHalf);
                    await ExecuteAsync(connection, "INSERT INTO small VALUES (1, 'with the large one')");
                    var commit = transaction.CommitAsync();
                    var busyDuringSecond = await KeepAnotherConnectionBusyAsync(server, commit, 2_000);
                    await commit;
                    Assert.True(busyDuringFirst >= 1 && busyDuringSecond >= 1);
                }

                Assert.Equal(two, await BodyAsync(connection, 1));
                Assert.Equal(nineAndAHalf, await BodyAsync(connection, 2));
                await using var reader = await OpenAsync(server);
                Assert.Equal(nineAndAHalf, await BodyAsync(reader, 2));
                Assert.Equal(2, await CountAsync(reader, "big"));
                // Acknowledged: kill at once, no shutdown code runs.
                await server.KillAsync();
            }

            await using var restarted = await LogProcess.StartAsync(dataDirectory);
            await using var again = await OpenAsync(restarted);
            Assert.Equal(two, await BodyAsync(again, 1));
            Assert.Equal(nineAndAHalf, await BodyAsync(again, 2));
            Assert.Equal("with the large one", (string?)await new NpgsqlCommand("SELECT note FROM small WHERE id = 1", again).ExecuteScalarAsync());
            // And it takes another large one after the restart.
            await ExecuteAsync(again, "INSERT INTO big VALUES (3, $1)", two);
            Assert.Equal(two, await BodyAsync(again, 3));
        }
        finally
        {
            LogProcess.DeleteDirectory(dataDirectory);
        }
    }

    [Fact]
    public async Task A_transaction_over_10_MiB_gets_54000_and_the_database_keeps_serving()
    {
        await using var server = await LogProcess.StartAsync();
        await using var connection = await OpenAsync(server);
        await using var other = await OpenAsync(server);
        await ExecuteAsync(connection, "CREATE TABLE big (id int PRIMARY KEY, body text)");
        await ExecuteAsync(connection, "CREATE TABLE small (id int PRIMARY KEY, note text)");

        // One value over the limit, then two values that are each under it but not together.
        var single = await Assert.ThrowsAsync<PostgresException>(() =>
            ExecuteAsync(connection, "INSERT INTO big VALUES (1, $1)", Body(11 * 1024 * 1024, 3)));
        Assert.Equal("54000", single.SqlState);
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await ExecuteAsync(connection, "INSERT INTO big VALUES (2, $1)", Body(6 * 1024 * 1024, 4));
            var together = await Assert.ThrowsAsync<PostgresException>(() =>
                ExecuteAsync(connection, "INSERT INTO big VALUES (3, $1)", Body(6 * 1024 * 1024, 5)));
            Assert.Equal("54000", together.SqlState);
            await transaction.RollbackAsync();
        }

        // Nothing of them is stored, and every connection still reads and writes, large values included.
        Assert.Equal(0, await CountAsync(other, "big"));
        await ExecuteAsync(other, "INSERT INTO small VALUES (1, 'still here')");
        Assert.Equal(1, await CountAsync(connection, "small"));
        var fits = Body(TwoMegabytes, 6);
        await ExecuteAsync(connection, "INSERT INTO big VALUES (4, $1)", fits);
        Assert.Equal(fits, await BodyAsync(other, 4));
        await using var third = await OpenAsync(server);
        Assert.Equal(1, await CountAsync(third, "big"));
        Assert.DoesNotContain("stopped serving", server.Output);
    }
}
