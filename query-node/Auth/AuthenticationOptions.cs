namespace Log.QueryNode.Auth;

/// <summary>Every setting and limit of the login decision, in one place.</summary>
public sealed class AuthenticationOptions
{
    /// <summary>The host names a token may be signed for (DSQL's cluster endpoint): a token for any other is refused.</summary>
    public IReadOnlyList<string> Endpoints { get; init; } = ["localhost", "127.0.0.1"];

    /// <summary>The region a token's credential scope must name.</summary>
    public string Region { get; init; } = "local";

    /// <summary>How far in the future X-Amz-Date may be (the client's clock ahead of the server's), as AWS allows
    /// for request signatures.</summary>
    public TimeSpan ClockSkewAllowance { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The first delay after a failed login from one client address; each further failure doubles it.</summary>
    public TimeSpan FailedLoginInitialDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The longest delay a client address waits, however many logins it failed.</summary>
    public TimeSpan FailedLoginMaxDelay { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>An address with no failed login for this long starts again with no delay.</summary>
    public TimeSpan FailedLoginMemory { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>The most client addresses whose failures are remembered; beyond it the least recent are forgotten.</summary>
    public int FailedLoginTrackedAddressesMax { get; init; } = 100_000;

    public bool IsEndpoint(string host) => Endpoints.Any(endpoint => string.Equals(endpoint, host, StringComparison.OrdinalIgnoreCase));
}
