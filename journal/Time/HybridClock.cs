namespace Log.Journal.Time;

/// <summary>
/// A hybrid logical clock over an injected <see cref="TimeProvider"/>. <see cref="Now"/> never
/// goes backwards, even when the wall clock does, and <see cref="Observe"/> moves the clock past
/// any timestamp received from another role. Thread-safe and lock-free.
/// </summary>
public sealed class HybridClock
{
    private readonly TimeProvider timeProvider;
    private ulong last;

    public HybridClock(TimeProvider timeProvider)
    {
        this.timeProvider = timeProvider;
    }

    public HybridClock() : this(TimeProvider.System)
    {
    }

    /// <summary>A timestamp greater than every one this clock returned or observed before.</summary>
    public HybridTimestamp Now()
    {
        var physical = (ulong)timeProvider.GetUtcNow().ToUnixTimeMilliseconds() << HybridTimestamp.LogicalBits;
        while (true)
        {
            var previous = Volatile.Read(ref last);
            var candidate = physical > previous ? physical : previous + 1;
            if (Interlocked.CompareExchange(ref last, candidate, previous) == previous)
            {
                return new HybridTimestamp(candidate);
            }
        }
    }

    /// <summary>Moves the clock to at least <paramref name="timestamp"/>, so that every later
    /// <see cref="Now"/> is greater than it.</summary>
    public void Observe(HybridTimestamp timestamp)
    {
        while (true)
        {
            var previous = Volatile.Read(ref last);
            if (timestamp.Value <= previous)
            {
                return;
            }
            if (Interlocked.CompareExchange(ref last, timestamp.Value, previous) == previous)
            {
                return;
            }
        }
    }

    /// <summary>Moves the clock to at least <paramref name="timestamp"/> (as <see cref="Observe"/>) unless it is more than
    /// <paramref name="maxOffset"/> ahead of this clock's physical time: then the clock is left alone and the answer is
    /// false. A timestamp from a role whose clock runs further ahead than the configured offset would otherwise drag
    /// every clock it reaches, and every commit timestamp after it, into the future.</summary>
    public bool TryObserve(HybridTimestamp timestamp, TimeSpan maxOffset)
    {
        if (timestamp.PhysicalMilliseconds > timeProvider.GetUtcNow().ToUnixTimeMilliseconds() + (long)maxOffset.TotalMilliseconds)
        {
            return false;
        }
        Observe(timestamp);
        return true;
    }

    /// <summary>How far <paramref name="timestamp"/> is ahead of this clock's physical time (negative when behind).</summary>
    public TimeSpan AheadOfPhysicalTime(HybridTimestamp timestamp) =>
        TimeSpan.FromMilliseconds(timestamp.PhysicalMilliseconds - timeProvider.GetUtcNow().ToUnixTimeMilliseconds());

    /// <summary>The greatest timestamp handed out or observed so far.</summary>
    public HybridTimestamp Last => new(Volatile.Read(ref last));
}
