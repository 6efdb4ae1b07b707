using System.Text;
using Log.Journal.Records;
using Log.Journal.Time;

namespace Log.Journal.Tests;

/// <summary>
/// Several candidates in one record of a region topic (adjudicator/README.md, "Commits batched into one record"): the
/// record kind's format, and the merge deciding the same whether a region's candidates come batched or one a record.
/// </summary>
public sealed class RegionCommitBatchTests
{
    private static readonly TimeSpan ConflictWindow = TimeSpan.FromMilliseconds(200);

    private static HybridTimestamp At(long milliseconds) => HybridTimestamp.From(milliseconds, 0);

    private static byte[] Key(string text) => Encoding.UTF8.GetBytes(text);

    private static JournalRecord Commit(long start, long commit, string write, string? check = null) =>
        JournalRecord.ForCommit(Guid.NewGuid(), At(start), At(commit), 0, 1, [new JournalWrite(Key(write), Key("v " + write))]) with
        {
            CheckKeys = check is null ? null : [Key(check)],
        };

    /// <summary>What a reader of a region topic does before its merge: the record through the codec, then unpacked.</summary>
    private static void Accept(RegionMerge merge, string region, JournalRecord record)
    {
        foreach (var candidate in RegionCommitBatch.Unpack(JournalRecordCodec.Decode(JournalRecordCodec.Encode(record))))
        {
            merge.Accept(region, candidate);
        }
    }

    private static List<(string Region, Guid Transaction, RegionOutcome Outcome, ulong Commit)> Decide(
        IReadOnlyDictionary<string, List<JournalRecord>> streams, Random random)
    {
        var merge = new RegionMerge(streams.Keys, ConflictWindow);
        var cursors = streams.Keys.ToDictionary(region => region, _ => 0);
        var decisions = new List<RegionDecision>();
        while (cursors.Any(cursor => cursor.Value < streams[cursor.Key].Count))
        {
            var open = cursors.Where(cursor => cursor.Value < streams[cursor.Key].Count).Select(cursor => cursor.Key).ToList();
            var region = open[random.Next(open.Count)];
            Accept(merge, region, streams[region][cursors[region]++]);
            merge.TakeDecisions(decisions);
        }
        return [.. decisions.Select(decision => (decision.Region, decision.Record.TransactionId, decision.Outcome, decision.Record.CommitTimestamp))];
    }

    /// <summary>A region's stream as its shard writes it with one candidate a record: candidates at ascending timestamps
    /// (random starts, some long ago, keys from a small set so that regions conflict), heartbeats between them.</summary>
    private static List<JournalRecord> UnbatchedStream(Random random, long clockOffset)
    {
        var stream = new List<JournalRecord>();
        var promised = 0L;
        var now = 1_000L + clockOffset;
        for (var step = 0; step < 150; step++)
        {
            now += random.Next(0, 3);
            var at = Math.Max(now + 10, promised + 1);
            if (random.Next(4) == 0)
            {
                stream.Add(JournalRecord.ForHeartbeat(At(at), 0, 1));
            }
            else
            {
                var start = now - (random.Next(15) == 0 ? 300 : random.Next(30));
                stream.Add(Commit(start, at, "k" + random.Next(6), random.Next(4) == 0 ? "k" + random.Next(6) : null));
            }
            promised = at;
        }
        return stream;
    }

    /// <summary>The same stream as a batching shard would write it: runs of consecutive candidates packed into batches of
    /// random sizes (a run of one stays a Commit record).</summary>
    private static List<JournalRecord> Batched(List<JournalRecord> stream, Random random)
    {
        var batched = new List<JournalRecord>();
        var run = new List<JournalRecord>();
        void Flush()
        {
            if (run.Count > 0)
            {
                batched.Add(RegionCommitBatch.Pack(run));
                run.Clear();
            }
        }
        foreach (var record in stream)
        {
            if (record.Kind != JournalRecordKind.Commit)
            {
                Flush();
                batched.Add(record);
                continue;
            }
            run.Add(record);
            if (random.Next(5) == 0)
            {
                Flush();
            }
        }
        Flush();
        return batched;
    }

    [Fact]
    public void Batched_and_unbatched_streams_give_the_same_decisions_in_any_interleaving()
    {
        var batches = 0;
        var refusedInBatches = 0;
        for (var seed = 0; seed < 200; seed++)
        {
            var random = new Random(seed);
            var unbatched = new Dictionary<string, List<JournalRecord>>
            {
                ["a"] = UnbatchedStream(random, random.Next(-5, 6)),
                ["b"] = UnbatchedStream(random, random.Next(-5, 6)),
            };
            var batched = unbatched.ToDictionary(pair => pair.Key, pair => Batched(pair.Value, random));
            var expected = Decide(unbatched, random);
            var actual = Decide(batched, random);
            Assert.Equal(expected, actual);
            Assert.Contains(expected, decision => decision.Outcome == RegionOutcome.Committed);
            batches += batched.Values.Sum(stream => stream.Count(record => record.Kind == JournalRecordKind.CommitBatch));
            var batchedTransactions = batched.Values.SelectMany(stream => stream)
                .Where(record => record.Kind == JournalRecordKind.CommitBatch)
                .SelectMany(record => record.Batch!.Select(candidate => candidate.TransactionId)).ToHashSet();
            refusedInBatches += actual.Count(decision => decision.Outcome != RegionOutcome.Committed && batchedTransactions.Contains(decision.Transaction));
        }
        // The streams exercise what they are for: batches, and candidates in them that the merge refuses.
        Assert.True(batches > 1_000, $"{batches} batches");
        Assert.True(refusedInBatches > 100, $"{refusedInBatches} refused candidates in batches");
    }

