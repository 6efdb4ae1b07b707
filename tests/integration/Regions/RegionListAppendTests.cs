using Log.Integration.Tests.Faults;
using Log.Integration.Tests.Faults.ListAppend;
using Npgsql;
using Xunit.Abstractions;

namespace Log.Integration.Tests.Regions;

/// <summary>
/// The list-append workload (<see cref="ListAppendTests"/>) run in both peered regions at once, as processes
/// (<see cref="RegionProcesses"/>, 10 ms each way between regions): clients of both regions read and append to the
/// same few lists, so they conflict across regions. The checker finds no anomaly beyond what snapshot isolation allows
/// (write skew), and both regions end with the same lists, which hold every acknowledged append.
/// </summary>
[Collection(FaultSuite.Name)]
public sealed class RegionListAppendTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Duration = FaultSuite.Pick(TimeSpan.FromSeconds(15), TimeSpan.FromMinutes(2));
    private static readonly int ClientsPerRegion = FaultSuite.Pick(2, 4);

    [Fact]
    public async Task List_appends_in_both_regions_show_no_anomaly_beyond_write_skew_and_both_regions_end_alike()
    {
        // Not a failover test: no region seals another because the machine stalled one.
        await using var regions = await RegionProcesses.StartAsync("--region-failover-ms", "0");
        var ports = RegionProcesses.Peers.ToDictionary(region => region, region => regions.QueryNodes[region].Port);
        await using (var setup = await FaultSuite.OpenAsync(ports["a"]))
        {
            await FaultSuite.ExecuteAsync(setup, "CREATE TABLE lists (k bigint PRIMARY KEY, v text NOT NULL)");
            await FaultSuite.ExecuteAsync(setup,
                "INSERT INTO lists VALUES " + string.Join(", ", Enumerable.Range(0, ListAppendTests.KeyCount).Select(key => $"({key}, '')")));
        }

        // Each region's query node has read the table once before the clients start (its first connection and plan
        // cost the most on a loaded machine; the clients' connections have 10 s to open).
        foreach (var region in RegionProcesses.Peers)
        {
            await using var warm = await FaultSuite.OpenAsync(ports[region]);
            Assert.Equal((long)ListAppendTests.KeyCount, await FaultSuite.ScalarAsync(warm, "SELECT count(*) FROM lists"));
        }

        var seed = Environment.TickCount;
        output.WriteLine($"seed {seed}, {ClientsPerRegion} clients in each of {string.Join(", ", RegionProcesses.Peers)} for {Duration}");
        var history = new List<ListAppendTransaction>();
        var unexpected = new List<string>();
        var transactionIds = 0;
        using var stop = new CancellationTokenSource(Duration);
        var clients = RegionProcesses.Peers.SelectMany(region => Enumerable.Range(0, ClientsPerRegion).Select(_ => region))
            .Select((region, client) => Task.Run(() => ListAppendTests.RunClientAsync(ports[region], client, new Random(seed + client),
                () => Interlocked.Increment(ref transactionIds), history, unexpected, stop.Token)));
        await Task.WhenAll(clients);

        // Each region's final lists, read after every client stopped: a snapshot later than every acknowledged commit.
        var finals = new Dictionary<string, Dictionary<long, IReadOnlyList<long>>>();
        foreach (var region in RegionProcesses.Peers)
        {
            await using var reader = await FaultSuite.OpenAsync(ports[region]);
            await using var command = new NpgsqlCommand("SELECT k, v FROM lists", reader);
            await using var rows = await command.ExecuteReaderAsync();
            var final = new Dictionary<long, IReadOnlyList<long>>();
            while (await rows.ReadAsync())
            {
                final[rows.GetInt64(0)] = ListAppendTests.ParseList(rows.GetString(1));
            }
            finals[region] = final;
        }
        Assert.Equal(ListAppendTests.KeyCount, finals["a"].Count);
        foreach (var (key, list) in finals["a"])
        {
            Assert.Equal(list, finals["b"][key]);
        }

        var report = ListAppendChecker.Check(history, finals["a"]);
        var outcomes = history.GroupBy(transaction => transaction.Outcome).ToDictionary(group => group.Key, group => group.Count());
        output.WriteLine($"{history.Count} transactions: {string.Join(", ", outcomes.Select(pair => $"{pair.Value} {pair.Key}"))}; " +
            $"G2 cycles (allowed) listed: {report.Anomalies.Count(anomaly => anomaly.Kind == AnomalyKind.G2)}");
        output.WriteLine(report.ToString());
        if (unexpected.Count > 0)
        {
            output.WriteLine("outputs:\n" + regions.Outputs());
        }
        Assert.True(unexpected.Count == 0, string.Join("\n", unexpected.Take(20)));
        Assert.True(report.CommittedCount >= 10 * ClientsPerRegion, $"too little work to judge: {report}");
        Assert.True(outcomes.GetValueOrDefault(TransactionOutcome.Aborted) > 0,
            "no transaction met a conflict: the workload is not concurrent enough to test isolation");
        Assert.True(!report.Errors.Any(), report.ToString());
    }
}
