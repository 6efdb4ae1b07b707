using Microsoft.Extensions.Logging;

namespace Log.Journal.Client;

/// <summary>
/// Taking a faulted copy again (adjudicator/README.md, "A region's return"). A copy with direct access
/// (<see cref="QuorumJournalCopy.Direct"/>) is probed with backoff from its fault on; once it answers:
/// <list type="number">
/// <item>its faulted writer is disposed (what it still held may not land after the fill) and the copy's end is read
/// through a writer fence at this writer's epoch, which also refuses the probe when this writer's own topic is fenced
/// there above it (its region was sealed: it must not be taken again);</item>
/// <item>it must hold a prefix of a healthy copy (the source, this region's own first): no more records, and its last
/// record equal to the source's at that offset; then it is filled from the source to the source's end with appends
/// at named offsets, so nothing can slip between;</item>
/// <item>under the send lock, briefly and without I/O, it is marked healthy with a new writer: every record from then
/// on is numbered for it too but waits, and the record before the first of those is noted;</item>
/// <item>once a healthy copy holds that record (its offset is then known), the copy is filled up to it, and the
/// waiting records are handed to its new writer in order.</item>
/// </list>
/// So the copy holds exactly the source's records before its writer's first, and the usual offset check holds it to
/// the same offsets afterwards. Records waiting for it count only once it acknowledges them, so nothing is
/// acknowledged with fewer than <see cref="Required"/> copies holding it; a quorum lost for lack of copies comes back
/// when the copy is marked healthy, and the records appended from then on wait for its acknowledgements. A failure
/// after the mark faults the copy again (failing what then lacks a quorum) and the probing goes on. One copy is
/// taken again at a time.
/// </summary>
public sealed partial class QuorumJournalWriter
{
    /// <summary>The first pause before a faulted copy is probed; it doubles after each failed attempt, up to
    /// <see cref="RepairDelayMax"/>.</summary>
    public static readonly TimeSpan RepairDelayFirst = TimeSpan.FromMilliseconds(250);

    public static readonly TimeSpan RepairDelayMax = TimeSpan.FromSeconds(5);

    /// <summary>The longest one attempt to take a copy again may take: the probe, the fill and the wait for the records
    /// in flight to reach the source.</summary>
    public static readonly TimeSpan RepairAttemptTimeout = TimeSpan.FromSeconds(30);

    private readonly bool[] repairing;
    private readonly CancellationTokenSource repairStopping = new();
    private readonly SemaphoreSlim oneRepairAtATime = new(1, 1);
    private readonly List<Task> repairs = [];
    private int copiesTakenAgain;

    /// <summary>The epoch of the fences that probe a faulted copy (this writer's own; at least 1).</summary>
    public long RepairEpoch { get; init; }

    /// <summary>How many times a faulted copy was taken again.</summary>
    public int CopiesTakenAgain => Volatile.Read(ref copiesTakenAgain);

    /// <summary>Starts probing a copy that was just faulted (the caller holds the state lock).</summary>
    private void StartRepair(int copy)
    {
        if (repairing[copy] || copies[copy].Direct is null || copies[copy].Reopen is null || Volatile.Read(ref disposed) != 0)
        {
            return;
        }
        repairing[copy] = true;
        repairs.Add(Task.Run(() => RepairAsync(copy)));
    }

    private async Task RepairAsync(int copy)
    {
        var stop = repairStopping.Token;
        // At once: a record the faulted writer still holds, delivered once the copy answers again, would land after
        // one that failed (a hole the copy could never be filled past).
        await AbandonAsync(copies[copy].Writer).ConfigureAwait(false);
        var delay = RepairDelayFirst;
        var reported = false;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(delay, stop).ConfigureAwait(false);
                await oneRepairAtATime.WaitAsync(stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            try
            {
                using var bounded = CancellationTokenSource.CreateLinkedTokenSource(stop);
                bounded.CancelAfter(RepairAttemptTimeout);
                await TryRetakeAsync(copy, bounded.Token).ConfigureAwait(false);
                return;
            }
            catch (Exception exception) when (!stop.IsCancellationRequested)
            {
                // The first failure says why; the probes that follow fail the same way while the copy is away.
                if (!reported || exception is InvalidDataException)
                {
                    logger.LogWarning("Journal copy {Copy} cannot be taken again yet ({Reason}); probing it with backoff",
                        copies[copy].Name, exception.GetBaseException().Message);
                    reported = true;
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
            finally
            {
                oneRepairAtATime.Release();
            }
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, RepairDelayMax.Ticks));
        }
    }

