using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net.Sockets;
using Log.Journal.Time;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Log.Adjudicator.Rpc;

/// <summary>
/// The adjudicator as a query node sees it when the shard runs in another process: the same
/// <see cref="IAdjudicator"/> contract over one reused TCP connection (see <see cref="AdjudicatorRpcServer"/>).
/// Many calls share the connection at once, matched to their replies by request id.
///
/// When the connection breaks or cannot be made, a call connects again (pauses doubling from
/// <see cref="AdjudicatorRpcOptions.ReconnectDelay"/>) and sends its request again, until
/// <see cref="AdjudicatorRpcOptions.CallTimeout"/> has passed. That is safe for a commit because it is sent again
/// with the same transaction id, which the shard answers with its first decision, and for a fence because closing a
/// timestamp twice promises nothing new. When time runs out, a commit that never reached the adjudicator is answered
/// <see cref="CommitOutcome.Unavailable"/> (not committed, retry later), one that may have reached it
/// <see cref="CommitOutcome.OutcomeUnknown"/>, and a fence throws <see cref="AdjudicatorFaultedException"/> (not
/// decided), as the in-process supervisor does while it rebuilds a shard.
///
/// A caller that cancels gets <see cref="OperationCanceledException"/>, and the server is told to drop the request.
/// Thread-safe. Dispose closes the connection; calls in flight then fail.
/// </summary>
public sealed class RemoteAdjudicator : IAdjudicator, IAsyncDisposable
{
    private readonly string host;
    private readonly int port;
    private readonly AdjudicatorRpcOptions options;
    private readonly TimeProvider timeProvider;
    private readonly HybridClock? clock;
    private readonly ILogger logger;
    private readonly SemaphoreSlim connecting = new(1, 1);
    private readonly CancellationTokenSource disposing = new();
    private ClientConnection? connection;
    private long lastRequestId;

