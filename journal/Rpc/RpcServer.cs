using System.Buffers;
using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Log.Journal.Rpc;

/// <summary>Where a role's RPC server listens and how much one connection may ask of it (each role's options fill it).</summary>
public sealed record RpcServerSettings(
    IPAddress ListenAddress,
    int Port,
    int MaxFrameBytes,
    int MaxRequestsInFlightPerConnection,
    int MaxQueuedRepliesPerConnection,
    int MaxConnections);

/// <summary>
/// Serves one role's requests over TCP with the frames of <see cref="RpcFrames"/>. Each connection carries many requests
/// at once: a read loop decodes frames and starts each request (at most
/// <see cref="RpcServerSettings.MaxRequestsInFlightPerConnection"/>, beyond which it stops reading, so a client that
/// sends faster than the role answers is slowed down by TCP), and one write loop sends replies in the order they are
/// ready, flushing once per batch. A request runs until its deadline, a cancellation for its id, or the end of its
/// connection, whichever comes first. The answer function owns everything else (what the request means, the clock).
/// Lifetime: construct, <see cref="Start"/>, then <see cref="DisposeAsync"/> (stops listening, closes every
/// connection, waits for their loops).
/// </summary>
public sealed class RpcServer<TMessage> : IAsyncDisposable where TMessage : class
{
    private readonly IRpcProtocol<TMessage> protocol;
    private readonly RpcServerSettings settings;
    private readonly Func<TMessage, CancellationToken, Task<TMessage>> answer;
    private readonly ILogger logger;
    private readonly CancellationTokenSource stopping = new();
    private readonly ConcurrentDictionary<ServerConnection, Task> connections = new();
    private TcpListener? listener;
    private Task acceptLoop = Task.CompletedTask;

    /// <param name="answer">Answers one request; runs concurrently with others, and must answer rather than throw
    /// (an exception drops the request, and its client waits until its deadline).</param>
    public RpcServer(IRpcProtocol<TMessage> protocol, RpcServerSettings settings, Func<TMessage, CancellationToken, Task<TMessage>> answer,
        ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(protocol);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(answer);
        ArgumentNullException.ThrowIfNull(logger);
        this.protocol = protocol;
        this.settings = settings;
        this.answer = answer;
        this.logger = logger;
    }

    /// <summary>The port it listens on, once started (the chosen one when configured with 0).</summary>
    public int Port { get; private set; }

    /// <summary>Connections open now.</summary>
    public int ConnectionCount => connections.Count;

    public void Start()
    {
        listener = new TcpListener(settings.ListenAddress, settings.Port);
        listener.Start();
        Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        acceptLoop = Task.Run(() => AcceptAsync(listener, stopping.Token), CancellationToken.None);
    }

