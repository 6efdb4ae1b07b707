using System.Diagnostics;
using Log.Journal.Client;
using Log.Journal.Records;
using Log.Journal.Time;

namespace Log.Adjudicator;

public sealed partial class AdjudicatorShard
{
    private static readonly ShardWork Tick = new(null, null, CancellationToken.None);

    private async Task RunLoopAsync(CancellationToken cancellationToken)
    {
        var queue = work.Reader;
        try
        {
            while (await queue.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (queue.TryRead(out var item))
                {
                    // Not cancellable: a caller holding the turn always gives it back, and the item read must be served.
                    await turn.WaitAsync(CancellationToken.None).ConfigureAwait(false);
                    try
                    {
                        if (item.CrossShard is { } step)
                        {
                            await ProcessCrossShardAsync(item, step, cancellationToken).ConfigureAwait(false);
                        }
                        else if (item.Request is null)
                        {
                            Volatile.Write(ref tickQueued, 0);
                            await OnTickAsync(cancellationToken).ConfigureAwait(false);
                        }
                        else
                        {
                            await ProcessCommitAsync(item, cancellationToken).ConfigureAwait(false);
                        }
                    }
                    finally
                    {
                        turn.Release();
                    }
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping gave up waiting; what is still queued is failed below.
        }
        catch (Exception exception)
        {
            // A bug in the loop: no request may be left hanging because of it.
            SetFault(exception);
            throw;
        }
        finally
        {
            FailQueuedWork(Volatile.Read(ref fault)
                ?? new ObjectDisposedException(nameof(AdjudicatorShard), "The adjudicator shard stopped."));
        }
    }

    /// <summary>
    /// Whether a commit request may be processed on its caller's thread: the shard is serving, nothing waits in its
    /// queue (so no queued request is overtaken) and no one holds the loop's turn. The request is then checked and its
    /// append sent at once, as the loop would, which spares the hop into the loop (a thread-pool worker woken for each
    /// commit); the acknowledgement still comes from the journal writer. When true the caller holds the turn.
    /// </summary>
    private bool TryTakeIdleLoopsTurn()
    {
        if (!started.Task.IsCompletedSuccessfully || Volatile.Read(ref stopCalled) != 0 || work.Reader.Count != 0 || !turn.Wait(0))
        {
            return false;
        }
        if (Volatile.Read(ref stopCalled) != 0 || work.Reader.Count != 0)
        {
            // A stop began, or a request was queued, meanwhile: the loop serves this one (or refuses it) in order.
            turn.Release();
            return false;
        }
        return true;
    }

    /// <summary>Processes a commit request under the turn taken by <see cref="TryTakeIdleLoopsTurn"/>, which it gives
    /// back; the loop's failure handling applies (a bug faults the shard, no request is left hanging).</summary>
    private Task<CommitResult> ProcessInline(ShardWork item, CancellationToken cancellationToken)
    {
        ValueTask processing;
        try
        {
            processing = ProcessCommitAsync(item, lifetime.Token);
        }
        catch (Exception exception)
        {
            turn.Release();
            return FailInline(item, exception);
        }
        if (processing.IsCompletedSuccessfully)
        {
            turn.Release();
            return item.Reply!.Task.WaitAsync(cancellationToken);
        }
        return FinishInlineAsync(processing, item, cancellationToken);
    }

    private async Task<CommitResult> FinishInlineAsync(ValueTask processing, ShardWork item, CancellationToken cancellationToken)
    {
        try
        {
            await processing.ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            return await FailInline(item, exception).ConfigureAwait(false);
        }
        finally
        {
            turn.Release();
        }
        return await item.Reply!.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private Task<CommitResult> FailInline(ShardWork item, Exception exception)
    {
        if (exception is OperationCanceledException && lifetime.IsCancellationRequested)
        {
            // A stop gave up while the request waited for the journal: the reply says so already.
            item.Reply!.TrySetException(new ObjectDisposedException(nameof(AdjudicatorShard), "The adjudicator shard stopped."));
            return item.Reply.Task;
        }
        // A bug in the loop's code: as in the loop, it faults the shard, and this request hears of it.
        SetFault(exception);
        item.Reply!.TrySetException(Faulted(exception));
        return item.Reply.Task;
    }

    private async ValueTask ProcessCommitAsync(ShardWork item, CancellationToken cancellationToken)
    {
        var request = item.Request!;
        var reply = item.Reply!;
        AdjudicatorMetrics.RecordQueueWait(item.QueuedAt);
        if (item.CallerCancellation.IsCancellationRequested)
        {
            // The caller is gone and nothing was decided yet: do not commit behind its back.
            reply.TrySetCanceled(item.CallerCancellation);
            return;
        }
        var faultSeen = Volatile.Read(ref fault);
        if (faultSeen is not null)
        {
            reply.TrySetException(Faulted(faultSeen));
            return;
        }

        if (outcomes.TryGet(request.TransactionId, out var firstDecision))
        {
            // A retry (the caller lost the reply, or its connection): it gets the first decision, even one still in
            // flight, and is never checked again, which would refuse it as conflicting with itself.
            _ = ReplyWithFirstDecisionAsync(firstDecision, reply);
            return;
        }

        if (request.StartTimestamp < RestartHorizon)
        {
            // Started before this life: too old, unless an earlier life committed it (a retry across the restart).
            var earlierDecision = DecideFromEarlierLifeAsync(request.TransactionId);
            outcomes.Remember(request.TransactionId, earlierDecision, clock.Now());
            _ = ReplyWithFirstDecisionAsync(earlierDecision, reply);
            return;
        }

        if (RefusedByWindow(request.TransactionId, request.StartTimestamp, request.Writes, request.Checks, reply))
        {
            return;
        }

        FragmentedCommit fragments;
        try
        {
            fragments = JournalFragmenter.Split(request.TransactionId, options.Shard, Epoch, request.Writes);
        }
        catch (ArgumentException exception)
        {
            reply.TrySetResult(NotCommitted(exception.Message));
            return;
        }

        try
        {
            if (fragments.LeadingFragments.Count > 0)
            {
                // The loop waits here, so nothing else reaches the partition between this
                // transaction's fragments, and the verdict above still holds afterwards (no other
                // commit was decided meanwhile).
                var stagingFailure = await StageAsync(fragments, cancellationToken).ConfigureAwait(false);
                if (stagingFailure is not null)
                {
                    reply.TrySetResult(NotCommitted(stagingFailure));
                    return;
                }
                if (item.CallerCancellation.IsCancellationRequested)
                {
                    // Still undecided: the final record is not written, so the fragments are ignored.
                    reply.TrySetCanceled(item.CallerCancellation);
                    return;
                }
            }
            await appendSlots.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopping gave up while this request waited for the journal: nothing was decided.
            reply.TrySetException(new ObjectDisposedException(nameof(AdjudicatorShard), "The adjudicator shard stopped."));
            throw;
        }
        HybridTimestamp commitTimestamp;
        InFlightAppend entry;
        lock (gate)
        {
            commitTimestamp = clock.Now();
            entry = new InFlightAppend(++assignedCount, reply, commitTimestamp);
            inFlightInSequenceOrder.Enqueue(entry);
            outstandingAppends++;
        }
        Debug.Assert(commitTimestamp > request.StartTimestamp);
        // Recorded before the append is durable: a later request that conflicts with this one must
        // be refused even while this one is in flight, and if the append fails, remembering a
        // commit that did not happen only refuses more, never less.
        window.Record(request.Writes, commitTimestamp);
        outcomes.Remember(request.TransactionId, reply.Task, commitTimestamp);
        ForgetOutcomesBelowHorizon();
        committedSinceTick = true;
        StartAppend(entry, fragments.Final(request.StartTimestamp, commitTimestamp));

        if (++commitsSinceTrim >= options.TrimEveryCommits)
        {
            TrimWindow();
        }
    }

    /// <summary>
    /// Appends a large transaction's leading fragments and waits until all are durable; returns
    /// null then, or why it gave up. A transient failure starts again from the first fragment, at
    /// most <see cref="AdjudicatorOptions.MaxStagingAttempts"/> times. Fragments of a failed attempt
    /// that did reach the partition commit nothing: no final record follows them.
    /// </summary>
    private async ValueTask<string?> StageAsync(FragmentedCommit fragments, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var appends = new Task<long>[fragments.LeadingFragments.Count];
            for (var index = 0; index < appends.Length; index++)
            {
                try
                {
                    appends[index] = writer.AppendAsync(options.Partition, fragments.LeadingFragments[index], cancellationToken);
                }
                catch (Exception exception)
                {
                    appends[index] = Task.FromException<long>(exception);
                }
            }
            try
            {
                await Task.WhenAll(appends).ConfigureAwait(false);
                NoteOwnFragments(appends);
                return null;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception)
            {
                // Task.WhenAll rethrows one failure; look at the first in append order.
            }
            NoteOwnFragments(appends);
            var error = appends.First(append => !append.IsCompletedSuccessfully).Exception?.InnerException
                ?? new OperationCanceledException("A fragment append was cancelled.");
            AdjudicatorLog.StagingFailed(logger, options.Shard, attempt, options.MaxStagingAttempts, error);
            var transient = error is JournalAppendException { IsTransient: true };
            if (!transient || attempt >= options.MaxStagingAttempts)
            {
                return $"the journal did not take the transaction's {fragments.FragmentCount} records (attempt {attempt} of {options.MaxStagingAttempts}): {error.Message}";
            }
            await Task.Delay(options.StagingRetryDelay, options.TimeProvider, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The offsets where this life's leading fragments landed, so the next record's expected offset skips them;
    /// a fragment whose append failed after it may have been written has an offset nobody knows, and the next record
    /// then faults the shard (see <see cref="WriterFencedException"/>).</summary>
    private void NoteOwnFragments(Task<long>[] appends)
    {
        lock (gate)
        {
            foreach (var append in appends)
            {
                if (append.IsCompletedSuccessfully)
                {
                    skippableOffsets.Add(append.Result);
                }
            }
        }
    }

    private async ValueTask OnTickAsync(CancellationToken cancellationToken)
    {
        TrimWindow();
        AskCoordinatorsAboutOldPrepares();
        if (committedSinceTick)
        {
            // A commit record carries its own closed timestamp: no heartbeat needed this time.
            committedSinceTick = false;
            Volatile.Write(ref idleHeartbeats, 0);
            return;
        }
        if (Volatile.Read(ref fault) is not null)
        {
            return;
        }
        await appendSlots.WaitAsync(cancellationToken).ConfigureAwait(false);
        HybridTimestamp closed;
        InFlightAppend entry;
        lock (gate)
        {
            // Taken like a commit timestamp, under the same lock and in the same loop, so no
            // record after this heartbeat in the partition commits at or below it.
            closed = clock.Now();
            entry = new InFlightAppend(++assignedCount, reply: null, closed);
            inFlightInSequenceOrder.Enqueue(entry);
            outstandingAppends++;
        }
        StartAppend(entry, JournalRecord.ForHeartbeat(closed, options.Shard, Epoch));
        Volatile.Write(ref idleHeartbeats, Math.Min(Volatile.Read(ref idleHeartbeats) + 1, IdleHeartbeatDoublingsMax));
    }

    /// <summary>Past this many doublings the gap is at its bound anyway (and the shift stays in range).</summary>
    private const int IdleHeartbeatDoublingsMax = 30;

    /// <summary>The gap before the next tick: <see cref="AdjudicatorOptions.HeartbeatInterval"/> while commits come,
    /// doubled by each idle heartbeat up to <see cref="AdjudicatorOptions.IdleHeartbeatInterval"/> (never below the
    /// first).</summary>
    private TimeSpan NextTickGap()
    {
        var longest = options.IdleHeartbeatInterval > options.HeartbeatInterval ? options.IdleHeartbeatInterval : options.HeartbeatInterval;
        var ticks = options.HeartbeatInterval.Ticks * (double)(1L << Volatile.Read(ref idleHeartbeats));
        return ticks >= longest.Ticks ? longest : TimeSpan.FromTicks((long)ticks);
    }

    private async Task RunTickerAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                await Task.Delay(NextTickGap(), options.TimeProvider, cancellationToken).ConfigureAwait(false);
                // One tick in the queue at a time: if the loop is behind, more would say nothing new.
                if (Interlocked.Exchange(ref tickQueued, 1) == 0 && !work.Writer.TryWrite(Tick))
                {
                    Volatile.Write(ref tickQueued, 0);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private void TrimWindow()
    {
        commitsSinceTrim = 0;
        var horizonMilliseconds = clock.Last.PhysicalMilliseconds - (long)options.MaxTransactionDuration.TotalMilliseconds;
        if (horizonMilliseconds <= 0)
        {
            return;
        }
        var horizon = HybridTimestamp.From(horizonMilliseconds, 0);
        if (window.Trim(horizon) > 0)
        {
            AdjudicatorLog.Trimmed(logger, options.Shard, horizon);
        }
        ForgetOutcomesBelowHorizon();
    }

    /// <summary>Keeps the remembered decisions to those above the window's horizon (a retry of an older one is refused
    /// as too old), raising the horizon when they exceed their cap.</summary>
    private void ForgetOutcomesBelowHorizon()
    {
        if (outcomes.HorizonNeeded is { } needed)
        {
            window.Trim(needed);
        }
        outcomes.Trim(window.Horizon);
    }

    private static async Task ReplyWithFirstDecisionAsync(Task<CommitResult> firstDecision, TaskCompletionSource<CommitResult> reply)
    {
        try
        {
            reply.TrySetResult(await firstDecision.ConfigureAwait(false));
        }
        catch (OperationCanceledException)
        {
            reply.TrySetCanceled();
        }
        catch (Exception exception)
        {
            reply.TrySetException(exception);
        }
    }

    private static CommitOutcome ToOutcome(ConflictKind kind) => kind switch
    {
        ConflictKind.Data => CommitOutcome.DataConflict,
        ConflictKind.Schema => CommitOutcome.SchemaConflict,
        ConflictKind.TooOld => CommitOutcome.TooOld,
        _ => throw new UnreachableException($"Conflict kind {kind} is not a refusal."),
    };

    private void FailQueuedWork(Exception exception)
    {
        while (work.Reader.TryRead(out var item))
        {
            item.Reply?.TrySetException(exception is ObjectDisposedException ? exception : Faulted(exception));
        }
    }

    /// <summary>Checks a request against the conflict window (after observing its start timestamp into the clock); a
    /// conflict is remembered under the transaction id, so a retry gets the same refusal, and answered. True when refused.</summary>
    private bool RefusedByWindow(Guid transactionId, HybridTimestamp startTimestamp, IReadOnlyList<JournalWrite> writes,
        IReadOnlyList<ConflictCheck> checks, TaskCompletionSource<CommitResult> reply)
    {
        clock.Observe(startTimestamp);
        var verdict = window.Check(startTimestamp, writes, checks);
        if (!verdict.IsConflict)
        {
            return false;
        }
        var refusal = new CommitResult(ToOutcome(verdict.Kind), HybridTimestamp.Zero, -1, verdict.ConflictingKey);
        outcomes.Remember(transactionId, Task.FromResult(refusal), clock.Now());
        reply.TrySetResult(refusal);
        return true;
    }
}
