using Log.Journal.Records;
using Log.Journal.Time;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Log.Journal.Client;

/// <summary>
/// Reads one partition of every region's topic, each through its own reader (a region's copy, possibly on another
/// bootstrap server), and feeds them into one <see cref="RegionMerge"/> (adjudicator/README.md, "Regions"). Both the
/// multi-region adjudicator and the multi-region storage replica take their decisions from it.
/// <para>
/// Threading: one loop per region reads and feeds the merge under one lock; <c>onDecided</c> is called under that lock,
/// with each batch of decisions in the merged order and the released timestamp after it, so it must be short and must
/// not call back into the feed. Each region's records pass a <see cref="WriterEpochFilter"/> (a fenced writer of the
/// region counts for nothing) and a <see cref="FragmentAssembler"/> before the merge, and a commit batch is unpacked
/// into its candidates there (<see cref="RegionCommitBatch.Unpack"/>), so the three readers of the region topics (the
/// adjudicator, the storage replica and the query node's catalog feed) merge the same candidates. A read error retries from the
/// same offset after <see cref="RetryDelay"/>; corruption (<see cref="InvalidDataException"/>, a region breaking its
/// promise) stops the feed and completes <see cref="Failure"/>. Dispose stops the loops and waits for them.
/// </para>
/// </summary>
public sealed class RegionMergeFeed : IAsyncDisposable
{
    /// <summary>Pause before reading a region's topic again after a read error.</summary>
    public static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(100);

    private readonly IReadOnlyDictionary<string, IJournalReader> readers;
    private readonly int partition;
    private readonly RegionMerge merge;
    private readonly Action<IReadOnlyList<RegionDecision>, HybridTimestamp> onDecided;
    private readonly TimeProvider timeProvider;
    private readonly ILogger logger;
    private readonly object gate = new();
    private readonly List<RegionDecision> batch = [];
    private readonly CancellationTokenSource stopping = new();
    private readonly TaskCompletionSource failure = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<(HybridTimestamp At, TaskCompletionSource Done)> releaseWaiters = [];
    private readonly Dictionary<string, RegionProgress> progress = new(StringComparer.Ordinal);
    // Per region: the offset after the last record the merge took, and the writer epoch its filter had then.
    private readonly Dictionary<string, (long NextOffset, long Epoch)> fed = new(StringComparer.Ordinal);
    private Task[] loops = [];
    private int disposed;

    /// <param name="from">Where an earlier feed stood (<see cref="Capture"/>): every region is read from its offset there,
    /// with its writer epoch, into the merge restored from it. Null: from the start of every topic.</param>
    public RegionMergeFeed(IReadOnlyDictionary<string, IJournalReader> readers, int partition, TimeSpan conflictWindow,
        Action<IReadOnlyList<RegionDecision>, HybridTimestamp> onDecided, TimeProvider? timeProvider = null, ILogger? logger = null,
        RegionMergePosition? from = null)
    {
        ArgumentNullException.ThrowIfNull(readers);
        ArgumentNullException.ThrowIfNull(onDecided);
        ArgumentOutOfRangeException.ThrowIfNegative(partition);
        this.readers = readers;
        this.partition = partition;
        this.onDecided = onDecided;
        this.timeProvider = timeProvider ?? TimeProvider.System;
        this.logger = logger ?? NullLogger.Instance;
        merge = from is null ? new RegionMerge(readers.Keys, conflictWindow) : RegionMerge.Restore(from.Merge, conflictWindow);
        foreach (var region in readers.Keys)
        {
            fed[region] = from is null ? (0, 0)
                : (from.NextOffsets.TryGetValue(region, out var offset) ? offset : throw new ArgumentException($"The position names no offset of region {region}.", nameof(from)),
                    from.Epochs.GetValueOrDefault(region));
        }
    }

    /// <summary>Where the feed stands, to start another one there (a checkpoint of the merged stream): every region's next
    /// offset and the merge's state, with the candidates it holds undecided (<see cref="RegionMerge.Capture"/>), so a
    /// position is there at any moment, under a load that never lets the merge empty too. Taken under the feed's lock,
    /// so also from <c>onDecided</c>: the position is then the one right after the batch it is given. Null only if the
    /// merge held decisions not passed on, which the feed never leaves it with.</summary>
    public RegionMergePosition? Capture()
    {
        lock (gate)
        {
            return merge.Capture() is { } state
                ? new RegionMergePosition(fed.ToDictionary(pair => pair.Key, pair => pair.Value.NextOffset, StringComparer.Ordinal),
                    fed.ToDictionary(pair => pair.Key, pair => pair.Value.Epoch, StringComparer.Ordinal), state)
                : null;
        }
    }

