using Log.Journal.Time;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Log.Adjudicator;

/// <summary>
/// Keeps one <see cref="AdjudicatorShard"/> serving. A shard that faults (an append whose outcome
/// is unknown, a failed start) can no longer promise anything about its partition, and a shard's
/// state is soft: so the supervisor stops it (draining what it has in flight) and starts a new one
/// from the same factory, which appends a new EpochStart and rebuilds from the partition. Attempts
/// go on, <see cref="AdjudicatorOptions.RecoveryRetryDelay"/> apart, until the supervisor is stopped.
///
/// Calls made meanwhile wait for the new shard, at most <see cref="AdjudicatorOptions.RecoveryWaitTimeout"/>;
/// past it a commit is answered <see cref="CommitOutcome.Unavailable"/> and a close throws
/// <see cref="AdjudicatorFaultedException"/>. A call that a faulted shard refused is sent again to
/// the new one: a faulted shard refuses only what it has not decided.
///
/// The factory must give every shard the same <see cref="HybridClock"/>, so that timestamps closed
/// by an earlier shard stay closed for the next one (the clock never goes back).
/// Thread-safe. Construct, <see cref="StartAsync"/> once, then <see cref="DisposeAsync"/>.
/// </summary>
public sealed class AdjudicatorSupervisor : IAdjudicator, ICrossShardParticipant, IAsyncDisposable
{
    private readonly Func<AdjudicatorShard> createShard;
    private readonly AdjudicatorOptions options;
    private readonly ILogger logger;
    private readonly CancellationTokenSource stopping = new();
    private readonly Lock gate = new();
    private TaskCompletionSource<AdjudicatorShard> current = NewSlot();
    private AdjudicatorShard? serving;
    private Task recovery = Task.CompletedTask;
    // Set once a newer adjudicator took over the partition: this one never writes it again.
    private string? steppedDown;
    private int rebuildCount;
    private int disposed;

    /// <param name="createShard">Builds a new, unstarted shard (with the shared clock and journal clients).</param>
    /// <param name="options">The shards' options: the supervisor uses its recovery settings.</param>
    public AdjudicatorSupervisor(Func<AdjudicatorShard> createShard, AdjudicatorOptions options, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(createShard);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        this.createShard = createShard;
        this.options = options;
        this.logger = logger ?? NullLogger.Instance;
    }

    /// <summary>Why this supervisor stopped for good: another adjudicator started for the same partition after it and
    /// fenced it (see the README, "Fencing"). Null while it serves or rebuilds.</summary>
    public string? SteppedDownReason => Volatile.Read(ref steppedDown);

    /// <summary>How many times a faulted shard has been replaced.</summary>
    public int RebuildCount => Volatile.Read(ref rebuildCount);

    /// <summary>The shard serving now, or null while one is being rebuilt. For tests and metrics.</summary>
    public AdjudicatorShard? Current
    {
        get
        {
            lock (gate)
            {
                return serving;
            }
        }
    }

    /// <summary>Starts the first shard; its failure to start is this call's failure.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var shard = createShard();
        try
        {
            await shard.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await shard.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        Install(shard);
    }

    public async Task<CommitResult> CommitAsync(CommitRequest request, CancellationToken cancellationToken)
    {
        long startedAt = System.Diagnostics.Stopwatch.GetTimestamp();
        CommitResult result = await CommitThroughServingShardAsync(request, cancellationToken).ConfigureAwait(false);
        AdjudicatorMetrics.Record(result.Outcome, startedAt);
        return result;
    }

    private Task<CommitResult> CommitThroughServingShardAsync(CommitRequest request, CancellationToken cancellationToken) =>
        ThroughServingShardAsync(shard => shard.CommitAsync(request, cancellationToken), cancellationToken);

    public Task<CommitResult> PrepareAsync(PrepareRequest request, CancellationToken cancellationToken) =>
        ThroughServingShardAsync(shard => shard.PrepareAsync(request, cancellationToken), cancellationToken);

    public Task<CommitResult> DecideAsync(DecideRequest request, CancellationToken cancellationToken) =>
        ThroughServingShardAsync(shard => shard.DecideAsync(request, cancellationToken), cancellationToken);

