using System.Diagnostics;
using System.Threading.Channels;
using Log.Journal.Client;
using Log.Journal.Records;
using Log.Journal.Time;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Log.Adjudicator;

/// <summary>
/// One adjudicator shard: the only writer of one journal partition. It checks each commit
/// request against its <see cref="ConflictWindow"/>, assigns the commit timestamp, appends the
/// transaction to the partition and replies once the append is durable.
///
/// Threading: one loop owns the window and issues every append (commits and heartbeats), in
/// request order, so the partition's offset order is commit-timestamp order. Appends are
/// pipelined: the loop does not wait for one to be durable before checking the next request;
/// each reply waits for its own append. Commit-timestamp assignment and
/// <see cref="CloseTimestampAsync"/> share one lock, which is what makes a closed timestamp a
/// promise. Everything in the shard is soft state rebuilt from the partition at
/// <see cref="StartAsync"/>.
///
/// Lifetime: construct, <see cref="StartAsync"/> once, serve, then <see cref="StopAsync"/> or
/// <see cref="DisposeAsync"/> (queued commits are still processed, in-flight appends awaited).
/// The shard does not own the journal writer and reader, and does not dispose them.
///
/// Failures: a transaction whose records the journal certainly did not take is answered
/// <see cref="CommitOutcome.NotCommitted"/> and the shard goes on. If the append of a commit's
/// record fails after it may have reached the journal, its caller is answered
/// <see cref="CommitOutcome.OutcomeUnknown"/> and the shard faults (<see cref="Failure"/>): it can
/// no longer promise what lies below an offset, so every later call gets an
/// <see cref="AdjudicatorFaultedException"/> (never a decision). <see cref="AdjudicatorSupervisor"/>
/// then replaces it with a new instance, which rebuilds from the partition.
/// </summary>
public sealed partial class AdjudicatorShard : IAdjudicator, ICrossShardParticipant, IAsyncDisposable
{
    private readonly AdjudicatorOptions options;
    private readonly IJournalWriter writer;
    private readonly IJournalReader reader;
    private readonly HybridClock clock;
    private readonly ILogger logger;
    private readonly ConflictWindow window;
    private readonly RecentCommitOutcomes outcomes;
    private readonly Channel<ShardWork> work;
    private readonly SemaphoreSlim appendSlots;

    // Cancelled only when a stop gives up waiting: in-flight appends are the commits themselves,
    // so they are not abandoned while there is time to finish them.
    private readonly CancellationTokenSource lifetime = new();
    private readonly CancellationTokenSource tickerStop = new();
    private readonly TaskCompletionSource started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<Exception> failure = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int startCalled;
    private int stopCalled;
    private int disposeCalled;
    private Task loopTask = Task.CompletedTask;
    private Task tickerTask = Task.CompletedTask;
    private Task? stopTask;

    // Owned by the loop (and by StartAsync before the loop runs).
    private bool committedSinceTick;
    private int commitsSinceTrim;
    private int tickQueued;
    // Heartbeats appended in a row with no commit between them: the ticker's gap grows with it (written by the loop).
    private int idleHeartbeats;

    // The loop's turn: held while one item is processed, by the loop or by a caller whose request found the loop idle
    // (see TryTakeIdleLoopsTurn), so the loop-owned state above has one owner at a time. StopAsync takes it for good.
    private readonly SemaphoreSlim turn = new(1, 1);

    // Guarded by gate: commit-timestamp assignment, acknowledgements and fences.
    private readonly Lock gate = new();
    private long assignedCount;
    private long acknowledgedCount;
    private long highestAcknowledgedOffset = -1;
    private int outstandingAppends;
    private TaskCompletionSource? appendsDrained;
    private Exception? fault;
    private readonly Queue<InFlightAppend> inFlightInSequenceOrder = new();
    private readonly Queue<FenceWaiter> fenceWaitersInTargetOrder = new();
    // Offsets above the last acknowledged one that hold no record a reader counts but this life's own: its leading
    // fragments, and a fenced writer's records (see NextOwnOffset).
    private readonly SortedSet<long> skippableOffsets = [];
    private bool gapCheckRunning;

