namespace Log.Journal.Records;

/// <summary>
/// What a <see cref="RegionMerge"/> that holds no candidate knows, so that a merge restored from it decides every later
/// record exactly as the merge it was taken from would have (a replica's checkpoint of the merged stream,
/// storage-node/README.md, "Multi-region mode"): every region's closed timestamp and whether it is sealed, the released
/// timestamp, the position of the last decision, and the writes of committed candidates within the conflict window,
/// oldest first (the decision's memory). With candidates pending, kept aside after a seal or a rejoin waiting for its
/// seal, there is no state to take (<see cref="RegionMerge.Capture"/> answers null): those are records the restored
/// merge would have to be given again.
/// </summary>
public sealed record RegionMergeState(
    IReadOnlyList<string> Regions,
    IReadOnlyList<ulong> Closed,
    IReadOnlyList<bool> Sealed,
    ulong Released,
    ulong LastDecidedCommit,
    int LastDecidedRegion,
    IReadOnlyList<(ulong Commit, byte[] Key)> Writes)
{
    /// <summary>Bumped when the encoding changes; another version is refused.</summary>
    public const int FormatVersion = 1;

    /// <summary>More regions than any topology names: a count above it is corruption.</summary>
    private const int RegionsMax = 64;

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
    }

    /// <summary>Reads what <see cref="WriteTo"/> wrote; <see cref="InvalidDataException"/> when it is not that.</summary>
    public static RegionMergeState ReadFrom(BinaryReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        try
        {
            var version = reader.ReadInt32();
            if (version != FormatVersion)
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
            return new RegionMergeState(regions, closed, sealedRegions, released, lastCommit, lastRegion, writes);
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
    /// <summary>The merge's state now, or null while it holds a candidate, a record kept aside after a seal or a rejoin
    /// waiting for its seal (a restored merge would lack them), or decisions not taken yet.</summary>
    public RegionMergeState? Capture()
    {
        if (PendingCount != 0 || decided.Count != 0 || afterSeal.Any(queue => queue.Count != 0) || rejoinsBeforeSeal.Any(queue => queue.Count != 0))
        {
            return null;
        }
        return new RegionMergeState([.. regions], [.. closed], [.. sealedRegions], released, lastDecidedPosition.Commit,
            lastDecidedPosition.Region, [.. writesOldestFirst]);
    }

    /// <summary>A merge that goes on from <paramref name="state"/>: given the records that followed it in every region, it
    /// decides what the merge it was taken from decided.</summary>
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
        return merge;
    }
}
