using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Log.Journal.Hosting;
using Log.Journal.Net;

namespace Log.Journal.Tests;

/// <summary><see cref="DelayProxy"/>: a round trip through it takes at least twice the one-way delay, and bytes of many
/// connections at once arrive whole and in order, closes included.</summary>
public sealed class DelayProxyTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_round_trip_through_the_proxy_takes_at_least_twice_the_one_way_delay()
    {
        var delay = TimeSpan.FromMilliseconds(25);
        await using var echo = EchoServer.Start();
        await using var proxy = DelayProxy.Start(echo.Port, delay);
        using var client = await ConnectAsync(proxy.Port);
        var buffer = new byte[1];
        for (var round = 0; round < 10; round++)
        {
            var started = Stopwatch.GetTimestamp();
            await client.SendAsync(new[] { (byte)round }, SocketFlags.None);
            await ReceiveExactlyAsync(client, buffer);
            var elapsed = Stopwatch.GetElapsedTime(started);
            Assert.Equal((byte)round, buffer[0]);
            Assert.True(elapsed >= 2 * delay, $"Round trip {round} took {elapsed.TotalMilliseconds} ms, under twice {delay.TotalMilliseconds} ms.");
        }
        Assert.Equal(1, proxy.ConnectionsAccepted);
    }

    [Fact]
    public async Task Bytes_of_concurrent_connections_arrive_whole_and_in_order_and_a_close_follows_them()
    {
        const int Connections = 8;
        const int BytesPerConnection = 3 * 1024 * 1024 + 17;
        await using var echo = EchoServer.Start();
        await using var proxy = DelayProxy.Start(echo.Port, TimeSpan.FromMilliseconds(5));
        using var timeout = new CancellationTokenSource(Patience);

        await Task.WhenAll(Enumerable.Range(0, Connections).Select(connection => Task.Run(async () =>
        {
            var sent = new byte[BytesPerConnection];
            new Random(connection).NextBytes(sent);
            using var client = await ConnectAsync(proxy.Port);
            var sending = Task.Run(async () =>
            {
                // Writes of uneven sizes, so chunks never line up with them.
                for (var at = 0; at < sent.Length;)
                {
                    var length = Math.Min(sent.Length - at, 1 + (int)(at * 7919L % 100_000));
                    at += await client.SendAsync(sent.AsMemory(at, length), SocketFlags.None, timeout.Token);
                }
                client.Shutdown(SocketShutdown.Send);
            }, timeout.Token);
            // A failed send must end the test, not leave the reads below waiting for a close.
            _ = sending.ContinueWith(_ => client.Shutdown(SocketShutdown.Both), TaskContinuationOptions.OnlyOnFaulted);
            var received = new MemoryStream();
            var buffer = new byte[50_000];
            while (true)
            {
                var read = await client.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
                if (read == 0)
                {
                    break;
                }
                received.Write(buffer, 0, read);
            }
            await sending;
            Assert.Equal(sent.Length, received.Length);
            Assert.Equal(SHA256.HashData(sent), SHA256.HashData(received.ToArray()));
        }, timeout.Token)));
        Assert.Equal(Connections, proxy.ConnectionsAccepted);
    }

    [Fact]
    public async Task Stopping_the_proxy_resets_its_connections()
    {
        await using var echo = EchoServer.Start();
        var proxy = DelayProxy.Start(echo.Port, TimeSpan.FromMilliseconds(1));
        var port = proxy.Port;
        using var client = await ConnectAsync(port);
        await client.SendAsync(new byte[] { 1 }, SocketFlags.None);
        await ReceiveExactlyAsync(client, new byte[1]);
        await proxy.DisposeAsync();
        using var timeout = new CancellationTokenSource(Patience);
        var ended = false;
        try
        {
            ended = await client.ReceiveAsync(new byte[1], SocketFlags.None, timeout.Token) == 0;
        }
        catch (SocketException)
        {
            ended = true;
        }
        Assert.True(ended);
        await Assert.ThrowsAsync<SocketException>(() => ConnectAsync(port));
    }

    [Theory]
    [InlineData("--target 127.0.0.1:9092", "127.0.0.1:0", "127.0.0.1:9092", 0)]
    [InlineData("--listen 0.0.0.0:7000 --target journal-b:9092 --delay-ms 10", "0.0.0.0:7000", "journal-b:9092", 10)]
    [InlineData("--target [::1]:9092 --delay-ms 2.5", "127.0.0.1:0", "[::1]:9092", 2.5)]
    public void The_proxy_command_reads_its_listen_address_target_and_delay(string line, string listen, string target, double delayMs)
    {
        Assert.True(DelayProxyCommand.TryParse(line.Split(' '), out var parsedListen, out var parsedTarget, out var delay, out var error), error);
        Assert.Equal(listen, parsedListen!.ToString());
        Assert.Equal(target, parsedTarget switch
        {
            DnsEndPoint dns => $"{dns.Host}:{dns.Port}",
            var other => other!.ToString(),
        });
        Assert.Equal(TimeSpan.FromMilliseconds(delayMs), delay);
    }

    [Theory]
    [InlineData("--listen 127.0.0.1:0")]
    [InlineData("--target nohost")]
    [InlineData("--target 127.0.0.1:9092 --delay-ms -1")]
    [InlineData("--target 127.0.0.1:9092 --what")]
    public void The_proxy_command_refuses_a_missing_target_or_a_bad_argument(string line)
    {
        Assert.False(DelayProxyCommand.TryParse(line.Split(' '), out _, out _, out _, out var error));
        Assert.NotEmpty(error);
    }

    /// <summary>The command as a process: it prints its ready line with the port it got, forwards with the delay,
    /// and stops on SIGTERM.</summary>
    [Fact]
    public async Task The_journal_executable_runs_the_proxy_command()
    {
        await using var echo = EchoServer.Start();
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "exec", Path.Combine(AppContext.BaseDirectory, "Log.Journal.dll"), "proxy",
                     "--listen", "127.0.0.1:0", "--target", $"127.0.0.1:{echo.Port}", "--delay-ms", "20" })
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        try
        {
            using var timeout = new CancellationTokenSource(Patience);
            var line = await process.StandardOutput.ReadLineAsync(timeout.Token)
                ?? throw new InvalidOperationException($"The proxy ended: {await process.StandardError.ReadToEndAsync(timeout.Token)}");
            const string Prefix = "Delay proxy is ready: listen=";
            Assert.StartsWith(Prefix, line, StringComparison.Ordinal);
            var port = ((IPEndPoint)DelayProxy.ParseEndPoint(line[Prefix.Length..].Split(' ')[0])).Port;
            Assert.Contains($"target=127.0.0.1:{echo.Port} delay-ms=20", line, StringComparison.Ordinal);

            using var client = await ConnectAsync(port);
            var started = Stopwatch.GetTimestamp();
            await client.SendAsync(new byte[] { 42 }, SocketFlags.None);
            var reply = new byte[1];
            await ReceiveExactlyAsync(client, reply);
            Assert.Equal(42, reply[0]);
            Assert.True(Stopwatch.GetElapsedTime(started) >= TimeSpan.FromMilliseconds(40));

            using (var term = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await term.WaitForExitAsync(timeout.Token);
                Assert.Equal(0, term.ExitCode);
            }
            await process.WaitForExitAsync(timeout.Token);
            Assert.Equal(0, process.ExitCode);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
        }
    }

    internal static async Task<Socket> ConnectAsync(int port)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port));
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static async Task ReceiveExactlyAsync(Socket socket, byte[] buffer)
    {
        using var timeout = new CancellationTokenSource(Patience);
        for (var at = 0; at < buffer.Length;)
        {
            var read = await socket.ReceiveAsync(buffer.AsMemory(at), SocketFlags.None, timeout.Token);
            Assert.NotEqual(0, read);
            at += read;
        }
    }

    /// <summary>Sends back whatever each connection sends, and closes its side once the client has closed its.</summary>
    private sealed class EchoServer : IAsyncDisposable
    {
        private readonly TcpListener listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource stopping = new();
        private readonly Task acceptLoop;

        private EchoServer()
        {
            listener.Start();
            acceptLoop = Task.Run(AcceptLoopAsync);
        }

        public static EchoServer Start() => new();

        public int Port => ((IPEndPoint)listener.LocalEndpoint).Port;

        private async Task AcceptLoopAsync()
        {
            while (true)
            {
                Socket connection;
                try
                {
                    connection = await listener.AcceptSocketAsync(stopping.Token);
                }
                catch (Exception exception) when (exception is OperationCanceledException or SocketException or ObjectDisposedException)
                {
                    return;
                }
                _ = Task.Run(() => EchoAsync(connection));
            }
        }

        private async Task EchoAsync(Socket connection)
        {
            using (connection)
            {
                var buffer = new byte[32 * 1024];
                try
                {
                    while (true)
                    {
                        var read = await connection.ReceiveAsync(buffer, SocketFlags.None, stopping.Token);
                        if (read == 0)
                        {
                            connection.Shutdown(SocketShutdown.Send);
                            return;
                        }
                        for (var sent = 0; sent < read;)
                        {
                            sent += await connection.SendAsync(buffer.AsMemory(sent, read - sent), SocketFlags.None, stopping.Token);
                        }
                    }
                }
                catch (Exception exception) when (exception is OperationCanceledException or SocketException or ObjectDisposedException)
                {
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            await stopping.CancelAsync();
            listener.Stop();
            await acceptLoop;
            stopping.Dispose();
        }
    }
}
