using Log.Journal.Client;
using Log.Journal.Records;
using Log.Journal.Time;

namespace Log.Adjudicator.Tests;

/// <summary>
/// A region shard says in its own topic which of its records two regions' journals hold: its heartbeats carry the
/// durable end its writer acknowledged, and one goes at once when a commit's acknowledgement moves it (README.md,
/// "The protocol").
/// </summary>
public sealed class RegionDurableEndTests
{
    private static readonly TimeSpan Patience = RegionShards.Patience;

    [Fact]
    public async Task A_commits_acknowledgement_is_said_at_once_by_a_heartbeat_of_this_life_after_it()
    {
        var journal = new MemoryJournal();
        await using var shard = await StartShardAsync(journal, publishDurableEnd: true);
        var epochStart = (await Keys.ReadAllAsync(journal, 0)).Single(entry => entry.Record.Kind == JournalRecordKind.EpochStart);
        Assert.Equal(epochStart.Offset + 1, shard.DurableEnd);

        var committed = await shard.CommitAsync(Keys.Request(HybridTimestamp.From(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), 0), "row"),
            CancellationToken.None).WaitAsync(Patience);
        Assert.Equal(CommitOutcome.Committed, committed.Outcome);
        await RegionShards.Eventually(() => shard.DurableEnd > committed.JournalOffset + 1);

        var entries = await Keys.ReadAllAsync(journal, 0);
        var sayings = entries.Where(entry => entry.Record is { Kind: JournalRecordKind.Heartbeat, DurableEnd: > 0 }).ToList();
        var saying = Assert.Single(sayings, entry => entry.Record.DurableEnd > committed.JournalOffset);
        Assert.True(saying.Offset > committed.JournalOffset, $"said at {saying.Offset}, the commit is at {committed.JournalOffset}");
        Assert.Equal(7, saying.Record.Epoch);
        Assert.Equal(JournalRecord.RegionDurableEndFormatVersion, saying.Record.FormatVersion);
        Assert.True(saying.Record.Closed > committed.CommitTimestamp, "a heartbeat after a commit closes above it");
        // No claim is past its own record, and none goes back.
        Assert.All(sayings, entry => Assert.True(entry.Record.DurableEnd <= entry.Offset, $"{entry.Record.DurableEnd} claimed at {entry.Offset}"));
        Assert.Equal(sayings.Select(entry => entry.Record.DurableEnd).Order(), sayings.Select(entry => entry.Record.DurableEnd));
    }

    [Fact]
    public async Task A_shard_that_does_not_publish_its_durable_end_writes_heartbeats_without_one()
    {
        var journal = new MemoryJournal();
        await using var shard = await StartShardAsync(journal, publishDurableEnd: false);
        var committed = await shard.CommitAsync(Keys.Request(HybridTimestamp.From(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), 0), "row"),
            CancellationToken.None).WaitAsync(Patience);
        Assert.Equal(CommitOutcome.Committed, committed.Outcome);
        var closed = HybridTimestamp.From(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 1_000, 0);
        await shard.CloseTimestampAsync(closed, CancellationToken.None).WaitAsync(Patience);

        var heartbeats = (await Keys.ReadAllAsync(journal, 0)).Where(entry => entry.Record.Kind == JournalRecordKind.Heartbeat).ToList();
        Assert.NotEmpty(heartbeats);
        Assert.All(heartbeats, entry => Assert.Equal((0L, JournalRecord.CurrentFormatVersion), (entry.Record.DurableEnd, entry.Record.FormatVersion)));
    }

    /// <summary>A shard of the one region "a" at epoch 7, its topic in <paramref name="journal"/>.</summary>
    private static Task<RegionAdjudicatorShard> StartShardAsync(MemoryJournal journal, bool publishDurableEnd) =>
        RegionShards.StartAsync(new RegionOptions
        {
            Region = "a",
            Regions = ["a"],
            Epoch = 7,
            Lead = TimeSpan.FromMilliseconds(20),
            MaxClockOffset = TimeSpan.FromMilliseconds(1),
            // Regular heartbeats far apart: the one that says a commit is durable is the shard's answer to its acknowledgement.
            HeartbeatInterval = TimeSpan.FromHours(1),
            FailoverTimeout = TimeSpan.Zero,
            PublishDurableEnd = publishDurableEnd,
        }, journal, journal, TimeProvider.System);
}
