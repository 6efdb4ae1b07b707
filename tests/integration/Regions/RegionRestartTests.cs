using Log.Adjudicator;
using Log.Journal.Client;
using Log.Journal.Records;
using Log.Journal.Time;

namespace Log.Integration.Tests.Regions;

/// <summary>
/// A region's adjudicator restarted after a crash, without a seal (adjudicator/README.md, "Restart"), when its earlier
/// life left a record on one copy of its topic only: the new life brings the three copies to the same records before
/// its EpochStart, so every region's merge reads one stream, decides that record the same way, and commits go on.
/// </summary>
public sealed class RegionRestartTests
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromMinutes(3);

    /// <param name="holder">The one region whose copy of a's topic got the earlier life's last record: a's own (its
    /// journal answers first), b's (which b's merge reads, and decides, before a is back) or the witness's.</param>
    [Theory]
    [InlineData("a")]
    [InlineData("b")]
    [InlineData("w")]
    public async Task A_record_an_earlier_life_left_on_one_copy_is_committed_in_every_region_or_in_none_and_commits_go_on(string holder)
    {
        using var timeout = new CancellationTokenSource(TestTimeout);
        await using var cluster = await TwoRegionsAndWitness.StartAsync(timeout.Token);
        var (a, b) = (cluster.Regions["a"], cluster.Regions["b"]);
        Assert.Equal(CommitOutcome.Committed,
            (await a.Adjudicator.CommitAsync(new CommitRequest(Guid.NewGuid(), a.Clock.Now(), [RegionCompositionTests.Write("row", "acknowledged")], []), timeout.Token)).Outcome);
        Assert.Equal(CommitOutcome.Committed,
            (await b.Adjudicator.CommitAsync(new CommitRequest(Guid.NewGuid(), b.Clock.Now(), [RegionCompositionTests.Write("b's row", "acknowledged")], []), timeout.Token)).Outcome);

        await cluster.CrashAdjudicatorAsync("a");
        // The crashed life's last candidate, above every promise it made, reached one copy only: never acknowledged.
        var promised = (await TwoRegionsAndWitness.RecordsOfAsync(cluster.CopyOf(holder, "a"), timeout.Token))
            .Max(record => Math.Max(record.CommitTimestamp, record.ClosedTimestamp));
        var start = new HybridTimestamp(promised);
        var unacknowledged = JournalRecord.ForCommit(Guid.NewGuid(), start, HybridTimestamp.From(start.PhysicalMilliseconds + 1, 0), 0, 1,
            [RegionCompositionTests.Write("row", "unacknowledged")]);
        await cluster.CopyOf(holder, "a").AppendAsync(0, unacknowledged, timeout.Token);
        var ends = new[] { "a", "b", "w" }.Select(copy => cluster.CopyOf(copy, "a").EndOffset(0)).ToList();
        Assert.Equal(2, ends.Distinct().Count());

        await cluster.RestartAdjudicatorAsync("a", epoch: 2, timeout.Token);
        a = cluster.Regions["a"];

        // Commits go on in both regions, the restarted one included, and the new life's records follow the same ones
        // on every copy.
        Assert.Equal(CommitOutcome.Committed,
            (await a.Adjudicator.CommitAsync(new CommitRequest(Guid.NewGuid(), a.Clock.Now(), [RegionCompositionTests.Write("after", "from a")], []), timeout.Token)).Outcome);
        Assert.Equal(CommitOutcome.Committed,
            (await b.Adjudicator.CommitAsync(new CommitRequest(Guid.NewGuid(), b.Clock.Now(), [RegionCompositionTests.Write("after b", "from b")], []), timeout.Token)).Outcome);
        var local = (await TwoRegionsAndWitness.RecordsOfAsync(cluster.CopyOf("a", "a"), timeout.Token)).Select(JournalRecordCodec.Encode).ToList();
        foreach (var copy in new[] { "b", "w" })
        {
            var other = (await TwoRegionsAndWitness.RecordsOfAsync(cluster.CopyOf(copy, "a"), timeout.Token)).Select(JournalRecordCodec.Encode).ToList();
            var common = Math.Min(local.Count, other.Count);
            Assert.True(common > ends.Max(), $"copy {copy} of a's topic does not hold the new life's records");
            for (var offset = 0; offset < common; offset++)
            {
                Assert.True(local[offset].AsSpan().SequenceEqual(other[offset]), $"copy {copy} of a's topic differs from a's own at offset {offset}");
            }
        }
        var records = await TwoRegionsAndWitness.RecordsOfAsync(cluster.CopyOf("a", "a"), timeout.Token);
        Assert.Contains(records, record => record.TransactionId == unacknowledged.TransactionId);
        Assert.Contains(records, record => record is { Kind: JournalRecordKind.EpochStart, Epoch: 2 });

        // Kept on every copy, so decided by every region's merge alike: here committed (nothing wrote the row in between).
        var end = HybridTimestamp.Max(a.Clock.Now(), b.Clock.Now());
        Assert.Equal("unacknowledged", await RegionCompositionTests.ReadAsync(a, "row", end, timeout.Token));
        Assert.Equal("unacknowledged", await RegionCompositionTests.ReadAsync(b, "row", end, timeout.Token));
        foreach (var region in new[] { a, b })
        {
            Assert.Equal("from a", await RegionCompositionTests.ReadAsync(region, "after", end, timeout.Token));
            Assert.Equal("from b", await RegionCompositionTests.ReadAsync(region, "after b", end, timeout.Token));
            Assert.Equal("acknowledged", await RegionCompositionTests.ReadAsync(region, "b's row", end, timeout.Token));
        }
    }

    [Fact]
    public async Task A_commit_whose_append_failed_after_it_reached_this_regions_copy_is_answered_the_refusal_its_merge_decides()
    {
        using var timeout = new CancellationTokenSource(TestTimeout);
        await using var cluster = await TwoRegionsAndWitness.StartAsync(timeout.Token);
        var a = cluster.Regions["a"];
        // A snapshot taken before the earlier life's commit of the row: a writer of it from there must be refused.
        var before = a.Clock.Now();
        Assert.Equal(CommitOutcome.Committed,
            (await a.Adjudicator.CommitAsync(new CommitRequest(Guid.NewGuid(), a.Clock.Now(), [RegionCompositionTests.Write("row", "earlier life")], []), timeout.Token)).Outcome);
        await cluster.CrashAdjudicatorAsync("a");
        // The new life knows nothing of the earlier one's commits but through its merge: its local check lets the
        // stale writer through, and only the merge refuses it.
        var failing = new List<FailingWriter>();
        await cluster.RestartAdjudicatorAsync("a", epoch: 2, timeout.Token, (holder, journal) =>
        {
            if (holder == "a")
            {
                return journal;
            }
            var writer = new FailingWriter(journal);
            failing.Add(writer);
            return writer;
        });
        a = cluster.Regions["a"];
        var stale = Guid.NewGuid();
        foreach (var writer in failing)
        {
            writer.Fails = stale;
        }

        // Its record reaches a's own copy only; both other copies fail it, so the quorum is lost and the append fails
        // with the record maybe written.
        var result = await a.Adjudicator.CommitAsync(new CommitRequest(stale, before, [RegionCompositionTests.Write("row", "stale")], []), timeout.Token);

        Assert.Equal(CommitOutcome.DataConflict, result.Outcome);
        Assert.Contains(await TwoRegionsAndWitness.RecordsOfAsync(cluster.CopyOf("a", "a"), timeout.Token), record => record.TransactionId == stale);
        Assert.All(failing, writer => Assert.Equal(1, writer.Failed));
        var end = HybridTimestamp.Max(a.Clock.Now(), cluster.Regions["b"].Clock.Now());
        Assert.Equal("earlier life", await RegionCompositionTests.ReadAsync(cluster.Regions["b"], "row", end, timeout.Token));
    }

    /// <summary>A copy's writer that fails the append of one transaction's record (<see cref="Fails"/>) as a journal that
    /// stopped answering does (the record may have been written), and passes every other (heartbeats go on); the copy is
    /// then faulted, and taken again through its journal.</summary>
    private sealed class FailingWriter(IJournalWriter journal) : IJournalWriter
    {
        private int failed;

        public Guid? Fails { get; set; }

        public int Failed => Volatile.Read(ref failed);

        public Task<long> AppendAsync(int partition, JournalRecord record, CancellationToken cancellationToken) =>
            journal.AppendAsync(partition, record, cancellationToken);

        public void Append(int partition, JournalRecord record, Action<long, Exception?> onDone)
        {
            if (record.TransactionId == Fails)
            {
                Interlocked.Increment(ref failed);
                onDone(-1, new JournalAppendException("the journal did not answer in time", mayHaveBeenWritten: true, isTransient: true));
                return;
            }
            journal.Append(partition, record, onDone);
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
