using Log.Journal.Client;
using Log.Journal.Records;
using Log.Journal.Time;

namespace Log.Adjudicator.Tests;

/// <summary>Large transactions (fragments) and failed appends: one failure must cost one
/// transaction at most, and the adjudicator must keep (or come back to) serving.</summary>
public sealed class JournalFailureTests
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(20);

    private static AdjudicatorOptions QuietOptions() => new()
    {
        HeartbeatInterval = TimeSpan.FromHours(1),
        StagingRetryDelay = TimeSpan.Zero,
        RecoveryRetryDelay = TimeSpan.FromMilliseconds(10),
    };

    private static Task<CommitResult> Commit(IAdjudicator adjudicator, CommitRequest request) =>
        adjudicator.CommitAsync(request, CancellationToken.None).WaitAsync(TestTimeout);

    private static async Task<AdjudicatorShard> StartShardAsync(AdjudicatorOptions options, IJournalWriter writer,
        MemoryJournal journal, HybridClock clock)
    {
        var shard = new AdjudicatorShard(options, writer, journal, clock);
        await shard.StartAsync(CancellationToken.None).WaitAsync(TestTimeout);
        return shard;
    }

    private static CommitRequest Large(HybridTimestamp start, string key, int valueBytes, int seed = 1)
    {
        var value = new byte[valueBytes];
        new Random(seed).NextBytes(value);
        return new CommitRequest(Guid.NewGuid(), start, [new JournalWrite(Keys.Of(key), value)], []);
    }

    private static JournalAppendException Refused() =>
        new("Broker: Message size too large", mayHaveBeenWritten: false, isTransient: false);

    private static JournalAppendException TimedOut() =>
        new("Local: Message timed out", mayHaveBeenWritten: false, isTransient: true);

    [Fact]
    public async Task A_large_transaction_is_appended_as_fragments_and_committed_by_the_last_one()
    {
        var journal = new MemoryJournal();
        var clock = new HybridClock();
        var request = Large(clock.Now(), "big", 2 * 1024 * 1024);
        CommitResult result;
        await using (var shard = await StartShardAsync(QuietOptions(), journal, journal, clock))
        {
            result = await Commit(shard, request);

            Assert.Equal(CommitOutcome.Committed, result.Outcome);
            var entries = await Keys.ReadAllAsync(journal, 0);
            var final = entries.Single(entry => entry.Offset == result.JournalOffset).Record;
            Assert.Equal(JournalRecordKind.Commit, final.Kind);
            Assert.Equal(5, final.FragmentCount);
            var leading = entries.Where(entry => entry.Record.Kind == JournalRecordKind.CommitFragment).ToList();
            Assert.Equal(Enumerable.Range((int)result.JournalOffset - 4, 4).Select(offset => (long)offset), leading.Select(entry => entry.Offset));

            var assembler = new FragmentAssembler();
            var whole = entries.Select(entry => assembler.Accept(entry.Record)).Last(record => record is not null)!;
            Assert.Equal(request.Writes[0].Value, whole.Writes[0].Value);
            Assert.Equal(result.CommitTimestamp, whole.Commit);
        }

        // A new instance starts above the final record's commit: a write from before the restart is refused, and a
        // retry of the large transaction gets the commit it had.
        await using var restarted = await StartShardAsync(QuietOptions(), journal, journal, clock);
        Assert.Equal(result.CommitTimestamp, restarted.RestartHorizon);
        var stale = await Commit(restarted, Keys.Request(request.StartTimestamp, "big"));
        Assert.Equal(CommitOutcome.TooOld, stale.Outcome);
        var retried = await Commit(restarted, request);
        Assert.Equal(CommitOutcome.Committed, retried.Outcome);
        Assert.Equal(result.JournalOffset, retried.JournalOffset);
    }

    [Fact]
    public async Task A_refused_fragment_fails_only_that_transaction_and_later_commits_go_on()
    {
        var journal = new MemoryJournal();
        var gated = new GatedJournalWriter(journal);
        var clock = new HybridClock();
        await using var shard = await StartShardAsync(QuietOptions(), gated, journal, clock);
        var start = clock.Now();
        gated.FailAppendsWhere(record => record is { Kind: JournalRecordKind.CommitFragment, FragmentIndex: 1 }, Refused());

        var failed = await Commit(shard, Large(start, "big", 2 * 1024 * 1024));
        var next = await Commit(shard, Keys.Request(start, "small"));
        // The failed transaction never committed, so writing its key from the same start is no conflict.
        var sameKey = await Commit(shard, Keys.Request(start, "big"));
        var fence = await shard.CloseTimestampAsync(clock.Now(), CancellationToken.None).WaitAsync(TestTimeout);

        Assert.Equal(CommitOutcome.NotCommitted, failed.Outcome);
        Assert.Contains("Message size too large", failed.FailureReason);
        Assert.Equal(CommitOutcome.Committed, next.Outcome);
        Assert.Equal(CommitOutcome.Committed, sameKey.Outcome);
        Assert.False(shard.Failure.IsCompleted);
        Assert.Equal(sameKey.JournalOffset + 1, fence.EndOffset);

        // Leftover fragments of the failed transaction are in the partition, and commit nothing.
        var entries = await Keys.ReadAllAsync(journal, 0);
        Assert.Contains(entries, entry => entry.Record.Kind == JournalRecordKind.CommitFragment);
        var assembler = new FragmentAssembler();
        var applied = entries.Select(entry => assembler.Accept(entry.Record))
            .Where(record => record is { Kind: JournalRecordKind.Commit }).ToList();
        Assert.Equal(2, applied.Count);
        Assert.All(applied, record => Assert.Single(record!.Writes));
        Assert.DoesNotContain(applied, record => record!.Writes[0].Value is { Length: > 100 });

        // A restarted shard agrees: its restart horizon is the last small commit, not anything the fragments hold.
        await using var restarted = await StartShardAsync(QuietOptions(), journal, journal, clock);
        Assert.Equal(applied[^1]!.Commit, restarted.RestartHorizon);
        Assert.Equal(CommitOutcome.TooOld, (await Commit(restarted, Keys.Request(start, "big"))).Outcome);
        Assert.Equal(CommitOutcome.Committed, (await Commit(restarted, Keys.Request(clock.Now(), "never-written"))).Outcome);
    }

    [Fact]
    public async Task A_transient_fragment_failure_is_retried_and_the_transaction_commits_once()
    {
        var journal = new MemoryJournal();
        var gated = new GatedJournalWriter(journal);
        var clock = new HybridClock();
        await using var shard = await StartShardAsync(QuietOptions(), gated, journal, clock);
        var request = Large(clock.Now(), "big", 2 * 1024 * 1024);
        gated.FailAppendsWhere(record => record is { Kind: JournalRecordKind.CommitFragment, FragmentIndex: 2 }, TimedOut());

        var result = await Commit(shard, request);

        Assert.Equal(CommitOutcome.Committed, result.Outcome);
        var entries = await Keys.ReadAllAsync(journal, 0);
        // Attempt one left fragments 0, 1 and 3 behind; attempt two wrote all four, then the final record.
        Assert.Equal(3 + 4, entries.Count(entry => entry.Record.Kind == JournalRecordKind.CommitFragment));
        var assembler = new FragmentAssembler();
        var whole = Assert.Single(entries.Select(entry => assembler.Accept(entry.Record)).ToList(), record => record is { Kind: JournalRecordKind.Commit });
        Assert.Equal(request.Writes[0].Value, whole!.Writes[0].Value);
    }

    [Fact]
    public async Task A_transient_fragment_failure_that_persists_fails_the_transaction_after_the_bounded_attempts()
    {
        var journal = new MemoryJournal();
        var gated = new GatedJournalWriter(journal);
        var clock = new HybridClock();
        var options = QuietOptions() with { MaxStagingAttempts = 3 };
        await using var shard = await StartShardAsync(options, gated, journal, clock);
        gated.FailAppendsWhere(record => record is { Kind: JournalRecordKind.CommitFragment, FragmentIndex: 0 }, TimedOut(), count: 3);

        var result = await Commit(shard, Large(clock.Now(), "big", 2 * 1024 * 1024));
        var after = await Commit(shard, Keys.Request(clock.Now(), "small"));

        Assert.Equal(CommitOutcome.NotCommitted, result.Outcome);
        Assert.Contains("attempt 3 of 3", result.FailureReason);
        Assert.Equal(CommitOutcome.Committed, after.Outcome);
    }

    [Fact]
    public async Task A_refused_final_record_fails_only_that_transaction()
    {
        var journal = new MemoryJournal();
        var gated = new GatedJournalWriter(journal);
        var clock = new HybridClock();
        await using var shard = await StartShardAsync(QuietOptions(), gated, journal, clock);
        var first = await Commit(shard, Keys.Request(clock.Now(), "a"));
        gated.FailNextAppend(Refused());

        var refused = await Commit(shard, Keys.Request(clock.Now(), "b"));
        var after = await Commit(shard, Keys.Request(clock.Now(), "c"));
        var fence = await shard.CloseTimestampAsync(clock.Now(), CancellationToken.None).WaitAsync(TestTimeout);

        Assert.Equal(CommitOutcome.Committed, first.Outcome);
        Assert.Equal(CommitOutcome.NotCommitted, refused.Outcome);
        Assert.Equal(CommitOutcome.Committed, after.Outcome);
        Assert.Equal(first.JournalOffset + 1, after.JournalOffset);
        Assert.Equal(after.JournalOffset + 1, fence.EndOffset);
        Assert.False(shard.Failure.IsCompleted);
    }

    [Fact]
    public async Task The_supervisor_rebuilds_a_faulted_shard_from_the_journal_and_commits_go_on()
    {
        var journal = new MemoryJournal();
        var gated = new GatedJournalWriter(journal);
        var clock = new HybridClock();
        var options = QuietOptions();
        await using var supervisor = new AdjudicatorSupervisor(() => new AdjudicatorShard(options, gated, journal, clock), options);
        await supervisor.StartAsync(CancellationToken.None).WaitAsync(TestTimeout);
        var start = clock.Now();
        var first = await Commit(supervisor, Keys.Request(start, "a"));
        var firstShard = supervisor.Current;
        gated.FailNextAppend(new IOException("connection reset"));

        var unknown = await Commit(supervisor, Keys.Request(clock.Now(), "b"));
        // Served by the rebuilt shard: a start from before its restart is refused.
        var stale = await Commit(supervisor, Keys.Request(start, "a"));
        var fresh = await Commit(supervisor, Keys.Request(clock.Now(), "c"));
        var fence = await supervisor.CloseTimestampAsync(clock.Now(), CancellationToken.None).WaitAsync(TestTimeout);

        Assert.Equal(CommitOutcome.Committed, first.Outcome);
        Assert.Equal(CommitOutcome.OutcomeUnknown, unknown.Outcome);
        Assert.Equal(CommitOutcome.TooOld, stale.Outcome);
        Assert.Equal(CommitOutcome.Committed, fresh.Outcome);
        Assert.True(fresh.CommitTimestamp > first.CommitTimestamp);
        Assert.Equal(1, supervisor.RebuildCount);
        Assert.NotSame(firstShard, supervisor.Current);
        Assert.True(supervisor.Current!.Epoch > firstShard!.Epoch);
        Assert.Equal(fresh.JournalOffset + 1, fence.EndOffset);
        var entries = await Keys.ReadAllAsync(journal, 0);
        Assert.Equal(2, entries.Count(entry => entry.Record.Kind == JournalRecordKind.EpochStart));
    }

    [Fact]
    public async Task The_supervisor_keeps_trying_while_the_journal_is_down_and_serves_once_it_is_back()
    {
        var journal = new MemoryJournal();
        var gated = new GatedJournalWriter(journal);
        var clock = new HybridClock();
        var options = QuietOptions() with { RecoveryWaitTimeout = TimeSpan.FromMilliseconds(300) };
        await using var supervisor = new AdjudicatorSupervisor(() => new AdjudicatorShard(options, gated, journal, clock), options);
        await supervisor.StartAsync(CancellationToken.None).WaitAsync(TestTimeout);
        // The commit's append fails, then the rebuilds' EpochStart appends fail for a while.
        gated.FailNextAppend(new IOException("journal down"));
        gated.FailAppendsWhere(record => record.Kind == JournalRecordKind.EpochStart, new IOException("journal still down"), count: 1_000_000);

        var unknown = await Commit(supervisor, Keys.Request(clock.Now(), "a"));
        var unavailable = await Commit(supervisor, Keys.Request(clock.Now(), "b"));
        gated.FailAppendsWhere(_ => false, new IOException("unused"), count: 0);
        CommitResult back;
        var deadline = DateTime.UtcNow + TestTimeout;
        do
        {
            back = await Commit(supervisor, Keys.Request(clock.Now(), "c"));
        }
        while (back.Outcome == CommitOutcome.Unavailable && DateTime.UtcNow < deadline);

        Assert.Equal(CommitOutcome.OutcomeUnknown, unknown.Outcome);
        Assert.Equal(CommitOutcome.Unavailable, unavailable.Outcome);
        Assert.Contains("rebuilding", unavailable.FailureReason);
        Assert.Equal(CommitOutcome.Committed, back.Outcome);
        Assert.Equal(1, supervisor.RebuildCount);
    }
}
