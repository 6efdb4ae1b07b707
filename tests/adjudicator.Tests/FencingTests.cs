using Log.Journal.Client;
using Log.Journal.Records;
using Log.Journal.Time;

namespace Log.Adjudicator.Tests;

/// <summary>
/// Exactly one writer per partition: a second adjudicator started for the same shard fences the first, whose later
/// appends are never acknowledged, are ignored by every reader, and do not make it take the partition back.
/// </summary>
public sealed class FencingTests
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(20);

    private static AdjudicatorOptions QuietOptions() => new()
    {
        HeartbeatInterval = TimeSpan.FromHours(1),
        RecoveryRetryDelay = TimeSpan.FromMilliseconds(10),
        RecoveryWaitTimeout = TimeSpan.FromSeconds(2),
    };

    private static Task<CommitResult> Commit(IAdjudicator adjudicator, CommitRequest request) =>
        adjudicator.CommitAsync(request, CancellationToken.None).WaitAsync(TestTimeout);

    private static async Task<AdjudicatorShard> StartShardAsync(MemoryJournal journal, HybridClock clock)
    {
        var shard = new AdjudicatorShard(QuietOptions(), journal, journal, clock);
        await shard.StartAsync(CancellationToken.None).WaitAsync(TestTimeout);
        return shard;
    }

    /// <summary>What a reader of the partition counts: every record the epoch rule admits.</summary>
    private static async Task<List<JournalEntry>> AdmittedAsync(MemoryJournal journal)
    {
        var filter = new WriterEpochFilter();
        return [.. (await Keys.ReadAllAsync(journal, 0)).Where(entry => filter.Admits(entry.Record))];
    }

    [Fact]
    public async Task A_shard_fenced_by_a_newer_one_acknowledges_nothing_more_and_readers_ignore_what_it_appended()
    {
        var journal = new MemoryJournal();
        var clock = new HybridClock();
        await using var old = await StartShardAsync(journal, clock);
        var before = await Commit(old, Keys.Request(clock.Now(), "a"));
        await using var newer = await StartShardAsync(journal, clock);

        var zombie = await Commit(old, Keys.Request(clock.Now(), "b"));
        var fault = await old.Failure.WaitAsync(TestTimeout);
        var after = await Commit(newer, Keys.Request(clock.Now(), "c"));

        Assert.Equal(CommitOutcome.Committed, before.Outcome);
        Assert.Equal(CommitOutcome.OutcomeUnknown, zombie.Outcome);
        var fenced = Assert.IsType<WriterFencedException>(fault);
        Assert.Equal(before.JournalOffset + 1, fenced.ExpectedOffset);
        Assert.True(fenced.LandedOffset > newer.EpochStartOffset);
        Assert.Equal(CommitOutcome.Committed, after.Outcome);
        Assert.True(newer.Epoch > old.Epoch);
        // The zombie's record is in the partition, but no reader counts it; the acknowledged ones all count.
        var all = await Keys.ReadAllAsync(journal, 0);
        Assert.Contains(all, entry => entry.Record.Kind == JournalRecordKind.Commit && entry.Record.Epoch == old.Epoch
            && entry.Offset > newer.EpochStartOffset);
        var committedKeys = (await AdmittedAsync(journal)).Where(entry => entry.Record.Kind == JournalRecordKind.Commit)
            .SelectMany(entry => entry.Record.Writes).Select(write => System.Text.Encoding.UTF8.GetString(write.Key)).ToList();
        Assert.Equal(["a", "c"], committedKeys);
        // Any later call to the fenced shard is refused undecided.
        await Assert.ThrowsAsync<AdjudicatorFaultedException>(() => Commit(old, Keys.Request(clock.Now(), "d")));
    }

    [Fact]
    public async Task A_supervisor_whose_shard_was_fenced_steps_down_instead_of_taking_the_partition_back()
    {
        var journal = new MemoryJournal();
        var clock = new HybridClock();
        var options = QuietOptions();
        await using var old = new AdjudicatorSupervisor(() => new AdjudicatorShard(options, journal, journal, clock), options);
        await old.StartAsync(CancellationToken.None).WaitAsync(TestTimeout);
        Assert.Equal(CommitOutcome.Committed, (await Commit(old, Keys.Request(clock.Now(), "a"))).Outcome);
        await using var newer = new AdjudicatorSupervisor(() => new AdjudicatorShard(options, journal, journal, clock), options);
        await newer.StartAsync(CancellationToken.None).WaitAsync(TestTimeout);

        var zombie = await Commit(old, Keys.Request(clock.Now(), "b"));
        var refused = await Commit(old, Keys.Request(clock.Now(), "c"));
        var served = await Commit(newer, Keys.Request(clock.Now(), "d"));

        Assert.Equal(CommitOutcome.OutcomeUnknown, zombie.Outcome);
        Assert.Equal(CommitOutcome.Unavailable, refused.Outcome);
        Assert.Contains("stepped down", refused.FailureReason);
        Assert.NotNull(old.SteppedDownReason);
        Assert.Equal(0, old.RebuildCount);
        Assert.Equal(CommitOutcome.Committed, served.Outcome);
        // Two lives only: the old one never appended an EpochStart above the newer one's.
        var entries = await Keys.ReadAllAsync(journal, 0);
        Assert.Equal(2, entries.Count(entry => entry.Record.Kind == JournalRecordKind.EpochStart));
        await Assert.ThrowsAsync<AdjudicatorFaultedException>(
            () => old.CloseTimestampAsync(clock.Now(), CancellationToken.None).WaitAsync(TestTimeout));
    }

    [Fact]
    public async Task A_rebuild_does_not_count_a_fenced_writers_commit_so_its_retry_is_refused_not_committed()
    {
        var journal = new MemoryJournal();
        var clock = new HybridClock();
        await using var old = await StartShardAsync(journal, clock);
        await using var newer = await StartShardAsync(journal, clock);
        var request = Keys.Request(clock.Now(), "k");
        Assert.Equal(CommitOutcome.OutcomeUnknown, (await Commit(old, request)).Outcome);
        await newer.DisposeAsync();

        await using var third = await StartShardAsync(journal, clock);
        var retried = await Commit(third, request);

        // Counted, the retry would get "Committed" for a record no storage replica applies.
        Assert.Equal(CommitOutcome.TooOld, retried.Outcome);
    }

    [Fact]
    public async Task A_record_of_the_shard_itself_with_an_unknown_offset_makes_it_rebuild_not_step_down()
    {
        var journal = new MemoryJournal();
        var clock = new HybridClock();
        var options = QuietOptions();
        var shards = new List<AdjudicatorShard>();
        await using var supervisor = new AdjudicatorSupervisor(() =>
        {
            var shard = new AdjudicatorShard(options, journal, journal, clock);
            shards.Add(shard);
            return shard;
        }, options);
        await supervisor.StartAsync(CancellationToken.None).WaitAsync(TestTimeout);
        // Something of the same epoch lands between two of its records (as a fragment whose append failed after it was written).
        await journal.AppendAsync(0, JournalRecord.ForHeartbeat(clock.Now(), 0, shards[0].Epoch), CancellationToken.None);

        var unknown = await Commit(supervisor, Keys.Request(clock.Now(), "a"));
        var next = await Commit(supervisor, Keys.Request(clock.Now(), "b"));

        Assert.Equal(CommitOutcome.OutcomeUnknown, unknown.Outcome);
        Assert.Equal(CommitOutcome.Committed, next.Outcome);
        Assert.Null(supervisor.SteppedDownReason);
        Assert.Equal(1, supervisor.RebuildCount);
    }

    [Fact]
    public async Task Large_transactions_fragments_are_the_shards_own_records_and_do_not_fence_it()
    {
        var journal = new MemoryJournal();
        var clock = new HybridClock();
        await using var shard = await StartShardAsync(journal, clock);
        var value = new byte[3 * JournalLimits.FragmentPayloadBytes];
        new Random(7).NextBytes(value);

        var large = await Commit(shard, new CommitRequest(Guid.NewGuid(), clock.Now(), [new JournalWrite(Keys.Of("big"), value)], []));
        var small = await Commit(shard, Keys.Request(clock.Now(), "small"));

        Assert.Equal(CommitOutcome.Committed, large.Outcome);
        Assert.Equal(CommitOutcome.Committed, small.Outcome);
        Assert.False(shard.Failure.IsCompleted);
    }
}
