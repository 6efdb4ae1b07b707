using Log.Journal.Client;
using Log.Journal.Records;
using Log.Journal.Time;

namespace Log.Adjudicator;

public sealed partial class AdjudicatorShard
{
    /// <summary>Sends one record to the journal without waiting for it; called by the loop only,
    /// so appends reach the writer in sequence order.</summary>
    private void StartAppend(InFlightAppend entry, JournalRecord record)
    {
        Task<long> append;
        try
        {
            append = writer.AppendAsync(options.Partition, record, lifetime.Token);
        }
        catch (Exception exception)
        {
            append = Task.FromException<long>(exception);
        }
        _ = CompleteAppendAsync(entry, append);
    }

    private async Task CompleteAppendAsync(InFlightAppend entry, Task<long> append)
    {
        long offset = -1;
        Exception? error = null;
        try
        {
            offset = await append.ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            error = exception;
        }
        // Only the writer can say that a record is certainly not in the partition; anything else
        // (a timeout, a cancelled wait, an unknown exception) may have left it there.
        var certainlyAbsent = error is JournalAppendException { MayHaveBeenWritten: false };

        List<(FenceWaiter Waiter, ReadFence Fence)>? ready = null;
        List<FenceWaiter>? failed = null;
        TaskCompletionSource? drained = null;
        Exception? newFault = null;
        lock (gate)
        {
            entry.Done = true;
            entry.Offset = offset;
            entry.Absent = certainlyAbsent;
            if (error is not null && !certainlyAbsent && fault is null)
            {
                fault = newFault = error;
            }
            if (fault is null)
            {
                // Acknowledgements may arrive out of order; a fence may only count the prefix of
                // appends that are all durable (or certainly absent: nothing to wait for there).
                while (inFlightInSequenceOrder.TryPeek(out var head) && head.Done)
                {
                    if (!head.Absent && head.Offset <= highestAcknowledgedOffset)
                    {
                        // One writer's appends must keep their order; if they did not, no offset
                        // can be promised as an end, so the shard stops.
                        fault = newFault = new InvalidDataException(
                            $"Journal acknowledged offset {head.Offset} after {highestAcknowledgedOffset} on partition {options.Partition}.");
                        break;
                    }
                    inFlightInSequenceOrder.Dequeue();
                    acknowledgedCount = head.Sequence;
                    if (!head.Absent)
                    {
                        highestAcknowledgedOffset = head.Offset;
                    }
                }
            }
            if (fault is null)
            {
                while (fenceWaitersInTargetOrder.TryPeek(out var waiter) && waiter.TargetSequence <= acknowledgedCount)
                {
                    fenceWaitersInTargetOrder.Dequeue();
                    (ready ??= []).Add((waiter, new ReadFence(waiter.Timestamp, options.Partition, highestAcknowledgedOffset + 1)));
                }
            }
            else
            {
                // After a failed append nothing can be promised about the partition's contents.
                while (fenceWaitersInTargetOrder.TryDequeue(out var waiter))
                {
                    (failed ??= []).Add(waiter);
                }
            }
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
        else
        {
            entry.Reply?.TrySetResult(new CommitResult(CommitOutcome.Committed, entry.CommitTimestamp, offset, null));
        }
        if (ready is not null)
        {
            foreach (var (waiter, fence) in ready)
            {
                waiter.Completion.TrySetResult(fence);
            }
        }
        if (failed is not null)
        {
            var exception = Faulted(Volatile.Read(ref fault)!);
            foreach (var waiter in failed)
            {
                waiter.Completion.TrySetException(exception);
            }
        }
        if (newFault is not null)
        {
            failure.TrySetResult(newFault);
        }
        drained?.TrySetResult();
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
