using Log.Journal.Records;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Log.Journal.Client;

/// <summary>One surviving region's copy of a lost region's topic, as the seal needs it.</summary>
public interface IRegionSealCopy
{
    /// <summary>The region holding the copy (for messages).</summary>
    string Name { get; }

    /// <summary>Refuses, from now on, every append of a writer below <paramref name="epoch"/> to the partition, and
    /// returns where the partition ends once it does; throws when the copy's journal refuses (it saw the requester
    /// sealed) or cannot be reached.</summary>
    Task<long> FenceAsync(int partition, long epoch, CancellationToken cancellationToken);

    /// <summary>The records at offsets <c>[from, to)</c>, whole and in order.</summary>
    Task<IReadOnlyList<JournalRecord>> ReadAsync(int partition, long from, long to, CancellationToken cancellationToken);

    /// <summary>Appends <paramref name="records"/> past the fence when the partition ends at
    /// <paramref name="expectedOffset"/>; a <see cref="JournalFenceRefusedException"/> with
    /// <see cref="JournalFenceRefusedException.IsOffsetMismatch"/> when it does not.</summary>
    Task AppendAtAsync(int partition, long expectedOffset, IReadOnlyList<JournalRecord> records, CancellationToken cancellationToken);
}

/// <summary>
/// Seals a lost region's topic on the two surviving copies (adjudicator/README.md, "Regions", "Failover"): fence the
/// lost writer on both, bring both to the longer one's end <c>X</c> (copying the missing records from it), and append
/// <see cref="JournalRecordKind.RegionSeal"/> at <c>X</c> on both. Every step is safe to repeat: the fences only rise,
/// the fill copies only what a copy lacks, a copy that already ends with a seal is taken as sealed (the seal is copied
/// to the other if it lacks it), and every append names the offset it must land at, so two sealers (a survivor and its
/// own earlier life) never interleave records. A survivor that crashed mid-seal runs it again and finishes it.
/// </summary>
public sealed class RegionSealer(IReadOnlyList<IRegionSealCopy> copies, ILogger? logger = null)
{
    /// <summary>Records copied per append while filling.</summary>
    public const int FillChunk = 256;

    private readonly IRegionSealCopy[] copies = copies is { Count: 2 } ? [.. copies]
        : throw new ArgumentException("A seal needs exactly the two surviving copies: a region never seals another alone.", nameof(copies));
    private readonly ILogger logger = logger ?? NullLogger.Instance;

