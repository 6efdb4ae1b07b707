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

    /// <summary>The greatest timestamp handed out or observed so far.</summary>
    public HybridTimestamp Last => new(Volatile.Read(ref last));
}
