using Log.Journal.Time;

namespace Log.Journal.Records;

/// <summary>A committed write set a reader of several partitions may apply now, at its commit timestamp.</summary>
public readonly record struct ReadyCommit(HybridTimestamp CommitTimestamp, IReadOnlyList<JournalWrite> Writes, Guid TransactionId = default);

/// <summary>
/// What a reader of every partition of a region (a storage replica) makes of their records: which write sets to apply,
/// and up to which timestamp it has everything (its resolved timestamp). I/O-free and not thread-safe: one apply loop
/// owns it. Records of one partition must be given in offset order (whole: fragments put together first); partitions
/// may interleave in any way.
/// <para>
/// Per partition it keeps the greatest commit or closed timestamp seen (commit and closed timestamps only grow along a
/// partition), and the prepares seen there whose decision is not known yet. A pending prepare holds its partition below
/// its proposed timestamp: the transaction will commit at or above the proposal, or not at all, so a reader that served
/// a timestamp at or above it could miss the commit. The resolved timestamp is the minimum over partitions of each
/// partition's held timestamp: no partition can still deliver a commit at or below it.
/// </para>
/// <para>
/// A prepare's writes are applied once the reader knows the decision, from whichever partition tells it first: the
/// coordinator's Decision (the truth), or the copy a participant appends in its own partition after it learned the
/// decision and before it lets any later transaction write the prepared keys. So within a partition every write of a
/// key reaches the store in commit-timestamp order, which the store's "newer versions only" apply needs.
/// </para>
/// </summary>
public sealed class CrossShardTracker
{
    /// <summary>Coordinator decisions kept for prepares not seen yet (an abort may name a participant whose prepare
    /// never came). Past it the oldest are forgotten: that participant's own copy of the decision still resolves it.</summary>
    public const int RememberedDecisionsMax = 100_000;

    private readonly ulong[] highest;
    private readonly SortedDictionary<ulong, int>[] holds;
    private readonly Dictionary<(Guid TransactionId, int Partition), (JournalRecord Prepare, long Offset, long Epoch)> pending = [];
    private readonly Dictionary<Guid, KnownDecision> decisions = [];
    private readonly Queue<Guid> decisionsOldestFirst = new();

    public CrossShardTracker(int partitionCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(partitionCount, 1);
        highest = new ulong[partitionCount];
        holds = new SortedDictionary<ulong, int>[partitionCount];
        for (var index = 0; index < partitionCount; index++)
        {
            holds[index] = [];
        }
    }

    public int PartitionCount => highest.Length;

    /// <summary>Starts <paramref name="partition"/> at a timestamp resolved earlier (a recovered checkpoint's).</summary>
    public void Seed(int partition, HybridTimestamp resolved) => Advance(partition, resolved.Value);

    /// <summary>Prepares seen whose decision is not known yet.</summary>
    public int PendingPrepareCount => pending.Count;

    /// <summary>An offset not given to <see cref="Accept"/> (a record put together from fragments starts before it).</summary>
    public const long UnknownOffset = -1;

    /// <summary>
    /// Where a reader that starts again must read <paramref name="partition"/> from to see each of its pending prepares
    /// again: the lowest offset of one, with the partition's writer epoch there (both as given to <see cref="Accept"/>).
    /// Null when none is pending; <see cref="UnknownOffset"/> when a pending prepare's offset was not given.
    /// </summary>
    public (long Offset, long Epoch)? OldestPendingOf(int partition)
    {
        (long Offset, long Epoch)? oldest = null;
        foreach (var ((_, prepared), (_, offset, epoch)) in pending)
        {
            if (prepared != partition)
            {
                continue;
            }
            if (offset == UnknownOffset)
            {
                return (UnknownOffset, epoch);
            }
            if (oldest is null || offset < oldest.Value.Offset)
            {
                oldest = (offset, epoch);
            }
        }
        return oldest;
    }

    /// <summary>Every commit at or below it has been handed out by <see cref="Accept"/>, and none can still come.</summary>
    public HybridTimestamp Resolved
    {
        get
        {
            var resolved = ulong.MaxValue;
            for (var partition = 0; partition < highest.Length; partition++)
            {
                resolved = Math.Min(resolved, HeldOf(partition));
            }
            return new HybridTimestamp(resolved);
        }
    }

    /// <summary>The timestamp partition <paramref name="partition"/> alone has resolved: its greatest timestamp, held
    /// below its oldest pending prepare's proposal.</summary>
    public HybridTimestamp ResolvedOf(int partition) => new(HeldOf(partition));

    private ulong HeldOf(int partition)
    {
        var held = highest[partition];
        var partitionHolds = holds[partition];
        if (partitionHolds.Count > 0)
        {
            held = Math.Min(held, partitionHolds.Keys.First() - 1);
        }
        return held;
    }

