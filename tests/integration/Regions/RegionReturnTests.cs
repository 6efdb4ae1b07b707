using Log.Integration.Tests.Cluster;
using Log.Integration.Tests.Faults;
using Npgsql;
using Xunit.Abstractions;

namespace Log.Integration.Tests.Regions;

/// <summary>
/// A lost region's return (adjudicator/README.md, "A region's return"), with the processes of
/// tests/cluster/start-regions.sh. Region b killed with SIGKILL mid-run is sealed by a with the witness; started again on
/// its old journal folder, it fills its copy of its own topic up to the seal, a lets it rejoin, a's quorum writer takes
/// b's copy of a's topic again (filled from a's), and b commits again while its new replica reads every transfer a
/// acknowledged meanwhile. And with the witness and b both lost, a commits again once the witness's journal is back,
/// without a restart: its quorum writer takes the witness's copy again and the seal of b goes through.
/// </summary>
[Collection(FaultSuite.Name)]
public sealed class RegionReturnTests(ITestOutputHelper output)
{
    /// <summary>Only a bound for a hang: nothing here asserts how long anything took.</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    /// <summary>As in RegionFailoverTests: a live region is not sealed on this loaded machine.</summary>
    private const string FailoverMs = "5000";

    /// <summary>Short, so that a lost journal's copy is faulted soon (and its writer's queue emptied) on either side.</summary>
    private const string AppendTimeoutMs = "3000";

