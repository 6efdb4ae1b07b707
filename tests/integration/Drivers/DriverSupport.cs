using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text;
using Log.Integration.Tests.Support;

namespace Log.Integration.Tests.Drivers;

/// <summary>
/// Where the driver tests connect. Normally a Log process of their own; with
/// LOG_DRIVERS_AGAINST_POSTGRESQL=1 the same tests run against the local PostgreSQL 15
/// (127.0.0.1:5432, postgres/postgres), which is how their expectations were checked to be
/// PostgreSQL's and not our memory of it.
/// </summary>
public sealed record DriverTarget(string Host, int Port, string User, string? Password, bool IsPostgreSql)
{
    public string Npgsql(string extra = "") =>
        $"Host={Host};Port={Port};Username={User};Database=postgres;{(Password is null ? "" : $"Password={Password};")}" +
        $"Timeout=15;Command Timeout=60;{extra}";

    /// <summary>A libpq connection string, for psql.</summary>
    public string Libpq(string sslMode = "disable") =>
        $"host={Host} port={Port} user={User} dbname=postgres sslmode={sslMode} connect_timeout=15" +
        (Password is null ? "" : $" password={Password}");

    /// <summary>An open Npgsql connection without pooling or TLS, which most driver tests want.</summary>
    public async Task<global::Npgsql.NpgsqlConnection> OpenNpgsqlAsync()
    {
        var connection = new global::Npgsql.NpgsqlConnection(Npgsql("Pooling=false;SSL Mode=Disable;"));
        await connection.OpenAsync();
        return connection;
    }

    /// <summary>What the Java and Python probes take: host port user password ("" for none).</summary>
    public string[] ProbeArguments => [Host, Port.ToString(), User, Password ?? ""];
}

/// <summary>One server per test class: a Log process on ephemeral ports with its own data folder.</summary>
public sealed class DriverServerFixture : IAsyncLifetime
{
    private LogProcess? server;

    public static bool AgainstPostgreSql => Environment.GetEnvironmentVariable("LOG_DRIVERS_AGAINST_POSTGRESQL") == "1";

    public DriverTarget Target { get; private set; } = null!;

    /// <summary>The Log server's process id (null when the drivers run against PostgreSQL).</summary>
    public int? ServerProcessId => server?.ProcessId;

    public async Task InitializeAsync()
    {
        if (AgainstPostgreSql)
        {
            Target = new DriverTarget("127.0.0.1", 5432, "postgres", "postgres", IsPostgreSql: true);
            return;
        }
        server = await LogProcess.StartAsync();
        Target = new DriverTarget("127.0.0.1", server.Port, "admin", null, IsPostgreSql: false);
    }

    public async Task DisposeAsync()
    {
        if (server is not null)
        {
            await server.DisposeAsync();
        }
    }
}

/// <summary>
/// The driver test classes run one after another, and not beside other collections: their cancel and
/// timeout checks measure time, and xunit honours a test's Timeout only without parallelism.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DriverCollection
{
    public const string Name = "drivers";
}

/// <summary>
/// A Fact that skips, with the reason printed, when a client it needs is not installed on this
/// machine (it never skips because the server fails), and fails instead of hanging when a server
/// never answers.
/// </summary>
public sealed class DriverFactAttribute : FactAttribute
{
    public const int TimeoutMilliseconds = 60_000;

    public DriverFactAttribute(params Client[] clients)
    {
        Timeout = TimeoutMilliseconds;
        foreach (var client in clients)
        {
            if (DriverTools.MissingReason(client) is { } reason)
            {
                Skip = reason;
                return;
            }
        }
    }
}

/// <summary>The Theory counterpart of <see cref="DriverFactAttribute"/>.</summary>
public sealed class DriverTheoryAttribute : TheoryAttribute
{
    public DriverTheoryAttribute(params Client[] clients)
    {
        Timeout = DriverFactAttribute.TimeoutMilliseconds;
        foreach (var client in clients)
        {
            if (DriverTools.MissingReason(client) is { } reason)
            {
                Skip = reason;
                return;
            }
        }
    }
}

public enum Client
{
    Psql,
    PsqlDirectSsl,
    PgJdbc,
    Psycopg2,
    Asyncpg,
    SqlAlchemy,
    Django,
    /// <summary>The reference PostgreSQL 15 on 127.0.0.1:5432, for tests that compare Log's answers with its.</summary>
    PostgreSql,
}

