using Log.Journal.Client;
using Log.Journal.Records;
using Log.Journal.Time;
using static Log.StorageNode.Tests.StorageNodeHarness;

namespace Log.StorageNode.Tests;

/// <summary>
/// A replica in multi-region mode presents a commit only once two regions' journals hold it (storage-node/README.md,
/// "Multi-region mode"): every region topic has a copy in regions a, b and w; the replica (in region a) merges a's
/// copies and confirms against b's and w's.
/// </summary>
public sealed class RegionDurabilityTests
{
    /// <summary>Every region topic's copy in every holder's journal, made on first use.</summary>
    internal sealed class Copies
    {
        private readonly Dictionary<(string Holder, string Topic), MemoryJournal> journals = [];

        public MemoryJournal this[string holder, string topic] =>
            journals.TryGetValue((holder, topic), out var journal) ? journal : journals[(holder, topic)] = new MemoryJournal();

        public async Task AppendAsync(string topic, JournalRecord record, CancellationToken cancellationToken, params string[] holders)
        {
            foreach (var holder in holders)
            {
                await this[holder, topic].AppendAsync(0, record, cancellationToken);
            }
        }

        public RegionMergeReader ReplicaIn(string region, string[] topics, string[] holders, TimeSpan? captureInterval = null) => new(
            topics.ToDictionary(topic => topic, topic => (IJournalReader)this[region, topic]), 0, TimeSpan.FromMinutes(5),
            otherCopies: topics.ToDictionary(topic => topic,
                topic => (IReadOnlyList<IJournalReader>)[.. holders.Where(holder => holder != region).Select(holder => this[holder, topic])]),
            captureInterval: captureInterval);
    }

    [Fact]
    public async Task A_commit_only_in_its_own_regions_copy_is_not_visible_and_becomes_visible_once_a_second_copy_holds_it()
    {
        using var timeout = new CancellationTokenSource(TestTimeout);
        var copies = new Copies();
        var merged = copies.ReplicaIn("a", ["a", "b"], ["a", "b", "w"]);
        await using var harness = await StartAsync(merged);
        try
        {
            await copies.AppendAsync("a", Heartbeat(100), timeout.Token, "a", "b", "w");
            await copies.AppendAsync("b", Heartbeat(100), timeout.Token, "a", "b", "w");
            await harness.Node.WaitForResolvedTimestampAsync(Ts(100), timeout.Token);

            // a's candidate reached only a's own journal; b closes past it in two copies, so the merge decides it.
            var candidate = Candidate(90, 200, "row", "from a");
            await copies.AppendAsync("a", candidate, timeout.Token, "a");
            await copies.AppendAsync("b", Heartbeat(300), timeout.Token, "a", "b");
            // b's journal holds another record at that offset (written by another life of a's writer): no evidence.
            await copies.AppendAsync("a", Candidate(90, 200, "row", "another life"), timeout.Token, "b");

            await harness.Node.WaitForResolvedTimestampAsync(Ts(199), timeout.Token);
            Assert.True(merged.Released >= Ts(200), $"the merge released {merged.Released}");
            Assert.Equal(Ts(199), harness.Node.ResolvedTimestamp);
            Assert.Null(Text(await harness.Node.GetAsync(Bytes("row"), ReadPoint.Unfenced(Ts(199)), timeout.Token)));

            // The witness's journal gets it: two regions hold it, and the replica shows it.
            await copies.AppendAsync("a", candidate, timeout.Token, "w");
            await harness.Node.WaitForResolvedTimestampAsync(Ts(200), timeout.Token);
            Assert.Equal("from a", Text(await harness.Node.GetAsync(Bytes("row"), ReadPoint.Unfenced(Ts(200)), timeout.Token)));
        }
        finally
        {
            await merged.DisposeAsync();
        }
    }

