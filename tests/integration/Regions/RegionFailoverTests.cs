using Log.Integration.Tests.Cluster;
using Log.Integration.Tests.Faults;
using Xunit.Abstractions;

namespace Log.Integration.Tests.Regions;

/// <summary>
/// The loss of a whole region (adjudicator/README.md, "Failover"), with the processes of tests/cluster/start-regions.sh:
/// a bank runs in both peered regions; every process of region b is killed with SIGKILL mid-run; region a, once b's
/// closed timestamp stood still for the failover timeout, seals b's topic on its own and the witness's journal and goes
/// on committing; every transfer acknowledged in either region is then in region a, none refused is, and the total holds.
/// With the witness killed instead, both peered regions go on committing (two of three journals remain) and nothing is
/// sealed.
/// </summary>
[Collection(FaultSuite.Name)]
public sealed class RegionFailoverTests(ITestOutputHelper output)
{
    /// <summary>Only a bound for a hang: nothing here asserts how long anything took.</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    /// <summary>Long enough that a region's heartbeats do not stall that long on this loaded machine while it lives (a
    /// live region sealed is safe, but it stops that region, which these tests do not expect).</summary>
    private const string FailoverMs = "5000";

    [Fact]
    public async Task Region_b_killed_mid_run_is_sealed_by_a_with_the_witness_and_a_goes_on_with_every_acknowledged_transfer()
    {
        await using var regions = await RegionProcesses.StartAsync("--region-failover-ms", FailoverMs);
        var bank = await RunAcrossLossAsync(regions, "b", async (bank, acknowledgedInA, _) =>
        {
            // Region a seals b and commits again.
            await WaitUntilAsync(() => regions.Adjudicators["a"].Output.Contains("topic is sealed", StringComparison.Ordinal));
            await WaitUntilAsync(() => AcknowledgedIn(bank, "a") >= acknowledgedInA + 10);
        });
        var problems = await bank.VerifyAsync(regions.QueryNodes["a"].Port);
        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
        Assert.DoesNotContain("could not be sealed", regions.Adjudicators["a"].Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_witness_killed_mid_run_leaves_both_regions_committing_with_every_acknowledged_transfer_and_seals_nothing()
    {
        await using var regions = await RegionProcesses.StartAsync("--region-failover-ms", FailoverMs);
        var bank = await RunAcrossLossAsync(regions, "w", (bank, acknowledgedInA, acknowledgedInB) =>
            WaitUntilAsync(() => AcknowledgedIn(bank, "a") >= acknowledgedInA + 10 && AcknowledgedIn(bank, "b") >= acknowledgedInB + 10));
        foreach (var region in RegionProcesses.Peers)
        {
            var problems = await bank.VerifyAsync(regions.QueryNodes[region].Port);
            Assert.True(problems.Count == 0, $"through {region}: " + string.Join(Environment.NewLine, problems));
            Assert.DoesNotContain("sealing its topic", regions.Adjudicators[region].Output, StringComparison.Ordinal);
        }
    }

    /// <summary>Runs the bank in both peered regions (clients 0 and 2 in a, 1 and 3 in b) until both acknowledged some
    /// transfers, kills <paramref name="lost"/>, waits for <paramref name="goesOn"/> (given the transfers acknowledged in
    /// a and in b at the kill), stops the clients and returns the bank to verify.</summary>
    private async Task<ClusterBank> RunAcrossLossAsync(RegionProcesses regions, string lost, Func<ClusterBank, int, int, Task> goesOn)
    {
        var a = regions.QueryNodes["a"].Port;
        var b = regions.QueryNodes["b"].Port;
        var bank = new ClusterBank([() => a, () => b]);
        using var stop = new CancellationTokenSource();
        var running = Task.CompletedTask;
        try
        {
            await bank.CreateAsync();
            running = bank.RunAsync(clients: 4, seed: 16, stop.Token);
            await WaitUntilAsync(() => AcknowledgedIn(bank, "a") >= 5 && AcknowledgedIn(bank, "b") >= 5);
            await regions.KillRegionAsync(lost);
            var (inA, inB) = (AcknowledgedIn(bank, "a"), AcknowledgedIn(bank, "b"));
            output.WriteLine($"killed {lost}: {inA} transfers acknowledged in a, {inB} in b");
            await goesOn(bank, inA, inB);
        }
        finally
        {
            await stop.CancelAsync();
            await running;
            foreach (var region in RegionProcesses.Peers)
            {
                foreach (var line in regions.Adjudicators[region].Output.Split('\n').Where(line => line.Contains("seal", StringComparison.OrdinalIgnoreCase)))
                {
                    output.WriteLine($"adjudicator {region}: {line}");
                }
            }
        }
        foreach (var outcome in bank.Transfers.GroupBy(transfer => (Region(transfer), transfer.Outcome)).OrderBy(group => group.Key))
        {
            output.WriteLine($"{outcome.Key.Item1} {outcome.Key.Outcome}: {outcome.Count()}");
        }
        return bank;
    }

    /// <summary>Clients alternate between the regions (<see cref="ClusterBank.RunAsync"/>), and a transfer's id names its
    /// client: <c>(client + 1) * 10^9 + n</c>.</summary>
    private static string Region(ClusterBank.Transfer transfer) => (transfer.Id / 1_000_000_000L - 1) % 2 == 0 ? "a" : "b";

    private static int AcknowledgedIn(ClusterBank bank, string region) =>
        bank.Transfers.Count(transfer => transfer.Outcome == ClusterBank.Outcome.Acknowledged && Region(transfer) == region);

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition did not hold within the patience bound");
            await Task.Delay(100);
        }
    }
}
