using System.Diagnostics;
using Log.Integration.Tests.Faults;
using Log.Integration.Tests.Support;
using Xunit.Abstractions;

namespace Log.Integration.Tests.Cluster;

/// <summary>kill -9 of each role but storage while a bank runs through two query nodes: the adjudicator (twice, restarted
/// on its port), the journal node (restarted on its port and data) and a query node (its clients go to the other).
/// Afterwards every acknowledged transfer is present, none refused is, the total is unchanged, and the cluster serves
/// again within a bound.</summary>
[Collection(FaultSuite.Name)]
public sealed class ClusterCrashTests(ITestOutputHelper output)
{
    private static readonly TimeSpan ProgressTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task After_kill_nine_and_a_restart_of_the_adjudicator_the_cluster_serves_again_and_loses_nothing_acknowledged()
    {
        await using var cluster = await LocalCluster.StartAsync(queryNodeCount: 2);
        await RunBankAcrossAsync(cluster, crashes: 2, (_, _) => cluster.KillAndRestartAdjudicatorAsync(down: TimeSpan.FromSeconds(1)),
            verifyThrough: [0, 1]);
    }

    [Fact]
    public async Task After_kill_nine_and_a_restart_of_the_journal_node_the_cluster_serves_again_and_loses_nothing_acknowledged()
    {
        await using var cluster = await LocalCluster.StartAsync(queryNodeCount: 2);
        await RunBankAcrossAsync(cluster, crashes: 1, (_, _) => cluster.KillAndRestartJournalAsync(down: TimeSpan.FromSeconds(1)),
            verifyThrough: [0, 1]);
    }

    [Fact]
    public async Task After_kill_nine_of_a_query_node_its_clients_go_to_the_other_and_nothing_acknowledged_is_lost()
    {
        await using var cluster = await LocalCluster.StartAsync(queryNodeCount: 2);
        await RunBankAcrossAsync(cluster, crashes: 1, (_, killed) =>
        {
            killed[0] = true;
            return cluster.KillQueryNodeAsync(0);
        }, verifyThrough: [1]);
    }

    /// <summary>Runs the bank through both query nodes (a client of a node marked killed connects to the other), crashes a
    /// role <paramref name="crashes"/> times once transfers are acknowledged, waits for progress after each, then checks
    /// the bank through the nodes named.</summary>
    private async Task RunBankAcrossAsync(LocalCluster cluster, int crashes, Func<int, bool[], Task> crash, int[] verifyThrough)
    {
        var killed = new bool[cluster.QueryNodes.Count];
        int PortOf(int index) => Volatile.Read(ref killed[index]) ? cluster.QueryNodes[1 - index].Port : cluster.QueryNodes[index].Port;
        var bank = new ClusterBank([() => PortOf(0), () => PortOf(1)]);
        await bank.CreateAsync();
        using var stop = new CancellationTokenSource();
        var running = bank.RunAsync(clients: 6, seed: Environment.TickCount, stop.Token);
        try
        {
            for (var attempt = 1; attempt <= crashes; attempt++)
            {
                await WaitForProgressAsync(bank, bank.Acknowledged, cluster);
                await Task.Delay(TimeSpan.FromSeconds(2));
                await crash(attempt, killed);
                output.WriteLine($"crash {attempt}: {bank.Acknowledged} acknowledged so far");
            }
            // Enough progress that every client, including those that moved to another node, had its turn.
            await WaitForProgressAsync(bank, bank.Acknowledged + 6, cluster);
        }
        finally
        {
            await stop.CancelAsync();
            await running.WaitAsync(TimeSpan.FromSeconds(90));
        }

        output.WriteLine(string.Join(", ", bank.Transfers.GroupBy(transfer => transfer.Outcome).Select(group => $"{group.Count()} {group.Key}")));
        output.WriteLine("errors: " + string.Join("; ", bank.Transfers.Where(transfer => transfer.Error is not null)
            .Select(transfer => transfer.Error!.Length > 80 ? transfer.Error[..80] : transfer.Error).Distinct().Take(10)));
        foreach (var index in verifyThrough)
        {
            var problems = await bank.VerifyAsync(cluster.QueryNodes[index].Port);
            Assert.True(problems.Count == 0, string.Join("\n", problems.Take(30)));
        }
    }

    /// <summary>The cluster must acknowledge transfers again within a bound after a (re)start.</summary>
    private static async Task WaitForProgressAsync(ClusterBank bank, int acknowledgedBefore, LocalCluster cluster)
    {
        var waited = Stopwatch.StartNew();
        while (bank.Acknowledged <= acknowledgedBefore)
        {
            Assert.True(waited.Elapsed < ProgressTimeout,
                $"no transfer acknowledged within {ProgressTimeout}; last errors: " +
                string.Join("; ", bank.Transfers.Where(transfer => transfer.Error is not null).TakeLast(5).Select(transfer => transfer.Error)) +
                "\n" + cluster.Output);
            await Task.Delay(50);
        }
    }
}
