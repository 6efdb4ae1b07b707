using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Collections.Concurrent;

namespace Log.Journal.Net;

/// <summary>
/// A TCP forwarder that adds a one-way delay to each direction of every connection, as a long link between two
/// regions does: <c>journal proxy --listen 127.0.0.1:0 --target HOST:PORT --delay-ms 10</c>, or
/// <see cref="Start"/> from a test.
/// <para>Each direction has a reader and a sender. The reader takes whatever has arrived (up to
/// <see cref="ChunkBytes"/>), stamps it with the time it may leave (arrival + <see cref="Delay"/>) and queues it; the
/// sender (a thread of its own) passes chunks on in arrival order, each once its time has come. So bytes keep their order, a delay is added
/// once per chunk (not once per read behind the previous one's), and the throughput is the link's, up to
/// <see cref="InFlightBytesMax"/> held per direction (the bandwidth-delay product it can carry: 4 MiB per 10 ms is
/// 400 MB/s); past it the reader waits, which the sender's TCP sees as a full window.</para>
/// <para>A close (FIN) is passed on after the bytes before it; a reset or error on either side resets both. Stopping
/// (<see cref="DisposeAsync"/>) closes the listener and resets every connection.</para>
/// </summary>
public sealed class DelayProxy : IAsyncDisposable
{
    public const int ChunkBytes = 64 * 1024;
    public const long InFlightBytesMax = 4L * 1024 * 1024;

    private readonly Socket listener;
    private readonly EndPoint target;
    private readonly CancellationTokenSource stopping = new();
    private readonly HashSet<Socket> sockets = [];
    private readonly Task acceptLoop;
    private long delayTicks;
    private int connections;