    /// <summary>
    /// Seals <paramref name="lostRegion"/>'s topic on every journal of <paramref name="topology"/> but the lost region's
    /// (this region's and the witness's), as this region's writer of epoch <paramref name="requesterEpoch"/>; a
    /// topology where that is not exactly two journals cannot seal (<see cref="InvalidOperationException"/>).
    /// </summary>
    public static async Task<long> SealOnJournalNodesAsync(RegionTopology topology, JournalClientOptions template, string lostRegion,
        int partition, long epoch, long requesterEpoch, ILogger? logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(topology);
        ArgumentNullException.ThrowIfNull(template);
        var survivors = topology.Journals.Where(pair => pair.Key != lostRegion).OrderBy(pair => pair.Key, StringComparer.Ordinal).ToList();
        if (survivors.Count != 2 || !topology.Peers.Contains(lostRegion) || lostRegion == topology.Region)
        {
            throw new InvalidOperationException(
                $"Region {topology.Region} cannot seal {lostRegion}: a seal needs the two other regions' journals ({survivors.Count} here)");
        }
        var requesterTopic = JournalTopics.ForRegion(topology.Region);
        var copies = survivors.Select(pair => new JournalNodeSealCopy(pair.Key, pair.Value,
            JournalClientOptionsCopy.For(template, pair.Value, lostRegion, $"seal-{pair.Key}"), requesterTopic, requesterEpoch)).ToList();
        try
        {
            return await new RegionSealer(copies, logger).SealAsync(partition, epoch, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            foreach (var copy in copies)
            {
                await copy.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Seals <paramref name="partition"/> at the longest surviving prefix with <paramref name="epoch"/>
    /// (above the lost writer's); returns the seal's offset on both copies.</summary>
    public async Task<long> SealAsync(int partition, long epoch, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await TrySealAsync(partition, epoch, cancellationToken).ConfigureAwait(false);
            }
            catch (JournalFenceRefusedException exception) when (exception.IsOffsetMismatch && attempt < 3)
            {
                // Another sealer appended first: start again from the fences; what it did is kept.
                logger.LogWarning(exception, "The seal of partition {Partition} met another append; starting again", partition);
            }
        }
    }

    private async Task<long> TrySealAsync(int partition, long epoch, CancellationToken cancellationToken)
    {
        var ends = await Task.WhenAll(copies.Select(copy => copy.FenceAsync(partition, epoch, cancellationToken))).ConfigureAwait(false);
        var longer = ends[0] >= ends[1] ? 0 : 1;
        var shorter = 1 - longer;
        var end = ends[longer];
        // Both copies were written by one writer in one order: the shorter one must be a prefix of the longer.
        if (!await RegionReturn.IsPrefixAsync(copies[shorter], ends[shorter], copies[longer], end, partition, cancellationToken).ConfigureAwait(false))
        {
            throw new InvalidDataException(
                $"The copies of partition {partition} on {copies[shorter].Name} and {copies[longer].Name} differ at offset {ends[shorter] - 1}: no seal");
        }
        JournalRecord? last = null;
        for (var from = ends[shorter]; from < end; from += FillChunk)
        {
            var missing = await copies[longer].ReadAsync(partition, from, Math.Min(end, from + FillChunk), cancellationToken).ConfigureAwait(false);
            await copies[shorter].AppendAtAsync(partition, from, missing, cancellationToken).ConfigureAwait(false);
            last = missing[^1];
        }
        if (last is null && end > 0)
        {
            last = (await copies[longer].ReadAsync(partition, end - 1, end, cancellationToken).ConfigureAwait(false))[0];
        }
        if (last is { Kind: JournalRecordKind.RegionSeal })
        {
            logger.LogInformation("Partition {Partition} is sealed at offset {Offset} on {First} and {Second}", partition, end - 1,
                copies[0].Name, copies[1].Name);
            return end - 1;
        }
        var seal = JournalRecord.ForRegionSeal(partition, epoch);
        foreach (var copy in copies)
        {
            await copy.AppendAtAsync(partition, end, [seal], cancellationToken).ConfigureAwait(false);
        }
        logger.LogWarning("Sealed partition {Partition} at offset {Offset} on {First} and {Second} (epoch {Epoch})", partition, end,
            copies[0].Name, copies[1].Name, epoch);
        return end;
    }
}

/// <summary>A surviving copy on a journal node (<see cref="JournalFenceClient"/>), read through a
/// <see cref="KafkaJournalReader"/> of the same journal.</summary>
public sealed class JournalNodeSealCopy(string name, string bootstrapServers, JournalClientOptions readerOptions,
    string? requesterTopic, long requesterEpoch) : IRegionSealCopy, IAsyncDisposable
{
    private readonly KafkaJournalReader reader = new(readerOptions);

    public string Name { get; } = name;

    public Task<long> FenceAsync(int partition, long epoch, CancellationToken cancellationToken) =>
        JournalFenceClient.FenceAsync(bootstrapServers, readerOptions.Topic, partition, epoch, requesterTopic, requesterEpoch, cancellationToken);

    public async Task<IReadOnlyList<JournalRecord>> ReadAsync(int partition, long from, long to, CancellationToken cancellationToken)
    {
        var records = new List<JournalRecord>((int)Math.Min(to - from, FillLimit));
        if (to <= from)
        {
            return records;
        }
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        await foreach (var entry in reader.ReadAsync(partition, from, stop.Token).ConfigureAwait(false))
        {
            if (entry.Offset != from + records.Count)
            {
                throw new InvalidDataException($"Reading {readerOptions.Topic}/{partition} on {Name}: offset {entry.Offset} where {from + records.Count} was due.");
            }
            records.Add(entry.Record);
            if (entry.Offset == to - 1)
            {
                break;
            }
        }
        return records;
    }

    public Task AppendAtAsync(int partition, long expectedOffset, IReadOnlyList<JournalRecord> records, CancellationToken cancellationToken) =>
        JournalFenceClient.AppendAtAsync(bootstrapServers, readerOptions.Topic, partition, expectedOffset,
            [.. records.Select(JournalRecordCodec.Encode)], cancellationToken);

    public ValueTask DisposeAsync() => reader.DisposeAsync();

    private const int FillLimit = 4096;
}