    public Task ResolveAsync(DecideRequest request, CancellationToken cancellationToken) =>
        ThroughServingShardAsync(async shard =>
        {
            await shard.ResolveAsync(request, cancellationToken).ConfigureAwait(false);
            return new CommitResult(CommitOutcome.Committed, request.CommitTimestamp, -1, null);
        }, cancellationToken);

    /// <summary>Sends one undecided call to the serving shard, again to its replacement when it faults.</summary>
    private async Task<CommitResult> ThroughServingShardAsync(Func<AdjudicatorShard, Task<CommitResult>> call, CancellationToken cancellationToken)
    {
        DateTimeOffset? giveUpAt = null;
        while (true)
        {
            var shard = await ServingShardAsync(giveUpAt, cancellationToken).ConfigureAwait(false);
            if (shard is null)
            {
                return new CommitResult(CommitOutcome.Unavailable, HybridTimestamp.Zero, -1, null, SteppedDownReason ??
                    $"the adjudicator is rebuilding itself from the journal after a journal failure and did not come back within {options.RecoveryWaitTimeout.TotalSeconds:0} s");
            }
            try
            {
                return await call(shard).ConfigureAwait(false);
            }
            catch (Exception exception) when (IsUndecided(exception, shard))
            {
                giveUpAt ??= options.TimeProvider.GetUtcNow() + options.RecoveryWaitTimeout;
                BeginRecovery(shard, exception);
            }
        }
    }

