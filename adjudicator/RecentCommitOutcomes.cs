using Log.Journal.Time;

namespace Log.Adjudicator;

/// <summary>
/// The decisions a shard made recently, by transaction id, so that a commit request sent again
/// (a client that lost the reply, a query node that reconnected) gets the first decision instead
/// of a second one. Without it a retried commit would be checked again and refused as conflicting
/// with itself, or, worse, committed twice.
///
/// I/O-free and not thread-safe: the shard's loop owns it (and its start, before the loop runs).
/// A decision is remembered with a timestamp no lower than the transaction's start: its commit
/// timestamp, or the clock when it was refused. Entries are forgotten once that timestamp is at or
/// below the conflict window's horizon. That is safe because a retry carries the same start
/// timestamp, which is then below the horizon too, so the shard refuses it as too old: a forgotten
/// transaction can be refused again, never committed again. The memory is therefore as long as the
/// window's (the longest transaction), and <see cref="MaxEntries"/> caps it: past the cap the shard
/// raises the window's horizon to the oldest entry (more refusals, never fewer).
/// </summary>
internal sealed class RecentCommitOutcomes(int maxEntries)
{
    private readonly Dictionary<Guid, (Task<CommitResult> Outcome, HybridTimestamp At)> byTransaction = [];
    private readonly Queue<(Guid Transaction, HybridTimestamp At)> inDecisionOrder = new();

    public int MaxEntries { get; } = maxEntries > 0 ? maxEntries : throw new ArgumentOutOfRangeException(nameof(maxEntries));

    public int Count => byTransaction.Count;

    /// <summary>The first decision for <paramref name="transactionId"/>, which may still be in flight (its append not
    /// yet durable). Every decision is kept, <see cref="CommitOutcome.NotCommitted"/> too: the window remembers the
    /// keys of a commit whose append failed, so deciding it again would refuse it as conflicting with itself.</summary>
    public bool TryGet(Guid transactionId, out Task<CommitResult> outcome)
    {
        if (!byTransaction.TryGetValue(transactionId, out var remembered))
        {
            outcome = null!;
            return false;
        }
        outcome = remembered.Outcome;
        return true;
    }

    /// <summary>Remembers a decision taken at <paramref name="at"/> (never below an earlier one's: the shard decides in
    /// clock order).</summary>
    public void Remember(Guid transactionId, Task<CommitResult> outcome, HybridTimestamp at)
    {
        byTransaction[transactionId] = (outcome, at);
        inDecisionOrder.Enqueue((transactionId, at));
    }

    /// <summary>Forgets every decision at or below <paramref name="horizon"/>; returns how many.</summary>
    public int Trim(HybridTimestamp horizon)
    {
        var forgotten = 0;
        while (inDecisionOrder.TryPeek(out var oldest) && oldest.At <= horizon)
        {
            inDecisionOrder.Dequeue();
            // Defensive: an id remembered twice keeps its latest decision.
            if (byTransaction.TryGetValue(oldest.Transaction, out var remembered) && remembered.At == oldest.At)
            {
                byTransaction.Remove(oldest.Transaction);
                forgotten++;
            }
        }
        return forgotten;
    }

    /// <summary>When over <see cref="MaxEntries"/>: the timestamp of the oldest decision, which the window's horizon
    /// must reach so that this memory may forget it.</summary>
    public HybridTimestamp? HorizonNeeded =>
        inDecisionOrder.Count > MaxEntries && inDecisionOrder.TryPeek(out var oldest) ? oldest.At : null;
}
