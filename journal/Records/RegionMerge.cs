using Log.Journal.Time;

namespace Log.Journal.Records;

/// <summary>What the merge of the region topics decided about one candidate.</summary>
public enum RegionOutcome
{
    /// <summary>It commits at its commit timestamp, in every region.</summary>
    Committed = 0,

    /// <summary>A key it checks was written by a committed candidate earlier in the merged order, after its start (OC000).</summary>
    Conflict = 1,

    /// <summary>Its start is more than the conflict window below its commit timestamp: it cannot be checked.</summary>
    TooOld = 2,
}

/// <summary>A decided candidate of <paramref name="Region"/>'s topic: its record and the outcome every region computes.</summary>
public readonly record struct RegionDecision(string Region, JournalRecord Record, RegionOutcome Outcome, byte[]? ConflictingKey)
{
    public bool IsCommitted => Outcome == RegionOutcome.Committed;
}

/// <summary>
/// The merge of the region topics of one shard and the decision over it (adjudicator/README.md, "Regions"). I/O-free and
/// not thread-safe: one reader owns it. Records of one region must be given in offset order, whole (fragments put
/// together first); regions may interleave in any way, and the decisions come out the same.
/// <para>
/// Every Commit record of a region topic is a candidate (a CommitBatch is unpacked into its candidates first,
/// <see cref="RegionCommitBatch.Unpack"/>, and they are given one by one, in their order). Candidates are ordered by (commit timestamp, region name,
/// ordinal); a candidate commits iff no committed candidate before it wrote a key it checks (its writes and
/// <see cref="JournalRecord.CheckKeys"/>) with a commit timestamp after its start, and its start is within the conflict
/// window below its commit timestamp. A candidate is decided once every live region has closed its commit timestamp
/// (promised never to propose at or below it, by a later candidate or a heartbeat), so nothing can come before it any
/// more: the decisions depend only on the region streams, never on when their records arrived.
/// </para>
/// <para>
/// A <see cref="JournalRecordKind.RegionSeal"/> ends a region's stream: the region stops holding decisions back. Records
/// after the seal (the region's next life) are kept aside until a <see cref="JournalRecordKind.RegionRejoin"/> naming
/// the region arrives in another region's stream; from there the region counts again, closed at the rejoin's timestamp.
/// </para>
/// </summary>
public sealed partial class RegionMerge
{
    private readonly string[] regions;
    private readonly Dictionary<string, int> indexOf = new(StringComparer.Ordinal);
    private readonly ulong[] closed;
    private readonly bool[] sealedRegions;
    private readonly Queue<JournalRecord>[] candidates;
    private readonly Queue<JournalRecord>[] afterSeal;
    private readonly Queue<ulong>[] rejoinsBeforeSeal;
    private readonly long conflictWindowMilliseconds;
    private readonly Dictionary<byte[], ulong> lastCommitOf = new(KeyComparer.Instance);
    private readonly Queue<(ulong Commit, byte[] Key)> writesOldestFirst = new();
    private readonly Queue<RegionDecision> decided = new();
    private ulong released;
    private (ulong Commit, int Region) lastDecidedPosition;

    /// <param name="regions">Every region whose topic this merge reads (at least one); names are compared ordinally.</param>
    /// <param name="conflictWindow">The longest transaction (the adjudicator's MaxTransactionDuration): a candidate that
    /// started longer before its commit timestamp is refused as too old, and writes older than it are forgotten.</param>
    public RegionMerge(IEnumerable<string> regions, TimeSpan conflictWindow)
    {
        ArgumentNullException.ThrowIfNull(regions);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(conflictWindow, TimeSpan.Zero);
        this.regions = [.. regions.Order(StringComparer.Ordinal)];
        if (this.regions.Length == 0)
        {
            throw new ArgumentException("A merge needs at least one region.", nameof(regions));
        }
        for (var index = 0; index < this.regions.Length; index++)
        {
            if (string.IsNullOrEmpty(this.regions[index]) || !indexOf.TryAdd(this.regions[index], index))
            {
                throw new ArgumentException($"Region names must be distinct and not empty: '{this.regions[index]}'.", nameof(regions));
            }
        }
        closed = new ulong[this.regions.Length];
        sealedRegions = new bool[this.regions.Length];
        candidates = new Queue<JournalRecord>[this.regions.Length];
        afterSeal = new Queue<JournalRecord>[this.regions.Length];
        rejoinsBeforeSeal = new Queue<ulong>[this.regions.Length];
        for (var index = 0; index < this.regions.Length; index++)
        {
            candidates[index] = new();
            afterSeal[index] = new();
            rejoinsBeforeSeal[index] = new();
        }
        conflictWindowMilliseconds = (long)conflictWindow.TotalMilliseconds;
    }

