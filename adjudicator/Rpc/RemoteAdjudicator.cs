using System.Net.Sockets;
using Log.Journal.Rpc;
using Log.Journal.Time;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Log.Adjudicator.Rpc;

/// <summary>
/// The adjudicator as a query node sees it when the shard runs in another process: the same
/// <see cref="IAdjudicator"/> contract over one reused TCP connection (see <see cref="AdjudicatorRpcServer"/> and the
/// shared <see cref="RpcChannel{TMessage}"/>). Many calls share the connection at once, matched to their replies by request id.
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
/// The cross-shard steps (<see cref="ICrossShardParticipant"/>) are retried the same way: a prepare carries its
/// transaction id like a commit (the shard answers a retry with its first outcome), a decide is answered with the
/// coordinator's first decision, and a resolve that arrives twice is learned once. A query node uses them to commit a
/// transaction over shards in other processes; an adjudicator uses them to ask a coordinator in another process about
/// an old prepare.
///
/// A caller that cancels gets <see cref="OperationCanceledException"/>, and the server is told to drop the request.
/// Thread-safe. Dispose closes the connection; calls in flight then fail.
/// </summary>
public sealed class RemoteAdjudicator : IAdjudicator, ICrossShardParticipant, IAsyncDisposable
{
    private readonly RpcChannel<RpcMessage> channel;
    private readonly AdjudicatorRpcOptions options;
    private readonly TimeProvider timeProvider;
    private readonly HybridClock? clock;
    private readonly ILogger logger;

    /// <param name="clock">The query node's hybrid clock: sent on every call and moved past every reply's. Without one
    /// the calls carry no clock.</param>
    public RemoteAdjudicator(string host, int port, AdjudicatorRpcOptions options, TimeProvider? timeProvider = null, ILogger? logger = null,
        HybridClock? clock = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        channel = new RpcChannel<RpcMessage>(host, port, AdjudicatorRpcProtocol.Instance, options.MaxFrameBytes, options.ConnectTimeout);
        this.options = options;
        this.timeProvider = timeProvider ?? TimeProvider.System;
        this.logger = logger ?? NullLogger.Instance;
        this.clock = clock;
    }

    /// <summary>HOST:PORT of the adjudicator, for messages.</summary>
    public string Endpoint => channel.Endpoint;

    /// <summary>How many connections were made (the first, then one per reconnect). For tests and metrics.</summary>
    public int ConnectionCount => channel.ConnectionCount;

    public Task<CommitResult> CommitAsync(CommitRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return DecisionCallAsync(remaining => new CommitCall(NextRequestId(), remaining, request), nameof(request), cancellationToken);
    }

    public Task<CommitResult> PrepareAsync(PrepareRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return DecisionCallAsync(remaining => new PrepareCall(NextRequestId(), remaining, request), nameof(request), cancellationToken);
    }

    public Task<CommitResult> DecideAsync(DecideRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return DecisionCallAsync(remaining => new DecideCall(NextRequestId(), remaining, request), nameof(request), cancellationToken);
    }

    /// <summary>Tells the participant the decision; throws <see cref="AdjudicatorFaultedException"/> when it could not be
    /// told in time (it then asks the coordinator itself).</summary>
    public async Task ResolveAsync(DecideRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var result = await DecisionCallAsync(remaining => new ResolveCall(NextRequestId(), remaining, request), nameof(request), cancellationToken)
            .ConfigureAwait(false);
        if (result.Outcome != CommitOutcome.Committed)
        {
            throw new AdjudicatorFaultedException($"The adjudicator at {Endpoint} did not learn the decision: {result.FailureReason}",
                new IOException(result.FailureReason));
        }
    }

    /// <summary>A call answered with a <see cref="CommitResult"/> (a commit, or a cross-shard step), sent again until it
    /// gets one or time runs out; then undecided calls are <see cref="CommitOutcome.Unavailable"/> and calls that may
    /// have been decided <see cref="CommitOutcome.OutcomeUnknown"/>.</summary>
    private async Task<CommitResult> DecisionCallAsync(Func<TimeSpan, RpcMessage> build, string parameterName, CancellationToken cancellationToken)
    {
        var mayHaveBeenDecided = false;
        var outcome = await CallWithRetriesAsync(build, lost => mayHaveBeenDecided |= lost, cancellationToken).ConfigureAwait(false);
        switch (outcome.Answer)
        {
            case CommitAnswer answer:
                return answer.Result;
            case ErrorAnswer { Code: RpcErrorCode.BadRequest } error:
                throw new ArgumentException(error.Message, parameterName);
            case ErrorAnswer { Code: RpcErrorCode.ClockOffset } error:
                // This attempt was refused before any decision; an earlier one that was lost may have been decided.
                return new CommitResult(mayHaveBeenDecided ? CommitOutcome.OutcomeUnknown : CommitOutcome.Unavailable,
                    HybridTimestamp.Zero, -1, null, error.Message);
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
            cancellationToken, options.CloseCallTimeout).ConfigureAwait(false);
        return outcome.Answer switch
        {
            FenceAnswer answer => answer.Fence,
            ErrorAnswer { Code: RpcErrorCode.BadRequest } error => throw new ArgumentException(error.Message, nameof(timestamp)),
            ErrorAnswer { Code: RpcErrorCode.ClockOffset } error => throw new AdjudicatorFaultedException(error.Message, new IOException(error.Message)),
            _ => throw new AdjudicatorFaultedException(
                $"The adjudicator at {Endpoint} could not be reached within {options.CloseCallTimeout.TotalSeconds:0.###} s: {outcome.LastProblem}",
                new IOException(outcome.LastProblem)),
        };
    }

    /// <summary>Sends a request (built afresh for each attempt, with the time left as its deadline) until it gets a
    /// decision or time runs out. <paramref name="onAttemptLost"/> hears, for each attempt that got no decision,
    /// whether it may have reached the adjudicator.</summary>
    private async Task<(RpcMessage? Answer, string LastProblem)> CallWithRetriesAsync(Func<TimeSpan, RpcMessage> build,
        Action<bool> onAttemptLost, CancellationToken cancellationToken, TimeSpan? callTimeout = null)
    {
        var deadline = timeProvider.GetUtcNow() + (callTimeout ?? options.CallTimeout);
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
                var call = build(remaining);
                var answer = await channel.CallAsync(clock is null ? call : call with { Clock = clock.Now() }, remaining, cancellationToken)
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

    private long NextRequestId() => channel.NextRequestId();

    public ValueTask DisposeAsync() => channel.DisposeAsync();
}