    /// <summary>Runs <paramref name="action"/> under the feed's lock: no record is fed and no decision is passed on
    /// meanwhile, so a <see cref="Capture"/> taken in it is the position right after the last batch <c>onDecided</c> got,
    /// as one taken from <c>onDecided</c> is. The action must be short and must not wait for the feed.</summary>
    public void RunExclusive(Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        lock (gate)
        {
            action();
        }
    }

    /// <summary>Every candidate at or below it has been decided and handed to <c>onDecided</c>.</summary>
    public HybridTimestamp Released
    {
        get
        {
            lock (gate)
            {
                return merge.Released;
            }
        }
    }

    /// <summary>How far <paramref name="region"/>'s stream has come here: whether its closed timestamp ever rose, when it
    /// last did (<see cref="TimeProvider.GetTimestamp"/> of the feed's time provider), whether it is sealed, and the
    /// highest writer epoch read in it. The failover watches it.</summary>
    public RegionProgress ProgressOf(string region)
    {
        lock (gate)
        {
            return progress.TryGetValue(region, out var known) ? known with { Sealed = merge.IsSealed(region), Returning = merge.IsReturning(region) }
                : new RegionProgress(false, 0, merge.IsSealed(region), 0) { Returning = merge.IsReturning(region) };
        }
    }

    /// <summary>Completes with the reason when the feed stopped for good (corruption); never completes otherwise.</summary>
    public Task Failure => failure.Task;

    /// <summary>Starts one reading loop per region, each from the start of its topic's partition or the position given.</summary>
    public void Start()
    {
        if (loops.Length != 0)
        {
            throw new InvalidOperationException("The feed was started already.");
        }
        loops = [.. readers.Select(region => Task.Run(() => ReadRegionAsync(region.Key, region.Value, stopping.Token)))];
    }

