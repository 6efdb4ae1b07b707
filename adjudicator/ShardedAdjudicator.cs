using Log.Journal.Records;
using Log.Journal.Time;

namespace Log.Adjudicator;

/// <summary>Which shard owns a key: a pure function of the key's bytes, the same on every query node.</summary>
public interface IKeyRouter
{
    /// <summary>The key's shard in [0, shardCount), or <see cref="EveryShard"/> for a key every shard keeps (its
    /// writes go to all of them, so any one of them can check it).</summary>
    int ShardOf(ReadOnlySpan<byte> key, int shardCount);

    public const int EveryShard = -1;
}

/// <summary>
/// The adjudicator of a database with several shards, as the query node sees it: one <see cref="IAdjudicator"/> that
/// sends each transaction to the shards that own its keys. A transaction of one shard is that shard's ordinary commit;
/// one that spans shards runs the cross-shard commit (adjudicator/README.md, "Cross-shard commits"): prepare on every
/// participant at once, then the decision at the coordinator (the lowest participant), whose durable Decision record
/// is the commit; the other participants learn it afterwards (they, and storage, also learn it from the journal).
/// </summary>
public sealed class ShardedAdjudicator : IAdjudicator
{
    private readonly IReadOnlyList<IAdjudicator> shards;
    private readonly IKeyRouter router;

    public ShardedAdjudicator(IReadOnlyList<IAdjudicator> shards, IKeyRouter router)
    {
        ArgumentNullException.ThrowIfNull(shards);
        ArgumentNullException.ThrowIfNull(router);
        ArgumentOutOfRangeException.ThrowIfLessThan(shards.Count, 1);
        this.shards = shards;
        this.router = router;
    }

    public int ShardCount => shards.Count;

    /// <summary>Cross-shard transactions committed and aborted through this node (for tests and metrics).</summary>
    public long CrossShardCommitCount => Volatile.Read(ref crossShardCommitCount);

    private long crossShardCommitCount;

    public Task<CommitResult> CommitAsync(CommitRequest request, CancellationToken cancellationToken)
    {
        if (shards.Count == 1)
        {
            return shards[0].CommitAsync(request, cancellationToken);
        }
        var parts = Split(request);
        if (parts.Count == 1)
        {
            var (shard, part) = parts.First();
            return shards[shard].CommitAsync(request with { Writes = part.Writes, Checks = part.Checks }, cancellationToken);
        }
        return CommitAcrossShardsAsync(request, parts, cancellationToken);
    }

    /// <summary>Each shard's writes and checks. A key of every shard is written to each participant and checked at the
    /// first one; a transaction that only checks such keys is judged by shard 0.</summary>
    public SortedDictionary<int, (List<JournalWrite> Writes, List<ConflictCheck> Checks)> Split(CommitRequest request)
    {
        var parts = new SortedDictionary<int, (List<JournalWrite> Writes, List<ConflictCheck> Checks)>();
        (List<JournalWrite> Writes, List<ConflictCheck> Checks) PartOf(int shard)
        {
            if (!parts.TryGetValue(shard, out var part))
            {
                parts[shard] = part = ([], []);
            }
            return part;
        }
        var everyShardWrites = false;
        foreach (var write in request.Writes)
        {
            var shard = router.ShardOf(write.Key, shards.Count);
            if (shard == IKeyRouter.EveryShard)
            {
                everyShardWrites = true;
            }
            else
            {
                PartOf(shard).Writes.Add(write);
            }
        }
        if (everyShardWrites)
        {
            for (var shard = 0; shard < shards.Count; shard++)
            {
                var part = PartOf(shard);
                part.Writes.AddRange(request.Writes.Where(write => router.ShardOf(write.Key, shards.Count) == IKeyRouter.EveryShard));
            }
        }
        List<ConflictCheck>? everyShardChecks = null;
        foreach (var check in request.Checks)
        {
            var shard = router.ShardOf(check.Key, shards.Count);
            if (shard == IKeyRouter.EveryShard)
            {
                (everyShardChecks ??= []).Add(check);
            }
            else
            {
                PartOf(shard).Checks.Add(check);
            }
        }
        if (everyShardChecks is not null)
        {
            PartOf(parts.Count > 0 ? parts.Keys.First() : 0).Checks.AddRange(everyShardChecks);
        }
        if (parts.Count == 0)
        {
            PartOf(0);
        }
        return parts;
    }

