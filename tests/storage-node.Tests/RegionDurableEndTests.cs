using System.Runtime.CompilerServices;
using Log.Journal.Client;
using Log.Journal.Records;
using static Log.StorageNode.Tests.StorageNodeHarness;

namespace Log.StorageNode.Tests;

/// <summary>
/// A region's writer says in its own topic which records two regions' journals hold (a heartbeat's
/// <see cref="JournalRecord.DurableEnd"/>), so a replica shows a commit from its own region's copy alone, without
/// reading another region's (storage-node/README.md, "Multi-region mode"); a fenced writer's claim is not believed.
/// </summary>
public sealed class RegionDurableEndTests
{
    /// <summary>Another region's journal that never answers: a read waits until it is cancelled.</summary>
    private sealed class Unreachable : IJournalReader
    {
        public async IAsyncEnumerable<JournalEntry> ReadAsync(int partition, long fromOffset, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            yield break;
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    /// <summary>A replica in region a reading a's copies of topics a and b, with the other regions' copies unreachable.</summary>
    private static RegionMergeReader ReplicaWithOtherCopiesUnreachable(RegionDurabilityTests.Copies copies) => new(
        new Dictionary<string, IJournalReader> { ["a"] = copies["a", "a"], ["b"] = copies["a", "b"] }, 0, TimeSpan.FromMinutes(5),
        otherCopies: new Dictionary<string, IReadOnlyList<IJournalReader>>
        {
            ["a"] = [new Unreachable(), new Unreachable()],
            ["b"] = [new Unreachable(), new Unreachable()],
        });

    /// <summary>The candidate at 200 writing "row" is decided (the merge released 250: every record before a's heartbeat
    /// at 250 was read) and held: the replica resolves just below it and reads no row.</summary>
    private static async Task AssertHeldAsync(StorageNodeHarness harness, RegionMergeReader merged, CancellationToken cancellationToken)
    {
        await harness.Node.WaitForResolvedTimestampAsync(Ts(199), cancellationToken);
        Assert.True(merged.Released >= Ts(250), $"the merge released {merged.Released}");
        Assert.Equal(Ts(199), harness.Node.ResolvedTimestamp);
        Assert.Null(Text(await harness.Node.GetAsync(Bytes("row"), ReadPoint.Unfenced(Ts(199)), cancellationToken)));
    }

    /// <summary>The replica resolves a's heartbeat at 260 and shows the candidate's row.</summary>
    private static async Task AssertShownAsync(StorageNodeHarness harness, string value, CancellationToken cancellationToken)
    {
        await harness.Node.WaitForResolvedTimestampAsync(Ts(260), cancellationToken);
        Assert.Equal(value, Text(await harness.Node.GetAsync(Bytes("row"), ReadPoint.Unfenced(Ts(260)), cancellationToken)));
    }

    /// <summary>Runs <paramref name="body"/> against a replica in region a whose reads of the other regions' copies
    /// never answer.</summary>
    private static async Task WithReplicaAsync(Func<RegionDurabilityTests.Copies, RegionMergeReader, StorageNodeHarness, CancellationToken, Task> body)
    {
        using var timeout = new CancellationTokenSource(TestTimeout);
        var copies = new RegionDurabilityTests.Copies();
        var merged = ReplicaWithOtherCopiesUnreachable(copies);
        await using var harness = await StartAsync(merged);
        try
        {
            await body(copies, merged, harness, timeout.Token);
        }
        finally
        {
            await merged.DisposeAsync();
        }
    }

    private static JournalRecord EpochStart(long epoch) => new() { Kind = JournalRecordKind.EpochStart, Shard = 0, Epoch = epoch };

    [Fact]
    public Task A_commit_is_shown_once_its_own_regions_copy_says_it_is_durable_with_the_other_copies_unreachable() =>
        WithReplicaAsync(async (copies, merged, harness, cancellationToken) =>
        {
            // a's topic at offsets 0 and 1; b closes past a's candidate, so the merge decides it, but nothing says a
            // second region holds it yet: a heartbeat of a's writer that says nothing (a writer of before the field).
            await copies.AppendAsync("a", Heartbeat(100), cancellationToken, "a");
            await copies.AppendAsync("a", Candidate(90, 200, "row", "from a"), cancellationToken, "a");
            await copies.AppendAsync("a", Heartbeat(250), cancellationToken, "a");
            await copies.AppendAsync("b", Heartbeat(300), cancellationToken, "a");

            await AssertHeldAsync(harness, merged, cancellationToken);

            // a's writer heard two copies acknowledge offsets 0 to 2 and says so at offset 3, in a's own copy.
            await copies.AppendAsync("a", JournalRecord.ForHeartbeat(Ts(260), 0, 1, durableEnd: 3), cancellationToken, "a");
            await AssertShownAsync(harness, "from a", cancellationToken);
        });

    [Fact]
    public Task A_claim_of_a_fenced_writer_is_not_believed_and_the_current_writers_is() =>
        WithReplicaAsync(async (copies, merged, harness, cancellationToken) =>
        {
            // Epoch 1's writer, then epoch 2's life and its candidate; then a record epoch 1 still appended (a zombie)
            // claiming everything before it durable, and epoch 2's heartbeat, which claims nothing.
            await copies.AppendAsync("a", Heartbeat(100), cancellationToken, "a");
            await copies.AppendAsync("a", EpochStart(2), cancellationToken, "a");
            await copies.AppendAsync("a", JournalRecord.ForCommit(Guid.NewGuid(), Ts(90), Ts(200), 0, 2,
                [new JournalWrite(Bytes("row"), Bytes("epoch 2"))]), cancellationToken, "a");
            await copies.AppendAsync("a", JournalRecord.ForHeartbeat(Ts(240), 0, 1, durableEnd: 3), cancellationToken, "a");
            await copies.AppendAsync("a", JournalRecord.ForHeartbeat(Ts(250), 0, 2), cancellationToken, "a");
            await copies.AppendAsync("b", Heartbeat(300), cancellationToken, "a");

            // Epoch 2's heartbeat was merged (released 250), so the zombie's claim before it was read: not believed.
            await AssertHeldAsync(harness, merged, cancellationToken);

            // Epoch 2's writer says it, with a claim past its own offset (5), of which only what lies before it counts.
            await copies.AppendAsync("a", JournalRecord.ForHeartbeat(Ts(260), 0, 2, durableEnd: 9), cancellationToken, "a");
            await AssertShownAsync(harness, "epoch 2", cancellationToken);
        });
}