    public async Task<ReadFence> CloseTimestampAsync(HybridTimestamp timestamp, CancellationToken cancellationToken)
    {
        DateTimeOffset? giveUpAt = null;
        while (true)
        {
            var shard = await ServingShardAsync(giveUpAt, cancellationToken).ConfigureAwait(false)
                ?? throw new AdjudicatorFaultedException(SteppedDownReason ??
                    $"The adjudicator is rebuilding itself from the journal and did not come back within {options.RecoveryWaitTimeout.TotalSeconds:0} s.",
                    new TimeoutException());
            try
            {
                return await shard.CloseTimestampAsync(timestamp, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (IsUndecided(exception, shard))
            {
                giveUpAt ??= options.TimeProvider.GetUtcNow() + options.RecoveryWaitTimeout;
                BeginRecovery(shard, exception);
            }
        }
    }

    /// <summary>A faulted shard's refusal, or a stopped shard's that the supervisor is replacing:
    /// the request was not decided, so it may go to the next shard.</summary>
    private bool IsUndecided(Exception exception, AdjudicatorShard shard) =>
        !stopping.IsCancellationRequested
        && (exception is AdjudicatorFaultedException
            || (exception is ObjectDisposedException && shard.Failure.IsCompleted));

    /// <summary>The serving shard, waiting for a rebuild if one is under way; null once
    /// <paramref name="giveUpAt"/> has passed.</summary>
    private async Task<AdjudicatorShard?> ServingShardAsync(DateTimeOffset? giveUpAt, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) != 0, this);
        Task<AdjudicatorShard> slot;
        lock (gate)
        {
            slot = current.Task;
        }
        if (slot.IsCompletedSuccessfully)
        {
            return slot.Result;
        }
        if (SteppedDownReason is not null)
        {
            return null;
        }
        if (giveUpAt is null)
        {
            // Not yet seen a failure in this call: the shard is being rebuilt; wait as long as for a failure.
            giveUpAt = options.TimeProvider.GetUtcNow() + options.RecoveryWaitTimeout;
        }
        var remaining = giveUpAt.Value - options.TimeProvider.GetUtcNow();
        if (remaining <= TimeSpan.Zero)
        {
            return null;
        }
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, stopping.Token);
        try
        {
            return await slot.WaitAsync(remaining, options.TimeProvider, stop.Token).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return null;
        }
        catch (AdjudicatorFaultedException) when (SteppedDownReason is not null)
        {
            return null;
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new ObjectDisposedException(nameof(AdjudicatorSupervisor), "The adjudicator is stopping.");
        }
    }

    private void Install(AdjudicatorShard shard)
    {
        lock (gate)
        {
            serving = shard;
            current.TrySetResult(shard);
        }
        _ = WatchAsync(shard);
    }

    private async Task WatchAsync(AdjudicatorShard shard)
    {
        Exception cause;
        try
        {
            cause = await shard.Failure.WaitAsync(stopping.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        BeginRecovery(shard, cause);
    }

    /// <summary>Replaces <paramref name="failed"/> unless that is already done or under way. Whoever
    /// notices first (the watcher, or a call that the shard refused) starts it.</summary>
    private void BeginRecovery(AdjudicatorShard failed, Exception cause)
    {
        lock (gate)
        {
            if (!ReferenceEquals(serving, failed) || stopping.IsCancellationRequested)
            {
                return;
            }
            serving = null;
            current = NewSlot();
            recovery = Task.Run(() => RecoverAsync(failed, cause));
        }
    }

    private async Task RecoverAsync(AdjudicatorShard failed, Exception cause)
    {
        AdjudicatorLog.Rebuilding(logger, options.Shard, options.Partition, cause);
        // Its in-flight appends finish (or time out) first, so the new shard's replay sees them.
        await failed.DisposeAsync().ConfigureAwait(false);
        if (FenceOf(failed, cause) is { } fenced && await FindNewerEpochAsync(failed, fenced).ConfigureAwait(false) is { } newer)
        {
            // Rebuilding would append an EpochStart above the newer adjudicator's and fence it in turn: two writers
            // taking the partition from each other forever. The one started last keeps it.
            var reason = $"adjudicator shard {options.Shard} stepped down: another adjudicator took over journal partition {options.Partition} with epoch {newer} (this one wrote epoch {failed.Epoch})";
            logger.LogError("{Reason}", reason);
            lock (gate)
            {
                Volatile.Write(ref steppedDown, reason);
                current.TrySetException(new AdjudicatorFaultedException(reason, fenced));
            }
            return;
        }
        while (!stopping.IsCancellationRequested)
        {
            var shard = createShard();
            try
            {
                await shard.StartAsync(stopping.Token).ConfigureAwait(false);
                Interlocked.Increment(ref rebuildCount);
                Install(shard);
                return;
            }
            catch (Exception exception)
            {
                await shard.DisposeAsync().ConfigureAwait(false);
                if (stopping.IsCancellationRequested)
                {
                    return;
                }
                AdjudicatorLog.RebuildFailed(logger, options.Shard, exception);
            }
            try
            {
                await Task.Delay(options.RecoveryRetryDelay, options.TimeProvider, stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>The fence that stopped <paramref name="failed"/>, if one did. A call the shard refused may begin the
    /// recovery before the shard's own failure is published, with the refusal (which wraps the fence) as its cause.</summary>
    private static WriterFencedException? FenceOf(AdjudicatorShard failed, Exception cause)
    {
        if (failed.Failure.IsCompletedSuccessfully && failed.Failure.Result is WriterFencedException recorded)
        {
            return recorded;
        }
        for (Exception? exception = cause; exception is not null; exception = exception.InnerException)
        {
            if (exception is WriterFencedException fenced)
            {
                return fenced;
            }
        }
        return null;
    }

    /// <summary>The newer epoch that fenced <paramref name="failed"/>, or null (not found, or the gap could not be read:
    /// then rebuilding is the safe default, it only delays the newer writer).</summary>
    private async Task<long?> FindNewerEpochAsync(AdjudicatorShard failed, WriterFencedException fenced)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping.Token);
        timeout.CancelAfter(options.RecoveryWaitTimeout);
        try
        {
            return await failed.FindNewerEpochAsync(fenced, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !stopping.IsCancellationRequested)
        {
            logger.LogWarning(exception, "Could not read what fenced adjudicator shard {Shard}; rebuilding it", options.Shard);
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }
        Task pendingRecovery;
        AdjudicatorShard? shard;
        await stopping.CancelAsync().ConfigureAwait(false);
        lock (gate)
        {
            pendingRecovery = recovery;
            shard = serving;
            serving = null;
        }
        try
        {
            await pendingRecovery.ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            logger.LogWarning(exception, "Rebuilding the adjudicator shard ended with an error while stopping");
        }
        lock (gate)
        {
            // A rebuild that finished while we waited installed its shard: stop that one too.
            shard ??= serving;
            serving = null;
        }
        if (shard is not null)
        {
            await shard.DisposeAsync().ConfigureAwait(false);
        }
        // stopping is not disposed: a watcher of a shard installed while stopping may still read its token.
    }

    private static TaskCompletionSource<AdjudicatorShard> NewSlot() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