    private async Task AcceptAsync(TcpListener listening, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listening.AcceptSocketAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                if (cancellationToken.IsCancellationRequested) return;
                logger.LogWarning(exception, "Accepting an RPC connection for {Peer} failed", protocol.PeerName);
                continue;
            }
            if (connections.Count >= settings.MaxConnections)
            {
                logger.LogWarning("Refusing an RPC connection to {Peer}: {Connections} are open (MaxConnections)", protocol.PeerName, connections.Count);
                socket.Dispose();
                continue;
            }
            socket.NoDelay = true;
            var connection = new ServerConnection(this, socket);
            connections[connection] = connection.ServeAsync(cancellationToken)
                .ContinueWith(_ => connections.TryRemove(connection, out Task? _), TaskScheduler.Default);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (stopping.IsCancellationRequested) return;
        stopping.Cancel();
        listener?.Stop();
        await acceptLoop.ConfigureAwait(false);
        foreach (var connection in connections.Keys) connection.Close();
        await Task.WhenAll(connections.Values).ConfigureAwait(false);
        stopping.Dispose();
    }

    /// <summary>One client connection: its read loop, its write loop and its requests in flight.</summary>
    private sealed class ServerConnection(RpcServer<TMessage> server, Socket socket)
    {
        private readonly NetworkStream stream = new(socket, ownsSocket: true);
        private readonly ConcurrentDictionary<long, CancellationTokenSource> inFlight = new();
        private readonly SemaphoreSlim requestSlots = new(server.settings.MaxRequestsInFlightPerConnection);
        private readonly Channel<ReadOnlyMemory<byte>> replies = Channel.CreateBounded<ReadOnlyMemory<byte>>(
            new BoundedChannelOptions(server.settings.MaxQueuedRepliesPerConnection) { SingleReader = true });
        private readonly CancellationTokenSource closing = new();

        public void Close()
        {
            try
            {
                closing.Cancel();
            }
            catch (ObjectDisposedException)
            {
            }
        }

        public async Task ServeAsync(CancellationToken serverStopping)
        {
            using var registration = serverStopping.Register(Close);
            var writing = Task.Run(() => WriteRepliesAsync(closing.Token), CancellationToken.None);
            try
            {
                await ReadRequestsAsync(closing.Token).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is IOException or SocketException or InvalidDataException or OperationCanceledException or ObjectDisposedException)
            {
                if (exception is InvalidDataException)
                {
                    server.logger.LogWarning(exception, "Closing an RPC connection to {Peer} that sent a bad frame", server.protocol.PeerName);
                }
            }
            finally
            {
                Close();
                foreach (var request in inFlight.Values) CancelQuietly(request);
                replies.Writer.TryComplete();
                await writing.ConfigureAwait(false);
                await stream.DisposeAsync().ConfigureAwait(false);
            }
        }

        private async Task ReadRequestsAsync(CancellationToken cancellationToken)
        {
            var reader = PipeReader.Create(stream);
            try
            {
                while (true)
                {
                    var read = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                    var buffer = read.Buffer;
                    while (server.protocol.TryReadFrame(ref buffer, server.settings.MaxFrameBytes, out var message))
                    {
                        await StartAsync(message, cancellationToken).ConfigureAwait(false);
                    }
                    reader.AdvanceTo(buffer.Start, buffer.End);
                    if (read.IsCompleted) return;
                }
            }
            finally
            {
                await reader.CompleteAsync().ConfigureAwait(false);
            }
        }

        private async ValueTask StartAsync(TMessage message, CancellationToken cancellationToken)
        {
            var requestId = server.protocol.RequestIdOf(message);
            if (server.protocol.IsCancel(message, out var deadline))
            {
                if (inFlight.TryGetValue(requestId, out var request)) CancelQuietly(request);
                return;
            }
            await requestSlots.WaitAsync(cancellationToken).ConfigureAwait(false);
            var requestCancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            requestCancellation.CancelAfter(deadline);
            if (!inFlight.TryAdd(requestId, requestCancellation))
            {
                requestSlots.Release();
                requestCancellation.Dispose();
                throw new InvalidDataException($"A client reused request id {requestId} while it was in flight.");
            }
            _ = ServeRequestAsync(message, requestId, requestCancellation);
        }

        private async Task ServeRequestAsync(TMessage message, long requestId, CancellationTokenSource requestCancellation)
        {
            try
            {
                var reply = await server.answer(message, requestCancellation.Token).ConfigureAwait(false);
                var frame = server.protocol.EncodeFrame(reply);
                if (!replies.Writer.TryWrite(frame))
                {
                    await replies.Writer.WriteAsync(frame, closing.Token).ConfigureAwait(false);
                }
            }
            catch (Exception exception) when (exception is ChannelClosedException or OperationCanceledException or ObjectDisposedException)
            {
                // The connection is gone: the client sends the request again on another one if it still wants it.
            }
            finally
            {
                inFlight.TryRemove(requestId, out _);
                requestCancellation.Dispose();
                requestSlots.Release();
            }
        }

        private async Task WriteRepliesAsync(CancellationToken cancellationToken)
        {
            var writer = PipeWriter.Create(stream, new StreamPipeWriterOptions(leaveOpen: true));
            try
            {
                while (await replies.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    // Every reply ready now goes out in one flush.
                    while (replies.Reader.TryRead(out var frame))
                    {
                        writer.Write(frame.Span);
                    }
                    await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
                }
            }
            catch (Exception exception) when (exception is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
                Close();
            }
            finally
            {
                await writer.CompleteAsync().ConfigureAwait(false);
            }
        }

        private static void CancelQuietly(CancellationTokenSource source)
        {
            try
            {
                source.Cancel();
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }
}