    public AdjudicatorShard(AdjudicatorOptions options, IJournalWriter writer, IJournalReader reader,
        HybridClock clock, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(clock);
        options.Validate();
        this.options = options;
        this.writer = writer;
        this.reader = reader;
        this.clock = clock;
        this.logger = logger ?? NullLogger.Instance;
        window = new ConflictWindow(options.MaxWindowEntries, options.MaxWindowBytes);
        outcomes = new RecentCommitOutcomes(options.MaxRememberedOutcomes);
        work = Channel.CreateBounded<ShardWork>(new BoundedChannelOptions(options.MaxPendingCommits)
        {
            SingleReader = true,
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait,
        });
        appendSlots = new SemaphoreSlim(options.MaxAppendsInFlight, options.MaxAppendsInFlight);
        lifetime.Token.UnsafeRegister(static shard => ((AdjudicatorShard)shard!).AbandonInFlightAppends(), this);
    }

    /// <summary>The epoch this instance writes with; known once <see cref="StartAsync"/> returned.</summary>
    public long Epoch { get; private set; }

    /// <summary>Offset of this instance's EpochStart record; known once <see cref="StartAsync"/> returned.</summary>
    public long EpochStartOffset { get; private set; } = -1;

    /// <summary>The highest commit or closed timestamp that earlier lives of the shard wrote to its partition; known once
    /// <see cref="StartAsync"/> returned. The window starts empty with its horizon here, which is why a start does not
    /// read the whole partition: a transaction that started below it is refused as too old (unless it is the retry of
    /// an earlier life's commit), one that started at or above it cannot conflict with an earlier life's commit.</summary>
    public HybridTimestamp RestartHorizon { get; private set; }

    // The commits of earlier lives by transaction id, read in the background after start (see ReadEarlierLifeOutcomesAsync).
    private Task<IReadOnlyDictionary<Guid, CommitResult>> earlierLifeOutcomes =
        Task.FromResult<IReadOnlyDictionary<Guid, CommitResult>>(new Dictionary<Guid, CommitResult>());

    /// <summary>The conflict window's horizon: commits that started below it are refused as too old.
    /// Read from the loop's state without a lock, so only approximately current; for tests and metrics.</summary>
    public HybridTimestamp Horizon => window.Horizon;

    /// <summary>Completes, with the cause, when the shard faults and stops deciding: its start failed,
    /// or an append failed in a way that leaves the partition's contents unknown.</summary>
    public Task<Exception> Failure => failure.Task;

    public Task<CommitResult> CommitAsync(CommitRequest request, CancellationToken cancellationToken)
    {
        ValidateRequest(request);
        if (Volatile.Read(ref startCalled) == 0)
        {
            throw new InvalidOperationException("The adjudicator shard has not been started: call StartAsync first.");
        }
        var faultSeen = Volatile.Read(ref fault);
        if (faultSeen is not null)
        {
            return Task.FromException<CommitResult>(Faulted(faultSeen));
        }
        var reply = new TaskCompletionSource<CommitResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        var item = new ShardWork(request, reply, cancellationToken, QueuedAt: Stopwatch.GetTimestamp());
        if (TryTakeIdleLoopsTurn())
        {
            return ProcessInline(item, cancellationToken);
        }
        if (work.Writer.TryWrite(item))
        {
            return reply.Task.WaitAsync(cancellationToken);
        }
        return EnqueueAndWaitAsync(item, cancellationToken);
    }

