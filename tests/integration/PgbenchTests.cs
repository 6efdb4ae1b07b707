using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Log.Integration.Tests.Support;

namespace Log.Integration.Tests;

/// <summary>
/// The real pgbench against the real server: `pgbench -i` (CREATE TABLE ... WITH (fillfactor), TRUNCATE, COPY of
/// 100,000 rows, VACUUM, ALTER TABLE ... ADD PRIMARY KEY) and then the built-in TPC-B script with retries. The COPY is
/// beyond the 3,000-row transaction limit, so it loads only with log.copy_batch_rows set through PGOPTIONS, as the
/// README tells users to. Afterwards the money adds up: every branch, teller and account total equals the sum of the
/// history, whatever was retried.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed partial class PgbenchTests(ServerFixture fixture)
{
    private const string PgbenchPath = "/usr/bin/pgbench";
    private const int Clients = 4;
    private const int TransactionsPerClient = 50;
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(4);

    private int Port => fixture.Server.Port;

    [Fact]
    public async Task InitializesAndRunsTpcBWithBalancesThatAgree()
    {
        Assert.True(File.Exists(PgbenchPath), $"pgbench is not installed at {PgbenchPath} (Debian's postgresql-15 ships it; .ci/run installs it)");

        // Without the setting the 100,000-row COPY is one statement over the transaction limit: it fails whole.
        (int plainExit, string plainOutput) = await RunPgbenchAsync(options: null, "-i", "-s", "1");
        Assert.NotEqual(0, plainExit);
        Assert.Contains("transaction row limit exceeded", plainOutput);
        Assert.Equal("0", await ScalarAsync("SELECT count(*) FROM pgbench_accounts"));

        (int initExit, string initOutput) = await RunPgbenchAsync("-c log.copy_batch_rows=1000", "-i", "-s", "1");
        Assert.True(initExit == 0, initOutput);
        Assert.Equal("100000", await ScalarAsync("SELECT count(*) FROM pgbench_accounts"));
        Assert.Equal("1|10", await ScalarAsync("SELECT (SELECT count(*) FROM pgbench_branches), (SELECT count(*) FROM pgbench_tellers)"));
        Assert.Equal("pgbench_accounts_pkey|p", await ScalarAsync(
            "SELECT conname, contype FROM pg_constraint WHERE conrelid = 'pgbench_accounts'::regclass"));

        (int runExit, string runOutput) = await RunPgbenchAsync(options: null, "-c", Clients.ToString(CultureInfo.InvariantCulture), "-j", "2",
            "-t", TransactionsPerClient.ToString(CultureInfo.InvariantCulture), "--max-tries=100");
        Assert.True(runExit == 0, runOutput);
        Match processed = ProcessedLine().Match(runOutput);
        Assert.True(processed.Success, runOutput);
        int committed = int.Parse(processed.Groups[1].Value, CultureInfo.InvariantCulture);
        Match failed = FailedLine().Match(runOutput);
        Assert.True(failed.Success, runOutput);
        // A conflict is retried with a new snapshot: with 100 tries none is left failed.
        Assert.Equal("0", failed.Groups[1].Value);
        Assert.Equal(Clients * TransactionsPerClient, committed);

        string history = await ScalarAsync("SELECT count(*), coalesce(sum(delta), 0) FROM pgbench_history");
        string total = history.Split('|')[1];
        Assert.Equal($"{committed}|{total}", history);
        Assert.Equal($"{total}|{total}|{total}", await ScalarAsync(
            "SELECT (SELECT sum(abalance) FROM pgbench_accounts), (SELECT sum(bbalance) FROM pgbench_branches), (SELECT sum(tbalance) FROM pgbench_tellers)"));

        Assert.Equal(0, (await Psql.CommandAsync(Port, "DROP TABLE pgbench_accounts, pgbench_branches, pgbench_history, pgbench_tellers")).ExitCode);
    }

    private async Task<string> ScalarAsync(string query)
    {
        PsqlResult result = await Psql.CommandAsync(Port, query);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result.Output;
    }

    /// <summary>Runs pgbench against the server (PGOPTIONS set to <paramref name="options"/> when given); returns its
    /// exit code and everything it printed.</summary>
    private async Task<(int ExitCode, string Output)> RunPgbenchAsync(string? options, params string[] arguments)
    {
        var start = new ProcessStartInfo(PgbenchPath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in new[] { "-h", "127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture), "-U", "admin" }.Concat(arguments).Append("postgres"))
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment["PGSSLMODE"] = "disable";
        start.Environment["PGCONNECT_TIMEOUT"] = "10";
        if (options is not null) start.Environment["PGOPTIONS"] = options;
        using var process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(RunTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"pgbench {string.Join(' ', arguments)} did not finish within {RunTimeout}:\n{await error}");
        }
        return (process.ExitCode, await output + await error);
    }

    [GeneratedRegex(@"number of transactions actually processed: (\d+)")]
    private static partial Regex ProcessedLine();

    [GeneratedRegex(@"number of failed transactions: (\d+)")]
    private static partial Regex FailedLine();
}
