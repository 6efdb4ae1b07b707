using System.Diagnostics;

namespace Log.Wire.Tests;

/// <summary>Drives the real psql binary against the server.</summary>
public sealed class PsqlTests : IAsyncLifetime
{
    internal const string PsqlPath = "/usr/bin/psql";
    private readonly FakeSessionFactory factory = new();
    private PgServer server = null!;

    public async Task InitializeAsync()
    {
        server = new PgServer(new PgServerOptions { Port = 0 }, factory);
        await server.StartAsync(CancellationToken.None);
    }

    public async Task DisposeAsync() => await server.DisposeAsync();

    private Task<(int ExitCode, string Output, string Error)> RunPsqlAsync(string command, string sslMode = "prefer", string database = "test") =>
        RunPsqlAsync(server.Port, command, sslMode, database, password: null);

    private static async Task<(int ExitCode, string Output, string Error)> RunPsqlAsync(int port, string command, string sslMode, string database, string? password)
    {
        var start = new ProcessStartInfo(PsqlPath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in new[] { "-h", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-U", "test", "-d", $"dbname={database} sslmode={sslMode}", "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", command })
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment["PGCONNECT_TIMEOUT"] = "5";
        start.Environment["PGAPPNAME"] = "wire-tests";
        start.Environment.Remove("PGPASSWORD");
        if (password is not null)
        {
            start.Environment["PGPASSWORD"] = password;
        }
        using var process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, (await output).TrimEnd('\n'), (await error).TrimEnd('\n'));
    }

    [PsqlTheory]
    [InlineData("prefer")]
    [InlineData("disable")]
    [InlineData("require")]
    public async Task SelectOne(string sslMode)
    {
        var (exitCode, output, error) = await RunPsqlAsync("select 1", sslMode);
        Assert.Equal("", error);
        Assert.Equal(0, exitCode);
        Assert.Equal("1", output);
        FakeSession session = Assert.Single(factory.Sessions);
        Assert.Equal("test", session.Startup.User);
        Assert.Equal("test", session.Startup.Database);
        Assert.Equal("wire-tests", session.Startup.Parameters["application_name"]);
    }

    [PsqlFact]
    public async Task SeveralStatementsInOneQuery()
    {
        var (exitCode, output, _) = await RunPsqlAsync("select 1; select 1; count");
        Assert.Equal(0, exitCode);
        // psql 15 prints every result of the Query.
        Assert.Equal("1\n1\n3", output);
    }

    [PsqlFact]
    public async Task ErrorWithPosition()
    {
        var (exitCode, _, error) = await RunPsqlAsync("select 1; fail now");
        Assert.Equal(1, exitCode);
        Assert.Contains("ERROR:  syntax error at or near \"fail\"", error, StringComparison.Ordinal);
        Assert.Contains("LINE 1: select 1; fail now", error, StringComparison.Ordinal);
        // The caret sits under position 11 ("LINE 1: " is 8 characters wide).
        Assert.Contains("\n" + new string(' ', 8 + 10) + "^", error, StringComparison.Ordinal);
    }

    [PsqlFact]
    public async Task NullAndNotice()
    {
        var (exitCode, output, error) = await RunPsqlAsync("notice; null");
        Assert.Equal(0, exitCode);
        Assert.Equal("DO\n|x", output);
        Assert.Contains("NOTICE:  just so you know", error, StringComparison.Ordinal);
    }

    [PsqlFact]
    public async Task RefusedDatabase()
    {
        var (exitCode, _, error) = await RunPsqlAsync("select 1", database: "nosuchdb");
        Assert.Equal(2, exitCode);
        Assert.Contains("FATAL:  database \"nosuchdb\" does not exist", error, StringComparison.Ordinal);
    }

    [PsqlTheory]
    [InlineData("secret", 0)]
    [InlineData("wrong", 2)]
    public async Task CleartextPassword(string password, int expectedExitCode)
    {
        var sessions = new FakeSessionFactory();
        await using var guarded = new PgServer(new PgServerOptions { Port = 0, RequirePassword = true }, sessions);
        await guarded.StartAsync(CancellationToken.None);
        var (exitCode, output, error) = await RunPsqlAsync(guarded.Port, "select 1", "disable", "test", password);
        Assert.Equal(expectedExitCode, exitCode);
        if (expectedExitCode == 0)
        {
            Assert.Equal("1", output);
            Assert.Equal("secret", Assert.Single(sessions.Sessions).Startup.Password);
        }
        else
        {
            Assert.Contains("FATAL:  password authentication failed for user \"test\"", error, StringComparison.Ordinal);
        }
    }

    [PsqlFact]
    public async Task ManyRows()
    {
        var (exitCode, output, _) = await RunPsqlAsync("rows 5000");
        Assert.Equal(0, exitCode);
        string[] lines = output.Split('\n');
        Assert.Equal(5000, lines.Length);
        Assert.Equal("5000", lines[^1]);
    }
}

/// <summary>Skips, saying why, where psql is not installed.</summary>
public sealed class PsqlFactAttribute : FactAttribute
{
    public PsqlFactAttribute()
    {
        if (!File.Exists(PsqlTests.PsqlPath))
        {
            Skip = $"{PsqlTests.PsqlPath} is not installed";
        }
    }
}

/// <summary>Skips, saying why, where psql is not installed.</summary>
public sealed class PsqlTheoryAttribute : TheoryAttribute
{
    public PsqlTheoryAttribute()
    {
        if (!File.Exists(PsqlTests.PsqlPath))
        {
            Skip = $"{PsqlTests.PsqlPath} is not installed";
        }
    }
}