    [Fact]
    public void A_batch_whose_middle_candidate_conflicts_with_the_other_region_commits_the_rest()
    {
        var before = Commit(1_000, 1_010, "first");
        var middle = Commit(1_000, 1_020, "row");
        var after = Commit(1_005, 1_030, "last");
        var fromB = Commit(1_002, 1_015, "row");
        var merge = new RegionMerge(["a", "b"], ConflictWindow);
        Accept(merge, "a", RegionCommitBatch.Pack([before, middle, after]));
        Accept(merge, "b", fromB);
        Accept(merge, "b", JournalRecord.ForHeartbeat(At(1_040), 0, 1));
        var decisions = new List<RegionDecision>();
        merge.TakeDecisions(decisions);
        Assert.Equal(
            [("a", before.TransactionId, RegionOutcome.Committed), ("b", fromB.TransactionId, RegionOutcome.Committed),
                ("a", middle.TransactionId, RegionOutcome.Conflict), ("a", after.TransactionId, RegionOutcome.Committed)],
            decisions.Select(decision => (decision.Region, decision.Record.TransactionId, decision.Outcome)));
        Assert.Equal("row", Encoding.UTF8.GetString(decisions[2].ConflictingKey!));
        // A batch closes its last candidate's timestamp: b's heartbeat at 1,040 releases up to a's 1,030.
        Assert.Equal(At(1_030), merge.ClosedOf("a"));
        Assert.Equal(At(1_030), merge.Released);
    }

    [Fact]
    public void A_batch_round_trips_through_the_codec_and_unpacks_into_the_records_an_unbatched_shard_writes()
    {
        var first = Commit(100, 200, "a", check: "schema");
        var second = Commit(90, 210, "b");
        var batch = RegionCommitBatch.Pack([first, second]);
        Assert.Equal(JournalRecordKind.CommitBatch, batch.Kind);
        Assert.Equal(JournalRecord.RegionBatchFormatVersion, batch.FormatVersion);
        Assert.Equal((At(90), At(210), At(210), first.TransactionId), (batch.Start, batch.Commit, batch.Closed, batch.TransactionId));
        var decoded = JournalRecordCodec.Decode(JournalRecordCodec.Encode(batch));
        var unpacked = RegionCommitBatch.Unpack(decoded);
        Assert.Equal(2, unpacked.Count);
        foreach (var (original, copy) in new[] { first, second }.Zip(unpacked))
        {
            // Byte for byte the record the shard writes for the commit alone.
            Assert.Equal(JournalRecordCodec.Encode(original), JournalRecordCodec.Encode(copy));
        }
        // A commit alone is today's record, not a batch of one.
        Assert.Same(first, RegionCommitBatch.Pack([first]));
        Assert.Equal([second], RegionCommitBatch.Unpack(second));
    }

    [Fact]
    public void A_malformed_batch_is_refused_by_the_codec()
    {
        var batch = RegionCommitBatch.Pack([Commit(100, 200, "a"), Commit(100, 210, "b")]);
        var one = batch.Batch![0];
        var cases = new (JournalRecord Record, string Problem)[]
        {
            (batch with { FormatVersion = JournalRecord.RegionFormatVersion }, "no commit batches"),
            (batch with { Batch = [one] }, "fewer than two"),
            (batch with { Batch = [batch.Batch[1], one], StartTimestamp = 100 }, "ascending"),
            (batch with { ClosedTimestamp = At(300).Value }, "timestamps or transaction"),
            (batch with { Writes = [new JournalWrite(Key("x"), null)] }, "writes outside"),
            (batch with { Batch = [one with { Writes = [new JournalWrite([], null)] }, batch.Batch[1]] }, "empty key"),
            (Commit(100, 200, "a") with { Batch = batch.Batch }, "carries batched candidates"),
        };
        foreach (var (record, problem) in cases)
        {
            Assert.Contains(problem, JournalRecordCodec.Validate(record));
            Assert.Throws<ArgumentException>(() => JournalRecordCodec.Encode(record));
        }
        Assert.Throws<ArgumentException>(() => RegionCommitBatch.Pack([Commit(100, 200, "a"), Commit(100, 210, "b") with { Epoch = 2 }]));
    }

    [Fact]
    public void The_merge_takes_only_unpacked_candidates()
    {
        var merge = new RegionMerge(["a"], ConflictWindow);
        Assert.Throws<ArgumentException>(() => merge.Accept("a", RegionCommitBatch.Pack([Commit(100, 200, "a"), Commit(100, 210, "b")])));
    }
}
