using Log.Journal.Client;
using Log.Journal.Records;
using Log.Journal.Time;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Log.StorageNode;

/// <summary>
/// One storage replica: it consumes one journal partition, or every partition of the region's topic, in offset order, applies each committed
/// transaction to an MVCC store on FASTER, and serves snapshot reads.
/// <para>
/// Threading. One background task applies records (the only writer). Reads run on their callers'
/// threads, concurrently with the apply loop and with each other; a read first waits (no polling:
/// the apply loop completes a signal after each record) until the replica has reached the read
/// point, bounded by <see cref="StorageNodeOptions.ReadWaitTimeout"/>.
/// </para>
/// <para>
/// Lifecycle. Construct, <see cref="StartAsync"/> once, then <see cref="DisposeAsync"/>, which stops
/// the apply loop, fails reads that are still waiting and waits for running reads before it
/// closes FASTER. A start recovers the newest valid checkpoint and replays each partition after that checkpoint's
/// offset in it (or, with none, wipes the FASTER files and replays every partition from offset 0).
/// </para>
/// <para>
/// Failure. A record that cannot be decoded, a gap in offsets or a storage invariant broken while
/// applying stops the apply loop for good, and every later read fails with
/// <see cref="StorageUnavailableException"/> naming the cause: corruption is never skipped.
/// </para>
/// </summary>
public sealed partial class StorageNode : IStorageReader, IStorageMaintenance, IReplicaProgress, IPartitionsProgress, IAsyncDisposable
{
    private readonly StorageNodeOptions options;
    private readonly IJournalReader journal;
    private readonly ILogger logger;
    private readonly CancellationTokenSource stopping = new();
    private readonly OrderedKeyIndex keys = new();

    // Owned by the apply loop. Kept across journal reconnects: reading resumes at NextOffset, which
    // may lie inside a large transaction whose leading fragments are held here.
    private readonly FragmentAssembler fragments = new();
    // Owned by the apply loop too: records of a fenced writer change nothing (restored from a checkpoint).
    private WriterEpochFilter writerEpochs = new();

    // Owned by the apply loop: cross-shard prepares waiting for their decision, and each partition's resolved timestamp.
    private CrossShardTracker crossShard = new(1);
    private readonly List<ReadyCommit> readyCommits = [];

    private VersionStore? versions;
    private Task consuming = Task.CompletedTask;
    private int started;
    private int disposed;

    // Progress, written by the apply loop only, read by anyone.
    private long nextOffset;
    private ulong resolvedTimestamp;
    private string? failure;
    private bool reachedApplyLimit;
    private long appliedWriteCount;
    // Where the recovered state ends (the sum of the partitions' next offsets), for the log line of the catch-up.
    private long recoveredTotalOffset;
    private TaskCompletionSource progressed = NewSignal();

    // Running reads, so that disposal waits for them before it closes FASTER.
    private int activeReadCount;
    private readonly TaskCompletionSource readsDrained = NewSignal();

    public StorageNode(StorageNodeOptions options, IJournalReader journal, ILogger<StorageNode>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(journal);
        options.Validate();
        this.options = options;
        keys.CacheBytesMax = options.OrderedIndexCacheBytes;
        this.journal = journal;
        this.logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>One past the offset of the last record applied (0 before the first).</summary>
    public long NextOffset => Volatile.Read(ref nextOffset);

    /// <summary>Every commit at or below this timestamp has been applied (from commits and heartbeats).</summary>
    public HybridTimestamp ResolvedTimestamp => new(Volatile.Read(ref resolvedTimestamp));

    /// <summary>Writes applied since the start (a key written by a replayed commit it already had counts too).</summary>
    public long AppliedWriteCount => Volatile.Read(ref appliedWriteCount);

    /// <summary>Whether applying stopped at <see cref="StorageNodeOptions.ApplyUntil"/>.</summary>
    internal bool ReachedApplyLimit => Volatile.Read(ref reachedApplyLimit);

    /// <summary>Why the replica stopped applying the journal, or null while it is healthy.</summary>
    public string? FailureReason => Volatile.Read(ref failure);

    /// <summary>Number of distinct keys stored (deleted ones included: older snapshots still see them).</summary>
    public long KeyCount => keys.Count;

    public StorageNodeOptions Options => options;

    /// <summary>Opens the store under DataDirectory/storage from its newest valid checkpoint (or empty, when there is
    /// none) and starts applying the partition from the offset that checkpoint covers (0 without one).</summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) != 0, this);
        if (Interlocked.Exchange(ref started, 1) != 0)
        {
            throw new InvalidOperationException("The storage node was already started.");
        }
        Recover();
        StartGarbageCollection();
        consuming = options.PartitionCount == 1
            ? Task.Run(() => ConsumeAsync(stopping.Token), CancellationToken.None)
            : Task.Run(() => ConsumePartitionsAsync(stopping.Token), CancellationToken.None);
        if (options.CheckpointsEnabled)
        {
            checkpointing = Task.Run(() => CheckpointLoopAsync(checkpointStopping.Token), CancellationToken.None);
        }
        return Task.CompletedTask;
    }

