using Log.Journal.Client;
using Log.Journal.Records;
using Log.Journal.Time;
using static Log.StorageNode.Tests.StorageNodeHarness;

namespace Log.StorageNode.Tests;

/// <summary>A replica of two partitions (two adjudicator shards): its resolved timestamp is the minimum over
/// partitions, held below undecided cross-shard prepares, and a cross-shard transaction shows whole or not at all.</summary>
public sealed class MultiPartitionTests
{
    private static readonly int[] BothShards = [0, 1];

    private static Task<StorageNodeHarness> StartTwoPartitionsAsync() =>
        StorageNodeHarness.StartAsync(configure: options => options with { PartitionCount = 2, CheckpointsEnabled = false });

    private static JournalRecord CommitOn(int shard, ulong commit, string key, string value) =>
        JournalRecord.ForCommit(Guid.NewGuid(), Ts(commit - 1), Ts(commit), shard, 1, [new JournalWrite(Bytes(key), Bytes(value))]);

    private static JournalRecord HeartbeatOn(int shard, ulong closed) => JournalRecord.ForHeartbeat(Ts(closed), shard, 1);

    private static JournalRecord PrepareOn(int shard, Guid transaction, ulong proposed, string key, string value) =>
        JournalRecord.ForPrepare(transaction, Ts(1), Ts(proposed), shard, 1, [new JournalWrite(Bytes(key), Bytes(value))], BothShards);

    private static JournalRecord DecisionOn(int shard, Guid transaction, ulong commit, ulong closed) =>
        JournalRecord.ForDecision(transaction, Ts(commit), Ts(closed), shard, 1, BothShards);

    private static async Task<long[]> AppendAsync(StorageNodeHarness harness, params (int Partition, JournalRecord Record)[] records)
    {
        var ends = new long[2];
        foreach (var (partition, record) in records)
        {
            ends[partition] = await harness.MemoryJournal.AppendAsync(partition, record, CancellationToken.None) + 1;
        }
        return ends;
    }

    private static async Task WaitForAsync(StorageNodeHarness harness, long[] ends) =>
        await harness.Node.WaitForOffsetsAsync(ends, CancellationToken.None).WaitAsync(TestTimeout);

    [Fact]
    public async Task The_resolved_timestamp_is_the_lowest_partitions()
    {
        await using var harness = await StartTwoPartitionsAsync();
        await WaitForAsync(harness, await AppendAsync(harness, (0, CommitOn(0, 50, "a", "x")), (1, HeartbeatOn(1, 30))));
        Assert.Equal(Ts(30), harness.Node.ResolvedTimestamp);

        await WaitForAsync(harness, await AppendAsync(harness, (0, CommitOn(0, 50, "a", "x")), (1, HeartbeatOn(1, 80))));
        Assert.Equal(Ts(50), harness.Node.ResolvedTimestamp);
        Assert.Equal("x", await harness.GetAsync("a", 50));
    }

    [Fact]
    public async Task An_undecided_prepare_holds_its_partition_below_its_proposal_and_shows_nothing()
    {
        await using var harness = await StartTwoPartitionsAsync();
        var transaction = Guid.NewGuid();
        var ends = await AppendAsync(harness,
            (0, PrepareOn(0, transaction, 40, "a", "moved")),
            (1, PrepareOn(1, transaction, 45, "b", "moved")),
            (0, HeartbeatOn(0, 100)),
            (1, HeartbeatOn(1, 100)));
        await WaitForAsync(harness, ends);
        Assert.Equal(Ts(39), harness.Node.ResolvedTimestamp);

        // The coordinator's decision commits it at 60 in both partitions at once.
        ends = await AppendAsync(harness, (0, DecisionOn(0, transaction, 60, 110)), (1, HeartbeatOn(1, 120)));
        await WaitForAsync(harness, [ends[0], ends[1]]);
        Assert.Equal(Ts(110), harness.Node.ResolvedTimestamp);
        Assert.Null(await harness.GetAsync("a", 59));
        Assert.Null(await harness.GetAsync("b", 59));
        Assert.Equal("moved", await harness.GetAsync("a", 60));
        Assert.Equal("moved", await harness.GetAsync("b", 60));
    }

    [Fact]
    public async Task A_decision_read_before_a_lagging_partitions_prepare_applies_it_when_it_comes()
    {
        await using var harness = await StartTwoPartitionsAsync();
        var transaction = Guid.NewGuid();
        var ends = await AppendAsync(harness,
            (0, PrepareOn(0, transaction, 40, "a", "one")),
            (0, DecisionOn(0, transaction, 60, 60)),
            (1, HeartbeatOn(1, 20)));
        await WaitForAsync(harness, ends);
        // Partition 1 may still deliver the other part at or below 60: nothing at 60 is served yet.
        Assert.Equal(Ts(20), harness.Node.ResolvedTimestamp);
        Assert.False(harness.Node.IsReadyFor(ReadPoint.Unfenced(Ts(60))));

        var partitionZeroEnd = ends[0];
        ends = await AppendAsync(harness, (1, PrepareOn(1, transaction, 50, "b", "two")), (1, DecisionOn(1, transaction, 60, 70)));
        await WaitForAsync(harness, [partitionZeroEnd, ends[1]]);
        Assert.Equal("one", await harness.GetAsync("a", 60));
        Assert.Equal(Ts(60), harness.Node.ResolvedTimestamp);
        Assert.Equal("two", await harness.GetAsync("b", 60));
    }

    [Fact]
    public async Task An_abort_applies_nothing_and_releases_the_hold()
    {
        await using var harness = await StartTwoPartitionsAsync();
        var transaction = Guid.NewGuid();
        var ends = await AppendAsync(harness,
            (0, PrepareOn(0, transaction, 40, "a", "never")),
            (1, PrepareOn(1, transaction, 45, "b", "never")),
            (0, DecisionOn(0, transaction, 0, 90)),
            (1, HeartbeatOn(1, 90)));
        await WaitForAsync(harness, ends);
        Assert.Equal(Ts(90), harness.Node.ResolvedTimestamp);
        Assert.Null(await harness.GetAsync("a", 90));
        Assert.Null(await harness.GetAsync("b", 90));
    }

    [Fact]
    public async Task Each_partition_fences_by_its_own_writers_epochs()
    {
        await using var harness = await StartTwoPartitionsAsync();
        // Shard 1 started later than shard 0, so its epoch is higher; shard 0's records are still its partition's current
        // writer's and must apply, while a record of an older writer of partition 1 after shard 1's start is ignored.
        var ends = await AppendAsync(harness,
            (0, EpochStartOn(10)),
            (1, EpochStartOn(20)),
            (0, JournalRecord.ForCommit(Guid.NewGuid(), Ts(40), Ts(50), 0, 10, [new JournalWrite(Bytes("a"), Bytes("from-shard-0"))])),
            (1, JournalRecord.ForCommit(Guid.NewGuid(), Ts(40), Ts(55), 1, 5, [new JournalWrite(Bytes("b"), Bytes("from-a-fenced-writer"))])),
            (1, JournalRecord.ForHeartbeat(Ts(60), 1, 20)),
            (0, JournalRecord.ForHeartbeat(Ts(60), 0, 10)));
        await WaitForAsync(harness, ends);
        Assert.Equal("from-shard-0", await harness.GetAsync("a", 60));
        Assert.Null(await harness.GetAsync("b", 60));
    }

    private static JournalRecord EpochStartOn(long epoch) => new() { Kind = JournalRecordKind.EpochStart, TransactionId = Guid.NewGuid(), Epoch = epoch };
}
