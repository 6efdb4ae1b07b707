using System.Diagnostics;

namespace Log.Adjudicator;

/// <summary>
/// Where a multi-region commit's time goes (README.md, "Figures (regions)"), summed over the commits answered since the
/// last <see cref="TakeSummary"/>: from the proposal (the record handed to the quorum writer) to the record durable in
/// two regions, to the merge's decision, and to the answer (after commit wait), each as a mean and a maximum in
/// milliseconds. What is left of a commit's answer after the later of durable and decided is the commit wait's own share.
/// I/O-free and not thread-safe: the shard calls it under its lock.
/// </summary>
public sealed class RegionCommitHops
{
    private long count;
    private double durableSum;
    private double decidedSum;
    private double answeredSum;
    private double commitWaitSum;
    private double durableMax;
    private double decidedMax;
    private double answeredMax;

    /// <summary>Commits recorded since the last summary.</summary>
    public long Count => count;

    /// <summary>One committed candidate's hops, in milliseconds after its proposal. A measurement never fails the commit
    /// it describes: what cannot be (a hop before the proposal, an answer before the commit is durable and decided) is
    /// asserted in debug builds and counted as zero otherwise.</summary>
    public void Record(double durableMs, double decidedMs, double answeredMs)
    {
        Debug.Assert(durableMs >= 0 && decidedMs >= 0 && answeredMs >= Math.Max(durableMs, decidedMs),
            $"A commit is answered after it is durable and decided (durable {durableMs}, decided {decidedMs}, answered {answeredMs}).");
        durableMs = Math.Max(0, durableMs);
        decidedMs = Math.Max(0, decidedMs);
        answeredMs = Math.Max(answeredMs, Math.Max(durableMs, decidedMs));
        count++;
        durableSum += durableMs;
        decidedSum += decidedMs;
        answeredSum += answeredMs;
        commitWaitSum += answeredMs - Math.Max(durableMs, decidedMs);
        durableMax = Math.Max(durableMax, durableMs);
        decidedMax = Math.Max(decidedMax, decidedMs);
        answeredMax = Math.Max(answeredMax, answeredMs);
    }

    /// <summary>The means and maxima since the last summary, then starts again; null when nothing was recorded.</summary>
    public Summary? TakeSummary()
    {
        if (count == 0)
        {
            return null;
        }
        var summary = new Summary(count, durableSum / count, decidedSum / count, answeredSum / count, commitWaitSum / count,
            durableMax, decidedMax, answeredMax);
        count = 0;
        durableSum = decidedSum = answeredSum = commitWaitSum = 0;
        durableMax = decidedMax = answeredMax = 0;
        return summary;
    }

    /// <summary>Means and maxima in milliseconds after the proposal; <see cref="CommitWaitMean"/> is the answer's mean
    /// distance after the later of durable and decided.</summary>
    public sealed record Summary(long Commits, double DurableMean, double DecidedMean, double AnsweredMean, double CommitWaitMean,
        double DurableMax, double DecidedMax, double AnsweredMax);
}