public sealed record ProcessResult(int ExitCode, string Output, string Error)
{
    public string[] Lines => Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Output}\n--- stderr\n{Error}";
}

public static class DriverTools
{
    public const string PythonPath = "/usr/bin/python3";
    public const string PgJdbcJar = "/usr/share/java/postgresql.jar";
    private static readonly TimeSpan ProcessTimeout = TimeSpan.FromSeconds(50);
    private static readonly Dictionary<Client, string?> Missing = [];
    private static readonly SemaphoreSlim CompileLock = new(1, 1);
    private static string? compiledJavaDirectory;

    /// <summary>The folder of this file's sources (Drivers/), where the Java and Python probes live.</summary>
    public static string SourceDirectory => SourceDirectoryFound.Value;

    private static readonly Lazy<string> SourceDirectoryFound = new(() => FindSourceDirectory());

    public static string? MissingReason(Client client)
    {
        lock (Missing)
        {
            if (!Missing.TryGetValue(client, out var reason))
            {
                reason = Probe(client);
                Missing[client] = reason;
            }
            return reason;
        }
    }

    private static string? Probe(Client client) => client switch
    {
        Client.Psql => File.Exists(Psql.Path) ? null : $"{Psql.Path} is not installed (Debian package postgresql-client)",
        Client.PsqlDirectSsl => MissingReason(Client.Psql) ?? PsqlDirectSslMissing(),
        Client.PgJdbc => FindOnPath("java") is null ? "java is not on PATH (Debian package default-jre-headless)"
            : FindOnPath("javac") is null ? "javac is not on PATH (Debian package default-jdk-headless)"
            : !File.Exists(PgJdbcJar) ? $"{PgJdbcJar} is missing (Debian package libpostgresql-jdbc-java)"
            : null,
        Client.Psycopg2 => PythonModuleMissing("psycopg2", "python3-psycopg2"),
        Client.Asyncpg => PythonModuleMissing("asyncpg", "python3-asyncpg"),
        Client.SqlAlchemy => PythonModuleMissing("sqlalchemy", "python3-sqlalchemy"),
        Client.Django => PythonModuleMissing("django", "python3-django"),
        Client.PostgreSql => Log.Wire.Tests.RealPostgres.SkipReason,
        _ => throw new ArgumentOutOfRangeException(nameof(client)),
    };

    private static string? PsqlDirectSslMissing()
    {
        // sslnegotiation=direct arrived in libpq 17; psql links the libpq of its own version.
        var result = RunAsync(Psql.Path, ["--version"]).GetAwaiter().GetResult();
        var version = System.Text.RegularExpressions.Regex.Match(result.Output, @"\(PostgreSQL\) (\d+)\S*");
        return version.Success && int.Parse(version.Groups[1].Value) >= 17
            ? null
            : $"{result.Output.Trim()} has no sslnegotiation=direct (libpq 17 or later is needed)";
    }

