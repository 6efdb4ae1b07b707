namespace Log.Wire;

/// <summary>
/// A token bucket for new connections (Aurora DSQL's 100 per second with bursts of 1,000): it holds at most Burst
/// tokens, gains PerSecond tokens a second, and each new connection takes one. Thread-safe; a lock is fine at the
/// rate connections arrive.
/// </summary>
internal sealed class ConnectionRateLimit
{
    private readonly int perSecond;
    private readonly int burst;
    private readonly TimeProvider time;
    private readonly Lock gate = new();
    private double tokens;
    private long refilledAt;

    /// <param name="perSecond">0 turns the limit off.</param>
    public ConnectionRateLimit(int perSecond, int burst, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(perSecond);
        ArgumentOutOfRangeException.ThrowIfNegative(burst);
        this.perSecond = perSecond;
        this.burst = Math.Max(burst, 1);
        this.time = time;
        tokens = this.burst;
        refilledAt = time.GetTimestamp();
    }

    /// <summary>Takes a token if there is one: true when the new connection may go on.</summary>
    public bool TryTake()
    {
        if (perSecond == 0)
        {
            return true;
        }
        lock (gate)
        {
            long now = time.GetTimestamp();
            tokens = Math.Min(burst, tokens + time.GetElapsedTime(refilledAt, now).TotalSeconds * perSecond);
            refilledAt = now;
            if (tokens < 1)
            {
                return false;
            }
            tokens -= 1;
            return true;
        }
    }
}
