using System.Text;
using Log.Journal.Client;
using Log.Journal.Records;
using Log.Journal.Time;
using static Log.Adjudicator.Tests.RegionShards;

namespace Log.Adjudicator.Tests;

/// <summary>
/// A region shard gathers the commits that arrive while its record of commits is in flight and writes them as one record
/// (README.md, "Commits batched into one record"); a commit with nothing in flight is written alone, as before.
/// </summary>
public sealed class RegionCommitBatchingTests
{
    private static CommitRequest Request(HybridTimestamp start, string key) =>
        new(Guid.NewGuid(), start, [new JournalWrite(Encoding.UTF8.GetBytes(key), [1])], []);

    [Fact]
    public async Task Commits_arriving_while_a_record_is_in_flight_go_out_as_one_batch_and_a_second_local_writer_is_refused_at_once()
    {
        var writer = CommitHolding();
        var clock = new HybridClock();
        await using var shard = await StartShardAsync(writer, clock);

        // Nothing in flight: the commit is its own record, as before.
        var start = clock.Now();
        var first = shard.CommitAsync(Request(start, "k1"), CancellationToken.None);
        await Eventually(() => writer.Held == 1);
        Assert.Equal(JournalRecordKind.Commit, writer.Picked[^1].Kind);

        // While it is in flight two more are gathered; writers of their keys (or of the first's) are refused at once.
        var second = shard.CommitAsync(Request(start, "k2"), CancellationToken.None);
        var third = shard.CommitAsync(Request(start, "k3"), CancellationToken.None);
        var againFirst = await shard.CommitAsync(Request(start, "k1"), CancellationToken.None).WaitAsync(Patience);
        var againSecond = await shard.CommitAsync(Request(start, "k2"), CancellationToken.None).WaitAsync(Patience);
        Assert.Equal(CommitOutcome.DataConflict, againFirst.Outcome);
        Assert.Equal(CommitOutcome.DataConflict, againSecond.Outcome);
        Assert.Equal(2, shard.GatheredCount);
        Assert.Equal(1, writer.Held);
        Assert.False(second.IsCompleted);

        // The first answered: the gathered two go out as one batch.
        writer.ReleaseOldest();
        var firstResult = await first.WaitAsync(Patience);
        Assert.Equal(CommitOutcome.Committed, firstResult.Outcome);
        await Eventually(() => writer.Held == 1);
        var batch = writer.Picked[^1];
        Assert.Equal(JournalRecordKind.CommitBatch, batch.Kind);
        Assert.Equal(2, batch.Batch!.Count);
        Assert.Equal(0, shard.GatheredCount);

        writer.ReleaseOldest();
        var secondResult = await second.WaitAsync(Patience);
        var thirdResult = await third.WaitAsync(Patience);
        Assert.Equal((CommitOutcome.Committed, CommitOutcome.Committed), (secondResult.Outcome, thirdResult.Outcome));
        // In the order they arrived, each above the one before, and one offset for both (one record).
        Assert.True(firstResult.CommitTimestamp < secondResult.CommitTimestamp && secondResult.CommitTimestamp < thirdResult.CommitTimestamp);
        Assert.Equal([secondResult.CommitTimestamp.Value, thirdResult.CommitTimestamp.Value], batch.Batch.Select(candidate => candidate.CommitTimestamp));
        Assert.Equal(secondResult.JournalOffset, thirdResult.JournalOffset);
        Assert.Equal((2L, 3L), (shard.CommitRecordsAppended, shard.CommitsAppended));

        // Nothing in flight again: alone.
        var fourth = shard.CommitAsync(Request(clock.Now(), "k4"), CancellationToken.None);
        await Eventually(() => writer.Held == 1);
        Assert.Equal(JournalRecordKind.Commit, writer.Picked[^1].Kind);
        writer.ReleaseOldest();
        Assert.Equal(CommitOutcome.Committed, (await fourth.WaitAsync(Patience)).Outcome);
    }

    [Fact]
    public async Task Gathered_commits_are_answered_not_committed_when_the_shard_stops_before_sending_them()
    {
        var writer = CommitHolding();
        var clock = new HybridClock();
        var shard = await StartShardAsync(writer, clock);
        var first = shard.CommitAsync(Request(clock.Now(), "k1"), CancellationToken.None);
        await Eventually(() => writer.Held == 1);
        var gathered = shard.CommitAsync(Request(clock.Now(), "k2"), CancellationToken.None);
        await shard.DisposeAsync();
        Assert.Equal(CommitOutcome.NotCommitted, (await gathered.WaitAsync(Patience)).Outcome);
        Assert.Equal(CommitOutcome.OutcomeUnknown, (await first.WaitAsync(Patience)).Outcome);
    }

    [Fact]
    public void At_least_one_record_of_commits_must_be_allowed_in_flight()
    {
        var options = new RegionOptions { Region = "a", Regions = ["a"], CommitRecordsInFlightMax = 0 };
        Assert.Throws<ArgumentException>(options.Validate);
    }

    /// <summary>A shard of the one region "a", reading its topic from the writer's journal.</summary>
    private static Task<RegionAdjudicatorShard> StartShardAsync(HoldingWriter writer, HybridClock clock) =>
        RegionShards.StartAsync(new RegionOptions
        {
            Region = "a",
            Regions = ["a"],
            Lead = TimeSpan.FromMilliseconds(5),
            MaxClockOffset = TimeSpan.FromMilliseconds(1),
            HeartbeatInterval = TimeSpan.FromMilliseconds(5),
            FailoverTimeout = TimeSpan.Zero,
        }, writer, writer.Journal, clock);

    /// <summary>A writer that answers every record but records of commits at once; those when the test releases them.</summary>
    private static HoldingWriter CommitHolding() =>
        new(new MemoryJournal(), record => record.Kind is JournalRecordKind.Commit or JournalRecordKind.CommitBatch);
}
