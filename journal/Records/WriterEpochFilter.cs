namespace Log.Journal.Records;

/// <summary>
/// Fences a partition's old writers for its readers. I/O-free and not thread-safe: one per reader of a partition, fed
/// every record in offset order (before <see cref="FragmentAssembler"/>).
///
/// The rule: an EpochStart (or a RegionSeal) raises the partition's epoch to its own (never lowers it); any other record counts only if
/// its writer's epoch (<see cref="JournalRecord.Epoch"/>) is at or above the partition's epoch when it is read. So once
/// a new adjudicator's EpochStart is in the partition, whatever an older one still appends after it (a zombie resumed
/// after SIGSTOP, a stalled producer's late retry) changes nothing for storage, for a rebuild or for the conflict
/// window: the old writer decided it without knowing the new one's commits. The old writer never acknowledges such a
/// record either (it acknowledges an append only at the offset right after its own previous record, see the
/// adjudicator's README, "Fencing"), so nothing acknowledged is ever ignored.
///
/// Journals written before epochs were enforced read the same: every record there carries its writer's epoch, and an
/// earlier writer's records all precede the next writer's EpochStart.
/// </summary>
public sealed class WriterEpochFilter
{
    /// <summary>Starts at the epoch a reader resuming mid-partition saved with its offset (0 from the beginning).</summary>
    public WriterEpochFilter(long epoch = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        Epoch = epoch;
    }

    /// <summary>The highest epoch of any EpochStart accepted so far: the partition's current writer's.</summary>
    public long Epoch { get; private set; }

    /// <summary>Records ignored because an older writer appended them after a newer one started.</summary>
    public long FencedCount { get; private set; }

    /// <summary>True when <paramref name="record"/> counts; false when its writer was fenced before it was appended.</summary>
    public bool Admits(JournalRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        // A region seal (multi-region failover) fences the lost region's writer like a new leader's EpochStart.
        if (record.Kind is JournalRecordKind.EpochStart or JournalRecordKind.RegionSeal)
        {
            Epoch = Math.Max(Epoch, record.Epoch);
            return true;
        }
        if (record.Epoch < Epoch)
        {
            FencedCount++;
            return false;
        }
        return true;
    }
}