    /// <summary>The regions, in the order that breaks ties between equal commit timestamps.</summary>
    public IReadOnlyList<string> Regions => regions;

    /// <summary>Every candidate at or below it is decided, and no region can still propose at or below it.</summary>
    public HybridTimestamp Released => new(released);

    /// <summary>Candidates received and not decided yet.</summary>
    public int PendingCount => candidates.Sum(queue => queue.Count);

    /// <summary>Keys the decision still remembers (written by committed candidates within the conflict window).</summary>
    public int RememberedKeyCount => lastCommitOf.Count;

    /// <summary>What <paramref name="region"/> promised so far: it proposes nothing at or below this.</summary>
    public HybridTimestamp ClosedOf(string region) => new(closed[IndexOf(region)]);

    public bool IsSealed(string region) => sealedRegions[IndexOf(region)];

    /// <summary>Whether <paramref name="region"/> is sealed and records of its next life, after the seal, wait for a
    /// rejoin: the region came back.</summary>
    public bool IsReturning(string region)
    {
        var index = IndexOf(region);
        return sealedRegions[index] && afterSeal[index].Count > 0;
    }

    /// <summary>
    /// Takes the next record of <paramref name="region"/>'s topic and decides every candidate that became decidable.
    /// A record that breaks the region's promises (a candidate at or below its closed timestamp, a cross-shard record)
    /// is corruption: <see cref="InvalidDataException"/>, and the merge is then unusable.
    /// </summary>
    public void Accept(string region, JournalRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var index = IndexOf(region);
        if (sealedRegions[index])
        {
            // The region's next life: it counts once another region's stream lets it rejoin.
            afterSeal[index].Enqueue(record);
            return;
        }
        Take(index, record);
        Decide();
    }

    /// <summary>Moves the decisions taken so far into <paramref name="into"/>, in the merged order; returns how many.</summary>
    public int TakeDecisions(ICollection<RegionDecision> into)
    {
        ArgumentNullException.ThrowIfNull(into);
        var count = decided.Count;
        while (decided.TryDequeue(out var decision))
        {
            into.Add(decision);
        }
        return count;
    }

    private int IndexOf(string region) =>
        indexOf.TryGetValue(region, out var index) ? index : throw new ArgumentException($"Unknown region '{region}'.", nameof(region));

    private void Take(int index, JournalRecord record)
    {
        switch (record.Kind)
        {
            case JournalRecordKind.Commit:
                if (record.IsFragment && record.Writes.Count == 0 && record.FragmentBytes is not null)
                {
                    throw new ArgumentException("A fragmented commit must be put together before the merge takes it.", nameof(record));
                }
                if (record.CommitTimestamp <= closed[index])
                {
                    throw new InvalidDataException(
                        $"Region {regions[index]} proposed {record.Commit} at or below its closed timestamp {new HybridTimestamp(closed[index])}.");
                }
                candidates[index].Enqueue(record);
                closed[index] = record.CommitTimestamp;
                break;
            case JournalRecordKind.Heartbeat:
                closed[index] = Math.Max(closed[index], record.ClosedTimestamp);
                break;
            case JournalRecordKind.EpochStart:
                break;
            case JournalRecordKind.RegionSeal:
                if (rejoinsBeforeSeal[index].TryDequeue(out var rejoinedAt))
                {
                    // The rejoin came first (another region's stream was read further): the next life goes on at once.
                    closed[index] = Math.Max(closed[index], rejoinedAt);
                }
                else
                {
                    sealedRegions[index] = true;
                }
                break;
            case JournalRecordKind.RegionRejoin:
                Rejoin(index, record);
                break;
            case JournalRecordKind.CommitBatch:
                throw new ArgumentException("A commit batch must be unpacked into its candidates before the merge takes it (RegionCommitBatch.Unpack).", nameof(record));
            default:
                throw new InvalidDataException($"A region topic holds a {record.Kind} record, which multi-region mode never writes.");
        }
    }

