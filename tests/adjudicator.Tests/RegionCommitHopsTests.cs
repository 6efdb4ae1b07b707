namespace Log.Adjudicator.Tests;

/// <summary>The breakdown of a multi-region commit's time (README.md, "Figures (regions)").</summary>
public sealed class RegionCommitHopsTests
{
    [Fact]
    public void A_summary_gives_each_hops_mean_and_maximum_and_the_commit_waits_share_then_starts_again()
    {
        var hops = new RegionCommitHops();
        Assert.Null(hops.TakeSummary());
        // Durable after the round trip, decided before it, answered after commit wait.
        hops.Record(durableMs: 20, decidedMs: 12, answeredMs: 26);
        // Decided after durable: commit wait counts from the decision.
        hops.Record(durableMs: 22, decidedMs: 24, answeredMs: 24);
        Assert.Equal(2, hops.Count);
        var summary = hops.TakeSummary();
        Assert.NotNull(summary);
        Assert.Equal(2, summary.Commits);
        Assert.Equal(21, summary.DurableMean, 6);
        Assert.Equal(18, summary.DecidedMean, 6);
        Assert.Equal(25, summary.AnsweredMean, 6);
        Assert.Equal(3, summary.CommitWaitMean, 6);
        Assert.Equal(22, summary.DurableMax, 6);
        Assert.Equal(24, summary.DecidedMax, 6);
        Assert.Equal(26, summary.AnsweredMax, 6);
        Assert.Equal(0, hops.Count);
        Assert.Null(hops.TakeSummary());
        hops.Record(1, 1, 1);
        Assert.Equal(1, hops.TakeSummary()!.AnsweredMax, 6);
    }
}
