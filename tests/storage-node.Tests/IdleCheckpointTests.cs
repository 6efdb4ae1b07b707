using static Log.StorageNode.Tests.StorageNodeHarness;

namespace Log.StorageNode.Tests;

/// <summary>The checkpoint interval passes over an idle node (only heartbeats arrive) without a checkpoint, and a write
/// brings the next interval's checkpoint back.</summary>
public sealed class IdleCheckpointTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task An_interval_with_only_heartbeats_applied_takes_no_checkpoint_and_one_with_a_write_does()
    {
        var time = new SteppedTimeProvider();
        await using var harness = await StorageNodeHarness.StartAsync(configure: options => options with
        {
            TimeProvider = time,
            CheckpointInterval = Interval,
            CheckpointJournalDistanceMax = long.MaxValue,
            CheckpointWriteDistanceMax = long.MaxValue,
            CheckpointOnShutdown = false,
        });
        await harness.AppendAllAndWaitAsync(Commit(10, ("a", "1")), Heartbeat(11));
        await StepUntilAsync(time, () => harness.Node.NewestCheckpoint is not null);
        var first = harness.Node.NewestCheckpoint!;
        Assert.Equal(harness.Node.NextOffset, first.NextOffset);

        // Idle: heartbeats only, over several intervals.
        var skippedBefore = harness.Node.IdleCheckpointsSkipped;
        for (ulong closed = 12; closed < 32; closed++)
        {
            await harness.AppendAllAndWaitAsync(Heartbeat(closed));
        }
        await StepUntilAsync(time, () => harness.Node.IdleCheckpointsSkipped >= skippedBefore + 2);
        Assert.Equal(first.Sequence, harness.Node.NewestCheckpoint!.Sequence);
        Assert.True(harness.Node.NextOffset > first.NextOffset);

        // A write: the next interval takes one, at the journal's end.
        await harness.AppendAllAndWaitAsync(Commit(40, ("b", "2")), Heartbeat(41));
        await StepUntilAsync(time, () => harness.Node.NewestCheckpoint!.Sequence > first.Sequence);
        Assert.Equal(harness.Node.NextOffset, harness.Node.NewestCheckpoint!.NextOffset);
        Assert.Equal("2", await harness.GetAsync("b", 41));
    }

    /// <summary>Moves the time on by an interval at a time until <paramref name="condition"/> holds (the loop may be
    /// between two waits when a step fires, so one step is not always enough).</summary>
    private static async Task StepUntilAsync(SteppedTimeProvider time, Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TestTimeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition did not hold in time");
            time.Advance(Interval + TimeSpan.FromSeconds(1));
            await Task.Delay(20);
        }
    }

    /// <summary>A clock and timers that move only when the test says so.</summary>
    private sealed class SteppedTimeProvider : TimeProvider
    {
        private readonly object gate = new();
        private readonly List<SteppedTimer> timers = [];
        private DateTimeOffset now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow()
        {
            lock (gate)
            {
                return now;
            }
        }

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => GetUtcNow().UtcTicks;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = new SteppedTimer(this, callback, state);
            timer.Change(dueTime, period);
            return timer;
        }

        public void Advance(TimeSpan by)
        {
            List<SteppedTimer> due;
            lock (gate)
            {
                now += by;
                due = [.. timers.Where(timer => timer.DueAt <= now)];
            }
            foreach (var timer in due)
            {
                timer.Fire();
            }
        }

        private void Schedule(SteppedTimer timer, bool active)
        {
            lock (gate)
            {
                timers.Remove(timer);
                if (active)
                {
                    timers.Add(timer);
                }
            }
        }

        private sealed class SteppedTimer(SteppedTimeProvider owner, TimerCallback callback, object? state) : ITimer
        {
            public DateTimeOffset DueAt { get; private set; }

            private TimeSpan period = Timeout.InfiniteTimeSpan;

            public bool Change(TimeSpan dueTime, TimeSpan period)
            {
                this.period = period;
                var active = dueTime != Timeout.InfiniteTimeSpan;
                DueAt = active ? owner.GetUtcNow() + dueTime : DateTimeOffset.MaxValue;
                owner.Schedule(this, active);
                return true;
            }

            public void Fire()
            {
                var active = period != Timeout.InfiniteTimeSpan && period > TimeSpan.Zero;
                DueAt = active ? owner.GetUtcNow() + period : DateTimeOffset.MaxValue;
                owner.Schedule(this, active);
                callback(state);
            }

            public void Dispose() => owner.Schedule(this, false);

            public ValueTask DisposeAsync()
            {
                Dispose();
                return ValueTask.CompletedTask;
            }
        }
    }
}
