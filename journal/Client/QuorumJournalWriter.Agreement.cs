using Microsoft.Extensions.Logging;

namespace Log.Journal.Client;

/// <summary>What <see cref="QuorumJournalWriter.AgreeAsync"/> found and did: the copies now hold the same
/// <see cref="End"/> records, those of <see cref="Source"/>; <see cref="Filled"/> lacked some and were filled from it;
/// <see cref="Faulted"/> did not answer or did not hold a prefix of it, and start faulted (probed and taken again when
/// they answer and can be filled, QuorumJournalWriter.Repair.cs).</summary>
public sealed record CopiesAgreement(long End, string Source, IReadOnlyList<string> Filled, IReadOnlyList<string> Faulted);

/// <summary>
/// Bringing the copies of a partition into agreement before a new writer's first append to it (adjudicator/README.md,
/// "Restart"). An earlier writer that crashed may have left a record on one copy only (its own region's, typically,
/// which answers first): the copies' ends then differ, and a new writer's first record would land at different offsets
/// on them. So, before that first record:
/// <list type="number">
/// <item>every copy is fenced at this writer's epoch (<see cref="RepairEpoch"/>), which answers its end and refuses,
/// from then on, whatever of the earlier writer is still on its way to it;</item>
/// <item>the source is the longest copy that at least <see cref="Required"/> copies agree with (it, and copies that
/// hold a prefix of it: no more records, and the last one equal to its record at that offset), this region's own
/// copy among them: every record <see cref="Required"/> copies held (any record ever acknowledged) is in it;</item>
/// <item>the agreeing copies that are shorter are filled from it with appends at named offsets, and the others (not
/// answering, or holding records the source lacks) start faulted.</item>
/// </list>
/// A record that was on one copy only is thereby either copied to every agreeing copy (it is then decided by every
/// region's merge, as if it had arrived late) or, when only a copy that is left out holds it, dropped everywhere; it was
/// never acknowledged, so either is allowed, and every reader reads the same records from then on.
/// </summary>
public sealed partial class QuorumJournalWriter
{
    /// <summary>How long one copy may take to answer the fence that reads its end, or a read of one record.</summary>
    public static readonly TimeSpan AgreementProbeTimeout = TimeSpan.FromSeconds(10);

    /// <summary>How many times <see cref="AgreeAsync"/> tries, a second apart, while too few copies answer or agree.</summary>
    public const int AgreementAttemptsMax = 30;

    private static readonly TimeSpan AgreementRetryDelay = TimeSpan.FromSeconds(1);

    /// <summary>Whether <see cref="AgreeAsync"/> can run: every copy has direct access.</summary>
    public bool CanAgree => copies.All(copy => copy.Direct is not null);

