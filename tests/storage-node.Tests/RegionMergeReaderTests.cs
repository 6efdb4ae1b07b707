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