    /// <summary>Waits until the released timestamp is at or above <paramref name="timestamp"/>.</summary>
    public Task WaitForReleasedAsync(HybridTimestamp timestamp, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            if (merge.Released >= timestamp)
            {
                return Task.CompletedTask;
            }
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            releaseWaiters.Add((timestamp, done));
            return done.Task.WaitAsync(cancellationToken);
        }
    }

    private async Task ReadRegionAsync(string region, IJournalReader reader, CancellationToken cancellationToken)
    {
        long next;
        long epoch;
        lock (gate)
        {
            (next, epoch) = fed[region];
        }
        var epochs = new WriterEpochFilter(epoch);
        var fragments = new FragmentAssembler();
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await foreach (var entry in reader.ReadAsync(partition, next, cancellationToken).ConfigureAwait(false))
                {
                    if (entry.Offset < next)
                    {
                        continue;
                    }
                    if (entry.Offset > next)
                    {
                        throw new InvalidDataException($"Region {region}'s topic skipped from offset {next} to {entry.Offset}.");
                    }
                    next = entry.Offset + 1;
                    if (!epochs.Admits(entry.Record) || fragments.Accept(entry.Record) is not { } whole)
                    {
                        continue;
                    }
                    if (!TryFeed(region, whole, next, epochs.Epoch))
                    {
                        return;
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (InvalidDataException exception)
            {
                logger.LogCritical(exception, "The merge of the region topics stopped at region {Region}'s offset {Offset}", region, next);
                failure.TrySetException(exception);
                return;
            }
            catch (Exception exception)
            {
                logger.LogWarning(exception, "Reading region {Region}'s topic at offset {Offset} failed; retrying", region, next);
            }
            try
            {
                await Task.Delay(RetryDelay, timeProvider, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Feeds one record; false when the feed stopped for good (a record that cannot be merged is never skipped).</summary>
    private bool TryFeed(string region, JournalRecord record, long nextOffset, long epoch)
    {
        try
        {
            Feed(region, record, nextOffset, epoch);
            return !failure.Task.IsCompleted;
        }
        catch (Exception exception)
        {
            logger.LogCritical(exception, "The merge of the region topics stopped at a {Kind} record of region {Region}", record.Kind, region);
            failure.TrySetException(exception);
            return false;
        }
    }

    private void Feed(string region, JournalRecord record, long nextOffset, long epoch)
    {
        lock (gate)
        {
            if (failure.Task.IsCompleted)
            {
                return;
            }
            var closedBefore = merge.ClosedOf(region);
            // A batch's candidates are taken one by one, all under this hold of the lock: a position is never taken
            // between two of them (its offset is the batch's next one).
            if (record.Kind == JournalRecordKind.CommitBatch)
            {
                foreach (var candidate in RegionCommitBatch.Unpack(record))
                {
                    merge.Accept(region, candidate);
                }
            }
            else
            {
                merge.Accept(region, record);
            }
            fed[region] = (nextOffset, epoch);
            var known = progress.GetValueOrDefault(region);
            if (merge.ClosedOf(region) > closedBefore || !known.Seen)
            {
                known = known with { Seen = true, LastAdvance = timeProvider.GetTimestamp() };
            }
            progress[region] = known with { HighestEpoch = Math.Max(known.HighestEpoch, record.Epoch) };
            if (record.Kind == JournalRecordKind.RegionSeal)
            {
                progress[region] = progress[region] with { Seals = known.Seals + 1 };
            }
            else if (record.Kind == JournalRecordKind.RegionRejoin && record.Region is { } returned)
            {
                // Its stream counts again from the rejoin (at once, or once its seal is read): the failover's timeout
                // starts over.
                var back = progress.GetValueOrDefault(returned);
                progress[returned] = back with
                {
                    LastAdvance = timeProvider.GetTimestamp(), Rejoins = back.Rejoins + 1, RejoinedAt = record.Closed,
                };
            }
            batch.Clear();
            merge.TakeDecisions(batch);
            var released = merge.Released;
            onDecided(batch, released);
            for (var index = releaseWaiters.Count - 1; index >= 0; index--)
            {
                if (releaseWaiters[index].At <= released)
                {
                    releaseWaiters[index].Done.TrySetResult();
                    releaseWaiters.RemoveAt(index);
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }
        await ReaderLoops.StopAsync(stopping, loops).ConfigureAwait(false);
        lock (gate)
        {
            foreach (var (_, done) in releaseWaiters)
            {
                done.TrySetCanceled();
            }
            releaseWaiters.Clear();
        }
    }
}

/// <summary>What a <see cref="RegionMergeFeed"/> has read of one region's stream (<see cref="RegionMergeFeed.ProgressOf"/>).</summary>
/// <param name="Seen">A record of the region was read.</param>
/// <param name="LastAdvance">When its closed timestamp last rose (or its first record was read), as a
/// <see cref="TimeProvider.GetTimestamp"/>.</param>
/// <param name="Sealed">Its stream ends at a seal (and no rejoin came after it).</param>
/// <param name="HighestEpoch">The highest writer epoch of any of its records read.</param>
public readonly record struct RegionProgress(bool Seen, long LastAdvance, bool Sealed, long HighestEpoch)
{
    /// <summary>Sealed, with records of its next life read after the seal: it came back and waits for a rejoin.</summary>
    public bool Returning { get; init; }

    /// <summary>Seals of the region's topic read.</summary>
    public int Seals { get; init; }

    /// <summary>Rejoins naming the region read (in other regions' streams); a region whose seals and rejoins are as many
    /// counts again, from the last rejoin's timestamp on.</summary>
    public int Rejoins { get; init; }

    /// <summary>The timestamp of the last rejoin read: the returning region proposes only above it.</summary>
    public HybridTimestamp RejoinedAt { get; init; }
}

/// <summary>Where a <see cref="RegionMergeFeed"/> stood (<see cref="RegionMergeFeed.Capture"/>): by region, the offset after
/// the last record its merge took and the writer epoch read by then, and the merge's state.</summary>
public sealed record RegionMergePosition(IReadOnlyDictionary<string, long> NextOffsets, IReadOnlyDictionary<string, long> Epochs, RegionMergeState Merge);
