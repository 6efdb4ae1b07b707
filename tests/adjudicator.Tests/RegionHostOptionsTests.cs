using Log.Adjudicator.Hosting;

namespace Log.Adjudicator.Tests;

/// <summary>The adjudicator's multi-region settings (README.md, "Regions as processes").</summary>
public sealed class RegionHostOptionsTests
{
    private const string ThreeRegions = "a=127.0.0.1:9001,b=127.0.0.1:9002,w=127.0.0.1:9003";

    [Fact]
    public void A_region_writes_to_every_journal_its_own_first_and_reads_every_peered_topic_from_its_own()
    {
        var options = new AdjudicatorHostOptions { Region = "b", Regions = ThreeRegions, Witness = "w" };
        Assert.Null(options.Validate(out _));
        var topology = options.RegionTopology!;
        Assert.Equal(["a", "b"], topology.Peers);
        Assert.Equal([("b", "127.0.0.1:9002"), ("a", "127.0.0.1:9001"), ("w", "127.0.0.1:9003")], topology.Copies);
        Assert.Equal(2, topology.RequiredCopies);
        Assert.Equal(new Dictionary<string, string> { ["a"] = "127.0.0.1:9002", ["b"] = "127.0.0.1:9002" }, topology.ReaderJournals);
        Assert.Equal("127.0.0.1:9002", options.JournalOrLocal);
    }

    [Theory]
    [InlineData("a", "w", 2, "0A000: several shards")]
    [InlineData("w", "w", null, "--region 'w' must be one of the peered regions")]
    [InlineData("c", "w", null, "--region 'c' must be one of the peered regions")]
    [InlineData("a", "x", null, "--witness 'x' is not one of the regions")]
    [InlineData("a", "w", null, null)]
    public void Settings_that_cannot_work_are_refused_at_start(string region, string witness, int? shards, string? problem)
    {
        var options = new AdjudicatorHostOptions { Region = region, Regions = ThreeRegions, Witness = witness, Shards = shards };
        var found = options.Validate(out _);
        if (problem is null)
        {
            Assert.Null(found);
        }
        else
        {
            Assert.NotNull(found);
            Assert.StartsWith(problem, found, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_region_named_twice_is_refused()
    {
        var options = new AdjudicatorHostOptions { Region = "a", Regions = "a=127.0.0.1:1,a=127.0.0.1:2" };
        Assert.Contains("named twice", options.Validate(out _), StringComparison.Ordinal);
    }

    [Fact]
    public void The_failover_timeout_is_three_seconds_by_default_zero_turns_it_off_and_a_negative_one_is_refused()
    {
        Assert.Equal(3_000, new AdjudicatorHostOptions().RegionFailoverMs);
        Assert.True(AdjudicatorHostOptions.CommandLineSwitches.ContainsKey("--region-failover-ms"));
        Assert.Null(new AdjudicatorHostOptions { Region = "a", Regions = ThreeRegions, Witness = "w", RegionFailoverMs = 0 }.Validate(out _));
        Assert.StartsWith("--region-failover-ms -1", new AdjudicatorHostOptions { Region = "a", Regions = ThreeRegions, Witness = "w", RegionFailoverMs = -1 }
            .Validate(out _), StringComparison.Ordinal);
    }

    [Fact]
    public void The_append_timeout_is_ten_seconds_by_default_and_zero_is_refused()
    {
        Assert.Equal(10_000, new AdjudicatorHostOptions().RegionAppendTimeoutMs);
        Assert.True(AdjudicatorHostOptions.CommandLineSwitches.ContainsKey("--region-append-timeout-ms"));
        Assert.Null(new AdjudicatorHostOptions { Region = "a", Regions = ThreeRegions, Witness = "w", RegionAppendTimeoutMs = 1 }.Validate(out _));
        Assert.StartsWith("--region-append-timeout-ms 0", new AdjudicatorHostOptions { Region = "a", Regions = ThreeRegions, Witness = "w", RegionAppendTimeoutMs = 0 }
            .Validate(out _), StringComparison.Ordinal);
    }

    [Fact]
    public void The_heartbeat_follows_the_lead_unless_given_and_the_clock_offset_is_five_ms_by_default()
    {
        var byDefault = new AdjudicatorHostOptions { Region = "a", Regions = ThreeRegions, Witness = "w", RegionLeadMs = 50 };
        Assert.Null(byDefault.Validate(out _));
        Assert.Equal(10, byDefault.RegionHeartbeatOrDefaultMs);
        Assert.Equal(5, byDefault.RegionClockOffsetMs);
        Assert.Equal(1, new AdjudicatorHostOptions { RegionLeadMs = 3 }.RegionHeartbeatOrDefaultMs);
        var given = new AdjudicatorHostOptions { Region = "a", Regions = ThreeRegions, Witness = "w", RegionLeadMs = 50, RegionHeartbeatMs = 2, RegionClockOffsetMs = 0 };
        Assert.Null(given.Validate(out _));
        Assert.Equal(2, given.RegionHeartbeatOrDefaultMs);
        Assert.True(AdjudicatorHostOptions.CommandLineSwitches.ContainsKey("--region-heartbeat-ms"));
        Assert.True(AdjudicatorHostOptions.CommandLineSwitches.ContainsKey("--region-clock-offset-ms"));
        Assert.StartsWith("--region-heartbeat-ms 0", new AdjudicatorHostOptions { Region = "a", Regions = ThreeRegions, Witness = "w", RegionHeartbeatMs = 0 }
            .Validate(out _), StringComparison.Ordinal);
        Assert.StartsWith("--region-clock-offset-ms -1", new AdjudicatorHostOptions { Region = "a", Regions = ThreeRegions, Witness = "w", RegionClockOffsetMs = -1 }
            .Validate(out _), StringComparison.Ordinal);
    }
}
