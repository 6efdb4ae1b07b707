using System.Text;
using System.Text.RegularExpressions;
using Log.Wire.Tests;
using Npgsql;
using Xunit.Abstractions;

namespace Log.Integration.Tests.Sql;

/// <summary>
/// The files of tests/sql against the real PostgreSQL 15 (127.0.0.1:5432, postgres/postgres), each in
/// a database of its own, created before it and dropped at the end of the run. Recording rewrites
/// the expectations in place; it runs only when asked (LOG_SQL_RECORD=1, which tests/sql/record.sh
/// sets), and then a PostgreSQL that cannot be reached is a failure, not a skip. Checking that the
/// files still hold PostgreSQL's answers runs wherever PostgreSQL can be reached.
/// </summary>
public sealed partial class SqlRecorderTests(ITestOutputHelper output)
{
    public const string RecordVariable = "LOG_SQL_RECORD";
    private const string DatabasePrefix = "log_sqltest_";

    /// <summary>
    /// DROP DATABASE waits until every backend of the cluster has absorbed a signal, which a
    /// long statement in someone else's session can delay on a shared server: the databases are
    /// dropped once at the end, each given this long, and one that cannot be dropped is reported.
    /// </summary>
    private static readonly TimeSpan DropDatabaseTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan CreateDatabaseTimeout = TimeSpan.FromSeconds(30);

    [RecordFact]
    public async Task RecordFromPostgres()
    {
        Assert.True(RealPostgres.SkipReason is null, RealPostgres.SkipReason);
        output.WriteLine(await RunEachFileAsync(RecordFileAsync, databasePerFile: true));
    }

    /// <summary>
    /// Where PostgreSQL can be reached (CI starts one), every expectation in the files is still
    /// what PostgreSQL answers: none was edited by hand or left behind by a change to its SQL.
    /// Nothing is rewritten; each difference is reported with its file and line.
    /// </summary>
    [PostgresFact]
    public async Task FilesHoldPostgresAnswers()
    {
        var mismatches = new StringBuilder();
        string summary = await RunEachFileAsync((file, runs) =>
        {
            List<SqlRecordRun> differing = runs.Where(run => run.Actual is not null && !run.Matches).ToList();
            foreach (SqlRecordRun run in differing)
            {
                mismatches.Append(SqlTestRunner.Describe(file, run)).Append('\n');
            }
            return Task.FromResult($"{file.Name}: {runs.Count(run => run.Actual is not null)} case(s) run on PostgreSQL, {differing.Count} differ\n");
        }, databasePerFile: false);
        output.WriteLine(summary);
        Assert.True(mismatches.Length == 0, $"expectations that PostgreSQL no longer gives (re-record with tests/sql/record.sh):\n\n{mismatches}");
    }

    /// <summary>
    /// Runs each file on PostgreSQL and hands its runs to <paramref name="handle"/>; returns the
    /// summary. A recording gives each file a database of its own; the check shares one among the
    /// files (their tables have names of their own), because every DROP DATABASE forces a
    /// checkpoint, which is most of the time the check would take.
    /// </summary>
    private static async Task<string> RunEachFileAsync(Func<SqlTestFile, List<SqlRecordRun>, Task<string>> handle, bool databasePerFile)
    {
        var summary = new StringBuilder();
        var databases = new List<string>();
        try
        {
            foreach (string fileName in SqlCorpus.FileNames())
            {
                SqlTestFile file = SqlCorpus.Load(fileName);
                // The process id keeps a database left behind by an earlier run out of the way.
                string name = databasePerFile ? NotAnIdentifierCharacter().Replace(Path.GetFileNameWithoutExtension(file.Name).ToLowerInvariant(), "_") : "check";
                string database = $"{DatabasePrefix}{name}_{Environment.ProcessId}";
                if (!databases.Contains(database))
                {
                    await AdministerAsync($"CREATE DATABASE {database}", CreateDatabaseTimeout);
                    databases.Add(database);
                }
                List<SqlRecordRun> runs;
                using (var timeout = new CancellationTokenSource(SqlTestRunner.FileTimeout))
                {
                    await using SimpleQueryClient client = await SimpleQueryClient.StartAsync(await RealPostgres.ConnectAsync(database), timeout.Token);
                    runs = await SqlTestRunner.RunAsync(file, client, SqlTestCondition.PostgreSql, runSkipped: false, timeout.Token);
                }
                summary.Append(await handle(file, runs));
            }
        }
        finally
        {
            foreach (string database in databases)
            {
                try
                {
                    await AdministerAsync($"DROP DATABASE IF EXISTS {database}", DropDatabaseTimeout);
                }
                catch (Exception exception) when (exception is NpgsqlException or InvalidOperationException)
                {
                    // The others would wait just as long.
                    summary.Append($"warning: could not drop database {database} ({exception.Message}); left behind: {string.Join(", ", databases.SkipWhile(name => name != database))}\n");
                    break;
                }
            }
        }
        return summary.ToString();
    }

    /// <summary>Rewrites the file's expectations with PostgreSQL's answers; returns what changed.</summary>
    private static async Task<string> RecordFileAsync(SqlTestFile file, List<SqlRecordRun> runs)
    {
        var notes = new StringBuilder();
        int changed = 0;
        foreach (SqlRecordRun run in runs.Where(run => run.Actual is not null))
        {
            SqlTestRecord record = run.Record;
            SqlExpectation actual = run.Actual!;
            if (!SqlTestRunner.Same(record, record.Expected, actual))
            {
                changed++;
            }
            bool wasError = record.Expected.SqlState is not null;
            if (wasError != (actual.SqlState is not null))
            {
                notes.Append($"  {file.Name}:{record.Line}: now {(actual.SqlState is null ? "succeeds" : $"fails with {actual.SqlState} ({run.ErrorMessage})")}\n");
            }
            if (record.IsQuery && actual.SqlState is null && actual.TypeLetters.Length == 0)
            {
                // A query that returned no row description is a statement.
                record.IsQuery = false;
            }
            record.Expected = actual;
        }
        string text = file.Render();
        if (text != File.ReadAllText(file.Path))
        {
            await File.WriteAllTextAsync(file.Path, text);
        }
        return $"{file.Name}: {runs.Count(run => run.Actual is not null)} case(s) recorded, {changed} changed\n{notes}";
    }

    /// <summary>Runs a statement on the postgres database with Npgsql, whose timeout can be longer than the raw client's.</summary>
    internal static async Task AdministerAsync(string sql, TimeSpan timeout)
    {
        var connectionString = new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = RealPostgres.Port,
            Username = RealPostgres.User,
            Password = RealPostgres.Password,
            Database = "postgres",
            Pooling = false,
            CommandTimeout = (int)timeout.TotalSeconds,
        };
        await using var connection = new NpgsqlConnection(connectionString.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    [GeneratedRegex("[^a-z0-9_]")]
    private static partial Regex NotAnIdentifierCharacter();
}

/// <summary>A fact that runs only when LOG_SQL_RECORD=1 asks for a recording.</summary>
public sealed class RecordFactAttribute : FactAttribute
{
    public RecordFactAttribute()
    {
        if (Environment.GetEnvironmentVariable(SqlRecorderTests.RecordVariable) != "1")
        {
            Skip = $"records tests/sql from PostgreSQL only when {SqlRecorderTests.RecordVariable}=1 (tests/sql/record.sh)";
        }
    }
}
