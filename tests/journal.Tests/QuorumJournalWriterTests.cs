using Log.Journal.Client;
using Log.Journal.Records;

namespace Log.Journal.Tests;

/// <summary><see cref="QuorumJournalWriter"/> over copies in memory whose answers the test controls: acknowledged once
/// two of three copies hold a record, in order, never counting a copy with a hole, a failed copy faulted and the
/// quorum's loss reported.</summary>
public sealed class QuorumJournalWriterTests
{
    [Fact]
    public async Task Every_copy_holds_the_records_in_append_order_and_each_is_acknowledged_at_its_offset_on_all()
    {
        var copies = ScriptedCopy.Three();
        await using var writer = new QuorumJournalWriter(copies.Select(copy => copy.AsCopy()).ToList(), required: 2);
        var acknowledged = new List<(int Partition, long Offset, Guid Transaction)>();
        var records = Enumerable.Range(0, 300).Select(JournalClientTests.Commit).ToList();
        // Appends from several threads at once: whatever order they take, every copy must get that one order.
        await Parallel.ForEachAsync(Enumerable.Range(0, records.Count), new ParallelOptions { MaxDegreeOfParallelism = 4 },
            async (index, _) =>
            {
                var partition = index % 2;
                var offset = await writer.AppendAsync(partition, records[index], CancellationToken.None);
                lock (acknowledged)
                {
                    acknowledged.Add((partition, offset, records[index].TransactionId));
                }
            });

        foreach (var partition in new[] { 0, 1 })
        {
            var first = copies[0].Read(partition);
            Assert.Equal(150, first.Count);
            foreach (var copy in copies.Skip(1))
            {
                Assert.Equal(first, copy.Read(partition));
            }
            foreach (var (_, offset, transaction) in acknowledged.Where(entry => entry.Partition == partition))
            {
                Assert.Equal(transaction, first[(int)offset]);
            }
        }
        Assert.Equal(3, writer.HealthyCopies);
    }

    [Fact]
    public async Task A_record_appended_from_an_acknowledgement_reaches_every_copy_after_the_acknowledged_one()
    {
        // The copies answer at once, on the appending thread: the first record's quorum is complete while it is still
        // being handed to the third copy, and its callback appends the next record.
        var copies = ScriptedCopy.Three();
        await using var writer = new QuorumJournalWriter(copies.Select(copy => copy.AsCopy()).ToList(), required: 2);
        var finished = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var acknowledged = new List<long>();
        void AppendNext(int index)
        {
            writer.Append(0, JournalClientTests.Commit(index), (offset, error) =>
            {
                if (error is not null)
                {
                    finished.TrySetException(error);
                    return;
                }
                acknowledged.Add(offset);
                if (index == 19)
                {
                    finished.TrySetResult();
                    return;
                }
                AppendNext(index + 1);
            });
        }
        AppendNext(0);
        await finished.Task;

        Assert.Equal(Enumerable.Range(0, 20).Select(index => (long)index), acknowledged);
        Assert.Equal(3, writer.HealthyCopies);
        Assert.Equal(copies[0].Read(0), copies[1].Read(0));
        Assert.Equal(copies[0].Read(0), copies[2].Read(0));
    }

    [Fact]
    public async Task Records_unacknowledged_when_the_writer_is_disposed_fail()
    {
        var copies = ScriptedCopy.Three();
        var writer = new QuorumJournalWriter(copies.Select(copy => copy.AsCopy()).ToList(), required: 2);
        copies[1].Hold = true;
        copies[2].Hold = true;
        var waiting = writer.AppendAsync(0, JournalClientTests.Commit(0), CancellationToken.None);
        await writer.DisposeAsync();
        var failure = await Assert.ThrowsAsync<JournalAppendException>(() => waiting);
        Assert.True(failure.MayHaveBeenWritten);
        Assert.Throws<ObjectDisposedException>(() => writer.Append(0, JournalClientTests.Commit(1), (_, _) => { }));
    }

