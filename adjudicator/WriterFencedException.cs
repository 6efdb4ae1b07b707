namespace Log.Adjudicator;

/// <summary>
/// A shard's record landed at another offset than the one right after its own previous record: something it did not
/// write is in between (another adjudicator's EpochStart or records, or a record of its own whose offset it never
/// learned). Readers may ignore the record (<see cref="Log.Journal.Records.WriterEpochFilter"/>), so the shard
/// acknowledges nothing from there on and faults with this exception; <see cref="AdjudicatorSupervisor"/> then looks at
/// what is in between to tell a newer adjudicator (it steps down) from anything else (it rebuilds).
/// </summary>
public sealed class WriterFencedException(int partition, long expectedOffset, long landedOffset)
    : Exception($"The journal put this adjudicator's record at offset {landedOffset} of partition {partition}, where offset {expectedOffset} was expected: another writer appended in between.")
{
    public int Partition { get; } = partition;

    /// <summary>The offset right after the shard's own previous record.</summary>
    public long ExpectedOffset { get; } = expectedOffset;

    /// <summary>Where the record landed: the foreign records are in [<see cref="ExpectedOffset"/>, this).</summary>
    public long LandedOffset { get; } = landedOffset;
}
