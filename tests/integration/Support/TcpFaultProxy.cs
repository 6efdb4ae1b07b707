using System.Net;
using System.Net.Sockets;
using Log.Journal.Net;

namespace Log.Integration.Tests.Support;

/// <summary>
/// A TCP forwarder on loopback that injects network faults between a client and a server:
/// <list type="bullet">
/// <item><see cref="Delay"/>: every chunk is held for a while before it is passed on (a slow link);</item>
/// <item><see cref="Blackhole"/>: nothing is passed on in either direction, and nothing is closed, as
/// in a partition (TCP keeps the bytes and delivers them when it heals, so they are held, not lost);</item>
/// <item><see cref="Cut"/>: every open connection is reset at both ends;</item>
/// <item><see cref="RefuseNewConnections"/>: new connections are reset at once, as from a host that is down.</item>
/// </list>
/// <see cref="Heal"/> ends every fault. Disposal stops the listener and resets every connection.
/// </summary>
public sealed class TcpFaultProxy : IAsyncDisposable
{
    private const int ChunkBytes = 64 * 1024;

    private readonly TcpListener listener;
    private readonly IPEndPoint target;
    private readonly CancellationTokenSource stopping = new();
    private readonly List<(Socket Client, Socket Server)> connections = [];
    private readonly Task acceptLoop;
    private TaskCompletionSource open = NewOpenGate();
    private TimeSpan delay;
    private volatile bool refuseNewConnections;

    private TcpFaultProxy(IPEndPoint target)
    {
        this.target = target;
        listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        open.SetResult();
        acceptLoop = Task.Run(AcceptLoopAsync);
    }

    /// <summary>Starts forwarding from a free loopback port to <paramref name="targetPort"/> on loopback.</summary>
    public static TcpFaultProxy Start(int targetPort) => new(new IPEndPoint(IPAddress.Loopback, targetPort));

    public int Port => ((IPEndPoint)listener.LocalEndpoint).Port;

    /// <summary>Connections accepted so far (each forwarded one, not the refused ones).</summary>
    public int ConnectionsAccepted { get; private set; }

    /// <summary>A free loopback port, for a server that must be started on a known port (there is a small race with other programs).</summary>
    public static int FreePort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    public void Delay(TimeSpan perChunk) => delay = perChunk;

    public void Blackhole()
    {
        lock (connections)
        {
            if (open.Task.IsCompleted)
            {
                open = NewOpenGate();
            }
        }
    }

    public bool RefuseNewConnections
    {
        get => refuseNewConnections;
        set => refuseNewConnections = value;
    }

    /// <summary>Resets every open connection at both ends (RST, not FIN: as when a link or a middlebox fails).</summary>
    public void Cut()
    {
        List<(Socket Client, Socket Server)> current;
        lock (connections)
        {
            current = [.. connections];
            connections.Clear();
        }
        foreach (var (client, server) in current)
        {
            Reset(client);
            Reset(server);
        }
    }

    public void Heal()
    {
        delay = TimeSpan.Zero;
        refuseNewConnections = false;
        lock (connections)
        {
            open.TrySetResult();
        }
    }

    private static TaskCompletionSource NewOpenGate() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private async Task AcceptLoopAsync()
    {
        while (!stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptSocketAsync(stopping.Token);
            }
            catch (Exception exception) when (exception is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            if (refuseNewConnections)
            {
                Reset(client);
                continue;
            }
            _ = Task.Run(() => ForwardAsync(client));
        }
    }

    private async Task ForwardAsync(Socket client)
    {
        var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        client.NoDelay = true;
        try
        {
            await server.ConnectAsync(target, stopping.Token);
        }
        catch (Exception exception) when (exception is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            Reset(client);
            server.Dispose();
            return;
        }
        lock (connections)
        {
            connections.Add((client, server));
            ConnectionsAccepted++;
        }
        await Task.WhenAny(PumpAsync(client, server), PumpAsync(server, client));
        lock (connections)
        {
            connections.Remove((client, server));
        }
        Reset(client);
        Reset(server);
    }

    private async Task PumpAsync(Socket from, Socket to)
    {
        var buffer = new byte[ChunkBytes];
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, SocketFlags.None, stopping.Token);
                if (read == 0)
                {
                    to.Shutdown(SocketShutdown.Send);
                    return;
                }
                Task gate;
                lock (connections)
                {
                    gate = open.Task;
                }
                await gate.WaitAsync(stopping.Token);
                if (delay > TimeSpan.Zero)
                {
                    await Task.Delay(delay, stopping.Token);
                }
                var sent = 0;
                while (sent < read)
                {
                    sent += await to.SendAsync(buffer.AsMemory(sent, read - sent), SocketFlags.None, stopping.Token);
                }
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Reset, cut or stopped.
        }
    }

    private static void Reset(Socket socket) => SocketReset.Reset(socket);

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync();
        listener.Stop();
        Cut();
        await acceptLoop;
        stopping.Dispose();
    }
}