    [Fact]
    public async Task Another_regions_commit_read_from_this_regions_copy_waits_for_a_second_copy_and_later_commits_wait_behind_it()
    {
        using var timeout = new CancellationTokenSource(TestTimeout);
        var copies = new Copies();
        var merged = copies.ReplicaIn("a", ["a", "b"], ["a", "b", "w"]);
        await using var harness = await StartAsync(merged);
        try
        {
            // b's first candidate is in a's copy of b's topic only (w's copy lost it: its append failed and the next
            // record landed in its place); a's own later one is in two copies already.
            var first = Candidate(90, 150, "first", "from b");
            await copies.AppendAsync("b", first, timeout.Token, "a");
            await copies.AppendAsync("a", Candidate(90, 160, "second", "from a"), timeout.Token, "a", "w");
            await copies.AppendAsync("a", Heartbeat(400), timeout.Token, "a", "w");
            await copies.AppendAsync("b", Heartbeat(400), timeout.Token, "a", "w");

            await harness.Node.WaitForResolvedTimestampAsync(Ts(149), timeout.Token);
            Assert.True(merged.Released >= Ts(400), $"the merge released {merged.Released}");
            Assert.Equal(Ts(149), harness.Node.ResolvedTimestamp);
            Assert.Null(Text(await harness.Node.GetAsync(Bytes("second"), ReadPoint.Unfenced(Ts(149)), timeout.Token)));

            // b's own journal holds the same records at the same offsets.
            await copies.AppendAsync("b", first, timeout.Token, "b");
            await copies.AppendAsync("b", Heartbeat(400), timeout.Token, "b");
            await harness.Node.WaitForResolvedTimestampAsync(Ts(400), timeout.Token);
            Assert.Equal("from b", Text(await harness.Node.GetAsync(Bytes("first"), ReadPoint.Unfenced(Ts(400)), timeout.Token)));
            Assert.Equal("from a", Text(await harness.Node.GetAsync(Bytes("second"), ReadPoint.Unfenced(Ts(400)), timeout.Token)));
        }
        finally
        {
            await merged.DisposeAsync();
        }
    }

    [Fact]
    public async Task Two_regions_commits_at_one_timestamp_are_shown_together_once_both_are_durable_never_one_alone()
    {
        using var timeout = new CancellationTokenSource(TestTimeout);
        var copies = new Copies();
        var merged = copies.ReplicaIn("a", ["a", "b"], ["a", "b", "w"]);
        await using var harness = await StartAsync(merged);
        try
        {
            // Both regions commit at 200 (their clocks met in one millisecond): a transfer's two rows from a, in two
            // copies already, and b's, in b's topic at a's journal only so far.
            var fromA = JournalRecord.ForCommit(Guid.NewGuid(), Ts(90), Ts(200), 0, 1,
                [new JournalWrite(Bytes("account 0"), Bytes("89")), new JournalWrite(Bytes("account 1"), Bytes("111"))]);
            var fromB = JournalRecord.ForCommit(Guid.NewGuid(), Ts(95), Ts(200), 0, 1,
                [new JournalWrite(Bytes("account 2"), Bytes("93")), new JournalWrite(Bytes("account 3"), Bytes("107"))]);
            await copies.AppendAsync("a", fromA, timeout.Token, "a", "w");
            await copies.AppendAsync("a", Heartbeat(300), timeout.Token, "a", "w");
            await copies.AppendAsync("b", fromB, timeout.Token, "a");
            await copies.AppendAsync("b", Heartbeat(300), timeout.Token, "a");

            // Both are decided, b's is held: a's must not resolve 200 alone, or a snapshot at 200 would be served while
            // b's is still to come, and reads at 200 would see part of it.
            await harness.Node.WaitForResolvedTimestampAsync(Ts(199), timeout.Token);
            Assert.True(merged.Released >= Ts(300), $"the merge released {merged.Released}");
            Assert.Equal(Ts(199), harness.Node.ResolvedTimestamp);
            Assert.Null(Text(await harness.Node.GetAsync(Bytes("account 0"), ReadPoint.Unfenced(Ts(199)), timeout.Token)));

            await copies.AppendAsync("b", fromB, timeout.Token, "w");
            await harness.Node.WaitForResolvedTimestampAsync(Ts(300), timeout.Token);
            string?[] expected = ["89", "111", "93", "107"];
            for (var account = 0; account < expected.Length; account++)
            {
                Assert.Equal(expected[account], Text(await harness.Node.GetAsync(Bytes($"account {account}"), ReadPoint.Unfenced(Ts(200)), timeout.Token)));
            }
        }
        finally
        {
            await merged.DisposeAsync();
        }
    }
}
