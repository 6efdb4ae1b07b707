using Log.Journal.Client;
using Log.Journal.Records;
using Log.Journal.Time;
using static Log.StorageNode.Tests.StorageNodeHarness;

namespace Log.StorageNode.Tests;

/// <summary>A replica over the merge of two region topics (storage-node/README.md, "Multi-region mode").</summary>
public sealed class RegionMergeReaderTests
{
    [Fact]
    public async Task The_replica_applies_only_committed_candidates_and_resolves_the_released_timestamp()
    {
        using var timeout = new CancellationTokenSource(TestTimeout);
        var a = new MemoryJournal();
        var b = new MemoryJournal();
        var merged = new RegionMergeReader(new Dictionary<string, IJournalReader> { ["a"] = a, ["b"] = b }, 0, TimeSpan.FromMinutes(5));
        await using var harness = await StartAsync(merged);
        try
        {
            // b's writer of the row comes first in the merged order; a's, concurrent with it, is refused.
            await a.AppendAsync(0, Candidate(100, 200, "row", "from a"), timeout.Token);
            await b.AppendAsync(0, Candidate(150, 190, "row", "from b"), timeout.Token);
            await a.AppendAsync(0, Candidate(120, 210, "other", "from a"), timeout.Token);
            await b.AppendAsync(0, Heartbeat(205), timeout.Token);
            await harness.Node.WaitForResolvedTimestampAsync(Ts(205), timeout.Token);
            Assert.Equal(Ts(205), harness.Node.ResolvedTimestamp);
            Assert.Equal("from b", Text(await harness.Node.GetAsync(Bytes("row"), ReadPoint.Unfenced(Ts(205)), timeout.Token)));

            // a's later commit waits for b to close its timestamp.
            Assert.Null(Text(await harness.Node.GetAsync(Bytes("other"), ReadPoint.Unfenced(Ts(205)), timeout.Token)));
            await b.AppendAsync(0, Heartbeat(300), timeout.Token);
            await harness.Node.WaitForResolvedTimestampAsync(Ts(210), timeout.Token);
            Assert.Equal("from a", Text(await harness.Node.GetAsync(Bytes("other"), ReadPoint.Unfenced(Ts(210)), timeout.Token)));
            Assert.Equal("from b", Text(await harness.Node.GetAsync(Bytes("row"), ReadPoint.Unfenced(Ts(210)), timeout.Token)));
        }
        finally
        {
            await merged.DisposeAsync();
        }
    }

    [Fact]
    public async Task Commits_of_two_regions_at_one_timestamp_are_presented_as_one_record_so_commit_timestamps_rise_strictly()
    {
        using var timeout = new CancellationTokenSource(TestTimeout);
        var a = new MemoryJournal();
        var b = new MemoryJournal();
        var merged = new RegionMergeReader(new Dictionary<string, IJournalReader> { ["a"] = a, ["b"] = b }, 0, TimeSpan.FromMinutes(5));
        try
        {
            await a.AppendAsync(0, Candidate(100, 200, "from a", "a"), timeout.Token);
            await b.AppendAsync(0, Candidate(110, 200, "from b", "b"), timeout.Token);
            await a.AppendAsync(0, Candidate(120, 250, "later", "a"), timeout.Token);
            await a.AppendAsync(0, Heartbeat(300), timeout.Token);
            await b.AppendAsync(0, Heartbeat(300), timeout.Token);

            // What the apply loop makes of the stream: a Commit record resolves its own timestamp.
            var tracker = new CrossShardTracker(1);
            var ready = new List<ReadyCommit>();
            var applied = new List<(ulong Commit, string Key)>();
            await foreach (var entry in merged.ReadAsync(0, 0, timeout.Token))
            {
                ready.Clear();
                tracker.Accept(0, entry.Record, ready, entry.Offset);
                applied.AddRange(ready.SelectMany(commit => commit.Writes.Select(write => (commit.CommitTimestamp.Value, Text(write.Key)!))));
                if (tracker.Resolved >= Ts(200))
                {
                    Assert.Contains((200UL, "from a"), applied);
                    Assert.Contains((200UL, "from b"), applied);
                }
                if (tracker.Resolved >= Ts(300))
                {
                    break;
                }
            }
            Assert.Equal([(200UL, "from a"), (200UL, "from b"), (250UL, "later")], applied);
        }
        finally
        {
            await merged.DisposeAsync();
        }
    }

    [Fact]
    public async Task Resuming_the_merged_stream_at_a_later_offset_is_refused_rather_than_skipping_commits()
    {
        using var timeout = new CancellationTokenSource(TestTimeout);
        var merged = new RegionMergeReader(new Dictionary<string, IJournalReader> { ["a"] = new MemoryJournal() }, 0, TimeSpan.FromMinutes(5));
        try
        {
            await Assert.ThrowsAsync<InvalidDataException>(async () =>
            {
                await foreach (var _ in merged.ReadAsync(0, 5, timeout.Token))
                {
                }
            });
        }
        finally
        {
            await merged.DisposeAsync();
        }
    }
}
