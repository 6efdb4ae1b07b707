using Log.Integration.Tests.Cluster;
using Log.Integration.Tests.Faults;
using Xunit.Abstractions;

namespace Log.Integration.Tests.Regions;

/// <summary>
/// The loss of a whole region (adjudicator/README.md, "Failover"), with the processes of tests/cluster/start-regions.sh:
/// a bank runs in both peered regions; every process of region b is killed with SIGKILL mid-run; region a, once b's
/// closed timestamp stood still for the failover timeout, seals b's topic on its own and the witness's journal and goes
/// on committing; every transfer acknowledged in either region is then in region a, none refused is, and the total holds.
/// </summary>
[Collection(FaultSuite.Name)]
public sealed class RegionFailoverTests(ITestOutputHelper output)
{
    /// <summary>Only a bound for a hang: nothing here asserts how long anything took.</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task Region_b_killed_mid_run_is_sealed_by_a_with_the_witness_and_a_goes_on_with_every_acknowledged_transfer()
    {
        await using var regions = await RegionProcesses.StartAsync("--region-failover-ms", "2000");
        var a = regions.QueryNodes["a"].Port;
        var b = regions.QueryNodes["b"].Port;
        var bank = new ClusterBank([() => a, () => b]);
        await bank.CreateAsync();
        using var stop = new CancellationTokenSource();
        // Clients 0 and 2 run in region a, 1 and 3 in region b.
        var running = bank.RunAsync(clients: 4, seed: 16, stop.Token);
        try
        {
            await WaitUntilAsync(() => AcknowledgedIn(bank, "a") >= 5 && AcknowledgedIn(bank, "b") >= 5);
            await regions.KillRegionAsync("b");
            var acknowledgedInAAtTheKill = AcknowledgedIn(bank, "a");
            output.WriteLine($"killed b: {AcknowledgedIn(bank, "a")} transfers acknowledged in a, {AcknowledgedIn(bank, "b")} in b");

            // Region a seals b and commits again.
            await WaitUntilAsync(() => regions.Adjudicators["a"].Output.Contains("topic is sealed", StringComparison.Ordinal));
            await WaitUntilAsync(() => AcknowledgedIn(bank, "a") >= acknowledgedInAAtTheKill + 10);
        }
        finally
        {
            await stop.CancelAsync();
            await running;
        }
        foreach (var outcome in bank.Transfers.GroupBy(transfer => (Region(transfer), transfer.Outcome)).OrderBy(group => group.Key))
        {
            output.WriteLine($"{outcome.Key.Item1} {outcome.Key.Outcome}: {outcome.Count()}");
        }
        var problems = await bank.VerifyAsync(a);
        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
        Assert.True(AcknowledgedIn(bank, "b") >= 5);
        Assert.DoesNotContain("could not be sealed", regions.Adjudicators["a"].Output, StringComparison.Ordinal);
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
