using Log.Journal.Client;
using Log.Journal.Records;
using ScriptedCopy = Log.Journal.Tests.QuorumJournalWriterTests.ScriptedCopy;

namespace Log.Journal.Tests;

/// <summary><see cref="QuorumJournalWriter.AgreeAsync"/>: a new writer whose earlier life crashed brings the copies of
/// its partition to the same records before its first append (a record held by one copy only copied to the others or
/// left out with that copy, a copy that does not answer or does not hold a prefix left out), so that its records land at
/// one offset on every copy it writes.</summary>
public sealed class QuorumJournalWriterAgreementTests
{
    /// <summary>Only a bound for a hang: nothing asserts how long anything took.</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private static List<JournalRecord> Records(int count) => [.. Enumerable.Range(0, count).Select(JournalClientTests.Commit)];

    /// <summary>Puts <paramref name="records"/> on the copy as an earlier writer left them.</summary>
    private static async Task HoldAsync(ScriptedCopy copy, IEnumerable<JournalRecord> records)
    {
        foreach (var record in records)
        {
            await copy.Journal.AppendAsync(0, record, CancellationToken.None);
        }
    }

    private static QuorumJournalWriter WriterOver(ScriptedCopy[] copies) =>
        new(copies.Select(copy => copy.AsRepairableCopy()).ToList(), required: 2) { RepairEpoch = 7 };

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public async Task A_record_left_on_one_copy_only_is_copied_to_the_others_before_the_first_append(int holder)
    {
        var copies = ScriptedCopy.Three();
        var earlier = Records(6);
        foreach (var copy in copies)
        {
            await HoldAsync(copy, earlier.Take(5));
        }
        // The earlier writer's last record reached one copy only, and was never acknowledged.
        await HoldAsync(copies[holder], earlier.Skip(5));
        await using var writer = WriterOver(copies);

        var agreement = await writer.AgreeAsync(0, CancellationToken.None);

        Assert.Equal(6, agreement.End);
        Assert.Equal(copies[holder].Name, agreement.Source);
        Assert.Equal(copies.Where((_, index) => index != holder).Select(copy => copy.Name), agreement.Filled);
        Assert.Empty(agreement.Faulted);
        var next = JournalClientTests.Commit(6);
        Assert.Equal(6, await writer.AppendAsync(0, next, CancellationToken.None));
        var expected = earlier.Append(next).Select(record => record.TransactionId).ToList();
        Assert.All(copies, copy => Assert.Equal(expected, copy.Read(0)));
        Assert.Equal(3, writer.HealthyCopies);
    }

    [Fact]
    public async Task Copies_that_already_agree_are_left_as_they_are()
    {
        var copies = ScriptedCopy.Three();
        var earlier = Records(4);
        foreach (var copy in copies)
        {
            await HoldAsync(copy, earlier);
        }
        await using var writer = WriterOver(copies);

        var agreement = await writer.AgreeAsync(0, CancellationToken.None);

        Assert.Equal(4, agreement.End);
        Assert.Equal(copies[0].Name, agreement.Source);
        Assert.Empty(agreement.Filled);
        Assert.Empty(agreement.Faulted);
        Assert.Equal(4, await writer.AppendAsync(0, JournalClientTests.Commit(4), CancellationToken.None));
        Assert.All(copies, copy => Assert.Equal(5, copy.Read(0).Count));
    }

    [Fact]
    public async Task A_copy_that_does_not_answer_starts_faulted_and_is_filled_and_taken_again_once_it_answers()
    {
        var copies = ScriptedCopy.Three();
        var earlier = Records(8);
        await HoldAsync(copies[0], earlier);
        await HoldAsync(copies[1], earlier.Take(7));
        await HoldAsync(copies[2], earlier.Take(3));
        copies[2].Down = copies[2].Fail = true;
        await using var writer = WriterOver(copies);

        var agreement = await writer.AgreeAsync(0, CancellationToken.None);

        Assert.Equal(8, agreement.End);
        Assert.Equal([copies[1].Name], agreement.Filled);
        Assert.Equal([copies[2].Name], agreement.Faulted);
        Assert.NotNull(writer.CopyFault(2));
        // Taken again before anything is appended: filled to the end the others agreed on.
        copies[2].Down = copies[2].Fail = false;
        var deadline = DateTime.UtcNow + Patience;
        while (writer.CopiesTakenAgain == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the copy was not taken again within the patience bound");
            await Task.Delay(20);
        }
        Assert.Equal(8, await writer.AppendAsync(0, JournalClientTests.Commit(8), CancellationToken.None));
        Assert.Equal(9, await writer.AppendAsync(0, JournalClientTests.Commit(9), CancellationToken.None));
        Assert.Equal(3, writer.HealthyCopies);
        Assert.Equal(10, copies[0].Read(0).Count);
        Assert.Equal(copies[0].Read(0), copies[1].Read(0));
        Assert.Equal(copies[0].Read(0), copies[2].Read(0));
    }