    private async Task<CommitResult> EnqueueAndWaitAsync(ShardWork item, CancellationToken cancellationToken)
    {
        try
        {
            await work.Writer.WriteAsync(item, cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            throw new ObjectDisposedException(nameof(AdjudicatorShard), "The adjudicator shard is stopping or stopped.");
        }
        return await item.Reply!.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task<ReadFence> CloseTimestampAsync(HybridTimestamp timestamp, CancellationToken cancellationToken)
    {
        if (!started.Task.IsCompletedSuccessfully)
        {
            if (Volatile.Read(ref startCalled) == 0)
            {
                throw new InvalidOperationException("The adjudicator shard has not been started: call StartAsync first.");
            }
            return CloseAfterStartAsync(timestamp, cancellationToken);
        }
        FenceWaiter waiter;
        lock (gate)
        {
            if (fault is not null)
            {
                return Task.FromException<ReadFence>(Faulted(fault));
            }
            // Under the lock that commit timestamps are assigned under: every commit assigned
            // after this point gets a timestamp above the observed one.
            clock.Observe(timestamp);
            if (acknowledgedCount == assignedCount)
            {
                return Task.FromResult(new ReadFence(timestamp, options.Partition, highestAcknowledgedOffset + 1));
            }
            // Commits assigned before this point may be at or below the timestamp: wait for them.
            waiter = new FenceWaiter(assignedCount, timestamp);
            fenceWaitersInTargetOrder.Enqueue(waiter);
        }
        return waiter.Completion.Task.WaitAsync(cancellationToken);
    }

    private async Task<ReadFence> CloseAfterStartAsync(HybridTimestamp timestamp, CancellationToken cancellationToken)
    {
        await started.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        return await CloseTimestampAsync(timestamp, cancellationToken).ConfigureAwait(false);
    }

    private void ValidateRequest(CommitRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Writes is null || request.Checks is null)
        {
            throw new ArgumentException("A commit request needs a write set and a check list (either may be empty).", nameof(request));
        }
        if (request.Writes.Count + request.Checks.Count > options.MaxKeysPerCommit)
        {
            throw new ArgumentException(
                $"A commit request carries {request.Writes.Count + request.Checks.Count} keys; the limit is {options.MaxKeysPerCommit}.",
                nameof(request));
        }
        long writeSetBytes = 0;
        foreach (var write in request.Writes)
        {
            if (write?.Key is null || write.Key.Length == 0)
            {
                throw new ArgumentException("A write has an empty key.", nameof(request));
            }
            writeSetBytes += write.Key.Length + (write.Value?.Length ?? 0);
        }
        if (writeSetBytes > JournalLimits.WriteSetBytesMax)
        {
            throw new ArgumentException(
                $"A commit request writes {writeSetBytes} bytes; the journal takes at most {JournalLimits.WriteSetBytesMax} per transaction.",
                nameof(request));
        }
        foreach (var check in request.Checks)
        {
            if (check?.Key is null || check.Key.Length == 0)
            {
                throw new ArgumentException("A conflict check has an empty key.", nameof(request));
            }
        }
    }

    private static AdjudicatorFaultedException Faulted(Exception cause) =>
        cause as AdjudicatorFaultedException
        ?? new AdjudicatorFaultedException("The adjudicator shard stopped serving after a journal failure.", cause);

    /// <summary>A commit request, a step of a cross-shard commit (<see cref="CrossShard"/>), or a heartbeat tick when
    /// both are null. <see cref="QueuedAt"/>: the Stopwatch timestamp when a commit request was queued (0 when not
    /// measured), for <see cref="AdjudicatorMetrics"/>.</summary>
    private readonly record struct ShardWork(
        CommitRequest? Request,
        TaskCompletionSource<CommitResult>? Reply,
        CancellationToken CallerCancellation,
        CrossShardWork? CrossShard = null,
        long QueuedAt = 0);

    /// <summary>An append the journal has not acknowledged yet. Fields written under the gate.</summary>
    private sealed class InFlightAppend(long sequence, TaskCompletionSource<CommitResult>? reply, HybridTimestamp commitTimestamp)
    {
        public long Sequence { get; } = sequence;
        public TaskCompletionSource<CommitResult>? Reply { get; } = reply;
        public HybridTimestamp CommitTimestamp { get; } = commitTimestamp;

        /// <summary>When the loop sent the record (a Stopwatch timestamp), for <see cref="AdjudicatorMetrics"/>.</summary>
        public long SentAt { get; set; }

        public bool Done { get; set; }

        /// <summary>Set once by <see cref="CompleteAppend"/>: the writer's report and an abandoning stop may race.</summary>
        public int Completed;
        public long Offset { get; set; } = -1;

        /// <summary>The append failed and the record is certainly not in the partition: acknowledging
        /// moves past it without an offset.</summary>
        public bool Absent { get; set; }

        /// <summary>Durable at the offset right after the shard's previous record: its commit is acknowledged.</summary>
        public bool Acknowledged { get; set; }
    }

    /// <summary>A CloseTimestampAsync call waiting for the first <see cref="TargetSequence"/> appends.</summary>
    private sealed class FenceWaiter(long targetSequence, HybridTimestamp timestamp)
    {
        public long TargetSequence { get; } = targetSequence;
        public HybridTimestamp Timestamp { get; } = timestamp;
        public TaskCompletionSource<ReadFence> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
