using System.Net;
using Log.QueryNode.Auth;

namespace Log.QueryNode.Tests.Auth;

public sealed class FailedLoginThrottleTests
{
    private sealed class ManualClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;
        public override DateTimeOffset GetUtcNow() => Now;
    }

    private static readonly AuthenticationOptions Options = new()
    {
        FailedLoginInitialDelay = TimeSpan.FromMilliseconds(100),
        FailedLoginMaxDelay = TimeSpan.FromSeconds(1),
        FailedLoginMemory = TimeSpan.FromMinutes(10),
        FailedLoginTrackedAddressesMax = 3,
    };

    private static readonly IPAddress Guesser = IPAddress.Parse("198.51.100.7");
    private static readonly IPAddress Other = IPAddress.Parse("198.51.100.8");

    [Fact]
    public void DelayDoublesPerFailureUpToTheBound()
    {
        var clock = new ManualClock(DateTimeOffset.UnixEpoch);
        var throttle = new FailedLoginThrottle(Options, clock);
        var delays = new List<double>();
        for (int failure = 0; failure < 7; failure++)
        {
            delays.Add(throttle.DelayFor(Guesser).TotalMilliseconds);
            throttle.RecordFailure(Guesser);
        }
        Assert.Equal([0, 100, 200, 400, 800, 1000, 1000], delays);
        Assert.Equal(TimeSpan.Zero, throttle.DelayFor(Other));
        Assert.Equal(TimeSpan.Zero, throttle.DelayFor(null));
    }

    [Fact]
    public void SuccessAndQuietTimeForgetFailures()
    {
        var clock = new ManualClock(DateTimeOffset.UnixEpoch);
        var throttle = new FailedLoginThrottle(Options, clock);
        throttle.RecordFailure(Guesser);
        throttle.RecordFailure(Guesser);
        Assert.Equal(TimeSpan.FromMilliseconds(200), throttle.DelayFor(Guesser));
        throttle.RecordSuccess(Guesser);
        Assert.Equal(TimeSpan.Zero, throttle.DelayFor(Guesser));
        throttle.RecordFailure(Guesser);
        clock.Now += Options.FailedLoginMemory;
        Assert.Equal(TimeSpan.Zero, throttle.DelayFor(Guesser));
        throttle.RecordFailure(Guesser);
        Assert.Equal(TimeSpan.FromMilliseconds(100), throttle.DelayFor(Guesser));
    }

    [Fact]
    public void IPv4MappedAddressIsTheSameClient()
    {
        var throttle = new FailedLoginThrottle(Options, new ManualClock(DateTimeOffset.UnixEpoch));
        throttle.RecordFailure(Guesser.MapToIPv6());
        Assert.Equal(TimeSpan.FromMilliseconds(100), throttle.DelayFor(Guesser));
    }

    [Fact]
    public void TableOfAddressesIsBoundedForgettingTheLeastRecent()
    {
        var clock = new ManualClock(DateTimeOffset.UnixEpoch);
        var throttle = new FailedLoginThrottle(Options, clock);
        for (int host = 1; host <= 10; host++)
        {
            clock.Now += TimeSpan.FromSeconds(1);
            throttle.RecordFailure(IPAddress.Parse($"203.0.113.{host}"));
            Assert.InRange(throttle.TrackedAddresses, 1, Options.FailedLoginTrackedAddressesMax);
        }
        Assert.Equal(TimeSpan.Zero, throttle.DelayFor(IPAddress.Parse("203.0.113.1")));
        Assert.Equal(TimeSpan.FromMilliseconds(100), throttle.DelayFor(IPAddress.Parse("203.0.113.10")));
    }
}
