using System.Security.Cryptography.X509Certificates;

namespace Log.Wire.Tests;

/// <summary>TLS after SSLRequest, PostgreSQL 17's direct SSL with ALPN, and the self-signed certificate.</summary>
public sealed class TlsTests : IAsyncLifetime
{
    private readonly FakeSessionFactory factory = new();
    private PgServer server = null!;

    public async Task InitializeAsync()
    {
        server = new PgServer(new PgServerOptions { Port = 0 }, factory);
        await server.StartAsync(CancellationToken.None);
    }

    public async Task DisposeAsync() => await server.DisposeAsync();

    private static async Task AssertSelectOneAsync(RawClient client)
    {
        await client.SendAsync(Bytes.Startup(("user", "test")));
        Assert.Equal('Z', (await client.ReadUntilReadyForQueryAsync())[^1].Type);
        await client.SendAsync(Bytes.Query("select 1"));
        Assert.Equal("TDCZ", new string((await client.ReadUntilReadyForQueryAsync()).Select(message => message.Type).ToArray()));
    }

    [Fact]
    public async Task SslRequestIsAcceptedAndTheSessionRunsOverTls()
    {
        await using RawClient client = await RawClient.ConnectAsync(server.Port);
        await client.SendAsync(Bytes.Request(80877103));
        Assert.Equal((byte)'S', (await client.ReadExactlyAsync(1))[0]);
        var tls = await client.StartTlsAsync();
        Assert.Equal(server.Certificate!.Thumbprint, new X509Certificate2(tls.RemoteCertificate!).Thumbprint);
        await AssertSelectOneAsync(client);
    }

    [Fact]
    public async Task DirectSslWithAlpnWorks()
    {
        await using RawClient client = await RawClient.ConnectAsync(server.Port);
        var tls = await client.StartTlsAsync("postgresql");
        Assert.Equal("postgresql", tls.NegotiatedApplicationProtocol.ToString());
        await AssertSelectOneAsync(client);
    }

    [Fact]
    public async Task DirectSslWithoutAlpnIsRefused()
    {
        await using RawClient client = await RawClient.ConnectAsync(server.Port);
        await client.StartTlsAsync();
        BackendMessage message = await client.ReadMessageAsync();
        Assert.Equal(("FATAL", "08P01"), (message.Severity, message.SqlState));
        Assert.Contains("ALPN", message.Fields()['M'], StringComparison.Ordinal);
        Assert.Empty(factory.Sessions);
    }

    [Fact]
    public async Task PlaintextAfterSslRequestIsRefused()
    {
        await using RawClient client = await RawClient.ConnectAsync(server.Port);
        await client.SendAsync([.. Bytes.Request(80877103), .. Bytes.Startup(("user", "test"))]);
        BackendMessage message = await client.ReadMessageAsync();
        Assert.Equal(("FATAL", "08P01", "received unencrypted data after SSL request"), (message.Severity, message.SqlState, message.Fields()['M']));
        Assert.True(await client.IsClosedByServerAsync());
    }

    [Fact]
    public async Task SelfSignedCertificateIsKeptAcrossRestarts()
    {
        string path = Path.Combine(Path.GetTempPath(), $"wire-tests-{Guid.NewGuid():N}", "server.pfx");
        try
        {
            string first;
            await using (var one = new PgServer(new PgServerOptions { Port = 0, SelfSignedCertificatePath = path }, factory))
            {
                await one.StartAsync(CancellationToken.None);
                first = one.Certificate!.Thumbprint;
                Assert.True(one.Certificate.HasPrivateKey);
            }
            Assert.True(File.Exists(path));
            await using var two = new PgServer(new PgServerOptions { Port = 0, SelfSignedCertificatePath = path }, factory);
            await two.StartAsync(CancellationToken.None);
            Assert.Equal(first, two.Certificate!.Thumbprint);
            Assert.NotEqual(first, server.Certificate!.Thumbprint);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
        }
    }

    [Fact]
    public async Task ConfiguredCertificateIsUsed()
    {
        using X509Certificate2 certificate = PgCertificates.CreateSelfSigned("db.example");
        await using var custom = new PgServer(new PgServerOptions { Port = 0, ServerCertificate = certificate }, factory);
        await custom.StartAsync(CancellationToken.None);
        await using RawClient client = await RawClient.ConnectAsync(custom.Port);
        var tls = await client.StartTlsAsync("postgresql");
        Assert.Equal("CN=db.example", tls.RemoteCertificate!.Subject);
        await AssertSelectOneAsync(client);
    }
}