    /// <summary>Takes the next whole record of <paramref name="partition"/>; adds to <paramref name="ready"/> the write
    /// sets that become applicable. Throws <see cref="InvalidDataException"/> for a record that cannot be (a prepare
    /// seen twice, a decision that contradicts the first one). <paramref name="offset"/> is the record's offset in its
    /// partition and <paramref name="epoch"/> the partition's writer epoch there (see <see cref="WriterEpochFilter"/>), for
    /// <see cref="OldestPendingOf"/>.</summary>
    public void Accept(int partition, JournalRecord record, List<ReadyCommit> ready, long offset = UnknownOffset, long epoch = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(partition);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(partition, highest.Length);
        switch (record.Kind)
        {
            case JournalRecordKind.Commit:
                ready.Add(new ReadyCommit(record.Commit, record.Writes, record.TransactionId));
                Advance(partition, Math.Max(record.CommitTimestamp, record.ClosedTimestamp));
                break;
            case JournalRecordKind.Heartbeat:
                Advance(partition, record.ClosedTimestamp);
                break;
            case JournalRecordKind.Prepare:
                AcceptPrepare(partition, record, ready, offset, epoch);
                break;
            case JournalRecordKind.Decision:
                AcceptDecision(partition, record, ready);
                break;
            case JournalRecordKind.EpochStart:
            case JournalRecordKind.CommitFragment:
                break;
            default:
                throw new InvalidDataException($"unknown record kind {(int)record.Kind}");
        }
    }

    private void AcceptPrepare(int partition, JournalRecord prepare, List<ReadyCommit> ready, long offset, long epoch)
    {
        // Records after the prepare in this partition are above its proposal (one loop assigns them in order).
        Advance(partition, prepare.CommitTimestamp);
        if (decisions.TryGetValue(prepare.TransactionId, out var known))
        {
            Resolve(prepare, known.CommitTimestamp, ready);
            known.Remaining.Remove(partition);
            if (known.Remaining.Count == 0)
            {
                decisions.Remove(prepare.TransactionId);
            }
            return;
        }
        if (!pending.TryAdd((prepare.TransactionId, partition), (prepare, offset, epoch)))
        {
            throw new InvalidDataException($"transaction {prepare.TransactionId} is prepared twice in partition {partition}");
        }
        var partitionHolds = holds[partition];
        partitionHolds[prepare.CommitTimestamp] = partitionHolds.GetValueOrDefault(prepare.CommitTimestamp) + 1;
    }

    private void AcceptDecision(int partition, JournalRecord decision, List<ReadyCommit> ready)
    {
        Advance(partition, decision.ClosedTimestamp);
        var participants = decision.Participants!;
        if (decision.Shard != decision.Coordinator)
        {
            // A participant's copy: it resolves that participant's own prepare, if it is still pending here.
            if (TakePending(decision.TransactionId, partition) is { } own)
            {
                Resolve(own, decision.CommitTimestamp, ready);
            }
            return;
        }
        if (decisions.TryGetValue(decision.TransactionId, out var first))
        {
            if (first.CommitTimestamp != decision.CommitTimestamp)
            {
                // Only the first decision counts; a coordinator that remembers its decisions never writes another.
                throw new InvalidDataException($"transaction {decision.TransactionId} has two different decisions");
            }
            return;
        }
        var remaining = new HashSet<int>();
        foreach (var participant in participants)
        {
            if (participant >= highest.Length)
            {
                throw new InvalidDataException($"transaction {decision.TransactionId} names partition {participant}, beyond the {highest.Length} read");
            }
            if (TakePending(decision.TransactionId, participant) is { } prepare)
            {
                Resolve(prepare, decision.CommitTimestamp, ready);
            }
            else if (highest[participant] < decision.CommitTimestamp || decision.CommitTimestamp == 0)
            {
                // Not seen yet: its prepare is still to come (for a commit, it must be: the partition is below the
                // commit timestamp, and every prepare is at or below it).
                remaining.Add(participant);
            }
        }
        if (remaining.Count > 0)
        {
            decisions[decision.TransactionId] = new KnownDecision(decision.CommitTimestamp, remaining);
            decisionsOldestFirst.Enqueue(decision.TransactionId);
            while (decisionsOldestFirst.Count > RememberedDecisionsMax)
            {
                decisions.Remove(decisionsOldestFirst.Dequeue());
            }
        }
    }

    private JournalRecord? TakePending(Guid transactionId, int partition)
    {
        if (!pending.Remove((transactionId, partition), out var taken))
        {
            return null;
        }
        var prepare = taken.Prepare;
        var partitionHolds = holds[partition];
        if (--partitionHolds[prepare.CommitTimestamp] == 0)
        {
            partitionHolds.Remove(prepare.CommitTimestamp);
        }
        return prepare;
    }

    private static void Resolve(JournalRecord prepare, ulong commitTimestamp, List<ReadyCommit> ready)
    {
        if (commitTimestamp == 0)
        {
            return;
        }
        if (commitTimestamp < prepare.CommitTimestamp)
        {
            throw new InvalidDataException(
                $"transaction {prepare.TransactionId} commits at {new HybridTimestamp(commitTimestamp)}, below its proposal {prepare.Commit}");
        }
        ready.Add(new ReadyCommit(new HybridTimestamp(commitTimestamp), prepare.Writes, prepare.TransactionId));
    }

    private void Advance(int partition, ulong timestamp)
    {
        if (timestamp > highest[partition])
        {
            highest[partition] = timestamp;
        }
    }

    private sealed record KnownDecision(ulong CommitTimestamp, HashSet<int> Remaining);
}