    private DelayProxy(IPEndPoint listen, EndPoint target, TimeSpan delay)
    {
        this.target = target;
        Delay = delay;
        listener = new Socket(listen.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(listen);
        listener.Listen(512);
        acceptLoop = Task.Run(AcceptLoopAsync);
    }

    /// <summary>Listens on <paramref name="listen"/> (port 0: a free one) and forwards each connection to
    /// <paramref name="target"/>, delaying each direction by <paramref name="oneWayDelay"/>.</summary>
    public static DelayProxy Start(IPEndPoint listen, EndPoint target, TimeSpan oneWayDelay)
    {
        ArgumentNullException.ThrowIfNull(listen);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentOutOfRangeException.ThrowIfLessThan(oneWayDelay, TimeSpan.Zero);
        return new DelayProxy(listen, target, oneWayDelay);
    }

    /// <summary>From a free loopback port to <paramref name="targetPort"/> on loopback.</summary>
    public static DelayProxy Start(int targetPort, TimeSpan oneWayDelay) =>
        Start(new IPEndPoint(IPAddress.Loopback, 0), new IPEndPoint(IPAddress.Loopback, targetPort), oneWayDelay);

    /// <summary>Parses <c>HOST:PORT</c> (a name, an IPv4 address, or an IPv6 one in brackets).</summary>
    public static EndPoint ParseEndPoint(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text.AsSpan(colon + 1), out var port) || port is < 0 or > 65535)
        {
            throw new FormatException($"'{text}' is not HOST:PORT.");
        }
        var host = text[..colon].Trim('[', ']');
        return IPAddress.TryParse(host, out var address) ? new IPEndPoint(address, port) : new DnsEndPoint(host, port);
    }

    public IPEndPoint EndPoint => (IPEndPoint)listener.LocalEndPoint!;

    public int Port => EndPoint.Port;

    /// <summary>The delay added to each direction; a change applies to chunks that arrive after it.</summary>
    public TimeSpan Delay
    {
        get => TimeSpan.FromTicks(Volatile.Read(ref delayTicks));
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero);
            Volatile.Write(ref delayTicks, value.Ticks);
        }
    }

    /// <summary>Connections forwarded so far.</summary>
    public int ConnectionsAccepted => Volatile.Read(ref connections);

    private async Task AcceptLoopAsync()
    {
        while (!stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(stopping.Token);
            }
            catch (Exception exception) when (exception is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            _ = Task.Run(() => ForwardAsync(client));
        }
    }

    private async Task ForwardAsync(Socket client)
    {
        var server = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        client.NoDelay = true;
        if (!Track(client) || !Track(server))
        {
            SocketReset.Reset(client);
            SocketReset.Reset(server);
            return;
        }
        var closedCleanly = false;
        try
        {
            try
            {
                await server.ConnectAsync(target, stopping.Token);
            }
            catch (Exception exception) when (exception is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            Interlocked.Increment(ref connections);
            var upstream = PumpAsync(client, server);
            var downstream = PumpAsync(server, client);
            // A direction that ends cleanly (FIN passed on) leaves the other running; one that fails ends both.
            var first = await Task.WhenAny(upstream, downstream);
            closedCleanly = await first && await (first == upstream ? downstream : upstream);
        }
        finally
        {
            Untrack(client);
            Untrack(server);
            // Closed at both ends: a plain close, so the kernel still delivers what the sockets hold. Anything else: a
            // reset, so that the ends learn at once that the link is gone.
            Close(client, reset: !closedCleanly);
            Close(server, reset: !closedCleanly);
        }
    }

    /// <summary>One direction: true when it ended with a close passed on, false on a reset, an error or a stop.</summary>
    private async Task<bool> PumpAsync(Socket from, Socket to)
    {
        using var direction = new Direction(stopping.Token);
        var sender = SendAsync(direction, to);
        var clean = false;
        try
        {
            while (true)
            {
                var buffer = new byte[ChunkBytes];
                var read = await from.ReceiveAsync(buffer, SocketFlags.None, direction.Failed.Token);
                var due = Stopwatch.GetTimestamp() + (long)(Delay.TotalSeconds * Stopwatch.Frequency);
                direction.Queue.Add(new Chunk(buffer, read, due));
                if (read == 0)
                {
                    clean = true;
                    break;
                }
                // Held past the budget: wait for the sender to pass some on (the check is repeated, so an early or
                // spare wake-up does no harm).
                Interlocked.Add(ref direction.Held, read);
                while (Interlocked.Read(ref direction.Held) > InFlightBytesMax)
                {
                    await direction.Budget.WaitAsync(direction.Failed.Token);
                }
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
        direction.Queue.CompleteAdding();
        if (!clean)
        {
            await direction.Failed.CancelAsync();
        }
        return await sender && clean;
    }

    /// <summary>The sender runs on a thread of its own that sleeps until each chunk's time: one wake-up per chunk, from a
    /// sleep that never ends early. A timer and a thread-pool continuation were two wake-ups, each late on a loaded
    /// machine: a 10 ms each-way echo took 27.4 ms at p50 that way, 23.9 ms this way (load 37 and 52 on 2 cores).</summary>
    private static Task<bool> SendAsync(Direction direction, Socket to)
    {
        var done = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                done.SetResult(SendLoop(direction, to));
            }
            catch (Exception bug)
            {
                done.SetException(bug);
            }
        })
        {
            IsBackground = true,
            Name = "delay-proxy-sender",
        };
        thread.Start();
        return done.Task;
    }

    private static bool SendLoop(Direction direction, Socket to)
    {
        try
        {
            foreach (var chunk in direction.Queue.GetConsumingEnumerable(direction.Failed.Token))
            {
                SleepUntil(chunk.Due);
                direction.Failed.Token.ThrowIfCancellationRequested();
                if (chunk.Length == 0)
                {
                    to.Shutdown(SocketShutdown.Send);
                    return true;
                }
                var sent = 0;
                while (sent < chunk.Length)
                {
                    sent += to.Send(chunk.Bytes.AsSpan(sent, chunk.Length - sent), SocketFlags.None);
                }
                if (Interlocked.Add(ref direction.Held, -chunk.Length) + chunk.Length > InFlightBytesMax)
                {
                    direction.Budget.Release();
                }
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
        direction.Failed.Cancel();
        return false;
    }

    /// <summary>What the reader and the sender of one direction share: the chunks in arrival order, the bytes held,
    /// and a cancellation either of them raises when it fails (so the other stops too).</summary>
    private sealed class Direction(CancellationToken stopping) : IDisposable
    {
        public BlockingCollection<Chunk> Queue { get; } = [];

        public SemaphoreSlim Budget { get; } = new(0);

        public CancellationTokenSource Failed { get; } = CancellationTokenSource.CreateLinkedTokenSource(stopping);

        public long Held;

        public void Dispose()
        {
            Queue.Dispose();
            Budget.Dispose();
            Failed.Dispose();
        }
    }

    /// <summary>Sleeps until the stopwatch passes <paramref name="due"/>: never earlier (the time left is checked again
    /// after each sleep), up to a millisecond and the wake-up's latency later.</summary>
    private static void SleepUntil(long due)
    {
        while (true)
        {
            var left = due - Stopwatch.GetTimestamp();
            if (left <= 0)
            {
                return;
            }
            // Whole milliseconds, rounded up: a shorter sleep would be a yield, i.e. a spin on a busy machine.
            Thread.Sleep((int)Math.Ceiling(left * 1000.0 / Stopwatch.Frequency));
        }
    }

    private bool Track(Socket socket)
    {
        lock (sockets)
        {
            if (stopping.IsCancellationRequested)
            {
                return false;
            }
            sockets.Add(socket);
            return true;
        }
    }

    private void Untrack(Socket socket)
    {
        lock (sockets)
        {
            sockets.Remove(socket);
        }
    }

    private static void Close(Socket socket, bool reset)
    {
        if (reset)
        {
            SocketReset.Reset(socket);
        }
        else
        {
            socket.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        List<Socket> open;
        lock (sockets)
        {
            if (stopping.IsCancellationRequested)
            {
                return;
            }
            stopping.Cancel();
            open = [.. sockets];
        }
        listener.Dispose();
        foreach (var socket in open)
        {
            SocketReset.Reset(socket);
        }
        await acceptLoop;
    }

    private readonly record struct Chunk(byte[] Bytes, int Length, long Due);
}
