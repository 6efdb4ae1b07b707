using System.Text;
using Log.Journal.Client;
using Log.Journal.Records;
using Log.Journal.Time;
using Log.QueryNode.Execution;
using Log.StorageNode;

namespace Log.QueryNode.Tests.Execution;

/// <summary>The catalog feed of a multi-region query node: DDL of either region's topic moves the version, once the
/// merge decided it committed, before a snapshot above it is released; refused candidates and data writes move nothing.</summary>
public sealed class RegionCatalogChangeFeedTests
{
    private static HybridTimestamp At(long milliseconds) => HybridTimestamp.From(milliseconds, 0);

    private static bool IsDefinition(byte[] key) => key.AsSpan().StartsWith("def:"u8);

    private static JournalRecord Candidate(long start, long commit, string key) =>
        JournalRecord.ForCommit(Guid.NewGuid(), At(start), At(commit), 0, 1, [new JournalWrite(Encoding.UTF8.GetBytes(key), [1])]);

    private static Snapshot SnapshotAt(long milliseconds) => new(ReadPoint.Unfenced(At(milliseconds)), 0);

    [Fact]
    public async Task Ddl_of_either_region_moves_the_version_before_a_snapshot_above_it_is_released_and_refused_ddl_does_not()
    {
        var topics = new Dictionary<string, MemoryJournal> { ["a"] = new(), ["b"] = new() };
        var changes = 0;
        await using var feed = new RegionCatalogChangeFeed(topics.ToDictionary(pair => pair.Key, pair => (IJournalReader)pair.Value),
            TimeSpan.FromMinutes(5), IsDefinition, () => Interlocked.Increment(ref changes));
        feed.Start();

        // a's DDL at 100 is not decided while b has closed only 80: a snapshot at 100 waits, and the version has not moved.
        await topics["a"].AppendAsync(0, Candidate(90, 100, "def:t"), CancellationToken.None);
        await topics["b"].AppendAsync(0, JournalRecord.ForHeartbeat(At(80), 0, 1), CancellationToken.None);
        var waiting = feed.WaitThroughAsync(SnapshotAt(100), CancellationToken.None);
        await feed.WaitThroughAsync(SnapshotAt(80), CancellationToken.None);
        Assert.False(waiting.IsCompleted);
        Assert.Equal(0, Volatile.Read(ref changes));

        // b's DDL at 120 began at 95, before a's commit at 100 on the same key: the merge refuses it.
        await topics["b"].AppendAsync(0, Candidate(95, 120, "def:t"), CancellationToken.None);
        await waiting;
        Assert.Equal(1, Volatile.Read(ref changes));

        // A data write moves nothing; b's DDL that began after a's commit is committed and moves it once more.
        await topics["a"].AppendAsync(0, Candidate(130, 140, "rows:1"), CancellationToken.None);
        await topics["b"].AppendAsync(0, Candidate(145, 150, "def:t"), CancellationToken.None);
        await topics["a"].AppendAsync(0, JournalRecord.ForHeartbeat(At(200), 0, 1), CancellationToken.None);
        await topics["b"].AppendAsync(0, JournalRecord.ForHeartbeat(At(200), 0, 1), CancellationToken.None);
        await feed.WaitThroughAsync(SnapshotAt(200), CancellationToken.None);
        Assert.Equal(2, Volatile.Read(ref changes));
        Assert.Equal(At(200), feed.Released);
    }
}
