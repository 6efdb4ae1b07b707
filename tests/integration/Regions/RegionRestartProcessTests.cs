using Log.Integration.Tests.Faults;
using Log.Journal.Client;
using Log.Journal.Records;
using Log.Journal.Time;
using Xunit.Abstractions;

namespace Log.Integration.Tests.Regions;

/// <summary>
/// A region's adjudicator killed with SIGKILL and started again, without a seal (adjudicator/README.md, "Restart"), with
/// the processes of tests/cluster/start-regions.sh: its earlier life's last candidate reached its own region's journal
/// only. The new life brings the three journals' copies of its topic to the same records before its EpochStart, so both
/// regions read that candidate committed and commits go on in both.
/// </summary>
[Collection(FaultSuite.Name)]
public sealed class RegionRestartProcessTests(ITestOutputHelper output)
{
    /// <summary>Only a bound for a hang: nothing here asserts how long anything took.</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task A_candidate_left_on_a_regions_own_journal_by_a_killed_adjudicator_is_committed_in_both_regions_after_its_restart()
    {
        // No failover: the adjudicator's absence must not get its region sealed on this loaded machine.
        await using var regions = await RegionProcesses.StartAsync("--region-failover-ms", "0");
        using var timeout = new CancellationTokenSource(Patience * 3);
        try
        {
            await using (var a = await FaultSuite.OpenAsync(regions.QueryNodes["a"].Port))
            {
                await FaultSuite.ExecuteAsync(a, "CREATE TABLE restarted (k int PRIMARY KEY, v text)");
                await FaultSuite.ExecuteAsync(a, "INSERT INTO restarted VALUES (1, 'inserted')");
                await FaultSuite.ExecuteAsync(a, "UPDATE restarted SET v = 'unacknowledged' WHERE k = 1");
                await FaultSuite.ExecuteAsync(a, "UPDATE restarted SET v = 'acknowledged' WHERE k = 1");
            }
            await regions.KillAdjudicatorAsync("a");

            // What the killed writer had sent lands (the proxies' delay): then the three copies are equal.
            var journals = RegionProcesses.AllRegions.ToDictionary(region => region, region => $"127.0.0.1:{regions.Journals[region].Port}");
            List<JournalRecord> records;
            while (true)
            {
                var copies = await Task.WhenAll(journals.Values.Select(journal => TopicOfAAsync(journal, timeout.Token)));
                if (copies.All(copy => copy.Count == copies[0].Count))
                {
                    records = copies[0];
                    break;
                }
                await Task.Delay(200, timeout.Token);
            }
            // The candidate the killed life was sending when it died: the first UPDATE's write again, above every promise
            // it made, on a's own journal only. Had it been acknowledged, it would be on two.
            var updates = records.Where(record => record.Kind == JournalRecordKind.Commit).TakeLast(2).ToList();
            Assert.Equal(updates[0].Writes!.Select(write => Convert.ToHexString(write.Key)), updates[1].Writes!.Select(write => Convert.ToHexString(write.Key)));
            var promised = new HybridTimestamp(records.Max(record => Math.Max(record.CommitTimestamp, record.ClosedTimestamp)));
            var unacknowledged = updates[0] with
            {
                TransactionId = Guid.NewGuid(),
                StartTimestamp = promised.Value,
                CommitTimestamp = HybridTimestamp.From(promised.PhysicalMilliseconds + 1, 0).Value,
            };
            await JournalFenceClient.AppendAtAsync(journals["a"], JournalTopics.ForRegion("a"), 0, records.Count, [JournalRecordCodec.Encode(unacknowledged)],
                timeout.Token);

            await regions.RestartAdjudicatorAsync("a");

            foreach (var region in RegionProcesses.Peers)
            {
                await using var connection = await FaultSuite.OpenAsync(regions.QueryNodes[region].Port);
                await FaultSuite.ExecuteAsync(connection, $"INSERT INTO restarted VALUES ({(region == "a" ? 2 : 3)}, 'after, from {region}')");
            }
            foreach (var region in RegionProcesses.Peers)
            {
                await using var connection = await FaultSuite.OpenAsync(regions.QueryNodes[region].Port);
                Assert.Equal("1 unacknowledged,2 after, from a,3 after, from b",
                    await FaultSuite.ScalarAsync(connection, "SELECT string_agg(k || ' ' || v, ',' ORDER BY k) FROM restarted"));
            }
            var agreed = await Task.WhenAll(journals.Values.Select(journal => TopicOfAAsync(journal, timeout.Token)));
            var common = agreed.Min(copy => copy.Count);
            Assert.True(common > records.Count + 1, "a journal's copy of a's topic lacks the new life's records");
            foreach (var copy in agreed)
            {
                for (var offset = 0; offset < common; offset++)
                {
                    Assert.True(JournalRecordCodec.Encode(copy[offset]).AsSpan().SequenceEqual(JournalRecordCodec.Encode(agreed[0][offset])),
                        $"the copies of a's topic differ at offset {offset}");
                }
            }
            Assert.Equal(unacknowledged.TransactionId, agreed[0][records.Count].TransactionId);
            Assert.Contains("brought into agreement", regions.Adjudicators["a"].Output, StringComparison.Ordinal);
        }
        catch
        {
            output.WriteLine(regions.Outputs());
            throw;
        }
    }

    /// <summary>Every record of partition 0 of a's topic in the journal at <paramref name="journal"/>.</summary>
    private static async Task<List<JournalRecord>> TopicOfAAsync(string journal, CancellationToken cancellationToken)
    {
        var options = new JournalClientOptions { BootstrapServers = journal, Region = "a", ClientId = $"log-test-read-{journal}" };
        await using var copy = new JournalNodeSealCopy(journal, journal, options, null, 0);
        // A fence at epoch 1 raises nothing a writer of the topic uses: it answers the end.
        var end = await copy.FenceAsync(0, 1, cancellationToken);
        return [.. await copy.ReadAsync(0, 0, end, cancellationToken)];
    }
}
