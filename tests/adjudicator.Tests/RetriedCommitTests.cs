using Log.Journal.Client;
using Log.Journal.Records;
using Log.Journal.Time;

namespace Log.Adjudicator.Tests;

/// <summary>A commit sent again with the same transaction id gets the first decision and never commits twice.</summary>
public sealed class RetriedCommitTests
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(10);

    private static AdjudicatorOptions QuietOptions() => new() { HeartbeatInterval = TimeSpan.FromHours(1) };

    private static async Task<AdjudicatorShard> StartAsync(AdjudicatorOptions options, IJournalWriter writer, MemoryJournal journal, HybridClock clock)
    {
        var shard = new AdjudicatorShard(options, writer, journal, clock);
        using var timeout = new CancellationTokenSource(TestTimeout);
        await shard.StartAsync(timeout.Token);
        return shard;
    }

    private static async Task<int> CommitRecordsAsync(MemoryJournal journal, Guid transactionId) =>
        (await Keys.ReadAllAsync(journal, 0)).Count(entry =>
            entry.Record.Kind == JournalRecordKind.Commit && entry.Record.TransactionId == transactionId);

    [Fact]
    public async Task A_retried_commit_gets_the_first_outcome_and_one_record()
    {
        var journal = new MemoryJournal();
        var clock = new HybridClock();
        await using var shard = await StartAsync(QuietOptions(), journal, journal, clock);
        var request = Keys.Request(clock.Now(), "a", "b");

        var first = await shard.CommitAsync(request, CancellationToken.None).WaitAsync(TestTimeout);
        var retried = await shard.CommitAsync(request, CancellationToken.None).WaitAsync(TestTimeout);

        Assert.Equal(CommitOutcome.Committed, first.Outcome);
        Assert.Equal(first, retried);
        Assert.Equal(1, await CommitRecordsAsync(journal, request.TransactionId));
    }

    [Fact]
    public async Task A_retry_while_the_first_append_is_in_flight_waits_for_it_instead_of_conflicting_with_it()
    {
        var journal = new MemoryJournal();
        var writer = new GatedJournalWriter(journal);
        var clock = new HybridClock();
        await using var shard = await StartAsync(QuietOptions(), writer, journal, clock);
        var request = Keys.Request(clock.Now(), "a");
        writer.Close();

        var first = shard.CommitAsync(request, CancellationToken.None);
        var retried = shard.CommitAsync(request, CancellationToken.None);
        await Task.Delay(50);
        Assert.False(retried.IsCompleted);
        writer.Open();

        Assert.Equal(CommitOutcome.Committed, (await first.WaitAsync(TestTimeout)).Outcome);
        Assert.Equal(await first, await retried.WaitAsync(TestTimeout));
        Assert.Equal(1, await CommitRecordsAsync(journal, request.TransactionId));
    }

    [Fact]
    public async Task A_refusal_is_remembered_too()
    {
        var journal = new MemoryJournal();
        var clock = new HybridClock();
        await using var shard = await StartAsync(QuietOptions(), journal, journal, clock);
        var start = clock.Now();
        var winner = Keys.Request(start, "a");
        var loser = Keys.Request(start, "a");
        Assert.Equal(CommitOutcome.Committed, (await shard.CommitAsync(winner, CancellationToken.None)).Outcome);

        var first = await shard.CommitAsync(loser, CancellationToken.None);
        var retried = await shard.CommitAsync(loser, CancellationToken.None);

        Assert.Equal(CommitOutcome.DataConflict, first.Outcome);
        Assert.Equal(first, retried);
    }

    [Fact]
    public async Task A_commit_retried_after_a_restart_gets_the_outcome_rebuilt_from_the_journal()
    {
        var journal = new MemoryJournal();
        var clock = new HybridClock();
        var request = Keys.Request(clock.Now(), "a");
        CommitResult first;
        await using (var shard = await StartAsync(QuietOptions(), journal, journal, clock))
        {
            first = await shard.CommitAsync(request, CancellationToken.None).WaitAsync(TestTimeout);
        }

        // A new instance on another machine: its clock knows nothing of the first one's.
        await using var restarted = await StartAsync(QuietOptions(), journal, journal, new HybridClock());
        var retried = await restarted.CommitAsync(request, CancellationToken.None).WaitAsync(TestTimeout);

        Assert.Equal(CommitOutcome.Committed, retried.Outcome);
        Assert.Equal(first.CommitTimestamp, retried.CommitTimestamp);
        Assert.Equal(first.JournalOffset, retried.JournalOffset);
        Assert.Equal(1, await CommitRecordsAsync(journal, request.TransactionId));
    }

    [Fact]
    public async Task A_commit_the_journal_refused_stays_refused_when_retried()
    {
        var journal = new MemoryJournal();
        var writer = new GatedJournalWriter(journal);
        var clock = new HybridClock();
        await using var shard = await StartAsync(QuietOptions(), writer, journal, clock);
        var request = Keys.Request(clock.Now(), "a");
        writer.FailNextAppend(new JournalAppendException("refused", isTransient: false, mayHaveBeenWritten: false));

        var first = await shard.CommitAsync(request, CancellationToken.None).WaitAsync(TestTimeout);
        var retried = await shard.CommitAsync(request, CancellationToken.None).WaitAsync(TestTimeout);

        Assert.Equal(CommitOutcome.NotCommitted, first.Outcome);
        Assert.Equal(first, retried);
        Assert.Equal(0, await CommitRecordsAsync(journal, request.TransactionId));
    }

    [Fact]
    public async Task The_memory_forgets_decisions_at_or_below_the_horizon_and_asks_for_a_higher_one_past_its_cap()
    {
        var memory = new RecentCommitOutcomes(maxEntries: 2);
        var ids = Enumerable.Range(0, 3).Select(_ => Guid.NewGuid()).ToArray();
        for (var index = 0; index < ids.Length; index++)
        {
            var result = new CommitResult(CommitOutcome.Committed, new HybridTimestamp((ulong)(index + 1) * 10), index, null);
            memory.Remember(ids[index], Task.FromResult(result), result.CommitTimestamp);
        }

        Assert.Equal(new HybridTimestamp(10), memory.HorizonNeeded);
        Assert.Equal(1, memory.Trim(new HybridTimestamp(10)));
        Assert.Null(memory.HorizonNeeded);
        Assert.False(memory.TryGet(ids[0], out _));
        Assert.True(memory.TryGet(ids[1], out var kept));
        Assert.Equal(new HybridTimestamp(20), (await kept).CommitTimestamp);
    }
}
