using Log.QueryNode.Hosting;

namespace Log.QueryNode.Tests.Hosting;

/// <summary>--multi-region needs the regions (--regions, --witness) to follow DDL of every region.</summary>
public sealed class MultiRegionOptionsTests
{
    private static LogOptions RegionNode(string regions, string witness = "w", bool multiRegion = true) => new()
    {
        Region = "a",
        Journal = "127.0.0.1:9192",
        Adjudicator = "127.0.0.1:7410",
        Storage = "127.0.0.1:7510",
        MultiRegion = multiRegion,
        Regions = regions,
        Witness = witness,
    };

    [Fact]
    public void A_region_node_with_every_region_named_is_accepted_and_reads_the_peered_topics_from_its_own_journal()
    {
        var options = RegionNode("a=127.0.0.1:9192,b=127.0.0.1:9211,w=127.0.0.1:9212");
        Assert.Null(options.Validate(out _));
        var topology = options.RegionTopology!;
        Assert.Equal(["a", "b"], topology.Peers);
        Assert.All(topology.ReaderJournals.Values, journal => Assert.Equal("127.0.0.1:9192", journal));
    }

    [Theory]
    [InlineData("", "w", "--multi-region needs --regions")]
    [InlineData("a=127.0.0.1:9192,b=127.0.0.1:9211", "w", "--witness 'w'")]
    [InlineData("b=127.0.0.1:9211,w=127.0.0.1:9212", "w", "--region 'a'")]
    public void A_region_node_without_its_regions_is_refused(string regions, string witness, string problem)
    {
        Assert.Contains(problem, RegionNode(regions, witness).Validate(out _));
    }

    [Fact]
    public void Regions_without_multi_region_are_refused()
    {
        Assert.Equal("--regions goes with --multi-region true",
            RegionNode("a=127.0.0.1:9192,b=127.0.0.1:9211,w=127.0.0.1:9212", multiRegion: false).Validate(out _));
    }
}
