using System.Text;
using Log.Journal.Client;
using Log.Journal.Records;
using Log.Journal.Time;

namespace Log.Journal.Tests;

/// <summary>The merge of region topics read over the Kafka protocol: each region's topic on its own journal node.</summary>
public sealed class RegionMergeFeedTests
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromMinutes(2);

    private static HybridTimestamp At(long milliseconds) => HybridTimestamp.From(milliseconds, 0);

    private static JournalRecord Candidate(HybridTimestamp start, HybridTimestamp commit, string key) =>
        JournalRecord.ForCommit(Guid.NewGuid(), start, commit, 0, 1, [new JournalWrite(Encoding.UTF8.GetBytes(key), [1])]);

    [Fact]
    public async Task Region_topics_on_two_journal_nodes_are_merged_and_decided()
    {
        using var timeout = new CancellationTokenSource(TestTimeout);
        await using var nodeA = await TestNode.StartAsync();
        await using var nodeB = await TestNode.StartAsync();
        var servers = RegionJournalReaders.TryParse($"a={nodeA.BootstrapServers}, b={nodeB.BootstrapServers}", out var problem);
        Assert.Null(problem);
        await using var writerA = new KafkaJournalWriter(new JournalClientOptions { BootstrapServers = nodeA.BootstrapServers, Region = "a" });
        await using var writerB = new KafkaJournalWriter(new JournalClientOptions { BootstrapServers = nodeB.BootstrapServers, Region = "b" });
        var readers = RegionJournalReaders.Create(servers!, new JournalClientOptions { ClientId = "region-merge-test" });
        var decided = new List<RegionDecision>();
        var feed = new RegionMergeFeed(readers, 0, TimeSpan.FromMinutes(5), (decisions, _) =>
        {
            lock (decided)
            {
                decided.AddRange(decisions);
            }
        });
        try
        {
            // Two concurrent writers of one row, one per region, and an unrelated commit in b.
            var fromA = Candidate(At(1_000), At(1_020), "row");
            var fromB = Candidate(At(1_005), At(1_015), "row");
            var other = Candidate(At(1_005), At(1_030), "other row");
            await writerA.AppendAsync(0, fromA, timeout.Token);
            await writerB.AppendAsync(0, fromB, timeout.Token);
            await writerB.AppendAsync(0, other, timeout.Token);
            await writerA.AppendAsync(0, JournalRecord.ForHeartbeat(At(1_040), 0, 1), timeout.Token);
            feed.Start();
            await feed.WaitForReleasedAsync(At(1_030), timeout.Token);
            // b closed 1,030 with its last candidate; a closed 1,040: nothing above 1,030 is released.
            Assert.Equal(At(1_030), feed.Released);
            lock (decided)
            {
                Assert.Equal([(fromB.TransactionId, RegionOutcome.Committed), (fromA.TransactionId, RegionOutcome.Conflict), (other.TransactionId, RegionOutcome.Committed)],
                    decided.Select(decision => (decision.Record.TransactionId, decision.Outcome)));
            }
            Assert.False(feed.Failure.IsCompleted);
        }
        finally
        {
            await feed.DisposeAsync();
            foreach (var reader in readers.Values)
            {
                await reader.DisposeAsync();
            }
        }
    }

    [Theory]
    [InlineData("", "no region is named")]
    [InlineData("a", "is not REGION=HOST:PORT")]
    [InlineData("a=h:1,a=h:2", "named twice")]
    [InlineData("a b=h:1", "is not REGION=HOST:PORT")]
    public void A_bad_region_list_is_refused_with_what_is_wrong(string setting, string expected)
    {
        Assert.Null(RegionJournalReaders.TryParse(setting, out var problem));
        Assert.Contains(expected, problem);
    }

    [Fact]
    public void Several_bootstrap_servers_of_a_region_are_separated_by_semicolons()
    {
        var servers = RegionJournalReaders.TryParse("a=h1:1;h2:2, b=h3:3", out var problem);
        Assert.Null(problem);
        Assert.Equal("h1:1,h2:2", servers!["a"]);
        Assert.Equal("h3:3", servers["b"]);
    }
}
