using System.Net;

namespace Log.QueryNode.Auth;

/// <summary>
/// Slows down guessing: each client address with failed logins waits before its next attempt is judged, a delay that
/// doubles with each failure up to a bound and is forgotten after a quiet while. Addresses are independent, so a
/// client that guesses slows only itself (and whoever shares its address). The table of addresses is bounded.
/// Thread-safe; I/O-free (the caller waits).
/// </summary>
public sealed class FailedLoginThrottle(AuthenticationOptions options, TimeProvider time)
{
    private readonly Lock gate = new();
    private readonly Dictionary<IPAddress, Failures> byAddress = [];

    private sealed class Failures
    {
        public int Count;
        public DateTimeOffset Last;
    }

    /// <summary>How long an attempt from <paramref name="address"/> waits before it is judged.</summary>
    public TimeSpan DelayFor(IPAddress? address)
    {
        if (address is null)
        {
            return TimeSpan.Zero;
        }
        lock (gate)
        {
            if (!byAddress.TryGetValue(Normalize(address), out var failures) || IsForgotten(failures, time.GetUtcNow()))
            {
                return TimeSpan.Zero;
            }
            return Delay(failures.Count);
        }
    }

    /// <summary>The delay after <paramref name="failures"/> failures: the initial delay doubled per further failure, bounded.</summary>
    public TimeSpan Delay(int failures)
    {
        if (failures <= 0)
        {
            return TimeSpan.Zero;
        }
        double ticks = options.FailedLoginInitialDelay.Ticks * Math.Pow(2, Math.Min(failures - 1, 62));
        return ticks >= options.FailedLoginMaxDelay.Ticks ? options.FailedLoginMaxDelay : TimeSpan.FromTicks((long)ticks);
    }

    public void RecordFailure(IPAddress? address)
    {
        if (address is null)
        {
            return;
        }
        var now = time.GetUtcNow();
        lock (gate)
        {
            address = Normalize(address);
            if (!byAddress.TryGetValue(address, out var failures))
            {
                if (byAddress.Count >= options.FailedLoginTrackedAddressesMax)
                {
                    MakeRoom(now);
                }
                failures = new Failures();
                byAddress[address] = failures;
            }
            else if (IsForgotten(failures, now))
            {
                failures.Count = 0;
            }
            failures.Count++;
            failures.Last = now;
        }
    }

    /// <summary>A successful login from an address clears its failures.</summary>
    public void RecordSuccess(IPAddress? address)
    {
        if (address is null)
        {
            return;
        }
        lock (gate)
        {
            byAddress.Remove(Normalize(address));
        }
    }

    public int TrackedAddresses
    {
        get
        {
            lock (gate)
            {
                return byAddress.Count;
            }
        }
    }

    private bool IsForgotten(Failures failures, DateTimeOffset now) => now - failures.Last >= options.FailedLoginMemory;

    /// <summary>Drops the forgotten addresses, and when none is, the least recent one.</summary>
    private void MakeRoom(DateTimeOffset now)
    {
        foreach (var (address, failures) in byAddress.ToList())
        {
            if (IsForgotten(failures, now))
            {
                byAddress.Remove(address);
            }
        }
        if (byAddress.Count >= options.FailedLoginTrackedAddressesMax)
        {
            byAddress.Remove(byAddress.MinBy(entry => entry.Value.Last).Key);
        }
    }

    /// <summary>An IPv4 client seen through an IPv6 socket is the same client.</summary>
    private static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}
