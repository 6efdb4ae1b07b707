using System.Buffers;
using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Log.Journal.Time;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Log.Adjudicator.Rpc;

/// <summary>
/// Serves an <see cref="IAdjudicator"/> (a shard's supervisor) to query nodes over TCP with the frames of
/// <see cref="RpcCodec"/>. Each connection carries many requests at once: a read loop decodes frames and starts each
/// request (at most <see cref="AdjudicatorRpcOptions.MaxRequestsInFlightPerConnection"/>, beyond which it stops
/// reading), and one write loop sends replies in the order they are ready, flushing once per batch. A request runs
/// until its deadline, a Cancel frame for its id, or the end of its connection, whichever comes first.
///
/// Retried commits are safe because the shard remembers decisions by transaction id (see
/// <see cref="RecentCommitOutcomes"/>); this server adds no state of its own beyond its connections.
///
/// A fence is taken at the later of the requested timestamp and this adjudicator's clock, and the reply says which:
/// a query node whose clock is behind still reads every commit acknowledged before it asked.
/// Lifetime: construct, <see cref="StartAsync"/>, then <see cref="DisposeAsync"/> (stops listening, closes every
/// connection, waits for their loops).
/// </summary>
public sealed class AdjudicatorRpcServer : IAsyncDisposable
{
    private readonly IAdjudicator adjudicator;
    private readonly HybridClock clock;
    private readonly AdjudicatorRpcOptions options;
    private readonly ILogger logger;
    private readonly CancellationTokenSource stopping = new();
    private readonly ConcurrentDictionary<ServerConnection, Task> connections = new();
    private TcpListener? listener;
    private Task acceptLoop = Task.CompletedTask;

    public AdjudicatorRpcServer(IAdjudicator adjudicator, HybridClock clock, AdjudicatorRpcOptions options, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(adjudicator);
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        this.adjudicator = adjudicator;
        this.clock = clock;
        this.options = options;
        this.logger = logger ?? NullLogger.Instance;
    }

