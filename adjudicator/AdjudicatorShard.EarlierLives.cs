using Log.Journal.Records;
using Log.Journal.Time;

namespace Log.Adjudicator;

/// <summary>
/// Where the background read of earlier lives' decisions begins, and the older decisions read only when asked for.
///
/// A start needs earlier lives' commits only above the conflict window's horizon (a retry carries its start, and a start
/// below the horizon is refused as too old anyway), so the read begins at the last record whose timestamp is at or below
/// the horizon less a margin, found by a binary search over offsets on the records' own timestamps (offset order is
/// timestamp order in a partition), instead of at offset 0. A coordinator's cross-shard decisions have no such bound (a
/// participant may ask about its prepare for as long as it holds it), so a decide that finds nothing in the bounded read
/// reads the older part of the partition once, then and only then. adjudicator/README.md, "Retries across a restart",
/// says why both are safe.
/// </summary>
public sealed partial class AdjudicatorShard
{
    /// <summary>The search reads the partition from where it narrowed to once fewer records than this are left.</summary>
    private const long EarlierOutcomesSearchRecords = 256;

    /// <summary>Where the background read began: 0 when it read the whole partition.</summary>
    internal long EarlierOutcomesFromOffset { get; private set; }

    /// <summary>The decisions this shard wrote as coordinator below <see cref="EarlierOutcomesFromOffset"/>, read on the
    /// first decide that needs them (null until then).</summary>
    private Task<IReadOnlyDictionary<Guid, CommitResult>>? olderDecisions;

    private readonly object olderDecisionsGate = new();

    /// <summary>For a benchmark's baseline: read earlier lives' decisions from offset 0, as before the search. Set before
    /// <see cref="StartAsync"/>.</summary>
    internal bool ReadsEarlierLivesFromTheStart { get; set; }

    /// <summary>The background read of earlier lives' decisions, to wait for its end.</summary>
    internal Task EarlierLifeOutcomesRead => earlierLifeOutcomes;

    /// <summary>
    /// The offset to read earlier lives' decisions from, and the epoch the partition's writer had there at the least:
    /// the last record below <paramref name="probeOffset"/> with a timestamp at or below <paramref name="horizon"/> less
    /// <see cref="AdjudicatorOptions.MaxTransactionDuration"/> (the margin for fenced writers' late records), or 0.
    /// Every record before it has a timestamp at or below it, so every commit above the horizon lies at or after it.
    /// </summary>
    private async Task<(long From, long Epoch)> FindEarlierOutcomesStartAsync(long probeOffset, HybridTimestamp horizon,
        CancellationToken cancellationToken)
    {
        var targetMilliseconds = horizon.PhysicalMilliseconds - (long)options.MaxTransactionDuration.TotalMilliseconds;
        if (targetMilliseconds <= 0 || ReadsEarlierLivesFromTheStart)
        {
            return (0, 0);
        }
        var target = HybridTimestamp.From(targetMilliseconds, 0);
        // lo is 0 or a record at or below the target; every record with a timestamp at or after hi is above it.
        var lo = 0L;
        var loEpoch = 0L;
        var hi = probeOffset;
        while (hi - lo > EarlierOutcomesSearchRecords)
        {
            var middle = lo + ((hi - lo) / 2);
            var found = await FirstTimestampedRecordAsync(middle, hi, cancellationToken).ConfigureAwait(false);
            if (found is not { } record || record.Timestamp > target)
            {
                hi = middle;
                continue;
            }
            lo = record.Offset;
            // A record's writer appended its EpochStart before it, so the partition's epoch at lo is at least this; it
            // is exactly this unless the record is a fenced writer's.
            loEpoch = Math.Max(loEpoch, record.Epoch);
        }
        return (lo, loEpoch);
    }

    /// <summary>The first commit, heartbeat, prepare or decision at or after <paramref name="from"/> and before
    /// <paramref name="before"/>: leading fragments and EpochStarts carry no timestamp.</summary>
    private async Task<(long Offset, HybridTimestamp Timestamp, long Epoch)?> FirstTimestampedRecordAsync(long from, long before,
        CancellationToken cancellationToken)
    {
        await foreach (var entry in reader.ReadAsync(options.Partition, from, cancellationToken).ConfigureAwait(false))
        {
            if (entry.Offset >= before)
            {
                return null;
            }
            var record = entry.Record;
            var timestamp = HybridTimestamp.Max(record.Commit, record.Closed);
            if (record.Kind != JournalRecordKind.CommitFragment && timestamp > HybridTimestamp.Zero)
            {
                return (entry.Offset, timestamp, record.Epoch);
            }
        }
        cancellationToken.ThrowIfCancellationRequested();
        return null;
    }

    /// <summary>
    /// The decision an earlier life wrote as coordinator below <see cref="EarlierOutcomesFromOffset"/>, read once for
    /// every decide that needs it; null when there is none (or the read covered the whole partition). A failed read is
    /// an unknown outcome, never a new decision.
    /// </summary>
    private async Task<CommitResult?> OlderDecisionAsync(Guid transactionId)
    {
        if (EarlierOutcomesFromOffset <= 0)
        {
            return null;
        }
        Task<IReadOnlyDictionary<Guid, CommitResult>> read;
        lock (olderDecisionsGate)
        {
            read = olderDecisions ??= Task.Run(() => ReadOlderDecisionsAsync(EarlierOutcomesFromOffset, lifetime.Token), CancellationToken.None);
        }
        try
        {
            var decided = await read.ConfigureAwait(false);
            return decided.TryGetValue(transactionId, out var result) ? result : null;
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !lifetime.IsCancellationRequested)
        {
            return new CommitResult(CommitOutcome.OutcomeUnknown, HybridTimestamp.Zero, -1, null,
                $"reading the older decisions of the shard's earlier lives from the journal failed: {exception.Message}");
        }
    }

    /// <summary>Every cross-shard decision this shard wrote as coordinator below <paramref name="before"/>, the first
    /// for each transaction, read from offset 0 with the fencing rule.</summary>
    private async Task<IReadOnlyDictionary<Guid, CommitResult>> ReadOlderDecisionsAsync(long before, CancellationToken cancellationToken)
    {
        var decided = new Dictionary<Guid, CommitResult>();
        var epochs = new WriterEpochFilter();
        await foreach (var entry in reader.ReadAsync(options.Partition, 0, cancellationToken).ConfigureAwait(false))
        {
            if (entry.Offset >= before)
            {
                break;
            }
            if (epochs.Admits(entry.Record) && entry.Record is { Kind: JournalRecordKind.Decision } decision
                && decision.Shard == decision.Coordinator)
            {
                decided.TryAdd(decision.TransactionId, DecisionResult(decision, entry.Offset));
            }
        }
        cancellationToken.ThrowIfCancellationRequested();
        return decided;
    }

    /// <summary>What a decide is answered with when the coordinator's decision record is found in the partition.</summary>
    private static CommitResult DecisionResult(JournalRecord decision, long offset) => decision.IsCommitDecision
        ? new CommitResult(CommitOutcome.Committed, decision.Commit, offset, null)
        : NotCommitted("the transaction was aborted by its coordinator shard");
}
