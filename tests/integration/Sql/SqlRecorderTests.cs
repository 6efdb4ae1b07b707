using System.Text;
using System.Text.RegularExpressions;
using Log.Wire.Tests;
using Xunit.Abstractions;

namespace Log.Integration.Tests.Sql;

/// <summary>
/// Re-records the expected results of tests/sql from the real PostgreSQL 15 (127.0.0.1:5432,
/// postgres/postgres): each file runs in a database of its own, created before and dropped after,
/// and its expectations are rewritten in place. It runs only when asked (LOG_SQL_RECORD=1, which
/// tests/sql/record.sh sets); then a PostgreSQL that cannot be reached is a failure, not a skip.
/// </summary>
public sealed partial class SqlRecorderTests(ITestOutputHelper output)
{
    public const string RecordVariable = "LOG_SQL_RECORD";
    private const string DatabasePrefix = "log_sqltest_";

    [RecordFact]
    public async Task RecordFromPostgres()
    {
        Assert.True(RealPostgres.SkipReason is null, RealPostgres.SkipReason);
        var summary = new StringBuilder();
        foreach (string fileName in SqlCorpus.FileNames())
        {
            summary.Append(await RecordFileAsync(SqlCorpus.Load(fileName)));
        }
        output.WriteLine(summary.ToString());
    }

    private static async Task<string> RecordFileAsync(SqlTestFile file)
    {
        string database = DatabasePrefix + NotAnIdentifierCharacter().Replace(Path.GetFileNameWithoutExtension(file.Name).ToLowerInvariant(), "_");
        await AdministerAsync($"DROP DATABASE IF EXISTS {database}");
        await AdministerAsync($"CREATE DATABASE {database}");
        List<SqlRecordRun> runs;
        try
        {
            await using SimpleQueryClient client = await SimpleQueryClient.StartAsync(await RealPostgres.ConnectAsync(database));
            runs = await SqlTestRunner.RunAsync(file, client, SqlTestCondition.PostgreSql, runSkipped: false);
        }
        finally
        {
            await AdministerAsync($"DROP DATABASE IF EXISTS {database}");
        }

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

    /// <summary>Runs a statement on the postgres database, which must succeed.</summary>
    private static async Task AdministerAsync(string sql)
    {
        await using SimpleQueryClient client = await SimpleQueryClient.StartAsync(await RealPostgres.ConnectAsync());
        SqlOutcome outcome = await client.RunAsync(sql);
        if (outcome.SqlState is not null)
        {
            throw new InvalidOperationException($"'{sql}' failed on PostgreSQL: {outcome.SqlState} {outcome.ErrorMessage}");
        }
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
