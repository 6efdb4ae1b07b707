using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using Log.Integration.Tests.Drivers;
using Log.Integration.Tests.Support;
using Log.QueryNode.Auth;
using Log.Wire;
using Log.Wire.Tests;
using Npgsql;

namespace Log.Integration.Tests;

/// <summary>
/// The database process's transport and operations surface: TLS verified with the generated authority, TLS required
/// off loopback, certificate reload on SIGHUP, the connection rate limit and lifetime, and /healthz, /readyz, /metrics.
/// </summary>
public sealed partial class TransportTests
{
    [GeneratedRegex(@"Health and metrics on (?<address>http://\S+)")]
    private static partial Regex HttpLine();

    [Fact]
    public async Task VerifyFullWithTheGeneratedAuthorityAndMetricsThatMoveAfterACommit()
    {
        await using LogProcess server = await LogProcess.StartAsync(null, "--http-port", "0");
        string authorityFile = Path.Combine(server.DataDirectory, "tls", PgCertificates.AuthorityCertificateFileName);
        Assert.Contains($"sslrootcert={authorityFile}", server.Output, StringComparison.Ordinal);

        if (Psql.IsInstalled)
        {
            var (exitCode, output, error) = await DriverTools.PsqlAsync($"host=localhost port={server.Port} user=admin dbname=postgres sslmode=verify-full sslrootcert={authorityFile}", "select 1;");
            Assert.True(exitCode == 0, error);
            Assert.Equal("1", output);
        }

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        string address = HttpLine().Match(server.Output).Groups["address"].Value;
        Assert.StartsWith("http://127.0.0.1:", address, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"{address}/healthz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"{address}/readyz")).StatusCode);
        string before = await http.GetStringAsync($"{address}/metrics");

        await using (var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder
        {
            Host = "localhost",
            Port = server.Port,
            Username = "admin",
            Database = "postgres",
            SslMode = SslMode.VerifyFull,
            RootCertificate = authorityFile,
            Pooling = false,
        }.ConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("create table metered (id int primary key); insert into metered values (1); insert into metered values (2)", connection);
            await command.ExecuteNonQueryAsync();
            string during = await http.GetStringAsync($"{address}/metrics");
            Assert.True(Sample(during, "log_sessions") >= 1, during);
        }
        string after = await http.GetStringAsync($"{address}/metrics");
        Assert.True(Sample(after, "log_commits_total") > Sample(before, "log_commits_total"), after);
        Assert.True(Sample(after, "log_commit_duration_seconds_count") > Sample(before, "log_commit_duration_seconds_count"), after);
        Assert.True(Sample(after, "log_statement_duration_seconds_count") > Sample(before, "log_statement_duration_seconds_count"), after);
        foreach (string name in new[] { "log_commit_duration_seconds_bucket", "log_storage_applied_offset", "log_storage_resolved_timestamp_age_seconds" })
        {
            Assert.Contains(name, after, StringComparison.Ordinal);
        }
        // The replica applies the commit after its acknowledgement: its applied offset moves shortly after, not at once.
        var applying = System.Diagnostics.Stopwatch.StartNew();
        while (Sample(after, "log_storage_applied_offset") <= Sample(before, "log_storage_applied_offset") && applying.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(50);
            after = await http.GetStringAsync($"{address}/metrics");
        }
        Assert.True(Sample(after, "log_storage_applied_offset") > Sample(before, "log_storage_applied_offset"), after);
    }

    [Fact]
    public async Task AdjudicatorRunAloneServesItsOwnHealthAndMetrics()
    {
        string journalData = Directory.CreateTempSubdirectory("log-it-journal-").FullName;
        try
        {
            await using RoleProcess journal = await RoleProcess.StartJournalAsync(journalData);
            string journalAddress = $"127.0.0.1:{journal.Port}";
            await using RoleProcess adjudicator = await RoleProcess.StartAsync("Log.Adjudicator.dll", new Regex(@"Adjudicator is ready: rpc=\S+:(?<port>\d+)"),
                "--journal", journalAddress, "--shard", "0", "--port", "0", "--http-port", "0");
            string address = HttpLine().Match(adjudicator.Output).Groups["address"].Value;
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"{address}/healthz")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"{address}/readyz")).StatusCode);
            Assert.Equal(0, Sample(await http.GetStringAsync($"{address}/metrics"), "log_commits_total"));

            await using LogProcess queryNode = await LogProcess.StartAsync(null, "--journal", journalAddress, "--adjudicator", $"127.0.0.1:{adjudicator.Port}");
            PsqlResult result = await Psql.RunAsync(queryNode.Port, "create table counted (id int primary key);\ninsert into counted values (1);\n");
            Assert.True(result.ExitCode == 0, result.ToString());
            string metrics = await http.GetStringAsync($"{address}/metrics");
            Assert.True(Sample(metrics, "log_commits_total") >= 2, metrics);
            Assert.Contains("service_name=\"log-adjudicator-0\"", metrics, StringComparison.Ordinal);
        }
        finally
        {
            LogProcess.DeleteDirectory(journalData);
        }
    }

    /// <summary>The sum of a metric's samples in Prometheus text (0 when absent, as a counter never added to is).</summary>
    internal static double Sample(string metrics, string name) =>
        metrics.Split('\n')
            .Where(line => line.StartsWith(name + "{", StringComparison.Ordinal) || line.StartsWith(name + " ", StringComparison.Ordinal))
            .Sum(line => double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));

    [Fact]
    public async Task PlainConnectionOffLoopbackIsRefused()
    {
        IPAddress address = NetworkInterface.GetAllNetworkInterfaces()
            .Where(network => network.OperationalStatus == OperationalStatus.Up)
            .SelectMany(network => network.GetIPProperties().UnicastAddresses)
            .Select(unicast => unicast.Address)
            .FirstOrDefault(candidate => candidate.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(candidate))
            ?? throw new InvalidOperationException("this machine has no non-loopback IPv4 address to listen on");
        // Listening beyond loopback turns token authentication on: the connections below log in with an admin token.
        await using LogProcess server = await LogProcess.StartAsync(null, "--listen", "0.0.0.0");
        var admin = new CredentialStore(server.DataDirectory).List().Single(key => key.Admin);
        string token = DsqlToken.Create("localhost", "local", DsqlToken.ConnectAdminAction, admin.AccessKeyId, admin.SecretAccessKey, DateTime.UtcNow, 600);

        var plain = new NpgsqlConnectionStringBuilder { Host = address.ToString(), Port = server.Port, Username = "admin", Password = token, Database = "postgres", SslMode = SslMode.Disable, Pooling = false };
        await using (var connection = new NpgsqlConnection(plain.ConnectionString))
        {
            var refused = await Assert.ThrowsAsync<PostgresException>(() => connection.OpenAsync());
            Assert.Equal(("28000", "TLS required"), (refused.SqlState, refused.MessageText));
        }
        // Encrypted, verified with the generated authority, whose server certificate names this address.
        string authorityFile = Path.Combine(server.DataDirectory, "tls", PgCertificates.AuthorityCertificateFileName);
        var verified = new NpgsqlConnectionStringBuilder(plain.ConnectionString) { SslMode = SslMode.VerifyFull, RootCertificate = authorityFile };
        await using (var connection = new NpgsqlConnection(verified.ConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("select 1", connection);
            Assert.Equal(1, await command.ExecuteScalarAsync());
        }
        if (Psql.IsInstalled)
        {
            var (exitCode, _, error) = await DriverTools.PsqlAsync($"host={address} port={server.Port} user=admin dbname=postgres sslmode=disable", "select 1;");
            Assert.NotEqual(0, exitCode);
            Assert.Contains("TLS required", error, StringComparison.Ordinal);
        }
        // Loopback stays open to plain connections.
        var local = new NpgsqlConnectionStringBuilder(plain.ConnectionString) { Host = "127.0.0.1" };
        await using (var connection = new NpgsqlConnection(local.ConnectionString))
        {
            await connection.OpenAsync();
        }
    }

    [Fact]
    public async Task SighupServesTheNewCertificateToTheNextConnection()
    {
        string folder = Directory.CreateTempSubdirectory("log-it-tls-").FullName;
        try
        {
            string certificateFile = Path.Combine(folder, "server.crt");
            string keyFile = Path.Combine(folder, "server.key");
            WritePem(PgCertificates.CreateSelfSigned("first.example"), certificateFile, keyFile);
            await using LogProcess server = await LogProcess.StartAsync(null, "--tls-cert", certificateFile, "--tls-key", keyFile);
            Assert.Equal("CN=first.example", await ServedSubjectAsync(server.Port));

            WritePem(PgCertificates.CreateSelfSigned("second.example"), certificateFile, keyFile);
            using (var hangup = Process.Start("kill", ["-HUP", server.ProcessId.ToString(CultureInfo.InvariantCulture)]))
            {
                await hangup.WaitForExitAsync();
                Assert.Equal(0, hangup.ExitCode);
            }
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
            string served;
            while ((served = await ServedSubjectAsync(server.Port)) != "CN=second.example" && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
            Assert.Equal("CN=second.example", served);
            // The signal did not stop the server.
            Assert.Equal("CN=second.example", await ServedSubjectAsync(server.Port));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static void WritePem(X509Certificate2 certificate, string certificateFile, string keyFile)
    {
        File.WriteAllText(keyFile, certificate.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(certificateFile, certificate.ExportCertificatePem());
    }

    private static async Task<string> ServedSubjectAsync(int port)
    {
        await using RawClient client = await RawClient.ConnectAsync(port);
        var tls = await client.StartTlsAsync("postgresql");
        return tls.RemoteCertificate!.Subject;
    }

    [Fact]
    public async Task ConnectionLifetimeAndRateLimit()
    {
        await using LogProcess server = await LogProcess.StartAsync(null,
            "--connection-lifetime-seconds", "1", "--connections-per-second", "1", "--connection-burst", "3");

        // Lifetime: an idle connection hears why it is closed, without asking.
        (RawClient client, List<BackendMessage> startup) = await RawClient.ConnectAndStartAsync(server.Port);
        await using (client)
        {
            Assert.Equal('Z', startup[^1].Type);
            BackendMessage message = await client.ReadMessageAsync();
            Assert.Equal(("FATAL", "57P05"), (message.Severity, message.SqlState));
            Assert.Contains("connection lifetime of 1 second", message.Fields()['M'], StringComparison.Ordinal);
            Assert.True(await client.IsClosedByServerAsync());
        }

        // Rate: a burst beyond the bucket gets 53400 (the bucket had time to refill while the lifetime ran out).
        await Task.Delay(TimeSpan.FromSeconds(3));
        var refusals = new List<PostgresException>();
        var opened = 0;
        for (int attempt = 0; attempt < 8; attempt++)
        {
            await using var connection = new NpgsqlConnection($"Host=127.0.0.1;Port={server.Port};Username=admin;Database=postgres;SSL Mode=Disable;Pooling=false;Server Compatibility Mode=NoTypeLoading");
            try
            {
                await connection.OpenAsync();
                opened++;
            }
            catch (PostgresException exception)
            {
                refusals.Add(exception);
            }
        }
        Assert.InRange(opened, 3, 7);
        Assert.NotEmpty(refusals);
        Assert.All(refusals, refusal => Assert.Equal(("53400", "Unable to accept connection, rate exceeded."), (refusal.SqlState, refusal.MessageText)));
    }
}
