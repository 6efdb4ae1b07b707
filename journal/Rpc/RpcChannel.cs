using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net.Sockets;

namespace Log.Journal.Rpc;

/// <summary>
/// A client's way to one role's RPC server: one reused TCP connection that many calls share at once, matched to their
/// replies by request id, made again (lazily, by the next call) once it breaks. A call that cannot be sent, or whose
/// connection breaks before its reply, fails with <see cref="RpcConnectionLostException"/> (saying whether the request
/// may have reached the server); one with no reply within its timeout with <see cref="TimeoutException"/>; a cancelled
/// one with <see cref="OperationCanceledException"/>. In the last two cases the server is told to drop the request.
/// Whether and how to try again is the caller's decision (it depends on what the request does). Thread-safe; dispose
/// closes the connection, and calls in flight then fail.
/// </summary>
public sealed class RpcChannel<TMessage> : IAsyncDisposable where TMessage : class
{
    private readonly string host;
    private readonly int port;
    private readonly IRpcProtocol<TMessage> protocol;
    private readonly int maxFrameBytes;
    private readonly TimeSpan connectTimeout;
    private readonly SemaphoreSlim connecting = new(1, 1);
    private readonly CancellationTokenSource disposing = new();
    private ClientConnection? connection;
    private long lastRequestId;
    private int connectionCount;

    public RpcChannel(string host, int port, IRpcProtocol<TMessage> protocol, int maxFrameBytes, TimeSpan connectTimeout)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(host);
        ArgumentOutOfRangeException.ThrowIfLessThan(port, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
        ArgumentNullException.ThrowIfNull(protocol);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(connectTimeout, TimeSpan.Zero);
        this.host = host;
        this.port = port;
        this.protocol = protocol;
        this.maxFrameBytes = maxFrameBytes;
        this.connectTimeout = connectTimeout;
    }

    /// <summary>HOST:PORT of the server, for messages.</summary>
    public string Endpoint => $"{host}:{port}";

    /// <summary>How many connections were made (the first, then one per reconnect). For tests and metrics.</summary>
    public int ConnectionCount => Volatile.Read(ref connectionCount);

    /// <summary>Whether the last connection is open (false before the first call and after a break).</summary>
    public bool IsConnected => Volatile.Read(ref connection) is { IsBroken: false };

    /// <summary>A request id not used before on this channel.</summary>
    public long NextRequestId() => Interlocked.Increment(ref lastRequestId);

