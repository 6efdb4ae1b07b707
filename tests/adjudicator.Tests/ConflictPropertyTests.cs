using Log.Journal.Client;
using Log.Journal.Records;
using Log.Journal.Time;

namespace Log.Adjudicator.Tests;

/// <summary>
/// Random transactions against the shard, checked against the simplest possible model of
/// snapshot isolation's write-write rule: a list of every commit, scanned in full.
/// </summary>
public sealed class ConflictPropertyTests
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(20);
    private static readonly string[] DataKeys = ["k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7"];
    private static readonly string[] SchemaKeys = ["schema 0", "schema 1"];

    private sealed record ModelCommit(HybridTimestamp Commit, HashSet<string> Keys);

    private static CommitRequest RandomRequest(Random random, HybridTimestamp start)
    {
        var writes = Enumerable.Range(0, random.Next(0, 4))
            .Select(_ => random.Next(10) == 0 ? SchemaKeys[random.Next(SchemaKeys.Length)] : DataKeys[random.Next(DataKeys.Length)])
            .Distinct()
            .Select(key => Keys.Write(key, random.Next(4) == 0 ? null : "value"))
            .ToList();
        var checks = Enumerable.Range(0, random.Next(0, 3))
            .Select(_ => random.Next(2) == 0
                ? new ConflictCheck(Keys.Of(SchemaKeys[random.Next(SchemaKeys.Length)]), ConflictCheckKind.Schema)
                : new ConflictCheck(Keys.Of(DataKeys[random.Next(DataKeys.Length)]), ConflictCheckKind.Data))
            .ToList();
        return new CommitRequest(Guid.NewGuid(), start, writes, checks);
    }

    private static string Text(byte[] key) => System.Text.Encoding.UTF8.GetString(key);

    /// <summary>The model's verdict: the first key, in the order the contract gives (schema
    /// checks, then writes, then data checks), committed by anyone after the start.</summary>
    private static (CommitOutcome Outcome, string? Key) Expected(List<ModelCommit> history, CommitRequest request)
    {
        bool ChangedAfterStart(string key) => history.Any(commit => commit.Commit > request.StartTimestamp && commit.Keys.Contains(key));

        foreach (var check in request.Checks.Where(check => check.Kind == ConflictCheckKind.Schema))
        {
            if (ChangedAfterStart(Text(check.Key)))
            {
                return (CommitOutcome.SchemaConflict, Text(check.Key));
            }
        }
        foreach (var key in request.Writes.Select(write => Text(write.Key))
            .Concat(request.Checks.Where(check => check.Kind == ConflictCheckKind.Data).Select(check => Text(check.Key))))
        {
            if (ChangedAfterStart(key))
            {
                return (CommitOutcome.DataConflict, key);
            }
        }
        return (CommitOutcome.Committed, null);
    }

    private static HybridTimestamp RandomStart(Random random, HybridClock clock, List<ModelCommit> history)
    {
        if (history.Count == 0 || random.Next(3) == 0)
        {
            return clock.Now();
        }
        var commit = history[random.Next(Math.Max(0, history.Count - 10), history.Count)].Commit;
        return random.Next(2) == 0 ? commit : new HybridTimestamp(commit.Value - 1);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public async Task Sequential_commits_match_the_reference_model(int seed)
    {
        var random = new Random(seed);
        var journal = new MemoryJournal();
        var clock = new HybridClock();
        var options = new AdjudicatorOptions { HeartbeatInterval = TimeSpan.FromMilliseconds(5), TrimEveryCommits = 7 };
        var history = new List<ModelCommit>();
        var outcomes = new Dictionary<CommitOutcome, int>();
        await using (var shard = new AdjudicatorShard(options, journal, journal, clock))
        {
            await shard.StartAsync(CancellationToken.None);
            for (var step = 0; step < 400; step++)
            {
                var request = RandomRequest(random, RandomStart(random, clock, history));
                var expected = Expected(history, request);

                var result = await shard.CommitAsync(request, CancellationToken.None).WaitAsync(TestTimeout);

                Assert.Equal(expected.Outcome, result.Outcome);
                Assert.Equal(expected.Key, result.ConflictingKey is null ? null : Text(result.ConflictingKey));
                outcomes[result.Outcome] = outcomes.GetValueOrDefault(result.Outcome) + 1;
                if (result.Outcome == CommitOutcome.Committed)
                {
                    Assert.True(result.CommitTimestamp > request.StartTimestamp);
                    history.Add(new ModelCommit(result.CommitTimestamp, [.. request.Writes.Select(write => Text(write.Key))]));
                }
            }
        }

        // The generator must exercise every path, or the comparison proves little.
        Assert.True(outcomes.GetValueOrDefault(CommitOutcome.Committed) > 20);
        Assert.True(outcomes.GetValueOrDefault(CommitOutcome.DataConflict) > 20);
        Assert.True(outcomes.GetValueOrDefault(CommitOutcome.SchemaConflict) > 0);
        var journalCommits = (await Keys.ReadAllAsync(journal, 0))
            .Where(entry => entry.Record.Kind == JournalRecordKind.Commit)
            .Select(entry => entry.Record)
            .ToList();
        Assert.Equal(history.Select(commit => commit.Commit), journalCommits.Select(record => record.Commit));
    }

    [Theory]
    [InlineData(11)]
    [InlineData(12)]
    public async Task Concurrent_commits_are_consistent_with_the_journal_order(int seed)
    {
        var random = new Random(seed);
        var journal = new MemoryJournal();
        var gated = new GatedJournalWriter(journal);
        var clock = new HybridClock();
        var options = new AdjudicatorOptions { HeartbeatInterval = TimeSpan.FromMilliseconds(3), MaxAppendsInFlight = 4 };
        var requests = new List<(CommitRequest Request, Task<CommitResult> Result)>();
        await using (var shard = new AdjudicatorShard(options, gated, journal, clock))
        {
            await shard.StartAsync(CancellationToken.None);
            for (var round = 0; round < 30; round++)
            {
                // Half the rounds hold acknowledgements back, so requests meet appends in flight.
                if (round % 2 == 0)
                {
                    gated.Close();
                }
                var start = clock.Now();
                var batch = Enumerable.Range(0, 8)
                    .Select(_ => RandomRequest(random, random.Next(3) == 0 ? clock.Now() : start))
                    .ToList();
                var fences = new List<(HybridTimestamp Timestamp, Task<ReadFence> Fence)>();
                var pending = batch.Select(request => Task.Run(() => shard.CommitAsync(request, CancellationToken.None))).ToList();
                var closeAt = clock.Now();
                fences.Add((closeAt, shard.CloseTimestampAsync(closeAt, CancellationToken.None)));
                await Task.Delay(1);
                gated.Open();
                // A closed gate may have been re-filled meanwhile; keep opening until all are done.
                var all = Task.WhenAll(pending.Concat<Task>(fences.Select(fence => fence.Fence)));
                while (!all.IsCompleted)
                {
                    gated.Open();
                    await Task.WhenAny(all, Task.Delay(5));
                }
                await all.WaitAsync(TestTimeout);
                requests.AddRange(batch.Zip(pending));

                foreach (var (timestamp, fence) in fences)
                {
                    var endOffset = (await fence).EndOffset;
                    foreach (var (request, result) in batch.Zip(pending))
                    {
                        var outcome = await result;
                        if (outcome.Outcome == CommitOutcome.Committed && outcome.CommitTimestamp <= timestamp)
                        {
                            Assert.True(outcome.JournalOffset < endOffset, "a commit at or below a closed timestamp lies beyond its fence");
                        }
                    }
                }
            }
        }

        var entries = await Keys.ReadAllAsync(journal, 0);
        var committed = new Dictionary<Guid, JournalRecord>();
        var previous = HybridTimestamp.Zero;
        foreach (var entry in entries.Where(entry => entry.Record.Kind != JournalRecordKind.EpochStart))
        {
            Assert.True(entry.Record.Closed > previous, $"timestamps go backwards at offset {entry.Offset}");
            previous = entry.Record.Closed;
            if (entry.Record.Kind == JournalRecordKind.Commit)
            {
                committed.Add(entry.Record.TransactionId, entry.Record);
            }
        }
        var commitCount = 0;
        var conflictCount = 0;
        foreach (var (request, task) in requests)
        {
            var result = await task;
            if (result.Outcome == CommitOutcome.Committed)
            {
                commitCount++;
                var record = committed[request.TransactionId];
                Assert.Equal(result.CommitTimestamp, record.Commit);
                Assert.Equal(result.JournalOffset, entries.Single(entry => entry.Record.TransactionId == request.TransactionId).Offset);
                // Snapshot isolation: nobody else committed one of its keys between its start and its commit.
                var keys = request.Writes.Select(write => Text(write.Key))
                    .Concat(request.Checks.Select(check => Text(check.Key)))
                    .ToHashSet();
                var overlapping = committed.Values.Where(other => other.TransactionId != request.TransactionId
                    && other.Commit > request.StartTimestamp && other.Commit < record.Commit
                    && other.Writes.Any(write => keys.Contains(Text(write.Key))));
                Assert.Empty(overlapping);
            }
            else
            {
                conflictCount++;
                Assert.NotEqual(CommitOutcome.TooOld, result.Outcome);
                Assert.DoesNotContain(request.TransactionId, committed.Keys);
                // No false conflicts: someone really committed the key after the start.
                var key = Text(result.ConflictingKey!);
                Assert.Contains(committed.Values, other => other.Commit > request.StartTimestamp
                    && other.Writes.Any(write => Text(write.Key) == key));
            }
        }
        Assert.True(commitCount > 20);
        Assert.True(conflictCount > 20);
    }
}
