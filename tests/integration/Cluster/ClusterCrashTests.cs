using Log.Integration.Tests.Faults;
using Log.Integration.Tests.Support;
using Xunit.Abstractions;

namespace Log.Integration.Tests.Cluster;

/// <summary>kill -9 of the journal node and of a query node while a bank runs through two query nodes (the adjudicator's
/// is in <see cref="ClusterAdjudicatorCrashTests"/>): afterwards every acknowledged transfer is present, none refused
/// is, the total is unchanged, and the cluster serves again.</summary>
[Collection(FaultSuite.Name)]
public sealed class ClusterCrashTests(ITestOutputHelper output)
{
    [Fact]
    public async Task After_kill_nine_and_a_restart_of_the_journal_node_the_cluster_serves_again_and_loses_nothing_acknowledged()
    {
        await using var cluster = await LocalCluster.StartAsync(queryNodeCount: 2);
        var bank = new ClusterBank([() => cluster.QueryNodes[0].Port, () => cluster.QueryNodes[1].Port]);
        await bank.CreateAsync();
        using var stop = new CancellationTokenSource();
        var running = bank.RunAsync(clients: 6, seed: Environment.TickCount, stop.Token);
        try
        {
            await ClusterAdjudicatorCrashTests.WaitForProgressAsync(bank, bank.Acknowledged, cluster);
            await Task.Delay(TimeSpan.FromSeconds(2));
            await cluster.KillAndRestartJournalAsync(down: TimeSpan.FromSeconds(1));
            output.WriteLine($"journal killed and restarted: {bank.Acknowledged} acknowledged so far");
            await ClusterAdjudicatorCrashTests.WaitForProgressAsync(bank, bank.Acknowledged, cluster);
        }
        finally
        {
            await stop.CancelAsync();
            await running.WaitAsync(TimeSpan.FromSeconds(90));
        }
        await VerifyAsync(bank, cluster.QueryNodes.Select(node => node.Port));
    }

    [Fact]
    public async Task After_kill_nine_of_a_query_node_its_clients_go_to_the_other_and_nothing_acknowledged_is_lost()
    {
        await using var cluster = await LocalCluster.StartAsync(queryNodeCount: 2);
        var killed = false;
        int PortOf(int index) => killed && index == 0 ? cluster.QueryNodes[1].Port : cluster.QueryNodes[index].Port;
        var bank = new ClusterBank([() => PortOf(0), () => PortOf(1)]);
        await bank.CreateAsync();
        using var stop = new CancellationTokenSource();
        var running = bank.RunAsync(clients: 6, seed: Environment.TickCount, stop.Token);
        try
        {
            await ClusterAdjudicatorCrashTests.WaitForProgressAsync(bank, bank.Acknowledged, cluster);
            await Task.Delay(TimeSpan.FromSeconds(2));
            killed = true;
            await cluster.KillQueryNodeAsync(0);
            output.WriteLine($"query node 0 killed: {bank.Acknowledged} acknowledged so far");
            // Progress now includes the killed node's clients, reconnected to the other node.
            await ClusterAdjudicatorCrashTests.WaitForProgressAsync(bank, bank.Acknowledged + 6, cluster);
        }
        finally
        {
            await stop.CancelAsync();
            await running.WaitAsync(TimeSpan.FromSeconds(90));
        }
        await VerifyAsync(bank, [cluster.QueryNodes[1].Port]);
    }

    private async Task VerifyAsync(ClusterBank bank, IEnumerable<int> ports)
    {
        output.WriteLine(string.Join(", ", bank.Transfers.GroupBy(transfer => transfer.Outcome).Select(group => $"{group.Count()} {group.Key}")));
        output.WriteLine("errors: " + string.Join("; ", bank.Transfers.Where(transfer => transfer.Error is not null)
            .Select(transfer => transfer.Error!.Length > 80 ? transfer.Error[..80] : transfer.Error).Distinct().Take(10)));
        foreach (var port in ports)
        {
            var problems = await bank.VerifyAsync(port);
            Assert.True(problems.Count == 0, string.Join("\n", problems.Take(30)));
        }
    }
}
