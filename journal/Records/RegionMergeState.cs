namespace Log.Journal.Records;

/// <summary>
/// What a <see cref="RegionMerge"/> knows, so that a merge restored from it decides every later record exactly as the
/// merge it was taken from would have (a replica's checkpoint of the merged stream, storage-node/README.md,
/// "Multi-region mode"): every region's closed timestamp and whether it is sealed, the released timestamp, the position
/// of the last decision, the writes of committed candidates within the conflict window, oldest first (the decision's
/// memory), and what the merge holds undecided: the candidates received and not decided yet, the records of a sealed
/// region's next life kept aside for its rejoin, and rejoins read before their region's seal. So a state can be taken at
/// any moment between two records, under a steady load that never leaves the merge empty too.
/// </summary>
/// <param name="Candidates">Undecided candidates, by region index, each region's in the order the merge took them.</param>
/// <param name="AfterSeal">Records of a sealed region's next life kept aside, by region index, in their order.</param>
/// <param name="RejoinsBeforeSeal">Rejoins read before their region's seal, by region index, in their order.</param>
public sealed record RegionMergeState(
    IReadOnlyList<string> Regions,
    IReadOnlyList<ulong> Closed,
    IReadOnlyList<bool> Sealed,
    ulong Released,
    ulong LastDecidedCommit,
    int LastDecidedRegion,
    IReadOnlyList<(ulong Commit, byte[] Key)> Writes,
    IReadOnlyList<(int Region, JournalRecord Record)> Candidates,
    IReadOnlyList<(int Region, JournalRecord Record)> AfterSeal,
    IReadOnlyList<(int Region, ulong At)> RejoinsBeforeSeal)
{
    /// <summary>Bumped when the encoding changes. 2 added the undecided records; 1 (a merge that held none) is still
    /// read.</summary>
    public const int FormatVersion = 2;

    /// <summary>More regions than any topology names: a count above it is corruption.</summary>
    private const int RegionsMax = 64;

    /// <summary>More undecided records than a merge holds (each region's are bounded by its lead's worth of commits):
    /// a count above it is corruption.</summary>
    private const int HeldRecordsMax = 1 << 20;

    public void WriteTo(BinaryWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write(FormatVersion);
        writer.Write(Regions.Count);
        for (var index = 0; index < Regions.Count; index++)
        {
            writer.Write(Regions[index]);
            writer.Write(Closed[index]);
            writer.Write(Sealed[index]);
        }
        writer.Write(Released);
        writer.Write(LastDecidedCommit);
        writer.Write(LastDecidedRegion);
        writer.Write(Writes.Count);
        foreach (var (commit, key) in Writes)
        {
            writer.Write(commit);
            writer.Write(key.Length);
            writer.Write(key);
        }
        WriteRecords(writer, Candidates);
        WriteRecords(writer, AfterSeal);
        writer.Write(RejoinsBeforeSeal.Count);
        foreach (var (region, at) in RejoinsBeforeSeal)
        {
            writer.Write(region);
            writer.Write(at);
        }
    }

    private static void WriteRecords(BinaryWriter writer, IReadOnlyList<(int Region, JournalRecord Record)> records)
    {
        writer.Write(records.Count);
        foreach (var (region, record) in records)
        {
            writer.Write(region);
            WriteRecord(writer, record);
        }
    }

    /// <summary>One whole record: its envelope and its write set apart, since a commit put together from fragments is
    /// larger than one journal record may be.</summary>
    public static void WriteRecord(BinaryWriter writer, JournalRecord record)
    {
        var envelope = JournalRecordCodec.Encode(record with { Writes = [] });
        var writeSet = JournalRecordCodec.EncodeWriteSet(record.Writes);
        writer.Write(envelope.Length);
        writer.Write(envelope);
        writer.Write(writeSet.Length);
        writer.Write(writeSet);
    }

    /// <summary>Reads what <see cref="WriteRecord"/> wrote; <see cref="InvalidDataException"/> when it is not that.</summary>
    public static JournalRecord ReadRecord(BinaryReader reader)
    {
        var envelope = ReadBytes(reader, JournalLimits.RecordBytesMax);
        var writeSet = ReadBytes(reader, (int)Math.Min(int.MaxValue, JournalLimits.WriteSetBytesMax));
        var record = JournalRecordCodec.Decode(envelope) with { Writes = JournalRecordCodec.DecodeWriteSet(writeSet) };
        return JournalRecordCodec.Validate(record) is { } problem ? throw new InvalidDataException($"A merge state holds a record that is corrupt: {problem}") : record;
    }

    private static byte[] ReadBytes(BinaryReader reader, int limit)
    {
        var length = Count(reader.ReadInt32(), limit);
        var bytes = reader.ReadBytes(length);
        return bytes.Length == length ? bytes : throw new InvalidDataException("A merge state ends inside a record.");
    }

    private static List<(int Region, JournalRecord Record)> ReadRecords(BinaryReader reader, int regionCount)
    {
        var count = Count(reader.ReadInt32(), HeldRecordsMax);
        var records = new List<(int, JournalRecord)>(Math.Min(count, 1 << 10));
        for (var index = 0; index < count; index++)
        {
            var region = Count(reader.ReadInt32(), regionCount - 1);
            records.Add((region, ReadRecord(reader)));
        }
        return records;
    }

    /// <summary>Reads what <see cref="WriteTo"/> wrote; <see cref="InvalidDataException"/> when it is not that.</summary>
    public static RegionMergeState ReadFrom(BinaryReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        try
        {
            var version = reader.ReadInt32();
            if (version is not (1 or FormatVersion))
            {
                throw new InvalidDataException($"A merge state of format {version}; this node reads {FormatVersion}.");
            }
            var regionCount = Count(reader.ReadInt32(), RegionsMax);
            var regions = new string[regionCount];
            var closed = new ulong[regionCount];
            var sealedRegions = new bool[regionCount];
            for (var index = 0; index < regionCount; index++)
            {
                regions[index] = reader.ReadString();
                closed[index] = reader.ReadUInt64();
                sealedRegions[index] = reader.ReadBoolean();
            }
            var released = reader.ReadUInt64();
            var lastCommit = reader.ReadUInt64();
            var lastRegion = reader.ReadInt32();
            var writeCount = Count(reader.ReadInt32(), int.MaxValue);
            var writes = new List<(ulong, byte[])>(Math.Min(writeCount, 1 << 16));
            for (var index = 0; index < writeCount; index++)
            {
                var commit = reader.ReadUInt64();
                var length = Count(reader.ReadInt32(), JournalLimits.RecordBytesMax);
                var key = reader.ReadBytes(length);
                if (key.Length != length)
                {
                    throw new InvalidDataException("A merge state ends inside a key.");
                }
                writes.Add((commit, key));
            }
            if (version == 1)
            {
                return new RegionMergeState(regions, closed, sealedRegions, released, lastCommit, lastRegion, writes, [], [], []);
            }
            var candidates = ReadRecords(reader, regionCount);
            var afterSeal = ReadRecords(reader, regionCount);
            var rejoinCount = Count(reader.ReadInt32(), HeldRecordsMax);
            var rejoins = new List<(int, ulong)>(Math.Min(rejoinCount, 1 << 10));
            for (var index = 0; index < rejoinCount; index++)
            {
                rejoins.Add((Count(reader.ReadInt32(), regionCount - 1), reader.ReadUInt64()));
            }
            return new RegionMergeState(regions, closed, sealedRegions, released, lastCommit, lastRegion, writes, candidates, afterSeal, rejoins);
        }
        catch (EndOfStreamException exception)
        {
            throw new InvalidDataException("A merge state ends early.", exception);
        }
    }

    private static int Count(int value, int limit) =>
        value >= 0 && value <= limit ? value : throw new InvalidDataException($"A merge state holds a count of {value} (limit {limit}).");
}