    private static string? PythonModuleMissing(string module, string package)
    {
        if (!File.Exists(PythonPath))
        {
            return $"{PythonPath} is not installed (Debian package python3)";
        }
        var result = RunAsync(PythonPath, ["-c", $"import {module}"]).GetAwaiter().GetResult();
        return result.ExitCode == 0 ? null : $"{PythonPath} cannot import {module} (Debian package {package}): {result.Error.Trim()}";
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
        .Select(directory => Path.Combine(directory, name)).FirstOrDefault(File.Exists);

    private static string FindSourceDirectory([CallerFilePath] string thisFile = "")
    {
        var directory = Path.GetDirectoryName(thisFile);
        if (directory is not null && File.Exists(Path.Combine(directory, "DriverSupport.cs")))
        {
            return directory;
        }
        // Built elsewhere (a path map): walk up from the test binaries to the repository.
        for (var candidate = new DirectoryInfo(AppContext.BaseDirectory); candidate is not null; candidate = candidate.Parent)
        {
            var drivers = Path.Combine(candidate.FullName, "tests", "integration", "Drivers");
            if (Directory.Exists(drivers))
            {
                return drivers;
            }
        }
        throw new DirectoryNotFoundException($"tests/integration/Drivers not found from {thisFile} or {AppContext.BaseDirectory}");
    }

    public static async Task<ProcessResult> RunAsync(string fileName, IEnumerable<string> arguments, string? standardInput = null,
        IReadOnlyDictionary<string, string?>? environment = null, TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        // Nothing from this machine's libpq environment (PGTZ, PGOPTIONS...) may change what a test sees.
        foreach (var name in start.Environment.Keys.Where(name => name.StartsWith("PG", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(name);
        }
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            start.Environment[name] = value;
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (standardInput is not null)
        {
            await process.StandardInput.WriteAsync(standardInput);
        }
        process.StandardInput.Close();
        var limit = timeout ?? ProcessTimeout;
        using var cancel = new CancellationTokenSource(limit);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            throw new TimeoutException($"{fileName} {string.Join(' ', start.ArgumentList)} did not finish within {limit}:\n" +
                $"--- stdout\n{await output}\n--- stderr\n{await error}");
        }
        return new ProcessResult(process.ExitCode, (await output).ReplaceLineEndings("\n").TrimEnd('\n'), await error);
    }

    /// <summary>psql with a libpq connection string: no psqlrc, unaligned tuples only, SQLSTATEs in errors.</summary>
    public static Task<ProcessResult> PsqlAsync(string connectionString, string script, params string[] extraArguments) =>
        RunAsync(Psql.Path, ["-X", "-A", "-t", "-q", "-v", "VERBOSITY=verbose", "-d", connectionString, .. extraArguments], script);

    /// <summary>Compiles the Java probes (Drivers/java/*.java) once per test run into a temporary folder.</summary>
    public static async Task<string> CompiledJavaProbeAsync()
    {
        await CompileLock.WaitAsync();
        try
        {
            if (compiledJavaDirectory is not null)
            {
                return compiledJavaDirectory;
            }
            var output = Directory.CreateTempSubdirectory("log-jdbc-probe-").FullName;
            var result = await RunAsync("javac", ["-encoding", "UTF-8", "-cp", PgJdbcJar, "-d", output,
                .. Directory.GetFiles(Path.Combine(SourceDirectory, "java"), "*.java").Order(StringComparer.Ordinal)]);
            if (result.ExitCode != 0)
            {
                throw new InvalidOperationException($"javac failed: {result}");
            }
            compiledJavaDirectory = output;
            return output;
        }
        finally
        {
            CompileLock.Release();
        }
    }

    /// <summary>Runs one scenario of the JDBC probe; it prints one observation per line.</summary>
    public static async Task<ProcessResult> JdbcAsync(DriverTarget target, string scenario)
    {
        var classes = await CompiledJavaProbeAsync();
        return await RunAsync("java", ["-Duser.timezone=UTC", "-Xshare:auto", "-XX:TieredStopAtLevel=1", "-cp", $"{classes}:{PgJdbcJar}",
            "JdbcProbe", scenario, .. target.ProbeArguments]);
    }

    /// <summary>Runs Drivers/java/DbeaverProbe.java in MODE over a script (see the probe for the modes).</summary>
    public static async Task<ProcessResult> DbeaverAsync(DriverTarget target, string database, string mode, string scriptPath)
    {
        var classes = await CompiledJavaProbeAsync();
        return await RunAsync("java", ["-Duser.timezone=UTC", "-Xshare:auto", "-XX:TieredStopAtLevel=1", "-cp", $"{classes}:{PgJdbcJar}",
            "DbeaverProbe", mode, .. target.ProbeArguments, database, scriptPath]);
    }

    /// <summary>Runs one scenario of a Python probe (Drivers/python/NAME.py) with Debian's python3.</summary>
    public static Task<ProcessResult> PythonAsync(string probe, DriverTarget target, string scenario, params string[] extraArguments) =>
        RunAsync(PythonPath, ["-I", Path.Combine(SourceDirectory, "python", probe), scenario, .. target.ProbeArguments, .. extraArguments],
            environment: new Dictionary<string, string?> { ["PYTHONDONTWRITEBYTECODE"] = "1" });

    public static string UniqueName(string prefix) => $"{prefix}_{Guid.NewGuid():N}"[..(prefix.Length + 13)];
}
