using Log.Journal.Client;
using Log.Journal.Records;
using Log.Journal.Time;

namespace Log.Adjudicator.Tests;

/// <summary>
/// A region shard's heartbeats leave room for its commits in the journal producers' requests in flight
/// (<see cref="RegionOptions.HeartbeatsInFlightMax"/>; README.md, "Figures (regions)").
/// </summary>
public sealed class RegionHeartbeatTests
{
    private static readonly TimeSpan Patience = RegionShards.Patience;
    private static readonly TimeSpan HeartbeatInterval = TimeSpan.FromMilliseconds(3);

    [Fact]
    public async Task Heartbeats_due_while_the_most_allowed_are_unanswered_are_owed_until_one_is_answered_and_a_reads_close_is_appended_regardless()
    {
        var writer = HeartbeatHolding();
        var time = new HeartbeatTickCounter(HeartbeatInterval);
        await using var shard = await StartShardAsync(writer, time, heartbeatsInFlightMax: 2);

        await Eventually(() => writer.Held == 2);
        // Many more heartbeats fall due while both stay unanswered: none of them is appended.
        var ticks = time.HeartbeatTicks;
        await Eventually(() => time.HeartbeatTicks >= ticks + 30);
        Assert.Equal(2, writer.Picked.Count);
        Assert.Equal(2, writer.MostHeld);
        Assert.Equal(2, shard.HeartbeatsInFlight);

        // One answered: the heartbeat owed since is appended, and the count is back at the most allowed.
        writer.ReleaseOldest();
        await Eventually(() => writer.Picked.Count == 3);
        ticks = time.HeartbeatTicks;
        await Eventually(() => time.HeartbeatTicks >= ticks + 30);
        Assert.Equal(3, writer.Picked.Count);
        Assert.Equal(2, writer.MostHeld);

        // A timestamp closed for a read is appended all the same, and is decided once this region's copy holds it.
        var closed = HybridTimestamp.From(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 60_000, 0);
        var fence = await shard.CloseTimestampAsync(closed, CancellationToken.None).WaitAsync(Patience);
        Assert.Equal(closed, fence.Timestamp);
        Assert.Equal(4, writer.Picked.Count);

        // Answered, they leave the count (later heartbeats would close below the read's promise, so none follows here;
        // the next test has heartbeats going on while answered).
        writer.ReleaseAll();
        await Eventually(() => shard.HeartbeatsInFlight == 0);
        Assert.Equal(3, writer.MostHeld);
    }

    [Fact]
    public async Task Heartbeats_go_on_while_they_are_answered()
    {
        var writer = HeartbeatHolding(answerAtOnce: true);
        await using var shard = await StartShardAsync(writer, new HeartbeatTickCounter(HeartbeatInterval), heartbeatsInFlightMax: 1);
        await Eventually(() => writer.Picked.Count >= 5);
        Assert.Equal(0, writer.Held);
    }

    [Fact]
    public void At_least_one_heartbeat_must_be_allowed_in_flight()
    {
        var options = new RegionOptions { Region = "a", Regions = ["a"], HeartbeatsInFlightMax = 0 };
        Assert.Throws<ArgumentException>(options.Validate);
    }

    /// <summary>A writer that answers every record but heartbeats at once; heartbeats when the test releases them, unless
    /// <paramref name="answerAtOnce"/>.</summary>
    private static HoldingWriter HeartbeatHolding(bool answerAtOnce = false) =>
        new(new MemoryJournal(), record => record.Kind == JournalRecordKind.Heartbeat) { AnswerAtOnce = answerAtOnce };

    /// <summary>A shard of the one region "a", reading its topic from the writer's journal.</summary>
    private static Task<RegionAdjudicatorShard> StartShardAsync(HoldingWriter writer, TimeProvider time, int heartbeatsInFlightMax) =>
        RegionShards.StartAsync(new RegionOptions
        {
            Region = "a",
            Regions = ["a"],
            Lead = TimeSpan.FromMilliseconds(20),
            MaxClockOffset = TimeSpan.FromMilliseconds(1),
            HeartbeatInterval = HeartbeatInterval,
            HeartbeatsInFlightMax = heartbeatsInFlightMax,
            FailoverTimeout = TimeSpan.Zero,
        }, writer, writer.Journal, time);

    private static Task Eventually(Func<bool> condition) => RegionShards.Eventually(condition);

    /// <summary>The system's time, counting the timers of one due time (the heartbeat loop's waits): each is a heartbeat
    /// falling due.</summary>
    private sealed class HeartbeatTickCounter(TimeSpan heartbeatInterval) : TimeProvider
    {
        private int heartbeatTicks;

        public int HeartbeatTicks => Volatile.Read(ref heartbeatTicks);

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            if (dueTime == heartbeatInterval)
            {
                Interlocked.Increment(ref heartbeatTicks);
            }
            return System.CreateTimer(callback, state, dueTime, period);
        }
    }
}