    /// <param name="clock">The query node's hybrid clock: sent on every call and moved past every reply's. Without one
    /// the calls carry no clock.</param>
    public RemoteAdjudicator(string host, int port, AdjudicatorRpcOptions options, TimeProvider? timeProvider = null, ILogger? logger = null,
        HybridClock? clock = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(host);
        ArgumentOutOfRangeException.ThrowIfLessThan(port, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        this.host = host;
        this.port = port;
        this.options = options;
        this.timeProvider = timeProvider ?? TimeProvider.System;
        this.logger = logger ?? NullLogger.Instance;
        this.clock = clock;
    }

    /// <summary>HOST:PORT of the adjudicator, for messages.</summary>
    public string Endpoint => $"{host}:{port}";

    /// <summary>How many connections were made (the first, then one per reconnect). For tests and metrics.</summary>
    public int ConnectionCount { get; private set; }

    public async Task<CommitResult> CommitAsync(CommitRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var mayHaveBeenDecided = false;
        var outcome = await CallWithRetriesAsync(
            remaining => new CommitCall(NextRequestId(), remaining, request),
            lost => mayHaveBeenDecided |= lost,
            cancellationToken).ConfigureAwait(false);
        switch (outcome.Answer)
        {
            case CommitAnswer answer:
                return answer.Result;
            case ErrorAnswer { Code: RpcErrorCode.BadRequest } error:
                throw new ArgumentException(error.Message, nameof(request));
            case ErrorAnswer { Code: RpcErrorCode.ClockOffset } error:
                // Refused before any decision: not committed, and retrying is safe once the clocks agree again.
                return new CommitResult(CommitOutcome.Unavailable, HybridTimestamp.Zero, -1, null, error.Message);
            default:
                var reason = $"the adjudicator at {Endpoint} could not be reached within {options.CallTimeout.TotalSeconds:0.###} s: {outcome.LastProblem}";
                return mayHaveBeenDecided
                    ? new CommitResult(CommitOutcome.OutcomeUnknown, HybridTimestamp.Zero, -1, null, reason)
                    : new CommitResult(CommitOutcome.Unavailable, HybridTimestamp.Zero, -1, null, reason);
        }
    }

    public async Task<ReadFence> CloseTimestampAsync(HybridTimestamp timestamp, CancellationToken cancellationToken)
    {
        var outcome = await CallWithRetriesAsync(
            remaining => new CloseCall(NextRequestId(), remaining, timestamp),
            _ => { },
            cancellationToken).ConfigureAwait(false);
        return outcome.Answer switch
        {
            FenceAnswer answer => answer.Fence,
            ErrorAnswer { Code: RpcErrorCode.BadRequest } error => throw new ArgumentException(error.Message, nameof(timestamp)),
            ErrorAnswer { Code: RpcErrorCode.ClockOffset } error => throw new AdjudicatorFaultedException(error.Message, new IOException(error.Message)),
            _ => throw new AdjudicatorFaultedException(
                $"The adjudicator at {Endpoint} could not be reached within {options.CallTimeout.TotalSeconds:0.###} s: {outcome.LastProblem}",
                new IOException(outcome.LastProblem)),
        };
    }

    /// <summary>Sends a request (built afresh for each attempt, with the time left as its deadline) until it gets a
    /// decision or time runs out. <paramref name="onAttemptLost"/> hears, for each attempt that got no decision,
    /// whether it may have reached the adjudicator.</summary>
    private async Task<(RpcMessage? Answer, string LastProblem)> CallWithRetriesAsync(Func<TimeSpan, RpcMessage> build,
        Action<bool> onAttemptLost, CancellationToken cancellationToken)
    {
        var deadline = timeProvider.GetUtcNow() + options.CallTimeout;
        var pause = options.ReconnectDelay;
        var lastProblem = "no attempt was made";
        while (true)
        {
            var remaining = deadline - timeProvider.GetUtcNow();
            if (remaining <= TimeSpan.Zero)
            {
                return (null, lastProblem);
            }
            try
            {
                var open = await ConnectAsync(remaining, cancellationToken).ConfigureAwait(false);
                var call = build(remaining);
                var answer = await open.CallAsync(clock is null ? call : call with { Clock = clock.Now() }, remaining, cancellationToken)
                    .ConfigureAwait(false);
                ObserveClockOf(answer);
                if (answer is ErrorAnswer { Code: RpcErrorCode.Unavailable or RpcErrorCode.Cancelled } error)
                {
                    // Unavailable: refused undecided (the shard is rebuilding). Cancelled: its deadline passed there.
                    onAttemptLost(error.Code == RpcErrorCode.Cancelled);
                    lastProblem = error.Message;
                }
                else
                {
                    return (answer, lastProblem);
                }
            }
            catch (RpcConnectionLostException exception)
            {
                onAttemptLost(exception.MayHaveBeenSent);
                lastProblem = exception.Message;
            }
            catch (TimeoutException)
            {
                // Sent, and no reply in the time left: the loop ends with the time.
                onAttemptLost(true);
                lastProblem = "no reply in time";
                continue;
            }
            catch (Exception exception) when (exception is SocketException or IOException)
            {
                onAttemptLost(false);
                lastProblem = exception.Message;
            }
            logger.LogDebug("Adjudicator at {Endpoint} not reachable ({Problem}); trying again in {Pause}", Endpoint, lastProblem, pause);
            var left = deadline - timeProvider.GetUtcNow();
            if (left > TimeSpan.Zero)
            {
                await Task.Delay(pause < left ? pause : left, timeProvider, cancellationToken).ConfigureAwait(false);
            }
            pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, options.MaxReconnectDelay.Ticks));
        }
    }

    /// <summary>Moves this node's clock past the adjudicator's, unless that is further ahead than the maximum offset
    /// (the answer itself still counts: a commit it reports did happen).</summary>
    private void ObserveClockOf(RpcMessage answer)
    {
        if (clock is not null && !clock.TryObserve(answer.Clock, options.MaxClockOffset))
        {
            logger.LogError("The adjudicator at {Endpoint} has a clock {Ahead} ms ahead of this node's, beyond the maximum offset of {Max} ms",
                Endpoint, (long)clock.AheadOfPhysicalTime(answer.Clock).TotalMilliseconds, (long)options.MaxClockOffset.TotalMilliseconds);
        }
    }

    private long NextRequestId() => Interlocked.Increment(ref lastRequestId);

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
            attempt.CancelAfter(remaining < options.ConnectTimeout ? remaining : options.ConnectTimeout);
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
            open = new ClientConnection(socket, options.MaxFrameBytes);
            ConnectionCount++;
            Volatile.Write(ref connection, open);
            return open;
        }
        finally
        {
            connecting.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (disposing.IsCancellationRequested) return;
        disposing.Cancel();
        var open = Interlocked.Exchange(ref connection, null);
        if (open is not null) await open.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>One TCP connection: requests written under a lock, replies read by one loop and handed to their
    /// callers by request id. Broken for good at the first I/O error, when every call in flight fails.</summary>
    private sealed class ClientConnection : IAsyncDisposable
    {
        private readonly NetworkStream stream;
        private readonly int maxFrameBytes;
        private readonly ConcurrentDictionary<long, TaskCompletionSource<RpcMessage>> pending = new();
        private readonly SemaphoreSlim writeLock = new(1, 1);
        private readonly Task readLoop;
        private volatile bool broken;

        public ClientConnection(Socket socket, int maxFrameBytes)
        {
            stream = new NetworkStream(socket, ownsSocket: true);
            this.maxFrameBytes = maxFrameBytes;
            readLoop = Task.Run(ReadRepliesAsync);
        }

        public bool IsBroken => broken;

        public async Task<RpcMessage> CallAsync(RpcMessage call, TimeSpan timeout, CancellationToken cancellationToken)
        {
            var reply = new TaskCompletionSource<RpcMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
            pending[call.RequestId] = reply;
            try
            {
                if (broken)
                {
                    throw new RpcConnectionLostException("The connection to the adjudicator is closed.", mayHaveBeenSent: false);
                }
                await SendAsync(RpcCodec.EncodeFrame(call), call, cancellationToken).ConfigureAwait(false);
                try
                {
                    return await reply.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception exception) when (exception is TimeoutException or OperationCanceledException)
                {
                    // The server need not go on with a request no one waits for.
                    _ = SendCancelAsync(call.RequestId);
                    throw;
                }
            }
            finally
            {
                pending.TryRemove(call.RequestId, out _);
            }
        }

        private async Task SendAsync(ReadOnlyMemory<byte> frame, RpcMessage call, CancellationToken cancellationToken)
        {
            await writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                // Not cancelled part-way: half a frame would break the connection for every other call.
                await stream.WriteAsync(frame, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is IOException or SocketException or ObjectDisposedException)
            {
                Break();
                throw new RpcConnectionLostException($"Sending a {call.Kind} to the adjudicator failed: {exception.Message}",
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
                await SendAsync(RpcCodec.EncodeFrame(new CancelCall(requestId)), new CancelCall(requestId), CancellationToken.None).ConfigureAwait(false);
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
                    while (RpcCodec.TryReadFrame(ref buffer, maxFrameBytes, out var message))
                    {
                        if (pending.TryGetValue(message.RequestId, out var reply)) reply.TrySetResult(message);
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
                    problem is null ? "The adjudicator closed the connection." : $"The connection to the adjudicator broke: {problem.Message}",
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