    /// <summary>Sends <paramref name="call"/> (connecting first if needed, within <paramref name="timeout"/>) and waits for
    /// its reply for the rest of <paramref name="timeout"/>.</summary>
    public async Task<TMessage> CallAsync(TMessage call, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var open = await ConnectAsync(timeout, cancellationToken).ConfigureAwait(false);
        return await open.CallAsync(call, timeout, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<ClientConnection> ConnectAsync(TimeSpan remaining, CancellationToken cancellationToken)
    {
        var open = Volatile.Read(ref connection);
        if (open is { IsBroken: false })
        {
            return open;
        }
        await connecting.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            open = connection;
            if (open is { IsBroken: false })
            {
                return open;
            }
            ObjectDisposedException.ThrowIf(disposing.IsCancellationRequested, this);
            using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, disposing.Token);
            attempt.CancelAfter(remaining < connectTimeout ? remaining : connectTimeout);
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(host, port, attempt.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                socket.Dispose();
                throw new SocketException((int)SocketError.TimedOut);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
            if (open is not null) await open.DisposeAsync().ConfigureAwait(false);
            open = new ClientConnection(socket, protocol, maxFrameBytes);
            Interlocked.Increment(ref connectionCount);
            Volatile.Write(ref connection, open);
            return open;
        }
        finally
        {
            connecting.Release();
        }
    }

    /// <summary>Closes the connection now (a test's way to make the next call reconnect).</summary>
    public async ValueTask DropConnectionAsync()
    {
        var open = Interlocked.Exchange(ref connection, null);
        if (open is not null) await open.DisposeAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (disposing.IsCancellationRequested) return;
        disposing.Cancel();
        await DropConnectionAsync().ConfigureAwait(false);
    }

    /// <summary>One TCP connection: requests written under a lock, replies read by one loop and handed to their
    /// callers by request id. Broken for good at the first I/O error, when every call in flight fails.</summary>
    private sealed class ClientConnection : IAsyncDisposable
    {
        private readonly NetworkStream stream;
        private readonly IRpcProtocol<TMessage> protocol;
        private readonly int maxFrameBytes;
        private readonly ConcurrentDictionary<long, TaskCompletionSource<TMessage>> pending = new();
        private readonly SemaphoreSlim writeLock = new(1, 1);
        private readonly Task readLoop;
        private volatile bool broken;

        public ClientConnection(Socket socket, IRpcProtocol<TMessage> protocol, int maxFrameBytes)
        {
            stream = new NetworkStream(socket, ownsSocket: true);
            this.protocol = protocol;
            this.maxFrameBytes = maxFrameBytes;
            readLoop = Task.Run(ReadRepliesAsync);
        }

        public bool IsBroken => broken;

        public async Task<TMessage> CallAsync(TMessage call, TimeSpan timeout, CancellationToken cancellationToken)
        {
            var requestId = protocol.RequestIdOf(call);
            var reply = new TaskCompletionSource<TMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
            pending[requestId] = reply;
            try
            {
                if (broken)
                {
                    throw new RpcConnectionLostException($"The connection to {protocol.PeerName} is closed.", mayHaveBeenSent: false);
                }
                await SendAsync(call, cancellationToken).ConfigureAwait(false);
                try
                {
                    return await reply.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception exception) when (exception is TimeoutException or OperationCanceledException)
                {
                    // The server need not go on with a request no one waits for.
                    _ = SendCancelAsync(requestId);
                    throw;
                }
            }
            finally
            {
                pending.TryRemove(requestId, out _);
            }
        }

        private async Task SendAsync(TMessage call, CancellationToken cancellationToken)
        {
            var frame = protocol.EncodeFrame(call);
            await writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                // Not cancelled part-way: half a frame would break the connection for every other call.
                await stream.WriteAsync(frame, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is IOException or SocketException or ObjectDisposedException)
            {
                Break();
                throw new RpcConnectionLostException($"Sending a {protocol.KindOf(call)} to {protocol.PeerName} failed: {exception.Message}",
                    mayHaveBeenSent: true, exception);
            }
            finally
            {
                writeLock.Release();
            }
        }

        private async Task SendCancelAsync(long requestId)
        {
            if (broken) return;
            try
            {
                await SendAsync(protocol.CancelOf(requestId), CancellationToken.None).ConfigureAwait(false);
            }
            catch (RpcConnectionLostException)
            {
                // Then the server drops the request with the connection.
            }
        }

        private async Task ReadRepliesAsync()
        {
            var reader = PipeReader.Create(stream, new StreamPipeReaderOptions(leaveOpen: true));
            Exception? problem = null;
            try
            {
                while (true)
                {
                    var read = await reader.ReadAsync().ConfigureAwait(false);
                    var buffer = read.Buffer;
                    while (protocol.TryReadFrame(ref buffer, maxFrameBytes, out var message))
                    {
                        if (pending.TryGetValue(protocol.RequestIdOf(message), out var reply)) reply.TrySetResult(message);
                    }
                    reader.AdvanceTo(buffer.Start, buffer.End);
                    if (read.IsCompleted) break;
                }
            }
            catch (Exception exception)
            {
                problem = exception;
            }
            finally
            {
                await reader.CompleteAsync().ConfigureAwait(false);
                Break();
                var lost = new RpcConnectionLostException(
                    problem is null ? $"The connection was closed by {protocol.PeerName}." : $"The connection to {protocol.PeerName} broke: {problem.Message}",
                    mayHaveBeenSent: true, problem);
                foreach (var reply in pending.Values) reply.TrySetException(lost);
            }
        }

        private void Break()
        {
            broken = true;
            stream.Dispose();
        }

        public async ValueTask DisposeAsync()
        {
            Break();
            await readLoop.ConfigureAwait(false);
        }
    }
}
