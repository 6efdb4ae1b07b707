using Log.Journal.Time;

namespace Log.Journal.Tests;

public sealed class HybridClockTests
{
    private sealed class ManualTimeProvider(DateTimeOffset start) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = start;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    [Fact]
    public void Now_never_goes_backwards_even_when_the_wall_clock_does()
    {
        var time = new ManualTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(1_000_000));
        var clock = new HybridClock(time);
        var first = clock.Now();
        var second = clock.Now();
        Assert.True(second > first);
        Assert.Equal(first.PhysicalMilliseconds, second.PhysicalMilliseconds);

        time.Now = time.Now.AddSeconds(-30);
        var afterStep = clock.Now();
        Assert.True(afterStep > second);

        time.Now = time.Now.AddMinutes(5);
        var later = clock.Now();
        Assert.Equal(time.Now.ToUnixTimeMilliseconds(), later.PhysicalMilliseconds);
        Assert.Equal(0, later.Logical);
    }

    [Fact]
    public void Observe_moves_the_clock_past_a_received_timestamp_and_never_back()
    {
        var time = new ManualTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(5_000));
        var clock = new HybridClock(time);
        var remote = HybridTimestamp.From(9_000, 7);
        clock.Observe(remote);
        Assert.Equal(remote, clock.Last);
        Assert.True(clock.Now() > remote);

        var before = clock.Last;
        clock.Observe(HybridTimestamp.From(1_000, 0));
        Assert.Equal(before, clock.Last);
    }

    [Fact]
    public async Task Concurrent_callers_get_distinct_increasing_timestamps()
    {
        var time = new ManualTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(42));
        var clock = new HybridClock(time);
        var perThread = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
        {
            var stamps = new List<ulong>();
            for (var index = 0; index < 5_000; index++)
            {
                stamps.Add(clock.Now().Value);
            }
            return stamps;
        })));
        foreach (var stamps in perThread)
        {
            Assert.True(stamps.Zip(stamps.Skip(1)).All(pair => pair.First < pair.Second));
        }
        var all = perThread.SelectMany(stamps => stamps).ToList();
        Assert.Equal(all.Count, all.Distinct().Count());
    }

    [Fact]
    public void TryObserve_takes_a_timestamp_within_the_maximum_offset_and_refuses_one_beyond_it()
    {
        var time = new ManualTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(100_000));
        var clock = new HybridClock(time);
        var maxOffset = TimeSpan.FromMilliseconds(500);

        var within = HybridTimestamp.From(100_500, 3);
        Assert.True(clock.TryObserve(within, maxOffset));
        Assert.True(clock.Now() > within);

        var beyond = HybridTimestamp.From(100_501, 0);
        var before = clock.Last;
        Assert.False(clock.TryObserve(beyond, maxOffset));
        Assert.Equal(before, clock.Last);
        Assert.Equal(TimeSpan.FromMilliseconds(501), clock.AheadOfPhysicalTime(beyond));

        // Behind is always fine: it moves nothing.
        Assert.True(clock.TryObserve(HybridTimestamp.From(1_000, 0), maxOffset));
        Assert.Equal(before, clock.Last);
    }
}