public sealed partial class RegionMerge
{
    /// <summary>The merge's state now, undecided records included; null only while it holds decisions not taken yet
    /// (<see cref="TakeDecisions"/>: a restored merge would not hand them over again).</summary>
    public RegionMergeState? Capture()
    {
        if (decided.Count != 0)
        {
            return null;
        }
        var held = new List<(int Region, JournalRecord Record)>();
        var kept = new List<(int Region, JournalRecord Record)>();
        var rejoins = new List<(int Region, ulong At)>();
        for (var index = 0; index < regions.Length; index++)
        {
            foreach (var record in candidates[index])
            {
                held.Add((index, record));
            }
            foreach (var record in afterSeal[index])
            {
                kept.Add((index, record));
            }
            foreach (var at in rejoinsBeforeSeal[index])
            {
                rejoins.Add((index, at));
            }
        }
        return new RegionMergeState([.. regions], [.. closed], [.. sealedRegions], released, lastDecidedPosition.Commit,
            lastDecidedPosition.Region, [.. writesOldestFirst], held, kept, rejoins);
    }

    /// <summary>A merge that goes on from <paramref name="state"/>: given the records that followed it in every region, it
    /// decides what the merge it was taken from decided, the candidates it held undecided included.</summary>
    public static RegionMerge Restore(RegionMergeState state, TimeSpan conflictWindow)
    {
        ArgumentNullException.ThrowIfNull(state);
        var merge = new RegionMerge(state.Regions, conflictWindow);
        if (!merge.regions.SequenceEqual(state.Regions, StringComparer.Ordinal) || state.Closed.Count != state.Regions.Count
            || state.Sealed.Count != state.Regions.Count || state.LastDecidedRegion < 0 || state.LastDecidedRegion >= state.Regions.Count)
        {
            throw new InvalidDataException("A merge state whose regions are not in name order, or whose lists disagree.");
        }
        for (var index = 0; index < merge.regions.Length; index++)
        {
            merge.closed[index] = state.Closed[index];
            merge.sealedRegions[index] = state.Sealed[index];
        }
        merge.released = state.Released;
        merge.lastDecidedPosition = (state.LastDecidedCommit, state.LastDecidedRegion);
        foreach (var (commit, key) in state.Writes)
        {
            merge.writesOldestFirst.Enqueue((commit, key));
            merge.lastCommitOf[key] = commit;
        }
        var lastHeld = new ulong[merge.regions.Length];
        foreach (var (region, record) in state.Candidates)
        {
            // Held candidates are below their region's closed timestamp (each raised it when taken) and above the last
            // decision; one that is not was never a candidate of this merge.
            if (record.Kind != JournalRecordKind.Commit || record.CommitTimestamp > merge.closed[region]
                || (record.CommitTimestamp, region).CompareTo(merge.lastDecidedPosition) <= 0
                || record.CommitTimestamp <= lastHeld[region])
            {
                throw new InvalidDataException($"A merge state holds a candidate at {record.Commit} of {merge.regions[region]} that its merge could not hold.");
            }
            merge.candidates[region].Enqueue(record);
            lastHeld[region] = record.CommitTimestamp;
        }
        foreach (var (region, record) in state.AfterSeal)
        {
            if (!merge.sealedRegions[region])
            {
                throw new InvalidDataException($"A merge state keeps records aside for {merge.regions[region]}, which it does not hold sealed.");
            }
            merge.afterSeal[region].Enqueue(record);
        }
        foreach (var (region, at) in state.RejoinsBeforeSeal)
        {
            merge.rejoinsBeforeSeal[region].Enqueue(at);
        }
        return merge;
    }
}