    /// <summary>The port it listens on, once started (the chosen one when configured with 0).</summary>
    public int Port { get; private set; }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        listener = new TcpListener(options.ListenAddress, options.Port);
        listener.Start();
        Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        acceptLoop = Task.Run(() => AcceptAsync(listener, stopping.Token), CancellationToken.None);
        return Task.CompletedTask;
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
                logger.LogWarning(exception, "Accepting an adjudicator RPC connection failed");
                continue;
            }
            if (connections.Count >= options.MaxConnections)
            {
                logger.LogWarning("Refusing an adjudicator RPC connection: {Connections} are open (MaxConnections)", connections.Count);
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

    private async Task<RpcMessage> AnswerAsync(RpcMessage call, CancellationToken cancellationToken)
    {
        if (RefuseClockOffset(call) is { } refusal)
        {
            return refusal;
        }
        try
        {
            switch (call)
            {
                case CommitCall commit:
                    return new CommitAnswer(call.RequestId, await adjudicator.CommitAsync(commit.Request, cancellationToken).ConfigureAwait(false));
                case CloseCall close:
                    var at = HybridTimestamp.Max(close.Timestamp, clock.Now());
                    var fence = await adjudicator.CloseTimestampAsync(at, cancellationToken).ConfigureAwait(false);
                    return new FenceAnswer(call.RequestId, fence with { Timestamp = HybridTimestamp.Max(fence.Timestamp, at) });
                default:
                    return new ErrorAnswer(call.RequestId, RpcErrorCode.BadRequest, $"{call.Kind} is not a request.");
            }
        }
        catch (ArgumentException exception)
        {
            return new ErrorAnswer(call.RequestId, RpcErrorCode.BadRequest, exception.Message);
        }
        catch (Exception exception) when (exception is AdjudicatorFaultedException or ObjectDisposedException or InvalidOperationException)
        {
            // Refused before a decision: the shard is rebuilding, starting or stopping.
            return new ErrorAnswer(call.RequestId, RpcErrorCode.Unavailable, exception.Message);
        }
        catch (OperationCanceledException)
        {
            return new ErrorAnswer(call.RequestId, RpcErrorCode.Cancelled, "The request's deadline passed or its client cancelled it.");
        }
    }

    /// <summary>Observes the caller's clock (and a commit's start timestamp, which the shard moves its clock to) unless
    /// it is further ahead of this clock than <see cref="AdjudicatorRpcOptions.MaxClockOffset"/>: then the call is
    /// refused undecided, so one node with a bad clock cannot push every commit timestamp into the future.</summary>
    private ErrorAnswer? RefuseClockOffset(RpcMessage call)
    {
        var start = call is CommitCall commit ? commit.Request.StartTimestamp : HybridTimestamp.Zero;
        foreach (var timestamp in (ReadOnlySpan<HybridTimestamp>)[call.Clock, start])
        {
            if (!clock.TryObserve(timestamp, options.MaxClockOffset))
            {
                var ahead = clock.AheadOfPhysicalTime(timestamp);
                logger.LogError("Refused a {Kind}: the query node's clock is {Ahead} ms ahead of this adjudicator's (maximum offset {Max} ms)",
                    call.Kind, (long)ahead.TotalMilliseconds, (long)options.MaxClockOffset.TotalMilliseconds);
                return new ErrorAnswer(call.RequestId, RpcErrorCode.ClockOffset,
                    $"the query node's clock is {(long)ahead.TotalMilliseconds} ms ahead of the adjudicator's, beyond the maximum clock offset of {(long)options.MaxClockOffset.TotalMilliseconds} ms");
            }
        }
        return null;
    }

    /// <summary>One client connection: its read loop, its write loop and its requests in flight.</summary>
    private sealed class ServerConnection(AdjudicatorRpcServer server, Socket socket)
    {
        private readonly NetworkStream stream = new(socket, ownsSocket: true);
        private readonly ConcurrentDictionary<long, CancellationTokenSource> inFlight = new();
        private readonly SemaphoreSlim requestSlots = new(server.options.MaxRequestsInFlightPerConnection);
        private readonly Channel<ReadOnlyMemory<byte>> replies = Channel.CreateBounded<ReadOnlyMemory<byte>>(
            new BoundedChannelOptions(server.options.MaxQueuedRepliesPerConnection) { SingleReader = true });
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
                    server.logger.LogWarning(exception, "Closing an adjudicator RPC connection that sent a bad frame");
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
                    while (RpcCodec.TryReadFrame(ref buffer, server.options.MaxFrameBytes, out var message))
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

        private async ValueTask StartAsync(RpcMessage message, CancellationToken cancellationToken)
        {
            if (message is CancelCall)
            {
                if (inFlight.TryGetValue(message.RequestId, out var request)) CancelQuietly(request);
                return;
            }
            var deadline = message switch
            {
                CommitCall commit => commit.Deadline,
                CloseCall close => close.Deadline,
                _ => throw new InvalidDataException($"A client sent a {message.Kind}, which is not a request."),
            };
            await requestSlots.WaitAsync(cancellationToken).ConfigureAwait(false);
            var requestCancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            requestCancellation.CancelAfter(deadline);
            if (!inFlight.TryAdd(message.RequestId, requestCancellation))
            {
                requestSlots.Release();
                requestCancellation.Dispose();
                throw new InvalidDataException($"A client reused request id {message.RequestId} while it was in flight.");
            }
            _ = ServeRequestAsync(message, requestCancellation);
        }

        private async Task ServeRequestAsync(RpcMessage message, CancellationTokenSource requestCancellation)
        {
            try
            {
                var answer = await server.AnswerAsync(message, requestCancellation.Token).ConfigureAwait(false);
                var frame = RpcCodec.EncodeFrame(answer with { Clock = server.clock.Now() });
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
                inFlight.TryRemove(message.RequestId, out _);
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
