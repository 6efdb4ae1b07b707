using Log.Journal.Records;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Log.Journal.Client;

/// <summary>A seal of a region's own topic found at its return: its offset (<c>X</c>) and epoch.</summary>
public sealed record RegionSealFound(long Offset, long Epoch);

/// <summary>
/// The first step of a region's return after a survivor sealed its topic (adjudicator/README.md, "A region's return"),
/// run by the region's adjudicator before its writer appends anything: when a survivor's copy of the region's own topic
/// ends with a <see cref="JournalRecordKind.RegionSeal"/> at <c>X</c>, the region's own copy is brought to the same
/// records (filled from the survivor up to and including the seal), so that the new life's records land at one offset
/// on all three copies; its epoch must then be above the seal's. An own copy that is not a prefix of the survivor's
/// (it holds records past <c>X</c> that were never acknowledged, or different ones) is refused: it must be removed
/// (the journal restarted without that topic's folder, or on a fresh folder) before the region can return; a journal
/// node cannot cut a partition's tail.
/// </summary>
public static class RegionReturn
{
    /// <summary>How many times <see cref="PrepareOnJournalNodesAsync"/> asks while no other region's journal answers, a
    /// second apart.</summary>
    public const int AttemptsMax = 30;

    /// <summary><see cref="PrepareAsync"/> over this region's journal and the other regions' journals of
    /// <paramref name="topology"/> (the journal nodes' own requests, <see cref="JournalNodeSealCopy"/>).</summary>
    public static async Task<RegionSealFound?> PrepareOnJournalNodesAsync(RegionTopology topology, JournalClientOptions template, ILogger? logger,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(topology);
        ArgumentNullException.ThrowIfNull(template);
        logger ??= NullLogger.Instance;
        var copies = topology.Copies.Select(copy => new JournalNodeSealCopy(copy.Name, copy.BootstrapServers,
            JournalClientOptionsCopy.For(template, copy.BootstrapServers, topology.Region, $"return-{copy.Name}"), null, 0)).ToList();
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    return await PrepareAsync(copies[0], copies[1..], 0, logger, cancellationToken).ConfigureAwait(false);
                }
                catch (TimeoutException exception) when (attempt < AttemptsMax)
                {
                    logger.LogWarning("{Reason}; asking again", exception.Message);
                    await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            foreach (var copy in copies)
            {
                await copy.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Fills <paramref name="own"/> from the first of <paramref name="survivors"/> that answers, when that one
    /// ends with a seal; returns the seal, or null when the topic is not sealed there (an ordinary restart). Throws when
    /// no survivor answers (<see cref="TimeoutException"/>), or when the own copy cannot be brought to the seal
    /// (<see cref="InvalidOperationException"/>).</summary>
    public static async Task<RegionSealFound?> PrepareAsync(IRegionSealCopy own, IReadOnlyList<IRegionSealCopy> survivors, int partition,
        ILogger? logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(own);
        ArgumentNullException.ThrowIfNull(survivors);
        logger ??= NullLogger.Instance;
        var reasons = new List<string>();
        foreach (var survivor in survivors)
        {
            long end;
            JournalRecord? last;
            try
            {
                // A fence at epoch 1 raises nothing a writer of this topic uses: it only answers the partition's end.
                end = await survivor.FenceAsync(partition, 1, cancellationToken).ConfigureAwait(false);
                last = end == 0 ? null : (await survivor.ReadAsync(partition, end - 1, end, cancellationToken).ConfigureAwait(false))[0];
            }
            catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                reasons.Add($"{survivor.Name}: {exception.GetBaseException().Message}");
                continue;
            }
            if (last is not { Kind: JournalRecordKind.RegionSeal })
            {
                return null;
            }
            try
            {
                await FillPrefixAsync(own, survivor, partition, end, 1, cancellationToken).ConfigureAwait(false);
            }
            catch (InvalidDataException exception)
            {
                throw new InvalidOperationException(
                    $"This region's own copy of its topic cannot be brought to the seal at offset {end - 1}: {exception.Message} (records never " +
                    "acknowledged). Restart this region's journal without that topic's folder (or on a fresh folder) and start again.", exception);
            }
            logger.LogWarning("This region's topic was sealed at offset {Offset} (epoch {Epoch}); its copy here is filled from {Survivor} up to the seal",
                end - 1, last.Epoch, survivor.Name);
            return new RegionSealFound(end - 1, last.Epoch);
        }
        throw new TimeoutException(
            $"No other region's copy of this region's topic answered, so whether it was sealed is unknown: {string.Join("; ", reasons)}");
    }

    /// <summary>Brings <paramref name="target"/>'s partition to <paramref name="end"/> records from
    /// <paramref name="source"/>'s (appends at named offsets), once the target's records are seen to be a prefix of the
    /// source's (no more of them, and its last one equal to the source's at that offset); else
    /// <see cref="InvalidDataException"/>. The target's end is read through a writer fence at
    /// <paramref name="fenceEpoch"/>.</summary>
    internal static async Task FillPrefixAsync(IRegionSealCopy target, IRegionSealCopy source, int partition, long end, long fenceEpoch,
        CancellationToken cancellationToken)
    {
        var held = await target.FenceAsync(partition, fenceEpoch, cancellationToken).ConfigureAwait(false);
        if (held > end)
        {
            throw new InvalidDataException(
                $"copy {target.Name} holds {held} records of partition {partition}, more than the {end} of {source.Name}: not a prefix of it");
        }
        if (!await IsPrefixAsync(target, held, source, end, partition, cancellationToken).ConfigureAwait(false))
        {
            throw new InvalidDataException($"copy {target.Name} differs from {source.Name} at offset {held - 1} of partition {partition}");
        }
        for (var at = held; at < end; at += RegionSealer.FillChunk)
        {
            var records = await source.ReadAsync(partition, at, Math.Min(end, at + RegionSealer.FillChunk), cancellationToken).ConfigureAwait(false);
            await target.AppendAtAsync(partition, at, records, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Whether <paramref name="target"/>'s first <paramref name="held"/> records of the partition are a prefix
    /// of <paramref name="source"/>'s <paramref name="sourceEnd"/>: no more of them, and the last one equal to the
    /// source's at that offset (one writer sent every copy the same records in one order: copies whose records at that
    /// offset are equal hold the same ones before it).</summary>
    internal static async Task<bool> IsPrefixAsync(IRegionSealCopy target, long held, IRegionSealCopy source, long sourceEnd, int partition,
        CancellationToken cancellationToken)
    {
        if (held > sourceEnd)
        {
            return false;
        }
        if (held == 0)
        {
            return true;
        }
        var mine = await target.ReadAsync(partition, held - 1, held, cancellationToken).ConfigureAwait(false);
        var theirs = await source.ReadAsync(partition, held - 1, held, cancellationToken).ConfigureAwait(false);
        return JournalRecordCodec.Encode(mine[0]).AsSpan().SequenceEqual(JournalRecordCodec.Encode(theirs[0]));
    }
}
