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

    /// <summary>A commit batch's candidates are decided one by one, as the adjudicators decide them: its refused DDL
    /// moves nothing, its committed DDL moves the version.</summary>
    [Fact]
    public async Task Ddl_in_a_commit_batch_moves_the_version_only_for_the_candidates_the_merge_commits()
    {
        var topics = new Dictionary<string, MemoryJournal> { ["a"] = new(), ["b"] = new() };
        var changes = 0;
        await using var feed = new RegionCatalogChangeFeed(topics.ToDictionary(pair => pair.Key, pair => (IJournalReader)pair.Value),
            TimeSpan.FromMinutes(5), IsDefinition, () => Interlocked.Increment(ref changes));
        feed.Start();

        // b's DDL of t at 105 comes between a's two batched DDL candidates; a's second began before it: refused.
        await topics["b"].AppendAsync(0, Candidate(95, 105, "def:t"), CancellationToken.None);
        await topics["a"].AppendAsync(0, RegionCommitBatch.Pack([Candidate(90, 100, "def:u"), Candidate(96, 110, "def:t"),
            Candidate(97, 120, "rows:1")]), CancellationToken.None);
        await topics["b"].AppendAsync(0, JournalRecord.ForHeartbeat(At(200), 0, 1), CancellationToken.None);
        await feed.WaitThroughAsync(SnapshotAt(120), CancellationToken.None);
        Assert.Equal(2, Volatile.Read(ref changes));
        Assert.Equal(At(120), feed.Released);
    }

    /// <summary>A feed started from the position the last run kept reads the topics from there, not from their first
    /// records: it starts released at the position's timestamp, hands over every DDL decided after it (one the last run
    /// read but held undecided included), and none decided before it again.</summary>
    [Fact]
    public async Task A_feed_resumed_from_its_kept_position_sees_every_ddl_after_it_and_none_before()
    {
        var folder = Directory.CreateTempSubdirectory("region-catalog-feed-");
        try
        {
            var positionFile = Path.Combine(folder.FullName, "catalog-feed.position");
            var topics = new Dictionary<string, MemoryJournal> { ["a"] = new(), ["b"] = new() };
            IReadOnlyDictionary<string, IJournalReader> Readers() => topics.ToDictionary(pair => pair.Key, pair => (IJournalReader)pair.Value);

            var before = 0;
            await using (var first = new RegionCatalogChangeFeed(Readers(), TimeSpan.FromMinutes(5), IsDefinition,
                () => Interlocked.Increment(ref before), positionFile: positionFile, positionInterval: TimeSpan.Zero))
            {
                Assert.False(first.Resumed);
                first.Start();
                await topics["a"].AppendAsync(0, Candidate(90, 100, "def:t"), CancellationToken.None);
                await topics["a"].AppendAsync(0, JournalRecord.ForHeartbeat(At(150), 0, 1), CancellationToken.None);
                await topics["b"].AppendAsync(0, JournalRecord.ForHeartbeat(At(150), 0, 1), CancellationToken.None);
                await first.WaitThroughAsync(SnapshotAt(150), CancellationToken.None);
                // Not decided while b has closed only 150: the kept position is before it, and the resumed feed reads it again.
                await topics["a"].AppendAsync(0, Candidate(160, 170, "def:held"), CancellationToken.None);
            }
            Assert.Equal(1, Volatile.Read(ref before));
            Assert.True(File.Exists(positionFile), "a stopped feed keeps its position");

            await topics["b"].AppendAsync(0, Candidate(175, 180, "def:u"), CancellationToken.None);
            await topics["b"].AppendAsync(0, Candidate(185, 190, "rows:1"), CancellationToken.None);
            await topics["a"].AppendAsync(0, JournalRecord.ForHeartbeat(At(200), 0, 1), CancellationToken.None);
            await topics["b"].AppendAsync(0, JournalRecord.ForHeartbeat(At(200), 0, 1), CancellationToken.None);

            var after = 0;
            await using var resumed = new RegionCatalogChangeFeed(Readers(), TimeSpan.FromMinutes(5), IsDefinition,
                () => Interlocked.Increment(ref after), positionFile: positionFile, positionInterval: TimeSpan.Zero);
            Assert.True(resumed.Resumed);
            // The node's clock observes it before any snapshot: the DDL at 100 is in every catalog read after the start.
            // The kept position is the one taken with the last decision: at 150 when both regions' heartbeats at 150 were
            // fed before the DDL at 100 was decided, at 100 when b's came first (the regions' loops feed the merge in
            // either order); either way at or after the DDL and before the held one.
            Assert.True(resumed.Released >= At(100) && resumed.Released <= At(150), $"released at {resumed.Released}");
            resumed.Start();
            await resumed.WaitThroughAsync(SnapshotAt(200), CancellationToken.None);
            Assert.Equal(2, Volatile.Read(ref after));

            // The same topics read from their first records: the DDL at 100 too, and nothing else differs.
            var all = 0;
            await using var fromStart = new RegionCatalogChangeFeed(Readers(), TimeSpan.FromMinutes(5), IsDefinition,
                () => Interlocked.Increment(ref all));
            fromStart.Start();
            await fromStart.WaitThroughAsync(SnapshotAt(200), CancellationToken.None);
            Assert.Equal(3, Volatile.Read(ref all));
            Assert.Equal(Volatile.Read(ref before) + Volatile.Read(ref after), Volatile.Read(ref all));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    /// <summary>A position file that is not one (or names other regions) is no position: the topics are read from their
    /// first records, and every committed DDL is handed over.</summary>
    [Fact]
    public async Task A_feed_with_an_unreadable_position_reads_the_topics_from_their_first_records()
    {
        var folder = Directory.CreateTempSubdirectory("region-catalog-feed-");
        try
        {
            var positionFile = Path.Combine(folder.FullName, "catalog-feed.position");
            await File.WriteAllBytesAsync(positionFile, [1, 0, 0, 0, 7]);
            var topics = new Dictionary<string, MemoryJournal> { ["a"] = new(), ["b"] = new() };
            await topics["a"].AppendAsync(0, Candidate(90, 100, "def:t"), CancellationToken.None);
            await topics["a"].AppendAsync(0, JournalRecord.ForHeartbeat(At(150), 0, 1), CancellationToken.None);
            await topics["b"].AppendAsync(0, JournalRecord.ForHeartbeat(At(150), 0, 1), CancellationToken.None);
            var changes = 0;
            await using var feed = new RegionCatalogChangeFeed(topics.ToDictionary(pair => pair.Key, pair => (IJournalReader)pair.Value),
                TimeSpan.FromMinutes(5), IsDefinition, () => Interlocked.Increment(ref changes), positionFile: positionFile,
                positionInterval: TimeSpan.Zero);

            Assert.False(feed.Resumed);
            feed.Start();
            await feed.WaitThroughAsync(SnapshotAt(150), CancellationToken.None);
            Assert.Equal(1, Volatile.Read(ref changes));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
