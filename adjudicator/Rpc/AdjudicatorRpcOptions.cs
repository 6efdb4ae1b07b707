using System.Net;
using Log.Journal.Records;

namespace Log.Adjudicator.Rpc;

/// <summary>
/// Settings and limits of the adjudicator's RPC, both ends, in one place. Defaults are sized for a
/// data centre network: a commit is retried across reconnects for as long as a client would wait
/// for a rebuilding adjudicator anyway.
/// </summary>
public sealed record AdjudicatorRpcOptions
{
    /// <summary>Server: the address it listens on.</summary>
    public IPAddress ListenAddress { get; init; } = IPAddress.Loopback;

    /// <summary>Server: the TCP port; 0 picks a free one (see <see cref="AdjudicatorRpcServer.Port"/>).</summary>
    public int Port { get; init; } = DefaultPort;

    public const int DefaultPort = 7400;

    /// <summary>The largest frame either end accepts: a commit request carries at most
    /// <see cref="JournalLimits.WriteSetBytesMax"/> of keys and values, plus a small overhead per key.</summary>
    public int MaxFrameBytes { get; init; } = checked((int)JournalLimits.WriteSetBytesMax + 16 * 1024 * 1024);

    /// <summary>Server: requests of one connection being served at once; the connection is not read beyond it, so a
    /// client that sends faster than the shard decides is slowed down by TCP.</summary>
    public int MaxRequestsInFlightPerConnection { get; init; } = 4096;

    /// <summary>Server: replies waiting to be written to one connection.</summary>
    public int MaxQueuedRepliesPerConnection { get; init; } = 4096;

    /// <summary>Server: connections served at once; more are closed as they arrive.</summary>
    public int MaxConnections { get; init; } = 1024;

    /// <summary>Client: how long one attempt at connecting may take.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Client: how long a call keeps trying (reconnecting, and sending a commit again with the same
    /// transaction id, which the adjudicator answers with its first decision) before it reports the adjudicator
    /// unavailable. Also the deadline sent with each request.</summary>
    public TimeSpan CallTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Client: the first pause between two attempts at reaching the adjudicator; it doubles up to
    /// <see cref="MaxReconnectDelay"/>.</summary>
    public TimeSpan ReconnectDelay { get; init; } = TimeSpan.FromMilliseconds(50);

    public TimeSpan MaxReconnectDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Both ends: how far a peer's hybrid clock (carried on every message) may run ahead of this end's
    /// physical clock. The server refuses a call beyond it (and a commit whose start timestamp is beyond it) before
    /// deciding anything; the client does not move its clock to a reply beyond it and logs the offset. It bounds how
    /// far one badly set clock can push every role's clock and commit timestamps ahead. CockroachDB's default.</summary>
    public TimeSpan MaxClockOffset { get; init; } = TimeSpan.FromMilliseconds(500);

    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(ListenAddress);
        ArgumentOutOfRangeException.ThrowIfNegative(Port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Port, 65535);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxFrameBytes, 1024);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxRequestsInFlightPerConnection, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxQueuedRepliesPerConnection, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxConnections, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ConnectTimeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(CallTimeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(ReconnectDelay, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxReconnectDelay, ReconnectDelay);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxClockOffset, TimeSpan.Zero);
    }
}