    private async Task TryRetakeAsync(int copy, CancellationToken cancellationToken)
    {
        await AbandonAsync(copies[copy].Writer).ConfigureAwait(false);
        int source;
        List<int> partitionIds;
        lock (gate)
        {
            source = Enumerable.Range(0, copies.Length).FirstOrDefault(index => index != copy && faults[index] is null && copies[index].Direct is not null, -1);
            partitionIds = [.. partitions.Keys];
        }
        if (source < 0)
        {
            throw new InvalidOperationException("no healthy copy to fill it from");
        }
        var target = copies[copy].Direct!;
        var from = copies[source].Direct!;
        var epoch = Math.Max(1, RepairEpoch);
        // Most of the fill, while the writer goes on: the final one is then short.
        foreach (var partition in partitionIds)
        {
            await FillAsync(copy, source, partition, await from.FenceAsync(partition, epoch, cancellationToken).ConfigureAwait(false), cancellationToken)
                .ConfigureAwait(false);
        }
        var writer = copies[copy].Reopen!();
        List<(int Partition, PartitionState State)> joining;
        lock (sendGate)
        {
            lock (gate)
            {
                if (faults[source] is not null || faults[copy] is null)
                {
                    _ = writer.DisposeAsync().AsTask();
                    throw new InvalidOperationException($"copy {copies[source].Name} faulted meanwhile");
                }
                copies[copy] = copies[copy] with { Writer = writer };
                joining = [.. partitions.Select(pair => (pair.Key, pair.Value))];
                foreach (var (_, state) in joining)
                {
                    // Late answers of the faulted writer count for nothing.
                    for (var index = state.Head; index < state.Slots.Count; index++)
                    {
                        state.Slots[index].Reported[copy] = true;
                    }
                    state.JoinBefore = state.NextSequence;
                    state.JoinEnd = state.Prefix[source] == state.NextSequence - 1 ? state.End[source] : -1;
                    state.Prefix[copy] = state.NextSequence - 1;
                }
                firstSent[copy] = true;
                firstAnswered[copy] = false;
                waitingForFirst[copy].Clear();
                Volatile.Write(ref faults[copy], null);
                healthy++;
                if (failure is not null && healthy >= Required)
                {
                    failure = null;
                    logger.LogWarning("The journal quorum is back: {Healthy} of {Copies} copies are healthy", healthy, copies.Length);
                }
            }
        }
        try
        {
            var end = 0L;
            foreach (var (partition, state) in joining)
            {
                while (true)
                {
                    lock (gate)
                    {
                        if (faults[source] is not null || faults[copy] is not null)
                        {
                            throw new InvalidOperationException($"copy {copies[source].Name} or this one faulted while it was filled");
                        }
                        end = state.JoinEnd;
                    }
                    if (end >= 0)
                    {
                        break;
                    }
                    await Task.Delay(RecordsInFlightPoll, cancellationToken).ConfigureAwait(false);
                }
                await FillAsync(copy, source, partition, end, cancellationToken).ConfigureAwait(false);
            }
            lock (sendGate)
            {
                lock (gate)
                {
                    if (faults[copy] is not null)
                    {
                        throw new InvalidOperationException("it faulted again while it was filled");
                    }
                    firstAnswered[copy] = true;
                    foreach (var (_, state) in joining)
                    {
                        state.JoinBefore = -1;
                        state.JoinEnd = -1;
                    }
                    repairing[copy] = false;
                    copiesTakenAgain++;
                }
                SendWaiting();
            }
            logger.LogWarning("Journal copy {Copy} is taken again, filled from {Source} to offset {Offset}", copies[copy].Name, copies[source].Name, end);
        }
        catch (Exception exception)
        {
            lock (gate)
            {
                foreach (var (_, state) in joining)
                {
                    state.JoinBefore = -1;
                    state.JoinEnd = -1;
                }
                Fault(copy, new JournalAppendException($"Journal copy {copies[copy].Name} could not be filled to be taken again: {exception.Message}",
                    mayHaveBeenWritten: true, isTransient: false, exception));
            }
            DrainCompletions();
            throw;
        }
        DrainCompletions();
    }

    /// <summary>How often the final fill looks whether the records sent before the copy was marked reached the source.</summary>
    private static readonly TimeSpan RecordsInFlightPoll = TimeSpan.FromMilliseconds(5);

    private Task FillAsync(int copy, int source, int partition, long end, CancellationToken cancellationToken) =>
        RegionReturn.FillPrefixAsync(copies[copy].Direct!, copies[source].Direct!, partition, end, Math.Max(1, RepairEpoch), cancellationToken);

    private static ValueTask AbandonAsync(IJournalWriter writer) =>
        writer is KafkaJournalWriter kafka ? kafka.AbandonAsync() : writer.DisposeAsync();

    private async Task StopRepairsAsync()
    {
        await repairStopping.CancelAsync().ConfigureAwait(false);
        Task[] running;
        lock (gate)
        {
            running = [.. repairs];
        }
        try
        {
            await Task.WhenAll(running).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }
}
