using System.Diagnostics;
using Log.Journal.Client;
using Log.Journal.Records;
using Log.Journal.Time;

namespace Log.Adjudicator;

public sealed partial class AdjudicatorShard
{
    /// <summary>Sends one record to the journal without waiting for it; called by the loop only,
    /// so appends reach the writer in sequence order. The acknowledgement is handled where the writer reports it (its
    /// delivery thread: <see cref="CompleteAppend"/> is short and never blocks), and the replies' own continuations run
    /// on the thread pool, so a commit's answer takes one hop from the journal to the caller, not two.</summary>
    private void StartAppend(InFlightAppend entry, JournalRecord record)
    {
        if (prepared.Count > 0)
        {
            // Where a restart must start reading to find every prepare still held (see AdoptUndecidedPreparesAsync).
            record = record with { PreparesFromOffset = PreparesFromOffset() };
        }
        entry.SentAt = Stopwatch.GetTimestamp();
        try
        {
            writer.Append(options.Partition, record, (offset, error) => CompleteAppend(entry, offset, error));
        }
        catch (Exception exception)
        {
            CompleteAppend(entry, -1, exception);
        }
    }

    /// <summary>When a stop gives up waiting (<see cref="lifetime"/> cancelled): the appends still in flight are
    /// answered as cancelled waits (their outcome unknown to their callers, as with any lost reply).</summary>
    private void AbandonInFlightAppends()
    {
        List<InFlightAppend> abandoned;
        lock (gate)
        {
            abandoned = inFlightInSequenceOrder.Where(append => !append.Done).ToList();
        }
        foreach (var append in abandoned)
        {
            CompleteAppend(append, -1, new OperationCanceledException("The adjudicator shard stopped waiting for the journal."));
        }
    }

    private void CompleteAppend(InFlightAppend entry, long offset, Exception? error)
    {
        if (Interlocked.Exchange(ref entry.Completed, 1) != 0)
        {
            return;
        }
        try
        {
            AcknowledgeAppend(entry, offset, error);
        }
        catch (Exception bug)
        {
            // On the writer's delivery thread an exception would go nowhere: no request may be left hanging because of it.
            SetFault(bug);
            FailUnacknowledged(bug);
        }
    }

    private void AcknowledgeAppend(InFlightAppend entry, long offset, Exception? error)
    {
        // Only the writer can say that a record is certainly not in the partition; anything else
        // (a timeout, a cancelled wait, an unknown exception) may have left it there.
        var certainlyAbsent = error is JournalAppendException { MayHaveBeenWritten: false };

        var batch = new Acknowledgements();
        TaskCompletionSource? drained = null;
        lock (gate)
        {
            entry.Done = true;
            entry.Offset = offset;
            entry.Absent = certainlyAbsent;
            if (error is not null && !certainlyAbsent && fault is null)
            {
                fault = batch.NewFault = error;
            }
            AdvanceAcknowledgedPrefix(batch);
            outstandingAppends--;
            if (outstandingAppends == 0)
            {
                drained = appendsDrained;
                appendsDrained = null;
            }
        }
        appendSlots.Release();

        if (error is not null)
        {
            AdjudicatorLog.AppendFailed(logger, options.Shard, certainlyAbsent, error);
            entry.Reply?.TrySetResult(certainlyAbsent
                ? NotCommitted($"the journal did not take the transaction: {error.Message}")
                : new CommitResult(CommitOutcome.OutcomeUnknown, HybridTimestamp.Zero, -1, null,
                    $"the journal append failed after it may have been written, so whether the transaction committed is unknown: {error.Message}"));
        }
        Publish(batch);
        drained?.TrySetResult();
    }

    /// <summary>What one pass over the in-flight appends decided, answered outside the lock by <see cref="Publish"/>.</summary>
    private sealed class Acknowledgements
    {
        public List<InFlightAppend>? Acknowledged;
        public List<(FenceWaiter Waiter, ReadFence Fence)>? Ready;
        public List<FenceWaiter>? Failed;
        public Exception? NewFault;
    }