    [Fact]
    public async Task A_record_is_acknowledged_once_two_copies_hold_it_and_the_slow_third_still_gets_every_record_in_order()
    {
        var copies = ScriptedCopy.Three();
        await using var writer = new QuorumJournalWriter(copies.Select(copy => copy.AsCopy()).ToList(), required: 2);
        Assert.Equal(0, await writer.AppendAsync(0, JournalClientTests.Commit(0), CancellationToken.None));
        copies[1].Hold = true;
        copies[2].Hold = true;

        var second = writer.AppendAsync(0, JournalClientTests.Commit(1), CancellationToken.None);
        Assert.False(second.IsCompleted);
        copies[1].ReleaseHeld();
        Assert.Equal(1, await second);

        // Copy 2 stays behind: every later record is acknowledged without it, in order.
        var acknowledged = new List<long>();
        var records = Enumerable.Range(2, 100).Select(JournalClientTests.Commit).ToList();
        copies[1].Hold = false;
        foreach (var record in records)
        {
            writer.Append(0, record, (offset, error) =>
            {
                Assert.Null(error);
                acknowledged.Add(offset);
            });
        }
        Assert.Equal(Enumerable.Range(2, 100).Select(index => (long)index), acknowledged);
        Assert.Equal(101, copies[2].HeldCount);

        copies[2].ReleaseHeld();
        Assert.Equal(copies[0].Read(0), copies[2].Read(0));
        Assert.Equal(3, writer.HealthyCopies);
    }

    [Fact]
    public async Task A_copys_first_record_goes_alone_and_the_next_wait_for_its_answer_on_that_copy_only()
    {
        var copies = ScriptedCopy.Three();
        await using var writer = new QuorumJournalWriter(copies.Select(copy => copy.AsCopy()).ToList(), required: 2);
        copies[2].Hold = true;
        for (var index = 0; index < 5; index++)
        {
            Assert.Equal(index, await writer.AppendAsync(0, JournalClientTests.Commit(index), CancellationToken.None));
        }
        Assert.Equal(5, copies[0].Calls);
        Assert.Equal(1, copies[2].Calls);

        // Its first answer sends it the rest, in order.
        copies[2].ReleaseHeld();
        Assert.Equal(5, copies[2].Calls);
        Assert.Equal(copies[0].Read(0), copies[2].Read(0));
        Assert.Equal(3, writer.HealthyCopies);
    }

    [Fact]
    public async Task A_failed_copy_is_faulted_and_gets_nothing_more_while_the_other_two_keep_acknowledging()
    {
        var copies = ScriptedCopy.Three();
        await using var writer = new QuorumJournalWriter(copies.Select(copy => copy.AsCopy()).ToList(), required: 2);
        for (var index = 0; index < 10; index++)
        {
            Assert.Equal(index, await writer.AppendAsync(0, JournalClientTests.Commit(index), CancellationToken.None));
        }
        copies[1].Fail = true;
        for (var index = 10; index < 30; index++)
        {
            Assert.Equal(index, await writer.AppendAsync(0, JournalClientTests.Commit(index), CancellationToken.None));
        }
        copies[1].Fail = false;
        Assert.Equal(30, await writer.AppendAsync(0, JournalClientTests.Commit(30), CancellationToken.None));

        Assert.NotNull(writer.CopyFault(1));
        Assert.Null(writer.CopyFault(0));
        Assert.Equal(2, writer.HealthyCopies);
        // The failed copy was sent the record it failed and nothing after it, even once it could take records again.
        Assert.Equal(11, copies[1].Calls);
        Assert.Equal(copies[0].Read(0).Take(10), copies[1].Read(0));
        Assert.Equal(copies[0].Read(0), copies[2].Read(0));
    }

    [Fact]
    public async Task With_two_copies_failed_the_waiting_and_every_later_append_fail_saying_the_quorum_is_lost()
    {
        var copies = ScriptedCopy.Three();
        await using var writer = new QuorumJournalWriter(copies.Select(copy => copy.AsCopy()).ToList(), required: 2);
        Assert.Equal(0, await writer.AppendAsync(0, JournalClientTests.Commit(0), CancellationToken.None));
        copies[1].Fail = true;
        copies[2].Hold = true;
        var waiting = writer.AppendAsync(0, JournalClientTests.Commit(1), CancellationToken.None);
        Assert.False(waiting.IsCompleted);

        copies[2].FailHeld();
        var lost = await Assert.ThrowsAsync<JournalAppendException>(() => waiting);
        Assert.Contains("quorum is lost", lost.Message, StringComparison.Ordinal);
        Assert.True(lost.MayHaveBeenWritten);

        var refused = await Assert.ThrowsAsync<JournalAppendException>(
            () => writer.AppendAsync(0, JournalClientTests.Commit(2), CancellationToken.None));
        Assert.Contains("quorum is lost", refused.Message, StringComparison.Ordinal);
        Assert.False(refused.MayHaveBeenWritten);
        Assert.Equal(1, writer.HealthyCopies);
        // Nothing was sent anywhere after the loss.
        Assert.Equal(2, copies[0].Calls);
    }

