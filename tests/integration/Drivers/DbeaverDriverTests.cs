using System.Text;
using Log.Wire.Tests;
using Npgsql;
using Xunit.Abstractions;

namespace Log.Integration.Tests.Drivers;

/// <summary>
/// DBeaver's catalog queries (Drivers/dbeaver/navigator.sql, read from DBeaver's PostgreSQL plugin) and pgjdbc's
/// DatabaseMetaData, replayed through pgjdbc by Drivers/java/DbeaverProbe.java on Log and on PostgreSQL 15 over the
/// same schema (Drivers/dbeaver/schema.sql, in a scratch database on PostgreSQL), answer by answer.
/// </summary>
[Collection(DriverCollection.Name)]
public sealed class DbeaverDriverTests(DriverServerFixture fixture, ITestOutputHelper output) : IClassFixture<DriverServerFixture>
{
    private const string DatabasePrefix = "log_dbeaver_";

    /// <summary>
    /// The answers that still differ from PostgreSQL's, each with why. The test fails when one of them starts to
    /// match (remove it here) as well as when any other answer differs, so this list is the measured gap.
    /// </summary>
    private static readonly Dictionary<string, string> KnownDifferences = new(StringComparer.Ordinal)
    {
    };

    private static string ScriptPath(string name) => Path.Combine(DriverTools.SourceDirectory, "dbeaver", name);

    [DriverFact(Client.PgJdbc, Client.PostgreSql)]
    public async Task DbeaverQueriesAndDatabaseMetaDataAnswerAsPostgreSqlDoes()
    {
        if (fixture.Target.IsPostgreSql)
        {
            return; // Against PostgreSQL itself there is nothing to compare with.
        }
        Dictionary<string, string> log = await ReplayAsync(fixture.Target, "postgres");
        Dictionary<string, string> postgres = await ReplayOnScratchPostgreSqlAsync();

        Assert.Equal(postgres.Keys, log.Keys);
        var differing = postgres.Keys.Where(name => postgres[name] != log[name]).ToList();
        var report = new StringBuilder();
        report.Append($"answered as PostgreSQL: {postgres.Count - differing.Count} of {postgres.Count}\n");
        foreach (string name in differing)
        {
            report.Append($"--- {name}{(KnownDifferences.TryGetValue(name, out var why) ? $" (known: {why})" : "")}\n");
            report.Append($"PostgreSQL:\n{postgres[name]}\nLog:\n{log[name]}\n");
        }
        output.WriteLine(report.ToString());
        var unexpected = differing.Where(name => !KnownDifferences.ContainsKey(name)).ToList();
        var nowMatching = KnownDifferences.Keys.Where(name => postgres.ContainsKey(name) && !differing.Contains(name)).ToList();
        Assert.True(unexpected.Count == 0, $"answers differ from PostgreSQL's: {string.Join(", ", unexpected)}\n{report}");
        Assert.True(nowMatching.Count == 0, $"these answers now match PostgreSQL's; remove them from KnownDifferences: {string.Join(", ", nowMatching)}");
    }

    private async Task<Dictionary<string, string>> ReplayOnScratchPostgreSqlAsync()
    {
        string database = DriverTools.UniqueName(DatabasePrefix);
        var target = new DriverTarget("127.0.0.1", RealPostgres.Port, RealPostgres.User, RealPostgres.Password, IsPostgreSql: true);
        await AdministerAsync($"CREATE DATABASE {database}");
        try
        {
            return await ReplayAsync(target, database);
        }
        finally
        {
            await AdministerAsync($"DROP DATABASE IF EXISTS {database} WITH (FORCE)");
        }
    }

    private static async Task AdministerAsync(string sql)
    {
        string connection = $"Host=127.0.0.1;Port={RealPostgres.Port};Username={RealPostgres.User};Password={RealPostgres.Password};" +
            "Database=postgres;Pooling=false;Timeout=15;Command Timeout=30";
        await using var source = NpgsqlDataSource.Create(connection);
        await using var command = source.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Creates the schema, replays the queries and returns each answer by its query's name.</summary>
    private static async Task<Dictionary<string, string>> ReplayAsync(DriverTarget target, string database)
    {
        ProcessResult setup = await DriverTools.DbeaverAsync(target, database, "setup", ScriptPath("schema.sql"));
        Assert.True(setup.ExitCode == 0, $"schema on {target.Port}: {setup}");
        ProcessResult replay = await DriverTools.DbeaverAsync(target, database, "replay", ScriptPath("navigator.sql"));
        Assert.True(replay.ExitCode == 0, $"replay on {target.Port}: {replay}");
        var answers = new Dictionary<string, string>(StringComparer.Ordinal);
        string? name = null;
        var answer = new StringBuilder();
        foreach (string line in replay.Output.Split('\n').Append("== end"))
        {
            if (line.StartsWith("== ", StringComparison.Ordinal))
            {
                if (name is not null)
                {
                    answers.Add(name, answer.ToString().TrimEnd('\n'));
                }
                name = line[3..];
                answer.Clear();
                continue;
            }
            answer.Append(line).Append('\n');
        }
        return answers;
    }
}
