using Log.Journal.Records;

namespace Log.Journal.Client;

/// <summary>
/// The bytes of a <see cref="RegionMergePosition"/>: by region (in ordinal order) its topic's next offset and writer
/// epoch, then the merge's state (<see cref="RegionMergeState.WriteTo"/>). A storage replica keeps them in its
/// checkpoints (inside its own resume point) and a query node's catalog feed in its data folder; both read them back
/// with <see cref="ReadFrom"/>, which refuses anything else with <see cref="InvalidDataException"/>.
/// </summary>
public static class RegionMergePositionCodec
{
    /// <summary>More regions than any topology names: a count above it is corruption.</summary>
    private const int RegionsMax = 64;

    public static void WriteTo(RegionMergePosition position, BinaryWriter writer)
    {
        ArgumentNullException.ThrowIfNull(position);
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write(position.NextOffsets.Count);
        foreach (var (region, offset) in position.NextOffsets.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            writer.Write(region);
            writer.Write(offset);
            writer.Write(position.Epochs.GetValueOrDefault(region));
        }
        position.Merge.WriteTo(writer);
    }

    public static RegionMergePosition ReadFrom(BinaryReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        try
        {
            var count = reader.ReadInt32();
            if (count is < 0 or > RegionsMax)
            {
                throw new InvalidDataException($"A merge position names {count} regions.");
            }
            var offsets = new Dictionary<string, long>(StringComparer.Ordinal);
            var epochs = new Dictionary<string, long>(StringComparer.Ordinal);
            for (var index = 0; index < count; index++)
            {
                var region = reader.ReadString();
                offsets[region] = reader.ReadInt64();
                epochs[region] = reader.ReadInt64();
            }
            return new RegionMergePosition(offsets, epochs, RegionMergeState.ReadFrom(reader));
        }
        catch (EndOfStreamException exception)
        {
            throw new InvalidDataException("A merge position ends early.", exception);
        }
    }
}