    [Fact]
    public async Task A_copy_that_does_not_hold_a_prefix_of_the_others_is_left_out_and_never_taken_again()
    {
        var copies = ScriptedCopy.Three();
        var earlier = Records(6);
        await HoldAsync(copies[0], earlier.Take(5));
        await HoldAsync(copies[1], earlier.Take(5));
        // Longer, and different from offset 4 on: a record the others never held where theirs is.
        await HoldAsync(copies[2], [.. earlier.Take(4), JournalClientTests.Commit(99), earlier[5]]);
        await using var writer = WriterOver(copies);

        var agreement = await writer.AgreeAsync(0, CancellationToken.None);

        Assert.Equal(5, agreement.End);
        Assert.Equal(copies[0].Name, agreement.Source);
        Assert.Equal([copies[2].Name], agreement.Faulted);
        Assert.Equal(5, await writer.AppendAsync(0, JournalClientTests.Commit(5), CancellationToken.None));
        var deadline = DateTime.UtcNow + Patience;
        while (copies[2].Probes < 3)
        {
            Assert.True(DateTime.UtcNow < deadline, "the left-out copy was not probed within the patience bound");
            await Task.Delay(20);
        }
        Assert.Equal(6, await writer.AppendAsync(0, JournalClientTests.Commit(6), CancellationToken.None));
        Assert.Equal(0, writer.CopiesTakenAgain);
        Assert.Equal(copies[0].Read(0), copies[1].Read(0));
        Assert.Equal(6, copies[2].Read(0).Count);
    }

    [Fact]
    public async Task This_regions_own_copy_that_does_not_hold_a_prefix_of_the_two_others_stops_the_start()
    {
        var copies = ScriptedCopy.Three();
        var earlier = Records(5);
        await HoldAsync(copies[0], [.. earlier.Take(3), JournalClientTests.Commit(99)]);
        await HoldAsync(copies[1], earlier);
        await HoldAsync(copies[2], earlier.Take(4));
        await using var writer = WriterOver(copies);

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => writer.AgreeAsync(0, CancellationToken.None));

        Assert.Contains("own copy", refused.Message, StringComparison.Ordinal);
        // Nothing was filled: the copies are as they were.
        Assert.Equal(4, copies[0].Read(0).Count);
        Assert.Equal(4, copies[2].Read(0).Count);
    }

    [Fact]
    public async Task Two_copies_that_disagree_wait_for_the_third_which_decides_between_them()
    {
        var copies = ScriptedCopy.Three();
        var earlier = Records(6);
        await HoldAsync(copies[0], earlier);
        await HoldAsync(copies[1], [.. earlier.Take(4), JournalClientTests.Commit(99)]);
        await HoldAsync(copies[2], earlier.Take(5));
        copies[2].Down = true;
        await using var writer = WriterOver(copies);

        var agreeing = writer.AgreeAsync(0, CancellationToken.None);
        var deadline = DateTime.UtcNow + Patience;
        while (copies[0].Probes < 2)
        {
            Assert.True(DateTime.UtcNow < deadline, "the agreement was not tried again within the patience bound");
            Assert.False(agreeing.IsCompleted, "the copies were agreed on while only two that disagree answered");
            await Task.Delay(20);
        }
        Assert.Equal(5, copies[2].Read(0).Count);
        copies[2].Down = false;
        var agreement = await agreeing.WaitAsync(Patience);

        Assert.Equal(6, agreement.End);
        Assert.Equal([copies[2].Name], agreement.Filled);
        Assert.Equal([copies[1].Name], agreement.Faulted);
        Assert.Equal(6, await writer.AppendAsync(0, JournalClientTests.Commit(6), CancellationToken.None));
        Assert.Equal(copies[0].Read(0), copies[2].Read(0));
    }

    [Fact]
    public async Task A_partition_already_appended_to_is_not_agreed_on_again()
    {
        var copies = ScriptedCopy.Three();
        await using var writer = WriterOver(copies);
        await writer.AgreeAsync(0, CancellationToken.None);
        await writer.AppendAsync(0, JournalClientTests.Commit(0), CancellationToken.None);

        await Assert.ThrowsAsync<InvalidOperationException>(() => writer.AgreeAsync(0, CancellationToken.None));
    }
}
