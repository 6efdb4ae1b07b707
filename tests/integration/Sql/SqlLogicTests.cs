using System.Text;
using Log.Integration.Tests.Support;
using Log.Wire.Tests;
using Xunit.Abstractions;

namespace Log.Integration.Tests.Sql;

/// <summary>
/// Checks the SQL files of tests/sql against the real database process: one server for the class,
/// one connection per file, the tables a file creates dropped before and after it. The expected
/// results in the files were recorded from PostgreSQL 15 (<see cref="SqlRecorderTests"/>), so no
/// PostgreSQL is needed here. Each file reports every mismatch with its file and line, and prints
/// how many cases it skipped on Log for each feature (a reason up to its first " ("). With
/// LOG_SQL_RUN_SKIPPED=1 the skipped cases run too, and those that now give PostgreSQL's answer
/// are listed, to be un-skipped.
/// </summary>
public sealed class SqlLogicTests(ServerFixture fixture, ITestOutputHelper output) : IClassFixture<ServerFixture>
{
    public const string RunSkippedVariable = "LOG_SQL_RUN_SKIPPED";

    public static IEnumerable<object[]> Files() => SqlCorpus.FileNameData();

    [Theory]
    [MemberData(nameof(Files))]
    public async Task FileGivesPostgresAnswers(string fileName)
    {
        SqlTestFile file = SqlCorpus.Load(fileName);
        bool runSkipped = Environment.GetEnvironmentVariable(RunSkippedVariable) == "1";
        IReadOnlyList<string> tables = SqlCorpus.CreatedTables(file);
        await DropTablesAsync(tables);
        List<SqlRecordRun> runs;
        try
        {
            using var timeout = new CancellationTokenSource(SqlTestRunner.FileTimeout);
            await using SimpleQueryClient client = await ConnectAsync(timeout.Token);
            runs = await SqlTestRunner.RunAsync(file, client, SqlTestCondition.Log, runSkipped, timeout.Token);
        }
        finally
        {
            await DropTablesAsync(tables);
        }

        List<SqlRecordRun> ran = runs.Where(run => run.SkippedBy is null).ToList();
        List<SqlRecordRun> skipped = runs.Where(run => run.SkippedBy is not null).ToList();
        output.WriteLine($"{fileName}: {ran.Count} case(s) run, {skipped.Count} skipped on log");
        foreach (var feature in skipped.GroupBy(run => run.SkippedBy!.Feature).OrderByDescending(group => group.Count()).ThenBy(group => group.Key))
        {
            output.WriteLine($"  {feature.Count(),4} skipped: {feature.Key}");
        }
        if (runSkipped)
        {
            foreach (SqlRecordRun run in skipped.Where(run => run.Matches))
            {
                output.WriteLine($"  now passes: {file.Path}:{run.Record.Line} (skipped for: {run.SkippedBy!.Reason})");
            }
        }

        List<SqlRecordRun> mismatches = ran.Where(run => !run.Matches).ToList();
        if (mismatches.Count > 0)
        {
            var report = new StringBuilder($"{mismatches.Count} of {ran.Count} case(s) in {fileName} differ from PostgreSQL:\n\n");
            foreach (SqlRecordRun run in mismatches)
            {
                report.Append(SqlTestRunner.Describe(file, run)).Append('\n');
            }
            Assert.Fail(report.ToString());
        }
    }

    /// <summary>
    /// Every file parses and is in the form the recorder writes, every skip names its reason, and
    /// the table of skipped cases per feature over the whole corpus is printed.
    /// </summary>
    [Fact]
    public void CorpusParsesAndCountsSkippedCasesPerFeature()
    {
        var files = SqlCorpus.FileNames().Select(SqlCorpus.Load).ToList();
        Assert.NotEmpty(files);
        var records = files.SelectMany(file => file.Records).ToList();
        var skipped = records.Select(record => record.SkippedOn(SqlTestCondition.Log)).OfType<SqlTestCondition>().ToList();
        output.WriteLine($"{files.Count} file(s), {records.Count} case(s), {records.Count - skipped.Count} run on log, {skipped.Count} skipped on log");
        foreach (var feature in skipped.GroupBy(condition => condition.Feature).OrderByDescending(group => group.Count()).ThenBy(group => group.Key))
        {
            output.WriteLine($"  {feature.Count(),4} {feature.Key}");
        }
        Assert.All(skipped, condition => Assert.False(string.IsNullOrWhiteSpace(condition.Reason)));
        // Each file's text is what the recorder would write back: no record is lost or reshaped by a round trip.
        Assert.All(files, file => Assert.Equal(File.ReadAllText(file.Path).Replace("\r\n", "\n"), file.Render()));
    }

    private async Task<SimpleQueryClient> ConnectAsync(CancellationToken cancellationToken)
    {
        RawClient client = await RawClient.ConnectAsync(fixture.Server.Port);
        try
        {
            // The user the recordings were made as, so that current_user answers the same.
            await client.SendAsync(Bytes.Startup(("user", RealPostgres.User), ("database", "postgres"), ("application_name", "sql-tests")));
            List<BackendMessage> messages = await client.ReadUntilReadyForQueryAsync();
            if (messages[^1].Type != 'Z')
            {
                throw new InvalidOperationException(messages[^1].Fields()['M']);
            }
        }
        catch
        {
            await client.DisposeAsync();
            throw;
        }
        return await SimpleQueryClient.StartAsync(client, cancellationToken);
    }

    private async Task DropTablesAsync(IReadOnlyList<string> tables)
    {
        if (tables.Count == 0)
        {
            return;
        }
        using var timeout = new CancellationTokenSource(SqlTestRunner.FileTimeout);
        await using SimpleQueryClient client = await ConnectAsync(timeout.Token);
        foreach (string table in tables)
        {
            SqlOutcome outcome = await client.RunAsync($"DROP TABLE IF EXISTS {table} CASCADE", timeout.Token);
            if (outcome.SqlState is not null)
            {
                throw new InvalidOperationException($"cannot drop {table}: {outcome.SqlState} {outcome.ErrorMessage}");
            }
        }
    }
}
