using Log.Journal.Records;
using static Log.StorageNode.Tests.RegionDurabilityTests;
using static Log.StorageNode.Tests.StorageNodeHarness;

namespace Log.StorageNode.Tests;

/// <summary>
/// A replica in multi-region mode applying a commit batch (adjudicator/README.md, "Commits batched into one record"):
/// its candidates are decided one by one, and the batch is durable as a whole, one record at one offset.
/// </summary>
public sealed class RegionCommitBatchReplicaTests
{
    [Fact]
    public async Task A_batch_is_shown_once_a_second_copy_holds_it_with_only_its_committed_candidates()
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

            // a's batch reached only a's own journal; its middle candidate writes the row b commits before it.
            var batch = RegionCommitBatch.Pack([Candidate(90, 200, "first", "from a"), Candidate(95, 210, "row", "from a"),
                Candidate(96, 220, "last", "from a")]);
            await copies.AppendAsync("a", batch, timeout.Token, "a");
            await copies.AppendAsync("b", Candidate(150, 205, "row", "from b"), timeout.Token, "a", "b");
            await copies.AppendAsync("b", Heartbeat(300), timeout.Token, "a", "b");

            // Decided (a closed 220 with its batch, b 300), but only in one copy: nothing of it, nor b's commit behind
            // its first candidate, is shown.
            await harness.Node.WaitForResolvedTimestampAsync(Ts(199), timeout.Token);
            Assert.True(merged.Released >= Ts(220), $"the merge released {merged.Released}");
            Assert.Equal(Ts(199), harness.Node.ResolvedTimestamp);
            Assert.Null(Text(await harness.Node.GetAsync(Bytes("first"), ReadPoint.Unfenced(Ts(199)), timeout.Token)));

            // The witness's journal gets the batch: all of it is in two regions at once.
            await copies.AppendAsync("a", batch, timeout.Token, "w");
            await harness.Node.WaitForResolvedTimestampAsync(Ts(220), timeout.Token);
            Assert.Equal("from a", Text(await harness.Node.GetAsync(Bytes("first"), ReadPoint.Unfenced(Ts(200)), timeout.Token)));
            Assert.Equal("from b", Text(await harness.Node.GetAsync(Bytes("row"), ReadPoint.Unfenced(Ts(220)), timeout.Token)));
            Assert.Equal("from a", Text(await harness.Node.GetAsync(Bytes("last"), ReadPoint.Unfenced(Ts(220)), timeout.Token)));
            Assert.Null(Text(await harness.Node.GetAsync(Bytes("last"), ReadPoint.Unfenced(Ts(219)), timeout.Token)));
        }
        finally
        {
            await merged.DisposeAsync();
        }
    }
}
