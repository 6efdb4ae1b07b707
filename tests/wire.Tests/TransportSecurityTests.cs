using System.Diagnostics;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Npgsql;

namespace Log.Wire.Tests;

/// <summary>TLS required off loopback, the local certificate authority that clients verify, and certificate reload.</summary>
public sealed class TransportSecurityTests : IAsyncLifetime
{
    private readonly FakeSessionFactory factory = new();
    private readonly string folder = Directory.CreateTempSubdirectory("wire-tls-").FullName;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        Directory.Delete(folder, recursive: true);
        return Task.CompletedTask;
    }

    /// <summary>An IPv4 address of this machine that is not a loopback one, or null when it has none.</summary>
    internal static IPAddress? NonLoopbackAddress() =>
        NetworkInterface.GetAllNetworkInterfaces()
            .Where(network => network.OperationalStatus == OperationalStatus.Up)
            .SelectMany(network => network.GetIPProperties().UnicastAddresses)
            .Select(unicast => unicast.Address)
            .FirstOrDefault(address => address.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(address));

    private async Task<PgServer> StartAsync(PgServerOptions options)
    {
        var server = new PgServer(options, factory);
        await server.StartAsync(CancellationToken.None);
        return server;
    }

    [Fact]
    public async Task PlainConnectionBeyondLoopbackIsRefusedAndTlsIsServed()
    {
        IPAddress address = NonLoopbackAddress() ?? throw new InvalidOperationException("this machine has no non-loopback IPv4 address to listen on");
        await using PgServer server = await StartAsync(new PgServerOptions { ListenAddress = IPAddress.Any, Port = 0 });

        await using (RawClient plain = await RawClient.ConnectAsync(address, server.Port))
        {
            await plain.SendAsync(Bytes.Startup(("user", "test")));
            BackendMessage message = await plain.ReadMessageAsync();
            Assert.Equal(("FATAL", "28000", "TLS required"), (message.Severity, message.SqlState, message.Fields()['M']));
            Assert.Contains("sslmode=require", message.Fields()['H'], StringComparison.Ordinal);
            Assert.True(await plain.IsClosedByServerAsync());
        }
        Assert.Empty(factory.Sessions);

        await using (RawClient encrypted = await RawClient.ConnectAsync(address, server.Port))
        {
            await encrypted.SendAsync(Bytes.Request(80877103));
            Assert.Equal((byte)'S', (await encrypted.ReadExactlyAsync(1))[0]);
            await encrypted.StartTlsAsync();
            await encrypted.SendAsync(Bytes.Startup(("user", "test")));
            Assert.Equal('Z', (await encrypted.ReadUntilReadyForQueryAsync())[^1].Type);
        }

        // The same listener, reached over loopback: plain text is still fine there.
        (RawClient local, List<BackendMessage> startup) = await RawClient.ConnectAndStartAsync(server.Port);
        await using (local)
        {
            Assert.Equal('Z', startup[^1].Type);
        }
    }

    [Fact]
    public async Task PlainConnectionBeyondLoopbackIsAcceptedWhenTlsIsNotRequired()
    {
        IPAddress address = NonLoopbackAddress() ?? throw new InvalidOperationException("this machine has no non-loopback IPv4 address to listen on");
        await using PgServer server = await StartAsync(new PgServerOptions { ListenAddress = address, Port = 0, RequireTlsBeyondLoopback = false });
        await using RawClient plain = await RawClient.ConnectAsync(address, server.Port);
        await plain.SendAsync(Bytes.Startup(("user", "test")));
        Assert.Equal('Z', (await plain.ReadUntilReadyForQueryAsync())[^1].Type);
    }

    [Fact]
    public async Task LocalAuthorityIsGeneratedOnceAndVerifiesTheServer()
    {
        string tls = Path.Combine(folder, "tls");
        string first;
        await using (PgServer server = await StartAsync(new PgServerOptions { Port = 0, TlsFolder = tls, TlsHostNames = ["db.example", "10.1.2.3"] }))
        {
            first = server.Certificate!.Thumbprint;
            using X509Certificate2 authority = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(tls, PgCertificates.AuthorityCertificateFileName));
            foreach (string host in new[] { "localhost", "db.example" })
            {
                await using RawClient client = await RawClient.ConnectAsync(server.Port);
                await client.SendAsync(Bytes.Request(80877103));
                Assert.Equal((byte)'S', (await client.ReadExactlyAsync(1))[0]);
                SslPolicyErrors errors = await HandshakeAsync(client, host, authority);
                Assert.Equal(SslPolicyErrors.None, errors);
            }
            // A name the certificate was not made for fails verification.
            await using RawClient other = await RawClient.ConnectAsync(server.Port);
            await other.SendAsync(Bytes.Request(80877103));
            await other.ReadExactlyAsync(1);
            Assert.Equal(SslPolicyErrors.RemoteCertificateNameMismatch, await HandshakeAsync(other, "elsewhere.example", authority));
        }
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(tls, PgCertificates.AuthorityKeyFileName)));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(tls, PgCertificates.ServerKeyFileName)));
        }
        // A restart keeps the certificate; a new name makes a new server certificate from the same authority.
        await using (PgServer again = await StartAsync(new PgServerOptions { Port = 0, TlsFolder = tls, TlsHostNames = ["db.example", "10.1.2.3"] }))
        {
            Assert.Equal(first, again.Certificate!.Thumbprint);
        }
        string authorityBefore = File.ReadAllText(Path.Combine(tls, PgCertificates.AuthorityCertificateFileName));
        await using (PgServer renamed = await StartAsync(new PgServerOptions { Port = 0, TlsFolder = tls, TlsHostNames = ["db2.example"] }))
        {
            Assert.NotEqual(first, renamed.Certificate!.Thumbprint);
            Assert.Equal(authorityBefore, File.ReadAllText(Path.Combine(tls, PgCertificates.AuthorityCertificateFileName)));
        }
    }

    /// <summary>A client handshake that trusts only <paramref name="authority"/>; returns what verification found.</summary>
    private static async Task<SslPolicyErrors> HandshakeAsync(RawClient client, string host, X509Certificate2 authority)
    {
        SslPolicyErrors found = SslPolicyErrors.None;
        await client.StartTlsAsync(host, (_, certificate, _, errors) =>
        {
            errors &= ~SslPolicyErrors.RemoteCertificateChainErrors;
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(authority);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            if (!chain.Build(new X509Certificate2(certificate!)))
            {
                errors |= SslPolicyErrors.RemoteCertificateChainErrors;
            }
            found = errors;
            return true;
        });
        return found;
    }

    [PsqlFact]
    public async Task PsqlAndNpgsqlVerifyTheServerWithTheAuthorityFile()
    {
        string tls = Path.Combine(folder, "tls");
        await using PgServer server = await StartAsync(new PgServerOptions { Port = 0, TlsFolder = tls });
        string authorityFile = Path.Combine(tls, PgCertificates.AuthorityCertificateFileName);
        foreach (string host in new[] { "localhost", "127.0.0.1" })
        {
            var (exitCode, output, error) = await RunPsqlAsync($"host={host} port={server.Port} user=test dbname=test sslmode=verify-full sslrootcert={authorityFile}", "select 1");
            Assert.True(exitCode == 0, error);
            Assert.Equal("1", output);
        }
        // Against another authority, verify-full fails.
        string otherTls = Path.Combine(folder, "other");
        PgCertificates.EnsureLocalAuthority(otherTls, ["localhost"], Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        var (refusedExitCode, _, refusedError) = await RunPsqlAsync(
            $"host=localhost port={server.Port} user=test dbname=test sslmode=verify-full sslrootcert={Path.Combine(otherTls, PgCertificates.AuthorityCertificateFileName)}", "select 1");
        Assert.NotEqual(0, refusedExitCode);
        Assert.Contains("certificate verify failed", refusedError, StringComparison.Ordinal);

        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = "localhost",
            Port = server.Port,
            Username = "test",
            Database = "test",
            SslMode = SslMode.VerifyFull,
            RootCertificate = authorityFile,
            Pooling = false,
        };
        await using var connection = new NpgsqlConnection(builder.ConnectionString + ";Server Compatibility Mode=NoTypeLoading;Timeout=5");
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("select 1", connection);
        Assert.Equal(1, await command.ExecuteScalarAsync());
    }

    internal static async Task<(int ExitCode, string Output, string Error)> RunPsqlAsync(string connection, string command)
    {
        var start = new ProcessStartInfo(PsqlTests.PsqlPath) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in new[] { "-X", "-A", "-t", "-c", command, connection })
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment["PGCONNECT_TIMEOUT"] = "5";
        start.Environment.Remove("PGPASSWORD");
        using var process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, (await output).TrimEnd('\n'), (await error).TrimEnd('\n'));
    }

    [Fact]
    public async Task ReloadServesTheNewCertificateToTheNextConnection()
    {
        string certificateFile = Path.Combine(folder, "server.crt");
        string keyFile = Path.Combine(folder, "server.key");
        WritePem(PgCertificates.CreateSelfSigned("first.example"), certificateFile, keyFile);
        await using PgServer server = await StartAsync(new PgServerOptions { Port = 0, TlsCertificateFile = certificateFile, TlsKeyFile = keyFile });
        Assert.Equal("CN=first.example", await ServedSubjectAsync(server.Port));

        WritePem(PgCertificates.CreateSelfSigned("second.example"), certificateFile, keyFile);
        Assert.Equal("CN=first.example", await ServedSubjectAsync(server.Port));
        Assert.Null(server.ReloadCertificate());
        Assert.Equal("CN=second.example", await ServedSubjectAsync(server.Port));

        // A broken file is not taken: the server keeps what it has.
        await File.WriteAllTextAsync(certificateFile, "not a certificate");
        Assert.NotNull(server.ReloadCertificate());
        Assert.Equal("CN=second.example", await ServedSubjectAsync(server.Port));
    }

    private static void WritePem(X509Certificate2 certificate, string certificateFile, string keyFile)
    {
        File.WriteAllText(certificateFile, certificate.ExportCertificatePem());
        File.WriteAllText(keyFile, certificate.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
    }

    private static async Task<string> ServedSubjectAsync(int port)
    {
        await using RawClient client = await RawClient.ConnectAsync(port);
        SslStream tls = await client.StartTlsAsync("postgresql");
        return tls.RemoteCertificate!.Subject;
    }
}
