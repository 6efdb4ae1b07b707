using Log.Integration.Tests.Support;
using Npgsql;

namespace Log.Integration.Tests;

/// <summary>Sequences through the real server: values handed out concurrently are never duplicated, and values handed
/// out before a kill -9 are never handed out again.</summary>
[Collection(ServerCollection.Name)]
public sealed class SequenceTests(ServerFixture fixture)
{
    private const int Clients = 8;
    private const int CallsPerClient = 40;

    private static string UniqueName(string prefix) => $"{prefix}_{Guid.NewGuid():N}"[..20];

    private async Task<NpgsqlConnection> OpenAsync()
    {
        var connection = new NpgsqlConnection($"Host=127.0.0.1;Port={fixture.Server.Port};Username=admin;Database=postgres;Timeout=15;" +
            "Command Timeout=60;Pooling=false;SSL Mode=Disable;");
        await connection.OpenAsync();
        return connection;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    public async Task Eight_concurrent_clients_calling_nextval_never_see_a_duplicate(int cache)
    {
        string sequence = UniqueName("seq");
        await using (var setup = await OpenAsync())
        {
            await using var create = new NpgsqlCommand($"CREATE SEQUENCE {sequence} CACHE {cache}", setup);
            await create.ExecuteNonQueryAsync();
        }
        var clients = Enumerable.Range(0, Clients).Select(async _ =>
        {
            var values = new List<long>();
            await using var connection = await OpenAsync();
            // Inside an explicit transaction too: nextval must never make the user's transaction conflict.
            await using var transaction = await connection.BeginTransactionAsync();
            for (int call = 0; call < CallsPerClient; call++)
            {
                await using var next = new NpgsqlCommand($"SELECT nextval('{sequence}')", connection, transaction);
                values.Add(Convert.ToInt64(await next.ExecuteScalarAsync()));
            }
            await transaction.CommitAsync();
            return values;
        }).ToArray();
        List<long>[] results = await Task.WhenAll(clients);
        var all = results.SelectMany(values => values).ToList();
        Assert.Equal(Clients * CallsPerClient, all.Count);
        Assert.Equal(all.Count, all.Distinct().Count());
        Assert.All(results, values => Assert.Equal(values.OrderBy(value => value), values));
        Assert.All(all, value => Assert.True(value >= 1));
    }

    [Fact]
    public async Task Values_handed_out_before_a_kill_are_never_handed_out_again()
    {
        var dataDirectory = Directory.CreateTempSubdirectory("log-seq-kill-").FullName;
        try
        {
            string before;
            await using (var server = await LogProcess.StartAsync(dataDirectory))
            {
                var write = await Psql.RunAsync(server.Port, """
                    \set ON_ERROR_STOP 1
                    CREATE SEQUENCE crash_cached CACHE 100;
                    CREATE SEQUENCE crash_single;
                    SELECT nextval('crash_cached'), nextval('crash_cached'), nextval('crash_single'), nextval('crash_single');
                    """);
                Assert.True(write.ExitCode == 0, write.ToString());
                before = write.Output;
                await server.KillAsync();
            }
            Assert.Equal("1|2|1|2", before);

            await using var restarted = await LogProcess.StartAsync(dataDirectory);
            var read = await Psql.CommandAsync(restarted.Port, "SELECT nextval('crash_cached'), nextval('crash_single')");
            Assert.True(read.ExitCode == 0, read + restarted.Output);
            // The cached block (1..100) is gone with the process: the next node starts past it; CACHE 1 loses nothing.
            Assert.Equal("101|3", read.Output);
        }
        finally
        {
            LogProcess.DeleteDirectory(dataDirectory);
        }
    }
}
