using System.Diagnostics;
using Log.Journal.Records;
using Log.Journal.Time;

namespace Log.Adjudicator;

/// <summary>What a cross-shard step asks of the loop.</summary>
internal enum CrossShardStep
{
    Prepare = 0,
    Decide = 1,
    Resolve = 2,

    /// <summary>Takes back a prepare an earlier life wrote and never saw decided.</summary>
    Adopt = 3,
}

/// <summary>One cross-shard step queued to the loop: a prepare, or a decision (to make or to learn); an adopted prepare
/// carries its offset in the partition.</summary>
internal sealed record CrossShardWork(CrossShardStep Step, PrepareRequest? Prepare, DecideRequest? Decision, long Offset = 0);

/// <summary>
/// The shard's part in cross-shard commits (adjudicator/README.md, "Cross-shard commits"). Every step runs in the
/// loop, so it is ordered with commits and heartbeats in the partition like they are with each other.
/// </summary>
public sealed partial class AdjudicatorShard
{
    // Owned by the loop: transactions prepared here whose decision the shard has not learned.
    private readonly Dictionary<Guid, PreparedTransaction> prepared = [];

    // Owned by the loop: decisions made here as coordinator, so that only the first one counts.
    private readonly Dictionary<Guid, Task<CommitResult>> decisions = [];
    private readonly Queue<(Guid TransactionId, HybridTimestamp At)> decisionsOldestFirst = new();

    /// <summary>Prepared transactions still waiting for their decision here (for tests and metrics; approximate).</summary>
    public int PreparedCount => Volatile.Read(ref preparedCount);

    private int preparedCount;

    public Task<CommitResult> PrepareAsync(PrepareRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ValidateRequest(new CommitRequest(request.TransactionId, request.StartTimestamp, request.Writes, request.Checks));
        ValidateParticipants(request.Participants);
        return EnqueueCrossShard(new CrossShardWork(CrossShardStep.Prepare, request, null), cancellationToken);
    }

    public Task<CommitResult> DecideAsync(DecideRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ValidateParticipants(request.Participants);
        if (request.Participants[0] != options.Shard)
        {
            throw new ArgumentException($"Shard {options.Shard} is not the coordinator of a transaction coordinated by shard {request.Participants[0]}.", nameof(request));
        }
        return EnqueueCrossShard(new CrossShardWork(CrossShardStep.Decide, null, request), cancellationToken);
    }

    public Task ResolveAsync(DecideRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ValidateParticipants(request.Participants);
        return EnqueueCrossShard(new CrossShardWork(CrossShardStep.Resolve, null, request), cancellationToken);
    }

    private void ValidateParticipants(IReadOnlyList<int> participants)
    {
        if (participants is null || participants.Count < 2 || !participants.Contains(options.Shard)
            || participants.Zip(participants.Skip(1)).Any(pair => pair.First >= pair.Second))
        {
            throw new ArgumentException("A cross-shard step needs two or more ascending participants, this shard among them.", nameof(participants));
        }
    }

