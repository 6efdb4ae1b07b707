using Log.Journal.Records;
using Log.Journal.Time;

namespace Log.Adjudicator;

public sealed partial class AdjudicatorShard
{
    /// <summary>
    /// Rebuilds the shard's soft state from its partition and starts serving. Call once.
    ///
    /// The end of a partition can only be known by writing to it, so the shard first appends its
    /// EpochStart record, then reads the partition from the beginning up to that record: every
    /// commit before it (from this shard's earlier lives) goes into the conflict window, and every
    /// timestamp into the clock, so new commits are above everything already in the partition.
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
        // the replay below checks that, and appends a second EpochStart if it was not.
        var probeId = Guid.NewGuid();
        var proposedEpoch = (long)clock.Now().Value;
        var probeOffset = await writer.AppendAsync(options.Partition, EpochStartRecord(probeId, proposedEpoch),
            cancellationToken).ConfigureAwait(false);

        // The clock has just read the wall time, so the horizon is already known: commits older
        // than the longest transaction need not be remembered at all.
        TrimWindow();
        var highestEarlierEpoch = 0L;
        var replayedCount = 0L;
        var foundProbe = false;
        var assembler = new FragmentAssembler();
        await foreach (var entry in reader.ReadAsync(options.Partition, 0, cancellationToken).ConfigureAwait(false))
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
            // A large transaction counts at its final record; fragments with no final record
            // (an earlier life crashed or failed while writing them) never committed.
            if (assembler.Accept(entry.Record) is { } whole)
            {
                Replay(whole, entry.Offset);
                replayedCount++;
            }
            if (entry.Record.Kind == JournalRecordKind.EpochStart)
            {
                highestEarlierEpoch = Math.Max(highestEarlierEpoch, entry.Record.Epoch);
            }
        }
        cancellationToken.ThrowIfCancellationRequested();
        if (!foundProbe)
        {
            throw new InvalidDataException($"Partition {options.Partition} ended before this shard's EpochStart record at {probeOffset}.");
        }

        var epoch = proposedEpoch;
        var epochStartOffset = probeOffset;
        if (highestEarlierEpoch >= proposedEpoch)
        {
            epoch = highestEarlierEpoch + 1;
            epochStartOffset = await writer.AppendAsync(options.Partition, EpochStartRecord(Guid.NewGuid(), epoch),
                cancellationToken).ConfigureAwait(false);
        }
        Epoch = epoch;
        EpochStartOffset = epochStartOffset;
        TrimWindow();
        lock (gate)
        {
            highestAcknowledgedOffset = epochStartOffset;
        }
        AdjudicatorLog.Started(logger, options.Shard, options.Partition, epoch, epochStartOffset, replayedCount, window.KeyCount);
    }

    private void Replay(JournalRecord record, long offset)
    {
        switch (record.Kind)
        {
            case JournalRecordKind.Commit:
                clock.Observe(record.Commit);
                if (record.Commit > window.Horizon)
                {
                    window.Record(record.Writes, record.Commit);
                    // A commit retried across a restart of the shard gets this outcome, not a second commit.
                    outcomes.Remember(record.TransactionId,
                        Task.FromResult(new CommitResult(CommitOutcome.Committed, record.Commit, offset, null)), record.Commit);
                    ForgetOutcomesBelowHorizon();
                }
                break;
            case JournalRecordKind.Heartbeat:
                clock.Observe(record.Closed);
                break;
            case JournalRecordKind.EpochStart:
                break;
            default:
                throw new InvalidDataException($"Replay got a {record.Kind} record that the assembler should have kept.");
        }
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