    /// <summary>Opens the store from its newest valid checkpoint (or empty) without reading the journal, so that a host can
    /// do it while its journal is still starting; <see cref="StartAsync"/> then only starts applying. Done once (a later
    /// call, or the one <see cref="StartAsync"/> makes, does nothing).</summary>
    public void Recover()
    {
        lock (recovering)
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) != 0, this);
            if (versions is not null)
            {
                return;
            }
            InitializePartitions();
            var store = OpenStore(StorageDirectory);
            Volatile.Write(ref recoveredTotalOffset, TotalNextOffset);
            SeedCrossShard();
            Volatile.Write(ref versions, store);
        }
    }

    private readonly Lock recovering = new();

    /// <summary>Completes once every record below <paramref name="offset"/> is applied. Unbounded in time
    /// (use the token); throws <see cref="StorageUnavailableException"/> if the replica has failed.</summary>
    public Task WaitForOffsetAsync(long offset, CancellationToken cancellationToken) =>
        WaitUntilAsync(() => NextOffset >= offset, Timeout.InfiniteTimeSpan, () => $"offset {offset}", cancellationToken);

    /// <summary>Completes once the resolved timestamp is at or above <paramref name="timestamp"/>. Unbounded
    /// in time (use the token); throws <see cref="StorageUnavailableException"/> if the replica has failed.</summary>
    public Task WaitForResolvedTimestampAsync(HybridTimestamp timestamp, CancellationToken cancellationToken) =>
        WaitUntilAsync(() => ResolvedTimestamp >= timestamp, Timeout.InfiniteTimeSpan, () => $"timestamp {timestamp}", cancellationToken);

    public int Partition => options.Partition;

    public int PartitionCount => options.PartitionCount;

    public Task WaitForReadPointAsync(ReadPoint at, CancellationToken cancellationToken) => WaitUntilReadyAsync(at, cancellationToken);

    /// <summary>Whether the replica has applied every commit visible at <paramref name="at"/>.</summary>
    public bool IsReadyFor(ReadPoint at) => at.IsFenced
        ? (at.RequiredOffsets is { } offsets ? ReachedOffsets(offsets) : NextOffset >= at.RequiredOffset)
        : ResolvedTimestamp >= at.Timestamp;

    private Task WaitUntilReadyAsync(ReadPoint at, CancellationToken cancellationToken) =>
        // The common case, a replica already at the read point, costs no linked cancellation source (whose
        // registration on the node's shared stopping token serialises concurrent reads on a lock).
        Volatile.Read(ref disposed) == 0 && Volatile.Read(ref started) != 0 && FailureReason is null && IsReadyFor(at)
            ? Task.CompletedTask
            : WaitUntilAsync(() => IsReadyFor(at), options.ReadWaitTimeout,
            () => at.IsFenced ? $"offset {(at.RequiredOffsets is { } offsets ? string.Join(", ", offsets) : at.RequiredOffset)} (fence of a read at {at.Timestamp})"
                : $"resolved timestamp {at.Timestamp}",
            cancellationToken);

    private async Task WaitUntilAsync(Func<bool> isReady, TimeSpan timeout, Func<string> describeTarget, CancellationToken cancellationToken)
    {
        var deadline = timeout == Timeout.InfiniteTimeSpan ? long.MaxValue
            : options.TimeProvider.GetTimestamp() + (long)(timeout.TotalSeconds * options.TimeProvider.TimestampFrequency);
        if (Volatile.Read(ref disposed) != 0)
        {
            throw new StorageUnavailableException($"Storage replica of partition {options.Partition} is shutting down.");
        }
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, stopping.Token);
        while (true)
        {
            // Take the signal before testing the condition: progress made after the test completes
            // this signal, so no wake-up is lost.
            var signal = Volatile.Read(ref progressed).Task;
            ThrowIfFailed();
            if (isReady())
            {
                return;
            }
            if (Volatile.Read(ref started) == 0)
            {
                throw new InvalidOperationException("The storage node was not started.");
            }
            try
            {
                if (deadline == long.MaxValue)
                {
                    await signal.WaitAsync(linked.Token).ConfigureAwait(false);
                }
                else
                {
                    var remaining = options.TimeProvider.GetElapsedTime(options.TimeProvider.GetTimestamp(), deadline);
                    if (remaining <= TimeSpan.Zero)
                    {
                        throw new TimeoutException();
                    }
                    await signal.WaitAsync(remaining, options.TimeProvider, linked.Token).ConfigureAwait(false);
                }
            }
            catch (TimeoutException)
            {
                if (isReady())
                {
                    return;
                }
                throw new StorageUnavailableException(
                    $"Storage replica of partition {options.Partition} did not reach {describeTarget()} within {timeout.TotalSeconds:0.###} s " +
                    $"(it has applied up to offset {NextOffset}, resolved timestamp {ResolvedTimestamp}); the journal may be unreachable or far ahead.");
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw new StorageUnavailableException($"Storage replica of partition {options.Partition} is shutting down.");
            }
        }
    }

    private void ThrowIfFailed()
    {
        var reason = FailureReason;
        if (reason is not null)
        {
            throw new StorageUnavailableException(
                $"Storage replica of partition {options.Partition} stopped applying the journal at offset {NextOffset}: {reason}");
        }
    }

    /// <summary>Wakes every waiting read; called by the apply loop after it moved forward or failed.</summary>
    private void SignalProgress()
    {
        var previous = Interlocked.Exchange(ref progressed, NewSignal());
        previous.TrySetResult();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Marks a read as running on FASTER; false once the node is being disposed.</summary>
    private VersionStore EnterRead()
    {
        Interlocked.Increment(ref activeReadCount);
        if (Volatile.Read(ref disposed) != 0)
        {
            ExitRead();
            throw new StorageUnavailableException($"Storage replica of partition {options.Partition} is shutting down.");
        }
        return versions ?? throw new InvalidOperationException("The storage node was not started.");
    }

    private void ExitRead()
    {
        if (Interlocked.Decrement(ref activeReadCount) == 0 && Volatile.Read(ref disposed) != 0)
        {
            readsDrained.TrySetResult();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }
        await StopGarbageCollectionAsync().ConfigureAwait(false);
        await checkpointStopping.CancelAsync().ConfigureAwait(false);
        await checkpointing.ConfigureAwait(false);
        await stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await consuming.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Expected: the loop ends by cancellation.
        }
        if (options.CheckpointsEnabled && options.CheckpointOnShutdown && versions is not null && Volatile.Read(ref started) != 0)
        {
            try
            {
                // The apply loop has stopped: this is the state at NextOffset, and the next start replays nothing before it.
                await CheckpointAsync(CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception exception)
            {
                logger.LogWarning(exception, "The last checkpoint of partition {Partition} failed; the next start replays from the previous one", options.Partition);
            }
        }
        if (Volatile.Read(ref activeReadCount) == 0)
        {
            readsDrained.TrySetResult();
        }
        await readsDrained.Task.ConfigureAwait(false);
        await checkpointGate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        storeClosed = true;
        checkpointGate.Release();
        versions?.Dispose();
        keys.Dispose();
        // `stopping` is deliberately not disposed: reads that arrive late still link to its token
        // and must get "shutting down", not ObjectDisposedException (it holds no timer, so nothing leaks).
        logger.LogInformation("Storage node of partition {Partition} stopped at offset {Offset}", options.Partition, NextOffset);
    }
}
