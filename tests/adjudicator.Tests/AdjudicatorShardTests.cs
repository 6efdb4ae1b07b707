using Log.Journal.Client;
using Log.Journal.Records;
using Log.Journal.Time;

namespace Log.Adjudicator.Tests;

public sealed class AdjudicatorShardTests
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(10);

    // Long heartbeat intervals keep heartbeats out of the tests that count records.
    private static AdjudicatorOptions QuietOptions() => new() { HeartbeatInterval = TimeSpan.FromHours(1) };

    private static async Task<AdjudicatorShard> StartAsync(AdjudicatorOptions options, IJournalWriter writer,
        IJournalReader journal, HybridClock clock)
    {
        var shard = new AdjudicatorShard(options, writer, journal, clock);
        using var timeout = new CancellationTokenSource(TestTimeout);
        await shard.StartAsync(timeout.Token);
        return shard;
    }

    private static Task<CommitResult> Commit(IAdjudicator shard, CommitRequest request) =>
        shard.CommitAsync(request, CancellationToken.None).WaitAsync(TestTimeout);

    [Fact]
    public async Task Disjoint_keys_both_commit()
    {
        var journal = new MemoryJournal();
        var clock = new HybridClock();
        await using var shard = await StartAsync(QuietOptions(), journal, journal, clock);
        var start = clock.Now();

        var first = await Commit(shard, Keys.Request(start, "a"));
        var second = await Commit(shard, Keys.Request(start, "b"));

        Assert.Equal(CommitOutcome.Committed, first.Outcome);
        Assert.Equal(CommitOutcome.Committed, second.Outcome);
        Assert.True(first.CommitTimestamp > start);
        Assert.True(second.CommitTimestamp > first.CommitTimestamp);
        Assert.True(second.JournalOffset > first.JournalOffset);
    }

    [Fact]
    public async Task Same_key_from_the_same_start_conflicts_and_names_the_key()
    {
        var journal = new MemoryJournal();
        var clock = new HybridClock();
        await using var shard = await StartAsync(QuietOptions(), journal, journal, clock);
        var start = clock.Now();

        var first = await Commit(shard, Keys.Request(start, "x", "shared"));
        var second = await Commit(shard, Keys.Request(start, "y", "shared"));

        Assert.Equal(CommitOutcome.Committed, first.Outcome);
        Assert.Equal(CommitOutcome.DataConflict, second.Outcome);
        Assert.Equal(Keys.Of("shared"), second.ConflictingKey);
        Assert.Equal(-1, second.JournalOffset);
        // The refused transaction must not be in the journal: EpochStart and one commit only.
        Assert.Equal(first.JournalOffset + 1, journal.EndOffset(0));
    }

    [Fact]
    public async Task Write_after_the_others_commit_succeeds()
    {
        var journal = new MemoryJournal();
        var clock = new HybridClock();
        await using var shard = await StartAsync(QuietOptions(), journal, journal, clock);

        var first = await Commit(shard, Keys.Request(clock.Now(), "k"));
        var second = await Commit(shard, Keys.Request(first.CommitTimestamp, "k"));

        Assert.Equal(CommitOutcome.Committed, second.Outcome);
        Assert.True(second.CommitTimestamp > first.CommitTimestamp);
    }

    [Fact]
    public async Task Changed_schema_key_is_a_schema_conflict()
    {
        var journal = new MemoryJournal();
        var clock = new HybridClock();
        await using var shard = await StartAsync(QuietOptions(), journal, journal, clock);
        var start = clock.Now();
        await Commit(shard, Keys.Request(start, "catalog/table 7"));

        var dml = new CommitRequest(Guid.NewGuid(), start, [Keys.Write("row 1")],
            [new ConflictCheck(Keys.Of("catalog/table 7"), ConflictCheckKind.Schema)]);
        var result = await Commit(shard, dml);

        Assert.Equal(CommitOutcome.SchemaConflict, result.Outcome);
        Assert.Equal(Keys.Of("catalog/table 7"), result.ConflictingKey);
    }

    [Fact]
    public async Task For_update_check_is_a_data_conflict()
    {
        var journal = new MemoryJournal();
        var clock = new HybridClock();
        await using var shard = await StartAsync(QuietOptions(), journal, journal, clock);
        var start = clock.Now();
        await Commit(shard, Keys.Request(start, "locked row"));

        var result = await Commit(shard, new CommitRequest(Guid.NewGuid(), start, [Keys.Write("other")],
            [new ConflictCheck(Keys.Of("locked row"), ConflictCheckKind.Data)]));

        Assert.Equal(CommitOutcome.DataConflict, result.Outcome);
        Assert.Equal(Keys.Of("locked row"), result.ConflictingKey);
    }

    [Fact]
    public async Task Start_older_than_the_longest_transaction_is_too_old()
    {
        var journal = new MemoryJournal();
        var time = new ManualTimeProvider(DateTimeOffset.UnixEpoch.AddDays(20000));
        var clock = new HybridClock(time);
        // Trimming after every commit makes the horizon follow the clock at once.
        var options = QuietOptions() with { TimeProvider = time, TrimEveryCommits = 1 };
        await using var shard = await StartAsync(options, journal, journal, clock);
        var oldStart = clock.Now();
        var beforeTimeout = await Commit(shard, Keys.Request(oldStart, "early"));
        time.Advance(options.MaxTransactionDuration + TimeSpan.FromMinutes(1));

        var fresh = await Commit(shard, Keys.Request(clock.Now(), "fresh"));
        var result = await Commit(shard, Keys.Request(oldStart, "anything"));

        Assert.Equal(CommitOutcome.Committed, beforeTimeout.Outcome);
        Assert.Equal(CommitOutcome.Committed, fresh.Outcome);
        Assert.Equal(CommitOutcome.TooOld, result.Outcome);
        Assert.Null(result.ConflictingKey);
        Assert.True(shard.Horizon > oldStart);
    }

    [Fact]
    public async Task Journal_holds_the_commits_in_order_at_the_replied_offsets()
    {
        var journal = new MemoryJournal();
        var clock = new HybridClock();
        var options = QuietOptions() with { Shard = 3, Partition = 2 };
        await using var shard = await StartAsync(options, journal, journal, clock);
        var results = new List<(CommitRequest Request, CommitResult Result)>();
        for (var index = 0; index < 20; index++)
        {
            var request = new CommitRequest(Guid.NewGuid(), clock.Now(),
                index % 5 == 0 ? [] : [Keys.Write($"key {index}"), Keys.Write($"delete {index}", null)], []);
            results.Add((request, await Commit(shard, request)));
        }

        var entries = await Keys.ReadAllAsync(journal, options.Partition);

        Assert.Equal(0, journal.EndOffset(0));
        Assert.Equal(JournalRecordKind.EpochStart, entries[0].Record.Kind);
        Assert.Equal(shard.EpochStartOffset, entries[0].Offset);
        var previousCommit = HybridTimestamp.Zero;
        foreach (var (request, result) in results)
        {
            Assert.Equal(CommitOutcome.Committed, result.Outcome);
            var record = entries[(int)result.JournalOffset].Record;
            Assert.Equal(JournalRecordKind.Commit, record.Kind);
            Assert.Equal(request.TransactionId, record.TransactionId);
            Assert.Equal(request.StartTimestamp, record.Start);
            Assert.Equal(result.CommitTimestamp, record.Commit);
            Assert.Equal(3, record.Shard);
            Assert.Equal(shard.Epoch, record.Epoch);
            Assert.Equal(request.Writes.Count, record.Writes.Count);
            Assert.True(record.Commit > record.Start);
            Assert.True(record.Commit > previousCommit);
            previousCommit = record.Commit;
        }
        Assert.Null(entries[(int)results[1].Result.JournalOffset].Record.Writes[1].Value);
    }

    [Fact]
    public async Task Restarted_shard_refuses_starts_from_before_the_restart_and_commits_above_every_earlier_commit()
    {
        var journal = new MemoryJournal();
        var start = new HybridClock().Now();
        CommitResult before;
        long firstEpoch;
        await using (var first = await StartAsync(QuietOptions(), journal, journal, new HybridClock()))
        {
            before = await Commit(first, Keys.Request(start, "k"));
            firstEpoch = first.Epoch;
        }
        // The new instance's machine is behind: only the tail of the partition can put its clock past the old commits.
        var behind = new ManualTimeProvider(DateTimeOffset.UtcNow.AddSeconds(-30));
        var secondClock = new HybridClock(behind);
        await using var second = await StartAsync(QuietOptions() with { TimeProvider = behind }, journal, journal, secondClock);

        // Started before the restart: the window no longer knows what happened since, conflicting or not.
        var conflicting = await Commit(second, Keys.Request(start, "k"));
        var unrelated = await Commit(second, Keys.Request(start, "other"));
        // Started after it: checked as usual, and committed above everything already in the partition.
        var fresh = await Commit(second, Keys.Request(secondClock.Now(), "k"));

        Assert.Equal(CommitOutcome.Committed, before.Outcome);
        Assert.Equal(before.CommitTimestamp, second.RestartHorizon);
        Assert.Equal(CommitOutcome.TooOld, conflicting.Outcome);
        Assert.Equal(CommitOutcome.TooOld, unrelated.Outcome);
        Assert.Equal(CommitOutcome.Committed, fresh.Outcome);
        Assert.True(fresh.CommitTimestamp > before.CommitTimestamp);
        Assert.True(second.Epoch > firstEpoch);
        Assert.True(second.EpochStartOffset > before.JournalOffset);
    }

    [Fact]
    public async Task Restart_reads_only_the_tail_of_a_long_partition()
    {
        var journal = new MemoryJournal();
        var clock = new HybridClock();
        HybridTimestamp lastCommit = HybridTimestamp.Zero;
        await using (var first = await StartAsync(QuietOptions(), journal, journal, clock))
        {
            for (var index = 0; index < 1_000; index++)
            {
                lastCommit = (await Commit(first, Keys.Request(clock.Now(), $"k{index}"))).CommitTimestamp;
            }
        }
        var reads = new ReadRecordingJournal(journal);
        await using var second = await StartAsync(QuietOptions(), journal, reads, new HybridClock());

        // The first read, the one the start waits for, began near the end of the partition, not at offset 0.
        Assert.True(reads.FromOffsets[0] > 900, $"the start read from offset {reads.FromOffsets[0]}");
        Assert.Equal(lastCommit, second.RestartHorizon);
        Assert.True(second.Horizon >= lastCommit);
        var next = await Commit(second, Keys.Request(lastCommit, "k999"));
        Assert.Equal(CommitOutcome.Committed, next.Outcome);
        Assert.True(next.CommitTimestamp > lastCommit);
    }

    [Fact]
    public async Task Closed_timestamp_covers_acknowledged_commits_and_later_commits_are_above_it()
    {
        var journal = new MemoryJournal();
        var clock = new HybridClock();
        await using var shard = await StartAsync(QuietOptions(), journal, journal, clock);
        var committed = await Commit(shard, Keys.Request(clock.Now(), "k"));
        // A timestamp from a query node whose clock is ahead of the shard's.
        var closed = HybridTimestamp.From(clock.Now().PhysicalMilliseconds + 5_000, 0);

        var fence = await shard.CloseTimestampAsync(closed, CancellationToken.None).WaitAsync(TestTimeout);
        var later = await Commit(shard, Keys.Request(clock.Now(), "later"));

        Assert.Equal(closed, fence.Timestamp);
        Assert.Equal(0, fence.Partition);
        Assert.Equal(committed.JournalOffset + 1, fence.EndOffset);
        Assert.True(later.CommitTimestamp > closed);
        Assert.True(later.JournalOffset >= fence.EndOffset);
    }

    [Fact]
    public async Task Closed_timestamp_on_an_idle_shard_ends_after_the_epoch_start()
    {
        var journal = new MemoryJournal();
        var clock = new HybridClock();
        await using var shard = await StartAsync(QuietOptions(), journal, journal, clock);

        var fence = await shard.CloseTimestampAsync(clock.Now(), CancellationToken.None);

        Assert.Equal(shard.EpochStartOffset + 1, fence.EndOffset);
    }

    [Fact]
    public async Task Replies_and_fences_wait_for_durability_while_appends_are_pipelined()
    {
        var journal = new MemoryJournal();
        var gated = new GatedJournalWriter(journal);
        var clock = new HybridClock();
        await using var shard = await StartAsync(QuietOptions(), gated, journal, clock);
        gated.Close();
        var start = clock.Now();

        var first = shard.CommitAsync(Keys.Request(start, "a"), CancellationToken.None);
        var second = shard.CommitAsync(Keys.Request(start, "b"), CancellationToken.None);
        var conflicting = shard.CommitAsync(Keys.Request(start, "a"), CancellationToken.None);
        // A refusal needs no append: it comes back while the others are still in flight.
        var refusal = await conflicting.WaitAsync(TestTimeout);
        var closedAt = clock.Now();
        var fence = shard.CloseTimestampAsync(closedAt, CancellationToken.None);
        await Task.Delay(50);

        Assert.Equal(CommitOutcome.DataConflict, refusal.Outcome);
        Assert.Equal(2, gated.HeldCount);
        Assert.False(first.IsCompleted);
        Assert.False(second.IsCompleted);
        Assert.False(fence.IsCompleted);

        gated.Open();
        var firstResult = await first.WaitAsync(TestTimeout);
        var secondResult = await second.WaitAsync(TestTimeout);
        var fenceResult = await fence.WaitAsync(TestTimeout);

        Assert.True(firstResult.CommitTimestamp < closedAt);
        Assert.True(secondResult.CommitTimestamp < closedAt);
        Assert.Equal(secondResult.JournalOffset + 1, fenceResult.EndOffset);
    }

    [Fact]
    public async Task Append_that_may_have_been_written_answers_outcome_unknown_and_faults_the_shard()
    {
        var journal = new MemoryJournal();
        var gated = new GatedJournalWriter(journal);
        var clock = new HybridClock();
        await using var shard = await StartAsync(QuietOptions(), gated, journal, clock);
        gated.FailNextAppend(new IOException("broker gone"));

        var result = await Commit(shard, Keys.Request(clock.Now(), "k"));

        Assert.Equal(CommitOutcome.OutcomeUnknown, result.Outcome);
        Assert.Contains("broker gone", result.FailureReason);
        Assert.IsType<IOException>(await shard.Failure.WaitAsync(TestTimeout));
        // A faulted shard refuses, never decides: the supervisor sends these to the rebuilt shard.
        await Assert.ThrowsAsync<AdjudicatorFaultedException>(() => Commit(shard, Keys.Request(clock.Now(), "other")));
        await Assert.ThrowsAsync<AdjudicatorFaultedException>(() => shard.CloseTimestampAsync(clock.Now(), CancellationToken.None));
    }

    [Fact]
    public async Task Heartbeats_appear_when_idle_and_never_close_below_a_later_commit()
    {
        var journal = new MemoryJournal();
        var clock = new HybridClock();
        var options = new AdjudicatorOptions { HeartbeatInterval = TimeSpan.FromMilliseconds(10) };
        await using (var shard = await StartAsync(options, journal, journal, clock))
        {
            // Waits for heartbeats rather than sleeping a fixed time: on a loaded machine the
            // timer fires late, and what matters is that heartbeats come while idle at all.
            await WaitForHeartbeatsAsync(journal, 3);
            for (var index = 0; index < 20; index++)
            {
                await Commit(shard, Keys.Request(clock.Now(), $"k{index % 3}"));
                await Task.Delay(index % 4);
            }
            var afterCommits = HeartbeatCount(await Keys.ReadAllAsync(journal, 0));
            await WaitForHeartbeatsAsync(journal, afterCommits + 1);
        }

        var entries = await Keys.ReadAllAsync(journal, 0);
        var heartbeats = entries.Where(entry => entry.Record.Kind == JournalRecordKind.Heartbeat).ToList();

        Assert.True(heartbeats.Count >= 4, $"expected heartbeats while idle, found {heartbeats.Count}");
        var highestClosed = HybridTimestamp.Zero;
        foreach (var entry in entries.Where(entry => entry.Record.Kind != JournalRecordKind.EpochStart))
        {
            if (entry.Record.Kind == JournalRecordKind.Commit)
            {
                Assert.True(entry.Record.Commit > highestClosed, $"commit at offset {entry.Offset} is not above an earlier closed timestamp");
            }
            Assert.True(entry.Record.Closed > highestClosed);
            highestClosed = entry.Record.Closed;
        }
    }

    [Fact]
    public async Task An_idle_shard_spaces_its_heartbeats_out_to_the_idle_interval()
    {
        var journal = new MemoryJournal();
        var clock = new HybridClock();
        var options = new AdjudicatorOptions { HeartbeatInterval = TimeSpan.FromMilliseconds(10), IdleHeartbeatInterval = TimeSpan.FromMilliseconds(200) };
        await using (var shard = await StartAsync(options, journal, journal, clock))
        {
            // A late timer (a loaded machine) only makes fewer heartbeats: the bound below holds whatever the load.
            var idle = TimeSpan.FromSeconds(1.5);
            var started = DateTime.UtcNow;
            await Task.Delay(idle);
            var elapsed = DateTime.UtcNow - started;
            var heartbeats = HeartbeatCount(await Keys.ReadAllAsync(journal, 0));
            // Every 10 ms would be about 150; doubling to 200 ms gives 10, 20, 40, 80, 160, then 200 ms gaps: about 12.
            var longestExpected = 5 + (int)Math.Ceiling(elapsed / options.IdleHeartbeatInterval) + 1;
            Assert.InRange(heartbeats, 1, longestExpected);
            // A commit brings the short interval back, and heartbeats go on after it.
            await Commit(shard, Keys.Request(clock.Now(), "k"));
            await WaitForHeartbeatsAsync(journal, heartbeats + 3);
        }
    }

    private static int HeartbeatCount(IEnumerable<JournalEntry> entries) =>
        entries.Count(entry => entry.Record.Kind == JournalRecordKind.Heartbeat);

    private static async Task WaitForHeartbeatsAsync(MemoryJournal journal, int count)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (HeartbeatCount(await Keys.ReadAllAsync(journal, 0)) < count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"fewer than {count} heartbeats after 30 s of idling");
            await Task.Delay(10);
        }
    }

    [Fact]
    public async Task Commit_before_start_is_refused_clearly()
    {
        var journal = new MemoryJournal();
        await using var shard = new AdjudicatorShard(QuietOptions(), journal, journal, new HybridClock());

        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            shard.CommitAsync(Keys.Request(HybridTimestamp.Zero, "k"), CancellationToken.None));
        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            shard.CloseTimestampAsync(HybridTimestamp.Zero, CancellationToken.None));
    }

    [Fact]
    public async Task Empty_key_is_bad_input_and_changes_nothing()
    {
        var journal = new MemoryJournal();
        var clock = new HybridClock();
        await using var shard = await StartAsync(QuietOptions(), journal, journal, clock);
        var before = journal.EndOffset(0);

        await Assert.ThrowsAsync<ArgumentException>(() => shard.CommitAsync(
            new CommitRequest(Guid.NewGuid(), clock.Now(), [new JournalWrite([], null)], []), CancellationToken.None));

        Assert.Equal(before, journal.EndOffset(0));
    }

    [Fact]
    public async Task Commit_after_stop_is_refused()
    {
        var journal = new MemoryJournal();
        var clock = new HybridClock();
        var shard = await StartAsync(QuietOptions(), journal, journal, clock);
        await shard.DisposeAsync();

        await Assert.ThrowsAnyAsync<Exception>(() => Commit(shard, Keys.Request(clock.Now(), "k")));
        Assert.Equal(shard.EpochStartOffset + 1, journal.EndOffset(0));
    }

    [Fact]
    public async Task Epoch_rises_above_an_earlier_epoch_even_when_the_clock_is_behind()
    {
        var journal = new MemoryJournal();
        var highEpoch = long.MaxValue / 2;
        await journal.AppendAsync(0, new JournalRecord { Kind = JournalRecordKind.EpochStart, Epoch = highEpoch }, CancellationToken.None);

        await using var shard = await StartAsync(QuietOptions(), journal, journal, new HybridClock());
        var entries = await Keys.ReadAllAsync(journal, 0);

        Assert.Equal(highEpoch + 1, shard.Epoch);
        Assert.Equal(entries.Count - 1, shard.EpochStartOffset);
        Assert.Equal(highEpoch + 1, entries[(int)shard.EpochStartOffset].Record.Epoch);
    }

    [Fact]
    public async Task Stop_waits_for_in_flight_appends_and_answers_their_callers()
    {
        var journal = new MemoryJournal();
        var gated = new GatedJournalWriter(journal);
        var clock = new HybridClock();
        var shard = await StartAsync(QuietOptions(), gated, journal, clock);
        gated.Close();
        var commit = shard.CommitAsync(Keys.Request(clock.Now(), "k"), CancellationToken.None);
        while (gated.HeldCount == 0)
        {
            await Task.Delay(1);
        }

        var stop = shard.DisposeAsync().AsTask();
        await Task.Delay(50);
        Assert.False(stop.IsCompleted);
        gated.Open();
        await stop.WaitAsync(TestTimeout);

        Assert.Equal(CommitOutcome.Committed, (await commit).Outcome);
    }

    [Fact]
    public async Task A_commit_that_finds_the_loop_idle_sends_its_append_before_CommitAsync_returns()
    {
        var journal = new MemoryJournal();
        var gated = new GatedJournalWriter(journal);
        var clock = new HybridClock();
        await using var shard = await StartAsync(QuietOptions(), gated, journal, clock);
        gated.Close();
        var callsBefore = gated.CallCount;

        var commit = shard.CommitAsync(Keys.Request(clock.Now(), "k"), CancellationToken.None);

        // Checked and sent on this thread: no hop into the loop. The reply still waits for the acknowledgement.
        Assert.Equal(callsBefore + 1, gated.CallCount);
        Assert.False(commit.IsCompleted);
        gated.Open();
        Assert.Equal(CommitOutcome.Committed, (await commit.WaitAsync(TestTimeout)).Outcome);
    }

    [Fact]
    public async Task A_commit_that_comes_while_a_large_transaction_is_staged_waits_its_turn()
    {
        var journal = new MemoryJournal();
        var gated = new GatedJournalWriter(journal);
        var clock = new HybridClock();
        await using var shard = await StartAsync(QuietOptions(), gated, journal, clock);
        gated.Close();
        var value = new byte[3 * JournalLimits.FragmentPayloadBytes];
        new Random(7).NextBytes(value);

        var large = shard.CommitAsync(new CommitRequest(Guid.NewGuid(), clock.Now(), [new JournalWrite(Keys.Of("big"), value)], []),
            CancellationToken.None);
        while (gated.HeldCount == 0)
        {
            await Task.Delay(1);
        }
        var heldWhileStaging = gated.HeldCount;
        var small = shard.CommitAsync(Keys.Request(clock.Now(), "small"), CancellationToken.None);
        await Task.Delay(50);

        // The large transaction holds the loop's turn until its fragments are durable: nothing of the small one is sent.
        Assert.Equal(heldWhileStaging, gated.HeldCount);
        Assert.False(small.IsCompleted);
        gated.Open();
        var largeResult = await large.WaitAsync(TestTimeout);
        var smallResult = await small.WaitAsync(TestTimeout);

        Assert.Equal(CommitOutcome.Committed, largeResult.Outcome);
        Assert.Equal(CommitOutcome.Committed, smallResult.Outcome);
        // The partition's order is commit-timestamp order.
        Assert.True(largeResult.CommitTimestamp < smallResult.CommitTimestamp);
        Assert.True(largeResult.JournalOffset < smallResult.JournalOffset);
    }

    /// <summary>Passes reads through to a journal and records where each began.</summary>
    private sealed class ReadRecordingJournal(IJournalReader inner) : IJournalReader
    {
        private readonly List<long> fromOffsets = [];

        public IReadOnlyList<long> FromOffsets { get { lock (fromOffsets) { return [.. fromOffsets]; } } }

        public IAsyncEnumerable<JournalEntry> ReadAsync(int partition, long fromOffset, CancellationToken cancellationToken)
        {
            lock (fromOffsets)
            {
                fromOffsets.Add(fromOffset);
            }
            return inner.ReadAsync(partition, fromOffset, cancellationToken);
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