    [Fact]
    public async Task Region_b_killed_mid_run_comes_back_catches_up_and_commits_again_with_every_acknowledged_transfer_in_both()
    {
        await using var regions = await RegionProcesses.StartAsync("--region-failover-ms", FailoverMs, "--region-append-timeout-ms", AppendTimeoutMs);
        var portA = regions.QueryNodes["a"].Port;
        var portB = regions.QueryNodes["b"].Port;
        var bank = new ClusterBank([() => portA, () => Volatile.Read(ref portB)]);
        using var stop = new CancellationTokenSource();
        var running = Task.CompletedTask;
        try
        {
            await bank.CreateAsync();
            running = bank.RunAsync(clients: 4, seed: 17, stop.Token);
            await WaitUntilAsync(() => AcknowledgedIn(bank, "a") >= 5 && AcknowledgedIn(bank, "b") >= 5, regions, "both regions commit");
            await regions.KillRegionAsync("b");
            var inA = AcknowledgedIn(bank, "a");
            output.WriteLine($"killed b: {inA} transfers acknowledged in a, {AcknowledgedIn(bank, "b")} in b");
            await WaitUntilAsync(() => regions.Adjudicators["a"].Output.Contains("topic is sealed", StringComparison.Ordinal), regions, "a seals b");
            await WaitUntilAsync(() => AcknowledgedIn(bank, "a") >= inA + 10, regions, "a commits after the seal");

            await regions.RestartRegionAsync("b");
            Volatile.Write(ref portB, regions.QueryNodes["b"].Port);
            var inB = AcknowledgedIn(bank, "b");
            inA = AcknowledgedIn(bank, "a");
            output.WriteLine($"b is back: {inA} transfers acknowledged in a, {inB} in b");
            await WaitUntilAsync(() => AcknowledgedIn(bank, "b") >= inB + 10 && AcknowledgedIn(bank, "a") >= inA + 10, regions,
                "both regions commit after b's return");
        }
        finally
        {
            await stop.CancelAsync();
            await running;
            foreach (var region in RegionProcesses.Peers)
            {
                foreach (var line in regions.Adjudicators[region].Output.Split('\n').Where(IsAboutTheReturn))
                {
                    output.WriteLine($"adjudicator {region}: {line}");
                }
            }
        }
        foreach (var outcome in bank.Transfers.GroupBy(transfer => (Region(transfer), transfer.Outcome)).OrderBy(group => group.Key))
        {
            output.WriteLine($"{outcome.Key.Item1} {outcome.Key.Outcome}: {outcome.Count()}");
        }
        // Every transfer acknowledged in either region, before the loss, while b was away and after its return, is in
        // both regions' replicas (b's new replica read it all from b's journal), none refused is, and the total holds.
        foreach (var region in RegionProcesses.Peers)
        {
            var problems = await bank.VerifyAsync(regions.QueryNodes[region].Port);
            Assert.True(problems.Count == 0, $"through {region}: " + string.Join(Environment.NewLine, problems));
        }
        var logA = regions.Adjudicators["a"].Output;
        Assert.Contains("letting it rejoin", logA, StringComparison.Ordinal);
        Assert.Contains("Journal copy b is taken again", logA, StringComparison.Ordinal);
        Assert.Contains("rejoined at", regions.Adjudicators["b"].Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_the_witness_and_b_lost_a_commits_again_once_the_witness_is_back_without_a_restart()
    {
        await using var regions = await RegionProcesses.StartAsync("--region-failover-ms", FailoverMs, "--region-append-timeout-ms", AppendTimeoutMs);
        var adjudicatorA = regions.Adjudicators["a"];
        var port = regions.QueryNodes["a"].Port;
        await using (var setup = await FaultSuite.OpenAsync(port, commandTimeoutSeconds: 120))
        {
            await FaultSuite.ExecuteAsync(setup, "CREATE TABLE notes (id int PRIMARY KEY, body text)");
            await FaultSuite.ExecuteAsync(setup, "INSERT INTO notes VALUES (1, 'before the loss')");
        }
        await regions.KillRegionAsync("w");
        await regions.KillRegionAsync("b");
        // A commit needs a second journal: the heartbeats' appends time out and the quorum writer says the quorum is lost.
        await WaitUntilAsync(() => adjudicatorA.Output.Contains("The journal quorum is lost", StringComparison.Ordinal), regions, "a loses its quorum");

        await regions.RestartRegionAsync("w");
        var committed = await CommitWithRetriesAsync(port, "INSERT INTO notes VALUES (2, 'after the witness came back')", regions);
        output.WriteLine($"committed after {committed} refused attempts");
        await using (var check = await FaultSuite.OpenAsync(port, commandTimeoutSeconds: 120))
        {
            Assert.Equal("after the witness came back", await FaultSuite.ScalarAsync(check, "SELECT body FROM notes WHERE id = 2"));
            Assert.Equal(2L, await FaultSuite.ScalarAsync(check, "SELECT count(*) FROM notes"));
        }
        // The same process: the quorum came back by taking the witness's copy again, and b was sealed with the witness.
        Assert.Same(adjudicatorA, regions.Adjudicators["a"]);
        Assert.Contains("Journal copy w is taken again", adjudicatorA.Output, StringComparison.Ordinal);
        Assert.Contains("The journal quorum is back", adjudicatorA.Output, StringComparison.Ordinal);
        Assert.Contains("topic is sealed", adjudicatorA.Output, StringComparison.Ordinal);
    }

    /// <summary>Runs <paramref name="statement"/> on a new connection until it commits; refusals while the region is
    /// not back (a lost quorum, 58030 or 08007; a snapshot that waits for the released timestamp, 57P03; a dropped
    /// connection) are retried. Returns how many attempts failed.</summary>
    private async Task<int> CommitWithRetriesAsync(int port, string statement, RegionProcesses regions)
    {
        var deadline = DateTime.UtcNow + Patience;
        for (var failed = 0; ; failed++)
        {
            try
            {
                await using var connection = await FaultSuite.OpenAsync(port, commandTimeoutSeconds: 60);
                await FaultSuite.ExecuteAsync(connection, statement);
                return failed;
            }
            catch (Exception exception) when (exception is NpgsqlException or IOException or TimeoutException)
            {
                // A unique violation would mean an earlier attempt committed after all (08007): then it is there.
                if (exception is PostgresException { SqlState: "23505" })
                {
                    return failed;
                }
                output.WriteLine($"attempt {failed}: {(exception as PostgresException)?.SqlState} {exception.Message}");
                Assert.True(DateTime.UtcNow < deadline, $"no commit in region a within the patience bound; last: {exception.Message}\n{regions.Outputs()}");
                await Task.Delay(200);
            }
        }
    }

    private static bool IsAboutTheReturn(string line) =>
        line.Contains("seal", StringComparison.OrdinalIgnoreCase) || line.Contains("rejoin", StringComparison.OrdinalIgnoreCase)
        || line.Contains("taken again", StringComparison.Ordinal) || line.Contains("quorum", StringComparison.Ordinal);

    /// <summary>Clients alternate between the regions; a transfer's id names its client (RegionFailoverTests).</summary>
    private static string Region(ClusterBank.Transfer transfer) => (transfer.Id / 1_000_000_000L - 1) % 2 == 0 ? "a" : "b";

    private static int AcknowledgedIn(ClusterBank bank, string region) =>
        bank.Transfers.Count(transfer => transfer.Outcome == ClusterBank.Outcome.Acknowledged && Region(transfer) == region);

    private static async Task WaitUntilAsync(Func<bool> condition, RegionProcesses regions, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"{what}: did not happen within the patience bound\n{regions.Outputs()}");
            await Task.Delay(100);
        }
    }
}