    /// <summary>
    /// Under <see cref="gate"/>. Acknowledgements may arrive out of order; a fence and a commit's acknowledgement may only
    /// count the prefix of appends that are all durable (or certainly absent: nothing to wait for there), each at the
    /// offset right after the shard's previous record, so that nothing a reader counts lies between this life's records
    /// but its own. A record that landed further on waits while the gap is read (<see cref="CheckGapAsync"/>): records
    /// of a fenced writer there are harmless (every reader ignores them); anything else faults the shard.
    /// </summary>
    private void AdvanceAcknowledgedPrefix(Acknowledgements batch)
    {
        if (fault is null)
        {
            while (inFlightInSequenceOrder.TryPeek(out var head) && head.Done)
            {
                if (!head.Absent)
                {
                    var expected = NextOwnOffset();
                    if (head.Offset <= highestAcknowledgedOffset)
                    {
                        // One writer's appends must keep their order; if they did not, no offset can be promised.
                        fault = batch.NewFault = new InvalidDataException(
                            $"Journal acknowledged offset {head.Offset} after {highestAcknowledgedOffset} on partition {options.Partition}.");
                        break;
                    }
                    if (head.Offset != expected)
                    {
                        if (!gapCheckRunning)
                        {
                            gapCheckRunning = true;
                            var (from, until) = (expected, head.Offset);
                            _ = Task.Run(() => CheckGapAsync(from, until), CancellationToken.None);
                        }
                        break;
                    }
                }
                inFlightInSequenceOrder.Dequeue();
                acknowledgedCount = head.Sequence;
                if (!head.Absent)
                {
                    highestAcknowledgedOffset = head.Offset;
                    skippableOffsets.RemoveWhere(skipped => skipped < head.Offset);
                    if (head.Reply is not null)
                    {
                        head.Acknowledged = true;
                        (batch.Acknowledged ??= []).Add(head);
                    }
                }
            }
        }
        if (fault is null)
        {
            while (fenceWaitersInTargetOrder.TryPeek(out var waiter) && waiter.TargetSequence <= acknowledgedCount)
            {
                fenceWaitersInTargetOrder.Dequeue();
                (batch.Ready ??= []).Add((waiter, new ReadFence(waiter.Timestamp, options.Partition, highestAcknowledgedOffset + 1)));
            }
        }
        else
        {
            // After a failed append nothing can be promised about the partition's contents.
            while (fenceWaitersInTargetOrder.TryDequeue(out var waiter))
            {
                (batch.Failed ??= []).Add(waiter);
            }
        }
    }

    private void Publish(Acknowledgements batch)
    {
        if (batch.Acknowledged is not null)
        {
            AdjudicatorMetrics.RecordAcknowledgedTogether(batch.Acknowledged.Count);
            foreach (var landed in batch.Acknowledged)
            {
                AdjudicatorMetrics.RecordAppend(landed.SentAt);
                landed.Reply!.TrySetResult(new CommitResult(CommitOutcome.Committed, landed.CommitTimestamp, landed.Offset, null));
            }
        }
        if (batch.Ready is not null)
        {
            foreach (var (waiter, fence) in batch.Ready)
            {
                waiter.Completion.TrySetResult(fence);
            }
        }
        if (batch.Failed is not null)
        {
            var exception = Faulted(Volatile.Read(ref fault)!);
            foreach (var waiter in batch.Failed)
            {
                waiter.Completion.TrySetException(exception);
            }
        }
        if (Volatile.Read(ref fault) is { } faulted)
        {
            // Durable, but after a failure whose record may or may not sit before them, or after a foreign record:
            // their place in the partition cannot be checked, and a reader may ignore them.
            FailUnacknowledged(faulted);
        }
        if (batch.NewFault is not null)
        {
            failure.TrySetResult(batch.NewFault);
        }
    }

    /// <summary>
    /// Reads the records between the shard's previous record and one that landed further on. If every one of them is
    /// a fenced writer's (an epoch below this one's, so every reader ignores it: a zombie's late appends) or a leading
    /// fragment of this life that was written although its append failed, the offsets are skipped and acknowledging
    /// goes on; otherwise the shard faults with <see cref="WriterFencedException"/>.
    /// </summary>
    private async Task CheckGapAsync(long from, long until)
    {
        var harmless = false;
        Exception? readFailure = null;
        try
        {
            harmless = true;
            await foreach (var entry in reader.ReadAsync(options.Partition, from, lifetime.Token).ConfigureAwait(false))
            {
                if (entry.Offset >= until)
                {
                    break;
                }
                var record = entry.Record;
                var fencedWriter = record.Epoch < Epoch && !(record.Kind == JournalRecordKind.EpochStart);
                var ownLeftover = record.Kind == JournalRecordKind.CommitFragment && record.Epoch == Epoch;
                if (!fencedWriter && !ownLeftover)
                {
                    harmless = false;
                    break;
                }
            }
        }
        catch (Exception exception)
        {
            harmless = false;
            readFailure = exception;
        }
        var batch = new Acknowledgements();
        lock (gate)
        {
            gapCheckRunning = false;
            if (harmless)
            {
                for (var skipped = from; skipped < until; skipped++)
                {
                    skippableOffsets.Add(skipped);
                }
            }
            else if (fault is null)
            {
                fault = batch.NewFault = readFailure is null
                    ? new WriterFencedException(options.Partition, from, until)
                    : new AdjudicatorFaultedException($"Reading what lies between offsets {from} and {until} of partition {options.Partition} failed.", readFailure);
            }
            AdvanceAcknowledgedPrefix(batch);
        }
        if (harmless)
        {
            AdjudicatorLog.SkippedFencedRecords(logger, options.Shard, from, until);
        }
        Publish(batch);
    }