    private void Rejoin(int by, JournalRecord record)
    {
        var index = IndexOf(record.Region!);
        if (index == by)
        {
            throw new InvalidDataException($"Region {regions[by]} wrote its own rejoin.");
        }
        // The rejoin is the writer's own promise too: its region proposes nothing at or below it either.
        if (record.ClosedTimestamp < closed[by])
        {
            throw new InvalidDataException($"Region {regions[by]} let {regions[index]} rejoin at {record.Closed}, below its own closed timestamp.");
        }
        closed[by] = record.ClosedTimestamp;
        if (!sealedRegions[index])
        {
            // The region's own stream has not reached its seal here yet: the rejoin applies when it does.
            rejoinsBeforeSeal[index].Enqueue(record.ClosedTimestamp);
            return;
        }
        sealedRegions[index] = false;
        closed[index] = Math.Max(closed[index], record.ClosedTimestamp);
        var kept = afterSeal[index];
        while (!sealedRegions[index] && kept.TryDequeue(out var next))
        {
            Take(index, next);
        }
    }

    private void Decide()
    {
        var bound = ulong.MaxValue;
        for (var index = 0; index < regions.Length; index++)
        {
            if (!sealedRegions[index])
            {
                bound = Math.Min(bound, closed[index]);
            }
        }
        while (true)
        {
            var first = -1;
            for (var index = 0; index < regions.Length; index++)
            {
                if (candidates[index].TryPeek(out var head)
                    && (first < 0 || head.CommitTimestamp < candidates[first].Peek().CommitTimestamp))
                {
                    first = index;
                }
            }
            if (first < 0 || candidates[first].Peek().CommitTimestamp > bound)
            {
                break;
            }
            DecideOne(first, candidates[first].Dequeue());
        }
        // With every region sealed nothing more can come; the released timestamp stays at the last decision.
        var newReleased = bound == ulong.MaxValue ? lastDecidedPosition.Commit : bound;
        released = Math.Max(released, newReleased);
    }

    private void DecideOne(int index, JournalRecord candidate)
    {
        var position = (candidate.CommitTimestamp, index);
        if (position.CompareTo(lastDecidedPosition) <= 0)
        {
            throw new InvalidOperationException($"The merge decided {candidate.Commit} of {regions[index]} out of order.");
        }
        lastDecidedPosition = position;
        Forget(candidate.Commit);
        var outcome = RegionOutcome.Committed;
        byte[]? conflictingKey = null;
        if (candidate.Commit.PhysicalMilliseconds - candidate.Start.PhysicalMilliseconds > conflictWindowMilliseconds)
        {
            outcome = RegionOutcome.TooOld;
        }
        else
        {
            conflictingKey = FirstConflict(candidate);
            if (conflictingKey is not null)
            {
                outcome = RegionOutcome.Conflict;
            }
        }
        if (outcome == RegionOutcome.Committed)
        {
            foreach (var write in candidate.Writes)
            {
                lastCommitOf[write.Key] = candidate.CommitTimestamp;
                writesOldestFirst.Enqueue((candidate.CommitTimestamp, write.Key));
            }
        }
        decided.Enqueue(new RegionDecision(regions[index], candidate, outcome, conflictingKey));
    }

    private byte[]? FirstConflict(JournalRecord candidate)
    {
        foreach (var write in candidate.Writes)
        {
            if (lastCommitOf.TryGetValue(write.Key, out var last) && last > candidate.StartTimestamp)
            {
                return write.Key;
            }
        }
        if (candidate.CheckKeys is { } checkKeys)
        {
            foreach (var key in checkKeys)
            {
                if (lastCommitOf.TryGetValue(key, out var last) && last > candidate.StartTimestamp)
                {
                    return key;
                }
            }
        }
        return null;
    }

    /// <summary>Forgets writes older than the conflict window below <paramref name="now"/>: every candidate from here on
    /// starts within the window below its own commit timestamp (else it is too old), so after them.</summary>
    private void Forget(HybridTimestamp now)
    {
        var horizon = HybridTimestamp.From(Math.Max(0, now.PhysicalMilliseconds - conflictWindowMilliseconds), 0).Value;
        while (writesOldestFirst.TryPeek(out var oldest) && oldest.Commit < horizon)
        {
            writesOldestFirst.Dequeue();
            if (lastCommitOf.TryGetValue(oldest.Key, out var last) && last == oldest.Commit)
            {
                lastCommitOf.Remove(oldest.Key);
            }
        }
    }
}