    [Fact]
    public async Task A_copy_counts_for_a_record_only_once_it_holds_every_record_before_it()
    {
        var copies = ScriptedCopy.Three();
        await using var writer = new QuorumJournalWriter(copies.Select(copy => copy.AsCopy()).ToList(), required: 2);
        Assert.Equal(0, await writer.AppendAsync(0, JournalClientTests.Commit(0), CancellationToken.None));
        copies[2].Fail = true;
        copies[0].Hold = true;
        copies[1].Hold = true;
        var one = writer.AppendAsync(0, JournalClientTests.Commit(1), CancellationToken.None);
        var two = writer.AppendAsync(0, JournalClientTests.Commit(2), CancellationToken.None);
        copies[0].ReleaseHeld();

        // Copy 1 answers out of order: record 2 lands before record 1 is answered. Counting it would acknowledge record 2
        // on a copy that may end with a hole before it; it must wait for record 1.
        copies[1].Answer(1, succeeds: true);
        Assert.False(one.IsCompleted);
        Assert.False(two.IsCompleted);
        // And record 1 fails there (a producer's in-flight record may land behind one that timed out): the hole is
        // real, copy 1 is faulted, and with copy 2 gone neither record has a quorum.
        copies[1].Answer(0, succeeds: false);
        Assert.Contains("quorum is lost", (await Assert.ThrowsAsync<JournalAppendException>(() => one)).Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<JournalAppendException>(() => two);
        Assert.NotNull(writer.CopyFault(1));
    }

    [Fact]
    public async Task A_copy_that_puts_a_record_at_another_offset_is_faulted_as_diverged()
    {
        var copies = ScriptedCopy.Three();
        // Copy 2 already holds a record the others do not.
        await copies[2].Journal.AppendAsync(0, JournalClientTests.Commit(99), CancellationToken.None);
        await using var writer = new QuorumJournalWriter(copies.Select(copy => copy.AsCopy()).ToList(), required: 2);

        Assert.Equal(0, await writer.AppendAsync(0, JournalClientTests.Commit(0), CancellationToken.None));
        Assert.Equal(1, await writer.AppendAsync(0, JournalClientTests.Commit(1), CancellationToken.None));
        Assert.Contains("not at 0", writer.CopyFault(2)!.Message, StringComparison.Ordinal);
        Assert.Equal(2, writer.HealthyCopies);
    }

    [Fact]
    public async Task The_offset_and_the_acknowledgement_order_follow_the_quorum_whichever_copies_answer_first()
    {
        var copies = ScriptedCopy.Three();
        await using var writer = new QuorumJournalWriter(copies.Select(copy => copy.AsCopy()).ToList(), required: 2);
        foreach (var copy in copies)
        {
            copy.Hold = true;
        }
        var acknowledged = new List<long>();
        for (var index = 0; index < 5; index++)
        {
            writer.Append(0, JournalClientTests.Commit(index), (offset, error) =>
            {
                Assert.Null(error);
                acknowledged.Add(offset);
            });
        }
        // The local copy answers last: the quorum of the other two acknowledges, in order, at the offsets it will hold.
        copies[2].ReleaseHeld();
        Assert.Empty(acknowledged);
        copies[1].ReleaseHeld();
        Assert.Equal([0, 1, 2, 3, 4], acknowledged);
        copies[0].ReleaseHeld();
        Assert.Equal(3, writer.HealthyCopies);
        Assert.Equal(copies[1].Read(0), copies[0].Read(0));
    }
    /// <summary>Only a bound for a hang: nothing asserts how long taking a copy again took.</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_faulted_copy_that_answers_again_is_filled_from_a_healthy_one_and_taken_again_in_order()
    {
        var copies = ScriptedCopy.Three();
        await using var writer = new QuorumJournalWriter(copies.Select(copy => copy.AsRepairableCopy()).ToList(), required: 2);
        for (var index = 0; index < 10; index++)
        {
            Assert.Equal(index, await writer.AppendAsync(0, JournalClientTests.Commit(index), CancellationToken.None));
        }
        copies[1].Fail = copies[1].Down = true;
        for (var index = 10; index < 30; index++)
        {
            Assert.Equal(index, await writer.AppendAsync(0, JournalClientTests.Commit(index), CancellationToken.None));
        }
        Assert.Equal(2, writer.HealthyCopies);
        Assert.Equal(10, copies[1].Read(0).Count);

        copies[1].Fail = copies[1].Down = false;
        // Appends go on while the copy is filled and taken again: each must reach it once, in the writer's order.
        var next = 30;
        var deadline = DateTime.UtcNow + Patience;
        while (writer.CopiesTakenAgain == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the copy was not taken again within the patience bound");
            Assert.Equal(next, await writer.AppendAsync(0, JournalClientTests.Commit(next), CancellationToken.None));
            next++;
            await Task.Delay(10);
        }
        for (var end = next + 10; next < end; next++)
        {
            Assert.Equal(next, await writer.AppendAsync(0, JournalClientTests.Commit(next), CancellationToken.None));
        }

        Assert.Equal(3, writer.HealthyCopies);
        Assert.Null(writer.CopyFault(1));
        Assert.Equal(next, copies[0].Read(0).Count);
        Assert.Equal(copies[0].Read(0), copies[1].Read(0));
        Assert.Equal(copies[0].Read(0), copies[2].Read(0));
    }

    [Fact]
    public async Task A_lost_quorum_comes_back_once_a_second_copy_is_taken_again_and_appends_are_acknowledged_again()
    {
        var copies = ScriptedCopy.Three();
        await using var writer = new QuorumJournalWriter(copies.Select(copy => copy.AsRepairableCopy()).ToList(), required: 2);
        Assert.Equal(0, await writer.AppendAsync(0, JournalClientTests.Commit(0), CancellationToken.None));
        copies[1].Fail = copies[1].Down = true;
        copies[2].Fail = copies[2].Down = true;
        var lost = await Assert.ThrowsAsync<JournalAppendException>(() => writer.AppendAsync(0, JournalClientTests.Commit(1), CancellationToken.None));
        Assert.Contains("quorum is lost", lost.Message, StringComparison.Ordinal);

        copies[2].Fail = copies[2].Down = false;
        var deadline = DateTime.UtcNow + Patience;
        while (writer.HealthyCopies < 2)
        {
            Assert.True(DateTime.UtcNow < deadline, "the quorum did not come back within the patience bound");
            await Task.Delay(20);
        }
        var offset = await writer.AppendAsync(0, JournalClientTests.Commit(2), CancellationToken.None);

        // The record the lost quorum failed reached the local copy (it may have been written): the copy taken again
        // holds it too, and the next record lands after it on both.
        Assert.Equal(2, offset);
        Assert.Equal(copies[0].Read(0), copies[2].Read(0));
        Assert.Single(copies[1].Read(0));
        Assert.NotNull(writer.CopyFault(1));
    }

    [Fact]
    public async Task A_faulted_copy_that_is_not_a_prefix_of_the_healthy_ones_is_never_taken_again()
    {
        var copies = ScriptedCopy.Three();
        await using var writer = new QuorumJournalWriter(copies.Select(copy => copy.AsRepairableCopy()).ToList(), required: 2);
        for (var index = 0; index < 5; index++)
        {
            await writer.AppendAsync(0, JournalClientTests.Commit(index), CancellationToken.None);
        }
        copies[1].Fail = true;
        for (var index = 5; index < 10; index++)
        {
            await writer.AppendAsync(0, JournalClientTests.Commit(index), CancellationToken.None);
        }
        // Something else landed on the faulted copy: it differs from the healthy ones at offset 5.
        await copies[1].Journal.AppendAsync(0, JournalClientTests.Commit(99), CancellationToken.None);
        copies[1].Fail = false;
        var deadline = DateTime.UtcNow + Patience;
        while (copies[1].Probes < 3)
        {
            Assert.True(DateTime.UtcNow < deadline, "the faulted copy was not probed within the patience bound");
            await Task.Delay(20);
        }

        Assert.Equal(0, writer.CopiesTakenAgain);
        Assert.NotNull(writer.CopyFault(1));
        Assert.Equal(6, copies[1].Read(0).Count);
        Assert.Equal(10, await writer.AppendAsync(0, JournalClientTests.Commit(10), CancellationToken.None));
        Assert.Equal(6, copies[1].Read(0).Count);
    }

    /// <summary>A copy over a <see cref="MemoryJournal"/> whose answers the test holds back, fails or lets through.</summary>
    internal sealed class ScriptedCopy(string name) : IJournalWriter
    {
        private readonly List<(long Offset, Action<long, Exception?> OnDone)?> held = [];

        public static ScriptedCopy[] Three() => [new("local"), new("peer"), new("witness")];

        public MemoryJournal Journal { get; } = new();

        public string Name { get; } = name;

        /// <summary>Records are written at once but their acknowledgements wait for <see cref="ReleaseHeld"/>.</summary>
        public bool Hold { get; set; }

        /// <summary>Every append fails (the record is not written).</summary>
        public bool Fail { get; set; }

        public int Calls { get; private set; }

        public int HeldCount => held.Count(entry => entry is not null);

        public QuorumJournalCopy AsCopy() => new(Name, this);

        /// <summary>The copy with direct access, so the writer probes it once faulted and may take it again (with
        /// this same object as its new writer).</summary>
        public QuorumJournalCopy AsRepairableCopy() => new(Name, this) { Direct = new Access(this), Reopen = () => this };

        /// <summary>Its journal does not answer the writer's probes.</summary>
        public bool Down { get; set; }

        /// <summary>Probes answered (fences that read its end).</summary>
        public int Probes => Volatile.Read(ref probes);

        private int probes;

        private sealed class Access(ScriptedCopy copy) : IRegionSealCopy
        {
            public string Name => copy.Name;

            public Task<long> FenceAsync(int partition, long epoch, CancellationToken cancellationToken)
            {
                if (copy.Down)
                {
                    throw new IOException($"{copy.Name} does not answer");
                }
                Interlocked.Increment(ref copy.probes);
                return Task.FromResult(copy.Journal.EndOffset(partition));
            }

            public async Task<IReadOnlyList<JournalRecord>> ReadAsync(int partition, long from, long to, CancellationToken cancellationToken) =>
                to <= from ? [] : [.. (await JournalClientTests.ReadAsync(copy.Journal, partition, from, (int)(to - from))).Select(entry => entry.Record)];

            public async Task AppendAtAsync(int partition, long expectedOffset, IReadOnlyList<JournalRecord> records, CancellationToken cancellationToken)
            {
                if (copy.Down || copy.Journal.EndOffset(partition) != expectedOffset)
                {
                    throw new JournalFenceRefusedException(1, $"{copy.Name} does not end at {expectedOffset}");
                }
                foreach (var record in records)
                {
                    await copy.Journal.AppendAsync(partition, record, cancellationToken);
                }
            }
        }

        public List<Guid> Read(int partition)
        {
            var count = (int)Journal.EndOffset(partition);
            if (count == 0)
            {
                return [];
            }
            return JournalClientTests.ReadAsync(Journal, partition, 0, count).GetAwaiter().GetResult()
                .Select(entry => entry.Record.TransactionId).ToList();
        }

        public Task<long> AppendAsync(int partition, JournalRecord record, CancellationToken cancellationToken) =>
            throw new NotSupportedException("The quorum writer appends through the callback.");

        public void Append(int partition, JournalRecord record, Action<long, Exception?> onDone)
        {
            Calls++;
            if (Fail)
            {
                onDone(-1, new JournalAppendException($"{Name} is down", mayHaveBeenWritten: false, isTransient: true));
                return;
            }
            var offset = Journal.AppendAsync(partition, record, CancellationToken.None).Result;
            if (Hold)
            {
                held.Add((offset, onDone));
                return;
            }
            onDone(offset, null);
        }

        public void ReleaseHeld() => AnswerAll(succeed: true);

        public void FailHeld() => AnswerAll(succeed: false);

        private void AnswerAll(bool succeed)
        {
            for (var index = 0; index < held.Count; index++)
            {
                if (held[index] is not null)
                {
                    Answer(index, succeed);
                }
            }
            held.Clear();
        }

        /// <summary>Answers the <paramref name="index"/>th record held since the last release: acknowledges or fails it.</summary>
        public void Answer(int index, bool succeeds)
        {
            var (offset, onDone) = held[index] ?? throw new InvalidOperationException($"Record {index} was answered already.");
            held[index] = null;
            onDone(succeeds ? offset : -1,
                succeeds ? null : new JournalAppendException($"{Name} timed out", mayHaveBeenWritten: true, isTransient: true));
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