    /// <summary>The offset the shard's next record must land at: right after its previous one, past its own leading
    /// fragments (appended outside the loop's sequence, see <see cref="StageAsync"/>) and fenced writers' records found
    /// in between. Under <see cref="gate"/>.</summary>
    private long NextOwnOffset()
    {
        var next = highestAcknowledgedOffset + 1;
        while (skippableOffsets.Contains(next))
        {
            next++;
        }
        return next;
    }

    /// <summary>Answers the appends that are durable but wait behind the one that faulted the shard: unknown.</summary>
    private void FailUnacknowledged(Exception cause)
    {
        List<InFlightAppend> waiting;
        lock (gate)
        {
            waiting = inFlightInSequenceOrder.Where(append => append.Done && !append.Absent && !append.Acknowledged && append.Reply is not null).ToList();
        }
        foreach (var append in waiting)
        {
            append.Reply!.TrySetResult(new CommitResult(CommitOutcome.OutcomeUnknown, HybridTimestamp.Zero, -1, null,
                $"the transaction's record is in the journal, but after a failure of this adjudicator, so whether it counts is unknown: {cause.Message}"));
        }
    }

    private static CommitResult NotCommitted(string reason) =>
        new(CommitOutcome.NotCommitted, HybridTimestamp.Zero, -1, null, reason);

    private void SetFault(Exception exception)
    {
        List<FenceWaiter> failed = [];
        lock (gate)
        {
            fault ??= exception;
            while (fenceWaitersInTargetOrder.TryDequeue(out var waiter))
            {
                failed.Add(waiter);
            }
        }
        foreach (var waiter in failed)
        {
            waiter.Completion.TrySetException(Faulted(exception));
        }
        failure.TrySetResult(Volatile.Read(ref fault) ?? exception);
    }

    /// <summary>
    /// Stops taking requests, lets the loop finish the queued ones and waits for every in-flight
    /// append to be acknowledged, so no caller is left without an answer. Cancelling gives up
    /// waiting: what is still queued fails and in-flight appends are cancelled (their outcome is
    /// then unknown to their callers, as with any lost reply).
    /// </summary>
    public Task StopAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref stopCalled, 1) == 0)
        {
            stopTask = StopOnceAsync(cancellationToken);
        }
        return stopTask!.WaitAsync(cancellationToken);
    }

    private async Task StopOnceAsync(CancellationToken cancellationToken)
    {
        work.Writer.TryComplete();
        await tickerStop.CancelAsync().ConfigureAwait(false);
        using var giveUp = cancellationToken.Register(static state => ((CancellationTokenSource)state!).Cancel(), lifetime);
        try
        {
            await tickerTask.ConfigureAwait(false);
            try
            {
                await loopTask.ConfigureAwait(false);
            }
            catch (Exception) when (Volatile.Read(ref fault) is not null)
            {
                // The loop's bug is already the shard's fault, and every caller has heard of it.
            }
            // Kept: a commit processed on its caller's thread has registered its append once it gives the turn back,
            // and none starts after this (see TryTakeIdleLoopsTurn).
            await turn.WaitAsync(cancellationToken).ConfigureAwait(false);
            Task drained;
            lock (gate)
            {
                if (outstandingAppends == 0)
                {
                    drained = Task.CompletedTask;
                }
                else
                {
                    appendsDrained ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    drained = appendsDrained.Task;
                }
            }
            await drained.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (Volatile.Read(ref startCalled) == 0)
            {
                FailQueuedWork(new ObjectDisposedException(nameof(AdjudicatorShard), "The adjudicator shard stopped before it started."));
            }
            AdjudicatorLog.Stopped(logger, options.Shard);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposeCalled, 1) != 0)
        {
            return;
        }
        using (var timeout = new CancellationTokenSource(options.StopTimeout, options.TimeProvider))
        {
            try
            {
                await StopAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested)
            {
                // Gave up waiting for the journal; in-flight appends were cancelled.
            }
        }
        await lifetime.CancelAsync().ConfigureAwait(false);
        lifetime.Dispose();
        tickerStop.Dispose();
        // appendSlots is not disposed: a late acknowledgement of a cancelled append still
        // releases its slot, and a semaphore with no wait handle holds only memory.
    }
}
