using Log.Integration.Tests.Faults;
using Log.Integration.Tests.Support;
using Xunit.Abstractions;

namespace Log.Integration.Tests.Cluster;

/// <summary>
/// Storage replicas as their own processes (<c>storage-node serve</c>): two query nodes read through two replicas over
/// the storage RPC and hold no store of their own; a replica killed with kill -9 is failed over to, comes back on its
/// folder, catches up and serves; a replica started empty catches up by replaying the journal, and one started on a copy
/// of another's folder from that replica's checkpoint.
/// </summary>
[Collection(FaultSuite.Name)]
public sealed class StorageReplicaTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Psql_and_the_bank_work_through_two_query_nodes_over_two_remote_replicas_across_kill_nine_of_each_replica()
    {
        await using var cluster = await LocalCluster.StartAsync(queryNodeCount: 2, storageReplicaCount: 2);
        var first = cluster.QueryNodes[0].Port;
        var second = cluster.QueryNodes[1].Port;
        foreach (var node in cluster.QueryNodes)
        {
            Assert.Contains($"storage={cluster.StorageAddresses}", node.Output);
            // No store of its own: the query node's folder has no storage files.
            Assert.DoesNotContain("Storage node started", node.Output);
        }

        var created = await Psql.RunAsync(first, "CREATE TABLE replica_notes (id int PRIMARY KEY, body text);\nINSERT INTO replica_notes VALUES (1, 'one');\n");
        Assert.True(created.ExitCode == 0, created.ToString());
        var read = await Psql.CommandAsync(second, "SELECT id, body FROM replica_notes ORDER BY id");
        Assert.True(read.ExitCode == 0, read.ToString());
        Assert.Equal("1|one", read.Output);

        var bank = new ClusterBank([() => first, () => second]);
        await bank.CreateAsync();
        using var stop = new CancellationTokenSource();
        var running = bank.RunAsync(clients: 4, seed: Environment.TickCount, stop.Token);
        try
        {
            for (var replica = 0; replica < 2; replica++)
            {
                await WaitForMoreAcknowledgedAsync(bank, cluster);
                await cluster.KillStorageReplicaAsync(replica);
                output.WriteLine($"killed replica {replica} at {bank.Acknowledged} acknowledged");
                // The other replica serves every read meanwhile.
                await WaitForMoreAcknowledgedAsync(bank, cluster);
                await cluster.RestartStorageReplicaAsync(replica);
                output.WriteLine($"replica {replica} restarted and caught up at {bank.Acknowledged} acknowledged");
            }
            // The second kill left only the restarted first replica to read from: it caught up and serves.
            await WaitForMoreAcknowledgedAsync(bank, cluster);
        }
        finally
        {
            await stop.CancelAsync();
            await running.WaitAsync(TimeSpan.FromSeconds(90));
        }

        output.WriteLine(string.Join(", ", bank.Transfers.GroupBy(transfer => transfer.Outcome).Select(group => $"{group.Count()} {group.Key}")));
        output.WriteLine("errors: " + string.Join("; ", bank.Transfers.Where(transfer => transfer.Error is not null)
            .Select(transfer => transfer.Error!.Length > 100 ? transfer.Error[..100] : transfer.Error).Distinct().Take(10)));
        foreach (var port in new[] { first, second })
        {
            var problems = await bank.VerifyAsync(port);
            Assert.True(problems.Count == 0, string.Join("\n", problems.Take(30)));
        }

        // A replica started on an empty folder replays the journal, and one started on a copy of another's folder
        // recovers that replica's checkpoint and replays only what follows it; each serves the same rows: a query node
        // that reads only from it sees every acknowledged transfer and the constant total.
        await using (var fresh = await cluster.StartEmptyStorageReplicaAsync())
        {
            Assert.Contains("replaying the journal from offset 0", fresh.Output);
            await VerifyThroughReplicaAsync(cluster, bank, fresh);
        }
        var copy = await cluster.CopyStorageReplicaFolderAsync(1);
        await using (var bootstrapped = await cluster.StartStorageReplicaAsync(copy))
        {
            Assert.Contains("Storage node recovered checkpoint", bootstrapped.Output);
            await VerifyThroughReplicaAsync(cluster, bank, bootstrapped);
        }
    }

    private static async Task VerifyThroughReplicaAsync(LocalCluster cluster, ClusterBank bank, RoleProcess replica)
    {
        await using var reader = await LogProcess.StartAsync(null,
            "--journal", cluster.JournalAddress, "--adjudicator", $"127.0.0.1:{cluster.Adjudicator.Port}", "--storage", $"127.0.0.1:{replica.Port}");
        var problems = await bank.VerifyAsync(reader.Port);
        Assert.True(problems.Count == 0, string.Join("\n", problems.Take(30)));
    }

    /// <summary>Waits (bounded) until the bank has acknowledged more transfers than now.</summary>
    private static async Task WaitForMoreAcknowledgedAsync(ClusterBank bank, LocalCluster cluster)
    {
        var before = bank.Acknowledged;
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (bank.Acknowledged < before + 5)
        {
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(60),
                $"fewer than 5 transfers acknowledged within 60 s after {before}; last errors: " +
                string.Join("; ", bank.Transfers.Where(transfer => transfer.Error is not null).TakeLast(5).Select(transfer => transfer.Error)) +
                "\n" + cluster.Output);
            await Task.Delay(50);
        }
    }
}