    private Task<CommitResult> EnqueueCrossShard(CrossShardWork step, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref startCalled) == 0)
        {
            throw new InvalidOperationException("The adjudicator shard has not been started: call StartAsync first.");
        }
        if (Volatile.Read(ref fault) is { } faultSeen)
        {
            return Task.FromException<CommitResult>(Faulted(faultSeen));
        }
        var reply = new TaskCompletionSource<CommitResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        var item = new ShardWork(null, reply, cancellationToken, step);
        return work.Writer.TryWrite(item) ? reply.Task.WaitAsync(cancellationToken) : EnqueueAndWaitAsync(item, cancellationToken);
    }

    private async ValueTask ProcessCrossShardAsync(ShardWork item, CrossShardWork step, CancellationToken cancellationToken)
    {
        var reply = item.Reply!;
        if (Volatile.Read(ref fault) is { } faultSeen)
        {
            reply.TrySetException(Faulted(faultSeen));
            return;
        }
        switch (step.Step)
        {
            case CrossShardStep.Prepare:
                if (item.CallerCancellation.IsCancellationRequested)
                {
                    reply.TrySetCanceled(item.CallerCancellation);
                    return;
                }
                await PrepareInLoopAsync(step.Prepare!, reply, cancellationToken).ConfigureAwait(false);
                break;
            case CrossShardStep.Decide:
                await DecideInLoopAsync(step.Decision!, reply, cancellationToken).ConfigureAwait(false);
                break;
            case CrossShardStep.Resolve:
                await ResolveInLoopAsync(step.Decision!, reply, cancellationToken).ConfigureAwait(false);
                break;
            case CrossShardStep.Adopt:
                Adopt(step.Prepare!, step.Offset);
                reply.TrySetResult(new CommitResult(CommitOutcome.Committed, HybridTimestamp.Zero, -1, null));
                break;
            default:
                throw new UnreachableException($"Cross-shard step {step.Step}.");
        }
    }

    private async ValueTask PrepareInLoopAsync(PrepareRequest request, TaskCompletionSource<CommitResult> reply, CancellationToken cancellationToken)
    {
        if (outcomes.TryGet(request.TransactionId, out var firstDecision))
        {
            _ = ReplyWithFirstDecisionAsync(firstDecision, reply);
            return;
        }
        if (request.StartTimestamp < RestartHorizon)
        {
            reply.TrySetResult(new CommitResult(CommitOutcome.TooOld, HybridTimestamp.Zero, -1, null));
            return;
        }
        if (prepared.Count >= options.MaxPreparedTransactions)
        {
            reply.TrySetResult(NotCommitted($"shard {options.Shard} holds {prepared.Count} prepared transactions, its limit"));
            return;
        }
        if (RefusedByWindow(request.TransactionId, request.StartTimestamp, request.Writes, request.Checks, reply))
        {
            return;
        }
        if (JournalRecordCodec.EncodeWriteSet(request.Writes).Length > JournalLimits.FragmentPayloadBytes)
        {
            // A prepare is never fragmented: its writes must fit one record.
            reply.TrySetResult(NotCommitted(
                $"a cross-shard transaction may write at most {JournalLimits.FragmentPayloadBytes} bytes on one shard"));
            return;
        }
        var (proposed, entry) = await AssignAsync(reply, cancellationToken).ConfigureAwait(false);
        Debug.Assert(proposed > request.StartTimestamp);
        var record = JournalRecord.ForPrepare(request.TransactionId, request.StartTimestamp, proposed, options.Shard, Epoch,
            request.Writes, request.Participants);
        // Held before the append is durable, like a commit's keys: a conflicting request behind it is refused.
        window.Record(request.Writes, proposed);
        window.Hold(request.Writes, request.Checks);
        prepared[request.TransactionId] = new PreparedTransaction(request, proposed, options.TimeProvider.GetTimestamp(), LowestOffsetOfNextRecord());
        Volatile.Write(ref preparedCount, prepared.Count);
        outcomes.Remember(request.TransactionId, reply.Task, proposed);
        StartAppend(entry, record);
    }

    private async ValueTask DecideInLoopAsync(DecideRequest request, TaskCompletionSource<CommitResult> reply, CancellationToken cancellationToken)
    {
        if (decisions.TryGetValue(request.TransactionId, out var first))
        {
            _ = ReplyWithFirstDecisionAsync(first, reply);
            return;
        }
        if (!prepared.ContainsKey(request.TransactionId) && await EarlierLifeDecisionAsync(request.TransactionId).ConfigureAwait(false) is { } earlier)
        {
            // Decided by an earlier life of this shard (its record is in the partition): that decision stands.
            decisions[request.TransactionId] = Task.FromResult(earlier);
            reply.TrySetResult(earlier);
            return;
        }
        if (request.IsCommit)
        {
            clock.Observe(request.CommitTimestamp);
        }
        var decided = new TaskCompletionSource<CommitResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        var (closed, entry) = await AssignAsync(decided, cancellationToken).ConfigureAwait(false);
        // The commit timestamp is the coordinator's own, above every proposal (observed just now) and above every
        // timestamp any shard closed before the decision (a snapshot closes every shard): so a fence taken before the
        // decision never misses it.
        if (request.IsCommit)
        {
            request = request with { CommitTimestamp = closed };
        }
        var record = JournalRecord.ForDecision(request.TransactionId, request.CommitTimestamp, closed, options.Shard, Epoch, request.Participants);
        var outcome = ToDecisionOutcome(decided.Task, request);
        decisions[request.TransactionId] = outcome;
        decisionsOldestFirst.Enqueue((request.TransactionId, closed));
        ForgetOldDecisions();
        LetGo(request);
        StartAppend(entry, record);
        _ = ReplyWithFirstDecisionAsync(outcome, reply);
    }

    private async ValueTask ResolveInLoopAsync(DecideRequest request, TaskCompletionSource<CommitResult> reply, CancellationToken cancellationToken)
    {
        if (!prepared.ContainsKey(request.TransactionId))
        {
            // Already resolved (or never prepared here): nothing is held, and the partition needs no copy.
            reply.TrySetResult(new CommitResult(CommitOutcome.Committed, request.CommitTimestamp, -1, null));
            return;
        }
        if (request.IsCommit)
        {
            clock.Observe(request.CommitTimestamp);
        }
        var (closed, entry) = await AssignAsync(reply, cancellationToken).ConfigureAwait(false);
        // The copy goes into the partition before any later commit of the released keys: a replica that reads this
        // partition applies the prepared writes no later than here, so a key's versions reach it in timestamp order.
        var record = JournalRecord.ForDecision(request.TransactionId, request.CommitTimestamp, closed, options.Shard, Epoch, request.Participants)
            with { Coordinator = request.Participants[0] };
        LetGo(request);
        StartAppend(entry, record);
    }

    /// <summary>
    /// Prepares of earlier lives with no decision in the partition (the shard, or its query node, died between the
    /// prepare and the decision). Each is held again and marked as already waiting too long, so the next tick asks its
    /// coordinator, which answers with the decision it wrote or aborts; the answer is then copied into this partition
    /// like any, which also releases replicas held below the prepare's proposal.
    /// </summary>
    private void AdoptEarlierLifePrepares(IEnumerable<(JournalRecord Record, long Offset)> undecided)
    {
        foreach (var (record, offset) in undecided)
        {
            if (ToAdopt(record) is { } request)
            {
                _ = EnqueueCrossShard(new CrossShardWork(CrossShardStep.Adopt, request, null, offset), lifetime.Token);
            }
        }
    }

    /// <summary>The prepare an earlier life of this shard wrote, as a request to hold again; null for another shard's.</summary>
    private PrepareRequest? ToAdopt(JournalRecord record) => record.Shard != options.Shard || record.Participants is null
        ? null
        : new PrepareRequest(record.TransactionId, record.Start, record.Writes, [], record.Participants);

    /// <summary>Holds an earlier life's undecided prepare, found at <paramref name="offset"/>, as if it had waited too long
    /// already. Called before the loop starts (the start's read) or in the loop (the background read).</summary>
    private void Adopt(PrepareRequest request, long offset)
    {
        if (prepared.ContainsKey(request.TransactionId) || decisions.ContainsKey(request.TransactionId))
        {
            // Already held, or decided by this life as coordinator (which let the keys go): nothing to take back.
            return;
        }
        // Held, not recorded: its proposal is below the restart horizon, which the window already refuses below.
        window.Hold(request.Writes, request.Checks);
        var longAgo = options.TimeProvider.GetTimestamp() - (long)(options.PreparedDecisionTimeout.TotalSeconds * options.TimeProvider.TimestampFrequency) - 1;
        prepared[request.TransactionId] = new PreparedTransaction(request, HybridTimestamp.Zero, longAgo, offset);
        Volatile.Write(ref preparedCount, prepared.Count);
    }

    /// <summary>Where the next record appended lands at the earliest: right after the last one acknowledged.</summary>
    private long LowestOffsetOfNextRecord()
    {
        lock (gate)
        {
            return highestAcknowledgedOffset + 1;
        }
    }

    /// <summary>What a record assigned now says in <see cref="JournalRecord.PreparesFromOffset"/>: the lowest offset of a
    /// prepare held here, or 0 when none is. Loop only.</summary>
    private long PreparesFromOffset()
    {
        if (prepared.Count == 0)
        {
            return 0;
        }
        var lowest = long.MaxValue;
        foreach (var held in prepared.Values)
        {
            lowest = Math.Min(lowest, held.FromOffset);
        }
        return Math.Max(lowest, 1);
    }

    /// <summary>Forgets the prepare and its held keys; a commit records them at its timestamp (above the proposal).</summary>
    private void LetGo(DecideRequest request)
    {
        if (!prepared.Remove(request.TransactionId, out var held))
        {
            return;
        }
        Volatile.Write(ref preparedCount, prepared.Count);
        window.Release(held.Request.Writes, held.Request.Checks);
        if (request.IsCommit)
        {
            window.Record(held.Request.Writes, request.CommitTimestamp);
        }
    }

    /// <summary>Takes an append slot and a timestamp under the gate, as a commit does.</summary>
    private async ValueTask<(HybridTimestamp Timestamp, InFlightAppend Entry)> AssignAsync(TaskCompletionSource<CommitResult> reply,
        CancellationToken cancellationToken)
    {
        await appendSlots.WaitAsync(cancellationToken).ConfigureAwait(false);
        lock (gate)
        {
            var timestamp = clock.Now();
            var entry = new InFlightAppend(++assignedCount, reply, timestamp);
            inFlightInSequenceOrder.Enqueue(entry);
            outstandingAppends++;
            committedSinceTick = true;
            return (timestamp, entry);
        }
    }

    private static async Task<CommitResult> ToDecisionOutcome(Task<CommitResult> append, DecideRequest request)
    {
        var appended = await append.ConfigureAwait(false);
        if (appended.Outcome != CommitOutcome.Committed)
        {
            return appended;
        }
        return request.IsCommit
            ? appended with { CommitTimestamp = request.CommitTimestamp }
            : NotCommitted("the transaction was aborted by its coordinator shard");
    }

    /// <summary>The decision an earlier life of this shard wrote for the transaction, read in the background after start.</summary>
    private async Task<CommitResult?> EarlierLifeDecisionAsync(Guid transactionId)
    {
        if (RestartHorizon == HybridTimestamp.Zero)
        {
            return null;
        }
        var earlier = await DecideFromEarlierLifeAsync(CrossShardDecisionKey(transactionId)).ConfigureAwait(false);
        // Not in the recent part the start read: a decision may still lie below it (a participant asks for as long as it holds its prepare).
        return earlier.Outcome == CommitOutcome.TooOld ? await OlderDecisionAsync(transactionId).ConfigureAwait(false) : earlier;
    }

    /// <summary>Where an earlier life's decision is filed among its outcomes: apart from the transaction's own prepare.</summary>
    internal static Guid CrossShardDecisionKey(Guid transactionId)
    {
        Span<byte> bytes = stackalloc byte[16];
        transactionId.TryWriteBytes(bytes);
        bytes[0] ^= 0xD5;
        return new Guid(bytes);
    }

    private void ForgetOldDecisions()
    {
        while (decisionsOldestFirst.TryPeek(out var oldest)
            && (oldest.At <= window.Horizon || decisionsOldestFirst.Count > options.MaxRememberedOutcomes))
        {
            decisionsOldestFirst.Dequeue();
            decisions.Remove(oldest.TransactionId);
        }
    }

    /// <summary>From the tick: a prepare that waited longer than <see cref="AdjudicatorOptions.PreparedDecisionTimeout"/>
    /// asks its coordinator, which aborts it unless it already decided; the answer is then learned like any decision.</summary>
    private void AskCoordinatorsAboutOldPrepares()
    {
        if (prepared.Count == 0 || options.CoordinatorOf is not { } coordinatorOf)
        {
            return;
        }
        var now = options.TimeProvider.GetTimestamp();
        foreach (var held in prepared.Values)
        {
            if (held.Asking || options.TimeProvider.GetElapsedTime(held.PreparedAt, now) < options.PreparedDecisionTimeout)
            {
                continue;
            }
            var participants = held.Request.Participants;
            var coordinator = participants[0] == options.Shard ? this : coordinatorOf(participants[0]);
            if (coordinator is null)
            {
                continue;
            }
            held.Asking = true;
            _ = AskCoordinatorAsync(coordinator, held);
        }
    }

    private async Task AskCoordinatorAsync(ICrossShardParticipant coordinator, PreparedTransaction held)
    {
        var request = held.Request;
        try
        {
            var abort = new DecideRequest(request.TransactionId, HybridTimestamp.Zero, request.Participants);
            var decided = await coordinator.DecideAsync(abort, lifetime.Token).ConfigureAwait(false);
            var learned = decided.Outcome == CommitOutcome.Committed
                ? abort with { CommitTimestamp = decided.CommitTimestamp }
                : decided.Outcome == CommitOutcome.NotCommitted ? abort : null;
            if (learned is null)
            {
                held.Asking = false;
                return;
            }
            if (coordinator != this)
            {
                await ResolveAsync(learned, lifetime.Token).ConfigureAwait(false);
            }
        }
        catch (Exception) when (!lifetime.IsCancellationRequested)
        {
            // The coordinator cannot answer now: the next tick asks again.
            held.Asking = false;
        }
        catch (OperationCanceledException)
        {
        }
    }

    private sealed class PreparedTransaction(PrepareRequest request, HybridTimestamp proposed, long preparedAt, long fromOffset)
    {
        public PrepareRequest Request { get; } = request;
        public HybridTimestamp Proposed { get; } = proposed;
        public long PreparedAt { get; } = preparedAt;

        /// <summary>The prepare record's offset, or a bound below it while its append is in flight.</summary>
        public long FromOffset { get; } = fromOffset;

        // Written by the loop and by the task that asks; a stale read only delays or repeats a question.
        public volatile bool Asking;
    }
}
