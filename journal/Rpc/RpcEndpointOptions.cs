using System.Net;
using Log.Journal.Records;

namespace Log.Journal.Rpc;

/// <summary>
/// The settings and limits every role's RPC has, both ends, in one place; each role's options (the adjudicator's, the
/// storage node's) derive from it, set their own defaults in their constructor and add their own.
/// </summary>
public abstract record RpcEndpointOptions
{
    /// <summary>Server: the address it listens on.</summary>
    public IPAddress ListenAddress { get; init; } = IPAddress.Loopback;

    /// <summary>Server: the TCP port; 0 picks a free one (the server's Port says which once started).</summary>
    public int Port { get; init; }

    /// <summary>The largest frame either end accepts: a commit request carries at most
    /// <see cref="JournalLimits.WriteSetBytesMax"/> of keys and values plus a small overhead per key, and a read answers
    /// at most as much.</summary>
    public int MaxFrameBytes { get; init; } = checked((int)JournalLimits.WriteSetBytesMax + 16 * 1024 * 1024);

    /// <summary>Server: requests of one connection being served at once; the connection is not read beyond it, so a
    /// client that sends faster than the role answers is slowed down by TCP.</summary>
    public int MaxRequestsInFlightPerConnection { get; init; } = 4096;

    /// <summary>Server: replies waiting to be written to one connection.</summary>
    public int MaxQueuedRepliesPerConnection { get; init; } = 4096;

    /// <summary>Server: connections served at once; more are closed as they arrive.</summary>
    public int MaxConnections { get; init; } = 1024;

    /// <summary>Client: how long one attempt at connecting may take.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Client: how long a call keeps trying (reconnecting, sending again where that is safe) before it reports
    /// the role unavailable. Also the deadline sent with each request.</summary>
    public TimeSpan CallTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Client: the first pause between two attempts at reaching the role; it doubles up to
    /// <see cref="MaxReconnectDelay"/>.</summary>
    public TimeSpan ReconnectDelay { get; init; } = TimeSpan.FromMilliseconds(50);

    public TimeSpan MaxReconnectDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>What <see cref="RpcServer{TMessage}"/> needs of these settings.</summary>
    public RpcServerSettings ServerSettings => new(ListenAddress, Port, MaxFrameBytes, MaxRequestsInFlightPerConnection,
        MaxQueuedRepliesPerConnection, MaxConnections);

    public virtual void Validate()
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
    }
}