    private async Task<CommitResult> CommitAcrossShardsAsync(CommitRequest request,
        SortedDictionary<int, (List<JournalWrite> Writes, List<ConflictCheck> Checks)> parts, CancellationToken cancellationToken)
    {
        var participants = parts.Keys.ToArray();
        var participantShards = new ICrossShardParticipant[participants.Length];
        for (var index = 0; index < participants.Length; index++)
        {
            if (shards[participants[index]] is not ICrossShardParticipant participant)
            {
                return new CommitResult(CommitOutcome.NotCommitted, HybridTimestamp.Zero, -1, null,
                    $"feature not supported: a transaction over several shards when shard {participants[index]} takes no part in cross-shard commits");
            }
            participantShards[index] = participant;
        }
        var prepares = new Task<CommitResult>[participants.Length];
        for (var index = 0; index < participants.Length; index++)
        {
            var part = parts[participants[index]];
            prepares[index] = participantShards[index].PrepareAsync(
                new PrepareRequest(request.TransactionId, request.StartTimestamp, part.Writes, part.Checks, participants), cancellationToken);
        }
        CommitResult? refusal = null;
        var commitTimestamp = HybridTimestamp.Zero;
        foreach (var prepare in prepares)
        {
            CommitResult result;
            try
            {
                result = await prepare.ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                result = new CommitResult(CommitOutcome.NotCommitted, HybridTimestamp.Zero, -1, null, exception.Message);
            }
            if (result.Outcome == CommitOutcome.Committed)
            {
                commitTimestamp = HybridTimestamp.Max(commitTimestamp, result.CommitTimestamp);
            }
            else if (refusal is null || Rank(result.Outcome) < Rank(refusal.Outcome))
            {
                refusal = result;
            }
        }
        var coordinator = participantShards[0];
        var decide = new DecideRequest(request.TransactionId, refusal is null ? commitTimestamp : HybridTimestamp.Zero, participants);
        CommitResult decided;
        try
        {
            // Not cancelled by the caller: once prepared, the keys are held until a decision.
            decided = await coordinator.DecideAsync(decide, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            // The coordinator may or may not have written the decision; the participants ask it later, and it answers
            // with what it wrote (or aborts, if it wrote nothing).
            return refusal is not null ? Undecided(refusal) : new CommitResult(CommitOutcome.OutcomeUnknown, HybridTimestamp.Zero, -1, null,
                $"the coordinator shard did not confirm the decision: {exception.Message}");
        }
        Interlocked.Increment(ref crossShardCommitCount);
        var learned = decided.Outcome == CommitOutcome.Committed ? decide with { CommitTimestamp = decided.CommitTimestamp }
            : decided.Outcome == CommitOutcome.NotCommitted ? decide with { CommitTimestamp = HybridTimestamp.Zero }
            : null;
        if (learned is not null)
        {
            for (var index = 1; index < participantShards.Length; index++)
            {
                _ = ResolveQuietlyAsync(participantShards[index], learned);
            }
        }
        // A refusal is answered as such; otherwise the coordinator's first decision (an abort when a participant that
        // waited too long asked first).
        return refusal is null ? decided : Undecided(refusal);
    }

    /// <summary>
    /// A transaction one of whose prepares failed never commits, whatever became of the decide: only this call could
    /// have asked its coordinator to commit it, and it asked to abort (a participant that asks about an old prepare
    /// asks to abort too). So a prepare whose outcome is unknown (its shard's reply was lost) leaves the transaction
    /// certainly not committed, which the client hears as such (retryable), not as an unknown outcome.
    /// </summary>
    private static CommitResult Undecided(CommitResult refusal) => refusal.Outcome == CommitOutcome.OutcomeUnknown
        ? refusal with { Outcome = CommitOutcome.NotCommitted }
        : refusal;

    /// <summary>Which refusal the client hears when several shards refuse: the schema change first, as one shard does.</summary>
    private static int Rank(CommitOutcome outcome) => outcome switch
    {
        CommitOutcome.SchemaConflict => 0,
        CommitOutcome.DataConflict => 1,
        CommitOutcome.TooOld => 2,
        CommitOutcome.NotCommitted => 3,
        CommitOutcome.Unavailable => 4,
        _ => 5,
    };

    private static async Task ResolveQuietlyAsync(ICrossShardParticipant participant, DecideRequest decision)
    {
        try
        {
            await participant.ResolveAsync(decision, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The participant asks the coordinator itself after its timeout.
        }
    }

    /// <summary>Closes one timestamp, at or above the one asked, on every shard (<see cref="CloseOneTimestampOnEveryShardAsync"/>);
    /// the fence returned is shard 0's, at that timestamp.</summary>
    public async Task<ReadFence> CloseTimestampAsync(HybridTimestamp timestamp, CancellationToken cancellationToken)
    {
        var (closed, fences) = await CloseOneTimestampOnEveryShardAsync(timestamp, cancellationToken).ConfigureAwait(false);
        return fences[0] with { Timestamp = closed };
    }

    /// <summary>
    /// Closes one timestamp on every shard, at or above <paramref name="timestamp"/>, and returns it with every shard's
    /// fence (each fence's own timestamp at or above it, so its end offset bounds every commit at or below it).
    /// <para>
    /// A shard in another process closes at the later of the timestamp asked and its own clock, so that a snapshot
    /// there holds every commit the shard acknowledged before, even when the asking node's clock is behind. Shards on
    /// their own clocks then close different timestamps; reading at the latest one is safe only once every shard has
    /// closed it (a shard whose clock is behind could still commit between its own and the latest), so the shards that
    /// closed below it are asked to close it too: one more round trip to those shards, only when their clocks differ.
    /// Shards in one process share the asking node's clock and close the timestamp asked: one round.
    /// </para>
    /// </summary>
    public async Task<(HybridTimestamp Closed, ReadFence[] Fences)> CloseOneTimestampOnEveryShardAsync(HybridTimestamp timestamp,
        CancellationToken cancellationToken)
    {
        var fences = await CloseEveryShardAsync(timestamp, cancellationToken).ConfigureAwait(false);
        var closed = timestamp;
        foreach (var fence in fences) closed = HybridTimestamp.Max(closed, fence.Timestamp);
        var behind = Enumerable.Range(0, fences.Length).Where(shard => fences[shard].Timestamp < closed).ToArray();
        if (behind.Length > 0)
        {
            var again = await Task.WhenAll(behind.Select(shard => shards[shard].CloseTimestampAsync(closed, cancellationToken))).ConfigureAwait(false);
            for (var index = 0; index < behind.Length; index++)
            {
                if (again[index].Timestamp < closed)
                {
                    throw new InvalidOperationException($"Shard {behind[index]} closed {again[index].Timestamp} when asked to close {closed}.");
                }
                fences[behind[index]] = again[index];
            }
        }
        return (closed, fences);
    }

    /// <summary>Closes the timestamp on every shard: afterwards nothing commits at or below it on any shard (a
    /// cross-shard commit decided later commits at the coordinator's clock, above it), and every commit at or below it,
    /// and every part of one, lies below the fences' end offsets.</summary>
    public Task<ReadFence[]> CloseEveryShardAsync(HybridTimestamp timestamp, CancellationToken cancellationToken) =>
        Task.WhenAll(shards.Select(shard => shard.CloseTimestampAsync(timestamp, cancellationToken)));
}
