using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Log.Wire.Tests;

/// <summary>A backend message as the client saw it.</summary>
internal sealed record BackendMessage(char Type, byte[] Body)
{
    /// <summary>The fields of an ErrorResponse or NoticeResponse, by field code.</summary>
    public Dictionary<char, string> Fields()
    {
        var fields = new Dictionary<char, string>();
        int position = 0;
        while (Body[position] != 0)
        {
            char code = (char)Body[position++];
            int end = Array.IndexOf(Body, (byte)0, position);
            fields[code] = Encoding.UTF8.GetString(Body, position, end - position);
            position = end + 1;
        }
        return fields;
    }

    public string SqlState => Fields()['C'];

    public string Severity => Fields()['S'];

    public int Int32At(int offset) => BinaryPrimitives.ReadInt32BigEndian(Body.AsSpan(offset));
}

/// <summary>A client on a raw socket: sends any bytes, reads backend messages.</summary>
internal sealed class RawClient : IAsyncDisposable
{
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(5);
    private readonly TcpClient client;
    private Stream stream;

    private RawClient(TcpClient client)
    {
        this.client = client;
        stream = client.GetStream();
    }

    public static Task<RawClient> ConnectAsync(int port) => ConnectAsync(IPAddress.Loopback, port);

    public static async Task<RawClient> ConnectAsync(IPAddress address, int port)
    {
        var client = new TcpClient(address.AddressFamily) { NoDelay = true };
        await client.ConnectAsync(address, port);
        return new RawClient(client);
    }

    /// <summary>Connects to loopback from <paramref name="localAddress"/> (another loopback address is another client).</summary>
    public static async Task<RawClient> ConnectFromAsync(IPAddress localAddress, int port)
    {
        var client = new TcpClient(new IPEndPoint(localAddress, 0)) { NoDelay = true };
        await client.ConnectAsync(IPAddress.Loopback, port);
        return new RawClient(client);
    }

    /// <summary>Connects and completes a startup as user "test"; returns the messages up to ReadyForQuery.</summary>
    public static async Task<(RawClient Client, List<BackendMessage> Startup)> ConnectAndStartAsync(int port)
    {
        RawClient client = await ConnectAsync(port);
        await client.SendAsync(Bytes.Startup(("user", "test"), ("database", "test")));
        List<BackendMessage> messages = await client.ReadUntilReadyForQueryAsync();
        return (client, messages);
    }

    /// <summary>Runs a TLS handshake on the connection (after 'S', or first thing for direct SSL), accepting any certificate.</summary>
    public Task<System.Net.Security.SslStream> StartTlsAsync(params string[] applicationProtocols) =>
        StartTlsAsync("localhost", (_, _, _, _) => true, applicationProtocols);

    /// <summary>A TLS handshake for <paramref name="host"/> (SNI and name checks) that verifies the server with <paramref name="validation"/>.</summary>
    public async Task<System.Net.Security.SslStream> StartTlsAsync(string host, System.Net.Security.RemoteCertificateValidationCallback validation, params string[] applicationProtocols)
    {
        var tls = new System.Net.Security.SslStream(stream, leaveInnerStreamOpen: false);
        using var timeout = new CancellationTokenSource(ReadTimeout);
        await tls.AuthenticateAsClientAsync(new System.Net.Security.SslClientAuthenticationOptions
        {
            TargetHost = host,
            RemoteCertificateValidationCallback = validation,
            ApplicationProtocols = applicationProtocols.Length == 0 ? null : applicationProtocols.Select(name => new System.Net.Security.SslApplicationProtocol(name)).ToList(),
        }, timeout.Token);
        stream = tls;
        return tls;
    }

    public async Task SendAsync(byte[] bytes)
    {
        using var timeout = new CancellationTokenSource(ReadTimeout);
        await stream.WriteAsync(bytes, timeout.Token);
    }

    public async Task<byte[]> ReadExactlyAsync(int count)
    {
        byte[] buffer = new byte[count];
        using var timeout = new CancellationTokenSource(ReadTimeout);
        await stream.ReadExactlyAsync(buffer, timeout.Token);
        return buffer;
    }

    public async Task<BackendMessage> ReadMessageAsync()
    {
        byte[] header = await ReadExactlyAsync(5);
        int length = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(1));
        Assert.InRange(length, 4, 1 << 28);
        byte[] body = await ReadExactlyAsync(length - 4);
        return new BackendMessage((char)header[0], body);
    }

    public async Task<List<BackendMessage>> ReadUntilReadyForQueryAsync()
    {
        var messages = new List<BackendMessage>();
        while (true)
        {
            BackendMessage message = await ReadMessageAsync();
            messages.Add(message);
            if (message.Type == 'Z' || (message.Type == 'E' && message.Severity == "FATAL"))
            {
                return messages;
            }
        }
    }

    /// <summary>True when the server closed the connection (end of stream or reset) within the timeout.</summary>
    public async Task<bool> IsClosedByServerAsync()
    {
        byte[] buffer = new byte[256];
        using var timeout = new CancellationTokenSource(ReadTimeout);
        try
        {
            while (true)
            {
                int read = await stream.ReadAsync(buffer, timeout.Token);
                if (read == 0)
                {
                    return true;
                }
            }
        }
        catch (IOException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Reads and drops whatever arrives until the server closes or the token fires.</summary>
    public async Task DrainAsync(CancellationToken cancellationToken)
    {
        byte[] buffer = new byte[4096];
        while (await stream.ReadAsync(buffer, cancellationToken) > 0)
        {
        }
    }

    public ValueTask DisposeAsync()
    {
        client.Dispose();
        return ValueTask.CompletedTask;
    }
}
