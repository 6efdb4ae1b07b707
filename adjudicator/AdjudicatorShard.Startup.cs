using System.Diagnostics;
using Log.Journal.Records;
using Log.Journal.Time;

namespace Log.Adjudicator;

public sealed partial class AdjudicatorShard
{
    /// <summary>
    /// Rebuilds the shard's soft state from its partition and starts serving. Call once.
    ///
    /// The end of a partition can only be known by writing to it, so the shard first appends its
    /// EpochStart record, then reads only the tail of the partition before it, back to the last commit or
    /// heartbeat: that record's timestamp is the highest one earlier lives wrote (offset order is timestamp
    /// order on a partition), so the clock moves past it and the conflict window starts empty with its horizon
    /// there (see <see cref="RestartHorizon"/>). The decisions of earlier lives, which a retried commit must get
    /// back, are read from the partition's recent part in the background (see <see cref="EarlierLifeOutcomes"/>).
    /// Commit requests made meanwhile wait in the queue.
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref startCalled, 1) != 0)
        {
            throw new InvalidOperationException("StartAsync may be called only once per shard instance.");
        }
        try
        {
            await RebuildAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            lock (gate)
            {
                fault ??= exception;
            }
            started.TrySetException(exception);
            failure.TrySetResult(exception);
            // Nothing will ever serve the queue: fail what is in it, refuse what comes later.
            work.Writer.TryComplete();
            FailQueuedWork(exception);
            throw;
        }
        loopTask = Task.Run(() => RunLoopAsync(lifetime.Token), CancellationToken.None);
        tickerTask = Task.Run(() => RunTickerAsync(tickerStop.Token), CancellationToken.None);
        started.TrySetResult();
    }

    private async Task RebuildAsync(CancellationToken cancellationToken)
    {
        // The proposed epoch comes from the clock, so it is above earlier leaders' epochs unless
        // this machine's clock is behind theirs by more than the time between the two leaders;
        // the tail read below checks that, and appends a second EpochStart if it was not.
        var probeId = Guid.NewGuid();
        var proposedEpoch = (long)clock.Now().Value;
        var began = Stopwatch.GetTimestamp();
        var probeOffset = await writer.AppendAsync(options.Partition, EpochStartRecord(probeId, proposedEpoch),
            cancellationToken).ConfigureAwait(false);
        var appended = Stopwatch.GetTimestamp();

        var tail = await ReadTailAsync(probeOffset, probeId, cancellationToken).ConfigureAwait(false);
        var tailRead = Stopwatch.GetTimestamp();
        clock.Observe(tail.HighestTimestamp);
        var epoch = proposedEpoch;
        var epochStartOffset = probeOffset;
        if (tail.HighestEpoch >= proposedEpoch)
        {
            epoch = tail.HighestEpoch + 1;
            epochStartOffset = await writer.AppendAsync(options.Partition, EpochStartRecord(Guid.NewGuid(), epoch),
                cancellationToken).ConfigureAwait(false);
            if (epochStartOffset != probeOffset + 1)
            {
                // Another writer appended between the two: its records may be of a higher epoch than the tail showed.
                throw new WriterFencedException(options.Partition, probeOffset + 1, epochStartOffset);
            }
        }
        // Every timestamp this life assigns is above its epoch, so the next life's tail read, which stops at the last
        // commit or heartbeat, never misses a higher epoch written before it.
        clock.Observe(new HybridTimestamp((ulong)epoch));
        Epoch = epoch;
        EpochStartOffset = epochStartOffset;
        RestartHorizon = tail.HighestTimestamp;
        // Before serving: an earlier life's prepare still undecided holds its keys again, or a commit of one of them
        // could slip in before the prepared transaction's decision (which may commit it above that commit's start).
        var preparesReadFrom = await AdoptUndecidedPreparesAsync(tail.PreparesFromOffset, probeOffset, cancellationToken).ConfigureAwait(false);
        TrimWindow();
        var outcomesHorizon = window.Horizon;
        // A start at or above the restart horizon cannot conflict with an earlier life's commit (none is above it),
        // so the window needs none of them; a start below it is refused as too old, unless it is the retry of a
        // decision an earlier life made (answered from the background read).
        window.Trim(tail.HighestTimestamp);
        earlierLifeOutcomes = tail.HighestTimestamp > HybridTimestamp.Zero
            ? Task.Run(() => ReadEarlierLifeOutcomesAsync(probeOffset, preparesReadFrom, outcomesHorizon, lifetime.Token), CancellationToken.None)
            : Task.FromResult<IReadOnlyDictionary<Guid, CommitResult>>(new Dictionary<Guid, CommitResult>());
        lock (gate)
        {
            highestAcknowledgedOffset = epochStartOffset;
        }
        AdjudicatorLog.Started(logger, options.Shard, options.Partition, epoch, epochStartOffset, tail.RecordCount, window.KeyCount);
        AdjudicatorLog.StartSteps(logger, options.Shard, Stopwatch.GetElapsedTime(began, appended), Stopwatch.GetElapsedTime(appended, tailRead),
            Stopwatch.GetElapsedTime(tailRead));
    }

    /// <summary>What the tail of the partition before this life's EpochStart says: the highest commit or closed
    /// timestamp and epoch written there, and how many records were read to find them.</summary>
    private readonly record struct PartitionTail(HybridTimestamp HighestTimestamp, long HighestEpoch, long RecordCount, long PreparesFromOffset);

    /// <summary>
    /// Reads the partition backwards in growing steps (Kafka reads forwards only: each step reads from further back up
    /// to the probe) until a step holds a commit or a heartbeat, or the partition's beginning. Checks that the probe is
    /// this shard's own EpochStart at <paramref name="probeOffset"/>: anything else means a second writer.
    /// </summary>
    private async Task<PartitionTail> ReadTailAsync(long probeOffset, Guid probeId, CancellationToken cancellationToken)
    {
        var recordCount = 0L;
        for (var step = RestartTailStepRecords; ; step *= 2)
        {
            var from = Math.Max(0, probeOffset - step);
            var highestTimestamp = HybridTimestamp.Zero;
            var highestEpoch = 0L;
            var preparesFrom = 0L;
            var foundProbe = false;
            await foreach (var entry in reader.ReadAsync(options.Partition, from, cancellationToken).ConfigureAwait(false))
            {
                if (entry.Offset >= probeOffset)
                {
                    if (entry.Offset != probeOffset || entry.Record.Kind != JournalRecordKind.EpochStart
                        || entry.Record.TransactionId != probeId)
                    {
                        // Another writer got in, or the journal lost our record: either way this
                        // partition does not have the single writer the shard relies on.
                        throw new InvalidDataException(
                            $"Partition {options.Partition} at offset {entry.Offset} does not hold this shard's EpochStart record (expected at {probeOffset}).");
                    }
                    foundProbe = true;
                    break;
                }
                recordCount++;
                var record = entry.Record;
                // Every record carries its writer's epoch: a fenced writer's too, and an EpochStart read further back
                // than this step may be known only through the records of its life here.
                highestEpoch = Math.Max(highestEpoch, record.Epoch);
                if (record.Kind != JournalRecordKind.CommitFragment)
                {
                    // A commit's final record and a heartbeat carry timestamps; a leading fragment none.
                    highestTimestamp = HybridTimestamp.Max(highestTimestamp,
                        HybridTimestamp.Max(record.Commit, record.Closed));
                    // The lowest over the step: a later record's claim is the one that counts, but an earlier one's only
                    // makes the read longer, never misses a prepare (a zombie's later records may say less).
                    if (record.PreparesFromOffset > 0)
                    {
                        preparesFrom = preparesFrom == 0 ? record.PreparesFromOffset : Math.Min(preparesFrom, record.PreparesFromOffset);
                    }
                }
            }
            cancellationToken.ThrowIfCancellationRequested();
            if (!foundProbe)
            {
                throw new InvalidDataException($"Partition {options.Partition} ended before this shard's EpochStart record at {probeOffset}.");
            }
            if (highestTimestamp > HybridTimestamp.Zero || from == 0)
            {
                return new PartitionTail(highestTimestamp, highestEpoch, recordCount, preparesFrom);
            }
        }
    }

    /// <summary>
    /// Holds again the keys of every prepare of an earlier life whose decision is not in the partition, reading from
    /// <paramref name="from"/> (the tail's <see cref="JournalRecord.PreparesFromOffset"/>: no undecided prepare lies
    /// below it) to this life's EpochStart; 0 means the tail named no undecided prepare, and nothing is read. Each is
    /// then decided through its coordinator at the first tick (<see cref="Adopt"/>). A journal written before the field
    /// existed says 0: its prepares are found by the background read instead (<see cref="ReadEarlierLifeOutcomesAsync"/>).
    /// Returns the offset it read from (the probe's when it read nothing): every undecided prepare at or above it is held.
    /// </summary>
    private async Task<long> AdoptUndecidedPreparesAsync(long from, long probeOffset, CancellationToken cancellationToken)
    {
        if (from <= 0 || from >= probeOffset)
        {
            return probeOffset;
        }
        var undecided = new Dictionary<Guid, (JournalRecord Record, long Offset)>();
        var epochs = new WriterEpochFilter();
        await foreach (var entry in reader.ReadAsync(options.Partition, from, cancellationToken).ConfigureAwait(false))
        {
            if (entry.Offset >= probeOffset)
            {
                break;
            }
            if (!epochs.Admits(entry.Record))
            {
                continue;
            }
            if (entry.Record.Kind == JournalRecordKind.Prepare)
            {
                undecided[entry.Record.TransactionId] = (entry.Record, entry.Offset);
            }
            else if (entry.Record.Kind == JournalRecordKind.Decision)
            {
                undecided.Remove(entry.Record.TransactionId);
            }
        }
        cancellationToken.ThrowIfCancellationRequested();
        foreach (var (record, offset) in undecided.Values)
        {
            if (ToAdopt(record) is { } request)
            {
                Adopt(request, offset);
            }
        }
        return from;
    }

    /// <summary>Records read back from the probe by the first step of <see cref="ReadTailAsync"/>; a shard heartbeats
    /// every <see cref="AdjudicatorOptions.HeartbeatInterval"/>, so the last commit or heartbeat is near the end.</summary>
    private const long RestartTailStepRecords = 64;

    /// <summary>
    /// Every commit of an earlier life above <paramref name="horizon"/> (the window's horizon before the restart horizon raised it), by transaction id, read from the last
    /// record well below that horizon (<see cref="FindEarlierOutcomesStartAsync"/>) to this life's EpochStart. Only a request whose start is below <see cref="RestartHorizon"/> asks
    /// for it: a retry gets the commit it had; any other such request is refused as too old.
    /// </summary>
    private async Task<IReadOnlyDictionary<Guid, CommitResult>> ReadEarlierLifeOutcomesAsync(long probeOffset, long preparesReadFrom,
        HybridTimestamp horizon, CancellationToken cancellationToken)
    {
        var committed = new Dictionary<Guid, CommitResult>();
        var oldestFirst = new Queue<Guid>();
        var undecidedPrepares = new Dictionary<Guid, (JournalRecord Record, long Offset)>();
        var assembler = new FragmentAssembler();
        var began = Stopwatch.GetTimestamp();
        // Not from offset 0: from the last record at or below the horizon less a margin (AdjudicatorShard.EarlierLives.cs).
        var (from, epochThere) = await FindEarlierOutcomesStartAsync(probeOffset, horizon, cancellationToken).ConfigureAwait(false);
        EarlierOutcomesFromOffset = from;
        var epochs = new WriterEpochFilter(epochThere);
        await foreach (var entry in reader.ReadAsync(options.Partition, from, cancellationToken).ConfigureAwait(false))
        {
            if (entry.Offset >= probeOffset)
            {
                break;
            }
            // A fenced writer's commit was never acknowledged and never counts.
            if (!epochs.Admits(entry.Record))
            {
                continue;
            }
            // A large transaction counts at its final record; fragments with no final record never committed.
            if (entry.Record.Kind == JournalRecordKind.Prepare && entry.Offset < preparesReadFrom)
            {
                // At or above preparesReadFrom the start held them already (and this life may have decided them since).
                undecidedPrepares[entry.Record.TransactionId] = (entry.Record, entry.Offset);
            }
            else if (entry.Record.Kind == JournalRecordKind.Decision)
            {
                undecidedPrepares.Remove(entry.Record.TransactionId);
            }
            if (entry.Record is { Kind: JournalRecordKind.Decision } decision && decision.Shard == decision.Coordinator)
            {
                // A cross-shard decision this shard made as coordinator: the first one for a transaction stands.
                committed.TryAdd(CrossShardDecisionKey(decision.TransactionId), DecisionResult(decision, entry.Offset));
            }
            else if (assembler.Accept(entry.Record) is { Kind: JournalRecordKind.Commit } whole && whole.Commit > horizon)
            {
                committed[whole.TransactionId] = new CommitResult(CommitOutcome.Committed, whole.Commit, entry.Offset, null);
                oldestFirst.Enqueue(whole.TransactionId);
                // Past the cap the oldest are forgotten: their retries are refused as too old, never committed again.
                if (oldestFirst.Count > options.MaxRememberedOutcomes)
                {
                    committed.Remove(oldestFirst.Dequeue());
                }
            }
        }
        // Prepares an earlier life wrote and never saw decided, which the start did not find (a journal written before
        // records named where undecided prepares begin): held again, and decided through the coordinator at the next
        // tick (see AdoptEarlierLifePrepares).
        AdoptEarlierLifePrepares(undecidedPrepares.Values);
        AdjudicatorLog.EarlierLivesRead(logger, options.Shard, from, probeOffset, committed.Count, Stopwatch.GetElapsedTime(began));
        return committed;
    }

    /// <summary>
    /// The decision for a request whose start is below <see cref="RestartHorizon"/>: the commit an earlier life made
    /// for its transaction id (a retry across the restart), else too old. When the partition could not be read, the
    /// outcome is unknown: the transaction may have committed in an earlier life.
    /// </summary>
    private async Task<CommitResult> DecideFromEarlierLifeAsync(Guid transactionId)
    {
        try
        {
            var committed = await earlierLifeOutcomes.ConfigureAwait(false);
            return committed.TryGetValue(transactionId, out var result)
                ? result
                : new CommitResult(CommitOutcome.TooOld, HybridTimestamp.Zero, -1, null);
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !lifetime.IsCancellationRequested)
        {
            return new CommitResult(CommitOutcome.OutcomeUnknown, HybridTimestamp.Zero, -1, null,
                $"reading the decisions of the shard's earlier life from the journal failed: {exception.Message}");
        }
    }

    /// <summary>
    /// After <paramref name="fenced"/>: the epoch of a newer adjudicator's EpochStart among the foreign records, or null
    /// when none is there (the gap is this shard's own record with an unknown offset, or an older writer's: rebuilding
    /// is then right). Reads only the gap.
    /// </summary>
    public async Task<long?> FindNewerEpochAsync(WriterFencedException fenced, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(fenced);
        long? newer = null;
        await foreach (var entry in reader.ReadAsync(options.Partition, fenced.ExpectedOffset, cancellationToken).ConfigureAwait(false))
        {
            if (entry.Offset >= fenced.LandedOffset)
            {
                break;
            }
            if (entry.Record.Kind == JournalRecordKind.EpochStart && entry.Record.Epoch > Epoch)
            {
                newer = Math.Max(newer ?? 0, entry.Record.Epoch);
            }
        }
        return newer;
    }

    private JournalRecord EpochStartRecord(Guid id, long epoch) => new()
    {
        Kind = JournalRecordKind.EpochStart,
        TransactionId = id,
        Shard = options.Shard,
        Epoch = epoch,
        // An EpochStart promises nothing about time: a reader must not take its closed
        // timestamp as a resolved one.
        ClosedTimestamp = HybridTimestamp.Zero.Value,
    };
}
