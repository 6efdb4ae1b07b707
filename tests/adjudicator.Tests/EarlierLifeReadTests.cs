using Log.Journal.Client;
using Log.Journal.Time;

namespace Log.Adjudicator.Tests;

/// <summary>
/// A restarted shard reads earlier lives' decisions only from the recent part of its partition, and still answers a
/// retry of a recent commit and a decide of an old cross-shard transaction the way its earlier life decided them.
/// </summary>
public sealed class EarlierLifeReadTests
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(30);

    private const int OldCommits = 2_000;

    private static AdjudicatorOptions QuietOptions() => new() { HeartbeatInterval = TimeSpan.FromHours(1) };

    private static async Task<AdjudicatorShard> StartAsync(IJournalWriter writer, IJournalReader reader, HybridClock clock)
    {
        var shard = new AdjudicatorShard(QuietOptions(), writer, reader, clock);
        using var timeout = new CancellationTokenSource(TestTimeout);
        await shard.StartAsync(timeout.Token);
        return shard;
    }

    private static async Task CommitOldAsync(AdjudicatorShard shard, HybridClock clock)
    {
        for (var index = 0; index < OldCommits; index++)
        {
            var old = await shard.CommitAsync(Keys.Request(clock.Now(), $"old-{index}"), CancellationToken.None).WaitAsync(TestTimeout);
            Assert.Equal(CommitOutcome.Committed, old.Outcome);
        }
    }

    [Fact]
    public async Task A_retry_across_a_restart_is_answered_from_the_recent_part_of_a_long_partition_without_reading_the_rest()
    {
        var journal = new MemoryJournal();
        var time = new ManualTimeProvider(DateTimeOffset.UtcNow);
        var clock = new HybridClock(time);
        var oldRequest = Keys.Request(clock.Now(), "first");
        CommitRequest recentRequest;
        CommitResult oldResult, recentResult;
        long lastOldOffset;
        await using (var first = await StartAsync(journal, journal, clock))
        {
            oldResult = await first.CommitAsync(oldRequest, CancellationToken.None).WaitAsync(TestTimeout);
            await CommitOldAsync(first, clock);
            lastOldOffset = journal.EndOffset(0) - 1;
            // Far beyond the conflict window (and the margin the read keeps below it).
            time.Advance(TimeSpan.FromMinutes(30));
            recentRequest = Keys.Request(clock.Now(), "recent");
            recentResult = await first.CommitAsync(recentRequest, CancellationToken.None).WaitAsync(TestTimeout);
            for (var index = 0; index < 20; index++)
            {
                await first.CommitAsync(Keys.Request(clock.Now(), $"recent-{index}"), CancellationToken.None).WaitAsync(TestTimeout);
            }
        }
        Assert.Equal(CommitOutcome.Committed, recentResult.Outcome);

        var counting = new CountingJournalReader(journal);
        await using var restarted = await StartAsync(journal, counting, new HybridClock(time));
        var retried = await restarted.CommitAsync(recentRequest, CancellationToken.None).WaitAsync(TestTimeout);
        var oldRetried = await restarted.CommitAsync(oldRequest, CancellationToken.None).WaitAsync(TestTimeout);

        Assert.Equal(recentResult, retried);
        // Below the window's horizon: refused as too old, as a full read would have answered (never committed again).
        Assert.Equal(CommitOutcome.Committed, oldResult.Outcome);
        Assert.Equal(CommitOutcome.TooOld, oldRetried.Outcome);
        Assert.InRange(restarted.EarlierOutcomesFromOffset, lastOldOffset - 256, lastOldOffset);
        // The tail, the search's probes and the recent part: a small fraction of the old part.
        Assert.True(counting.RecordsRead < OldCommits / 4, $"the restart read {counting.RecordsRead} records");
    }

    [Fact]
    public async Task A_restarted_coordinator_answers_a_decide_with_a_decision_older_than_what_the_start_read()
    {
        var journal = new MemoryJournal();
        var time = new ManualTimeProvider(DateTimeOffset.UtcNow);
        var clock = new HybridClock(time);
        var decidedId = Guid.NewGuid();
        CommitResult decision;
        await using (var first = await StartAsync(journal, journal, clock))
        {
            var prepared = await first.PrepareAsync(new PrepareRequest(decidedId, clock.Now(), [Keys.Write("a")], [], [0, 1]),
                CancellationToken.None).WaitAsync(TestTimeout);
            Assert.Equal(CommitOutcome.Committed, prepared.Outcome);
            decision = await first.DecideAsync(new DecideRequest(decidedId, prepared.CommitTimestamp, [0, 1]), CancellationToken.None)
                .WaitAsync(TestTimeout);
            Assert.Equal(CommitOutcome.Committed, decision.Outcome);
            await CommitOldAsync(first, clock);
            time.Advance(TimeSpan.FromMinutes(30));
            await first.CommitAsync(Keys.Request(clock.Now(), "recent"), CancellationToken.None).WaitAsync(TestTimeout);
        }

        var counting = new CountingJournalReader(journal);
        await using var restarted = await StartAsync(journal, counting, new HybridClock(time));
        // A participant that held its prepare all this time asks to abort: the coordinator's first decision stands.
        var answered = await restarted.DecideAsync(new DecideRequest(decidedId, HybridTimestamp.Zero, [0, 1]), CancellationToken.None)
            .WaitAsync(TestTimeout);
        // A transaction the earlier lives never decided is decided now, as before.
        var undecidedId = Guid.NewGuid();
        var aborted = await restarted.DecideAsync(new DecideRequest(undecidedId, HybridTimestamp.Zero, [0, 1]), CancellationToken.None)
            .WaitAsync(TestTimeout);

        Assert.True(restarted.EarlierOutcomesFromOffset > decision.JournalOffset,
            $"the bounded read began at {restarted.EarlierOutcomesFromOffset}, the decision is at {decision.JournalOffset}");
        Assert.Equal(CommitOutcome.Committed, answered.Outcome);
        Assert.Equal(decision.CommitTimestamp, answered.CommitTimestamp);
        Assert.Equal(CommitOutcome.NotCommitted, aborted.Outcome);
        Assert.Equal(1, (await Keys.ReadAllAsync(journal, 0)).Count(entry =>
            entry.Record.Kind == Log.Journal.Records.JournalRecordKind.Decision && entry.Record.TransactionId == decidedId));
    }

    /// <summary>Passes reads through to a journal and counts the records it hands out.</summary>
    private sealed class CountingJournalReader(IJournalReader inner) : IJournalReader
    {
        private long recordsRead;

        public long RecordsRead => Interlocked.Read(ref recordsRead);

        public async IAsyncEnumerable<JournalEntry> ReadAsync(int partition, long fromOffset,
            [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await foreach (var entry in inner.ReadAsync(partition, fromOffset, cancellationToken).ConfigureAwait(false))
            {
                Interlocked.Increment(ref recordsRead);
                yield return entry;
            }
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