    /// <summary>
    /// Brings the copies of <paramref name="partition"/> into agreement before this writer appends anything to it (see
    /// the type's remarks); tries again, a second apart, while fewer than <see cref="Required"/> copies answer or agree
    /// or this region's own copy (the first) does not, and throws <see cref="InvalidOperationException"/> after
    /// <see cref="AgreementAttemptsMax"/> attempts.
    /// </summary>
    public async Task<CopiesAgreement> AgreeAsync(int partition, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(partition);
        if (!CanAgree)
        {
            throw new InvalidOperationException("Copies without direct access cannot be brought into agreement.");
        }
        for (var attempt = 1; ; attempt++)
        {
            lock (gate)
            {
                if (partitions.TryGetValue(partition, out var state) && state.NextSequence > 0)
                {
                    throw new InvalidOperationException($"Partition {partition} was appended to already: its copies are agreed on before the first append.");
                }
            }
            try
            {
                return await TryAgreeAsync(partition, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (attempt < AgreementAttemptsMax && exception is not InvalidDataException && !cancellationToken.IsCancellationRequested)
            {
                logger.LogWarning("The copies of partition {Partition} cannot be brought into agreement yet ({Reason}); trying again",
                    partition, exception.GetBaseException().Message);
            }
            catch (Exception exception) when (!cancellationToken.IsCancellationRequested && exception is not InvalidOperationException)
            {
                throw new InvalidOperationException(
                    $"The copies of partition {partition} could not be brought into agreement: {exception.GetBaseException().Message}", exception);
            }
            await Task.Delay(AgreementRetryDelay, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<CopiesAgreement> TryAgreeAsync(int partition, CancellationToken cancellationToken)
    {
        var epoch = Math.Max(1, RepairEpoch);
        var ends = new long?[copies.Length];
        var reasons = new string?[copies.Length];
        await Task.WhenAll(Enumerable.Range(0, copies.Length).Select(async copy =>
        {
            try
            {
                using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                bounded.CancelAfter(AgreementProbeTimeout);
                ends[copy] = await copies[copy].Direct!.FenceAsync(partition, epoch, bounded.Token).ConfigureAwait(false);
            }
            catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
            {
                reasons[copy] = exception.GetBaseException().Message;
            }
        })).ConfigureAwait(false);
        var answered = Enumerable.Range(0, copies.Length).Where(copy => ends[copy] is not null).ToList();
        if (answered.Count < Required || ends[0] is null)
        {
            throw new InvalidOperationException(
                $"{answered.Count} of {copies.Length} copies answered ({Required} and this region's own, {copies[0].Name}, are needed): " +
                string.Join("; ", Enumerable.Range(0, copies.Length).Where(copy => reasons[copy] is not null)
                    .Select(copy => $"{copies[copy].Name}: {reasons[copy]}")));
        }
        // The longest first, and among copies of one length this region's own: every copy that agrees with the source
        // holds a prefix of it.
        foreach (var source in answered.OrderByDescending(copy => ends[copy]).ThenBy(copy => copy))
        {
            var agreeing = new List<int> { source };
            foreach (var other in answered.Where(copy => copy != source))
            {
                if (await HoldsPrefixAsync(other, ends[other]!.Value, source, ends[source]!.Value, partition, cancellationToken).ConfigureAwait(false))
                {
                    agreeing.Add(other);
                }
            }
            if (agreeing.Count < Required)
            {
                continue;
            }
            if (!agreeing.Contains(0))
            {
                throw new InvalidDataException(
                    $"this region's own copy ({copies[0].Name}) holds {ends[0]} records that are not a prefix of the ones {agreeing.Count} other copies " +
                    "agree on; restart this region's journal without that topic's folder (or on a fresh folder)");
            }
            var end = ends[source]!.Value;
            var filled = agreeing.Where(copy => ends[copy] < end).ToList();
            foreach (var copy in filled)
            {
                await RegionReturn.FillPrefixAsync(copies[copy].Direct!, copies[source].Direct!, partition, end, epoch, cancellationToken)
                    .ConfigureAwait(false);
            }
            var faulted = Enumerable.Range(0, copies.Length).Where(copy => !agreeing.Contains(copy)).ToList();
            lock (sendGate)
            {
                lock (gate)
                {
                    var state = PartitionFor(partition);
                    if (state.NextSequence > 0)
                    {
                        throw new InvalidOperationException($"Partition {partition} was appended to while its copies were brought into agreement.");
                    }
                    foreach (var copy in agreeing)
                    {
                        // Where the copy ends before the first record: a copy taken again later is filled up to it.
                        state.End[copy] = end;
                    }
                    foreach (var copy in faulted)
                    {
                        Fault(copy, new JournalAppendException(
                            $"Journal copy {copies[copy].Name} was left out when the copies of partition {partition} were brought into agreement at " +
                            $"{end} records ({reasons[copy] ?? $"it holds {ends[copy]} records, not a prefix of {copies[source].Name}'s"})",
                            mayHaveBeenWritten: false, isTransient: true));
                    }
                }
            }
            DrainCompletions();
            var agreement = new CopiesAgreement(end, copies[source].Name, [.. filled.Select(copy => copies[copy].Name)],
                [.. faulted.Select(copy => copies[copy].Name)]);
            logger.LogInformation("The copies of partition {Partition} agree at {End} records, those of {Source} (filled: {Filled}; left out: {Faulted})",
                partition, end, agreement.Source, string.Join(", ", agreement.Filled), string.Join(", ", agreement.Faulted));
            return agreement;
        }
        throw new InvalidOperationException(
            $"no {Required} of the {answered.Count} copies that answered agree (one holds a prefix of the other): " +
            string.Join(", ", answered.Select(copy => $"{copies[copy].Name} {ends[copy]} records")));
    }

    /// <summary>Whether copy <paramref name="copy"/>, which ends at <paramref name="end"/>, holds a prefix of
    /// <paramref name="source"/>'s records (which end at <paramref name="sourceEnd"/>); false too when either cannot be
    /// read in time.</summary>
    private async Task<bool> HoldsPrefixAsync(int copy, long end, int source, long sourceEnd, int partition, CancellationToken cancellationToken)
    {
        try
        {
            using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            bounded.CancelAfter(AgreementProbeTimeout);
            return await RegionReturn.IsPrefixAsync(copies[copy].Direct!, end, copies[source].Direct!, sourceEnd, partition, bounded.Token).ConfigureAwait(false);
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning("Copies {Copy} and {Source} of partition {Partition} could not be compared: {Reason}", copies[copy].Name,
                copies[source].Name, partition, exception.GetBaseException().Message);
            return false;
        }
    }
}
