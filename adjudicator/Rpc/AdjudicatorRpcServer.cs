using Log.Journal.Rpc;
using Log.Journal.Time;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Log.Adjudicator.Rpc;

/// <summary>
/// Serves an <see cref="IAdjudicator"/> (a shard's supervisor) to query nodes, and its <see cref="ICrossShardParticipant"/>
/// part to query nodes and the other shards (prepare, decide, resolve), over TCP with the frames of
/// <see cref="RpcCodec"/>, through the shared transport (<see cref="RpcServer{TMessage}"/>: many requests per
/// connection, deadlines, cancellation, bounded requests in flight).
///
/// Retried commits are safe because the shard remembers decisions by transaction id (see
/// <see cref="RecentCommitOutcomes"/>), and so are retried cross-shard steps: a prepare is remembered like a commit, the
/// coordinator answers every decide with its first decision, and learning a decision twice changes nothing. This server
/// adds no state of its own beyond its connections.
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
    private readonly RpcServer<RpcMessage> server;

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
        server = new RpcServer<RpcMessage>(AdjudicatorRpcProtocol.Instance,
            options.ServerSettings,
            async (call, cancellationToken) => await AnswerAsync(call, cancellationToken).ConfigureAwait(false) with { Clock = clock.Now() },
            this.logger);
    }

    /// <summary>The port it listens on, once started (the chosen one when configured with 0).</summary>
    public int Port => server.Port;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        server.Start();
        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync() => server.DisposeAsync();

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
                case PrepareCall prepare:
                    return new CommitAnswer(call.RequestId, await Participant(call).PrepareAsync(prepare.Request, cancellationToken).ConfigureAwait(false));
                case DecideCall decide:
                    return new CommitAnswer(call.RequestId, await Participant(call).DecideAsync(decide.Request, cancellationToken).ConfigureAwait(false));
                case ResolveCall resolve:
                    await Participant(call).ResolveAsync(resolve.Request, cancellationToken).ConfigureAwait(false);
                    return new CommitAnswer(call.RequestId, new CommitResult(CommitOutcome.Committed, resolve.Request.CommitTimestamp, -1, null));
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

    /// <summary>The served adjudicator's part in cross-shard commits; one that takes no part refuses them as bad requests.</summary>
    private ICrossShardParticipant Participant(RpcMessage call) => adjudicator as ICrossShardParticipant
        ?? throw new ArgumentException($"This adjudicator takes no part in cross-shard commits ({call.Kind}).");

    /// <summary>Observes the caller's clock (and a commit's start timestamp, which the shard moves its clock to) unless
    /// it is further ahead of this clock than <see cref="AdjudicatorRpcOptions.MaxClockOffset"/>: then the call is
    /// refused undecided, so one node with a bad clock cannot push every commit timestamp into the future.</summary>
    private ErrorAnswer? RefuseClockOffset(RpcMessage call)
    {
        // The timestamps the shard moves its clock to: a start, or a decision's commit timestamp (another shard's clock).
        var start = call switch
        {
            CommitCall commit => commit.Request.StartTimestamp,
            PrepareCall prepare => prepare.Request.StartTimestamp,
            DecideCall decide => decide.Request.CommitTimestamp,
            ResolveCall resolve => resolve.Request.CommitTimestamp,
            _ => HybridTimestamp.Zero,
        };
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
}
