using System.Net;
using Log.Journal.Records;

namespace Log.StorageNode.Rpc;

/// <summary>
/// Settings and limits of the storage node's RPC, both ends, in one place.
/// </summary>
public sealed record StorageRpcOptions
{
    /// <summary>Server: the address it listens on.</summary>
    public IPAddress ListenAddress { get; init; } = IPAddress.Loopback;

    /// <summary>Server: the TCP port; 0 picks a free one (see <see cref="StorageRpcServer.Port"/>).</summary>
    public int Port { get; init; } = DefaultPort;

    public const int DefaultPort = 7500;

    /// <summary>Server: a scan page stops once it holds this many bytes of keys and values (and always holds at least one
    /// pair): big enough that a scan's round trips cost little beside its rows, small enough that one page of a large
    /// scan does not hold a connection's other replies back for long.</summary>
    public int ScanPageBytesMax { get; init; } = 256 * 1024;

    /// <summary>The largest frame either end accepts: a scan page (its budget plus one pair of the largest value a
    /// transaction may write), or the values of a batch of keys.</summary>
    public int MaxFrameBytes { get; init; } = checked((int)JournalLimits.WriteSetBytesMax + 16 * 1024 * 1024);

    /// <summary>Server: requests of one connection being served at once; the connection is not read beyond it.</summary>
    public int MaxRequestsInFlightPerConnection { get; init; } = 4096;

    /// <summary>Server: replies waiting to be written to one connection.</summary>
    public int MaxQueuedRepliesPerConnection { get; init; } = 4096;

    /// <summary>Server: connections served at once; more are closed as they arrive.</summary>
    public int MaxConnections { get; init; } = 1024;

    /// <summary>Client: how long one attempt at connecting to a replica may take.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Client: how long a read keeps trying replicas (another one when one cannot be reached, with pauses) before
    /// it reports storage unavailable (57P03). Longer than a replica's read wait (10 s), so that a replica that is
    /// catching up answers, or refuses, before the client gives up on it.</summary>
    public TimeSpan CallTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Client: the first pause after every replica failed once; it doubles up to <see cref="MaxReconnectDelay"/>.</summary>
    public TimeSpan ReconnectDelay { get; init; } = TimeSpan.FromMilliseconds(50);

    public TimeSpan MaxReconnectDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Client: how long a replica that could not be reached is passed over when another may answer (it is still
    /// asked when every replica is passed over).</summary>
    public TimeSpan ReplicaDownInterval { get; init; } = TimeSpan.FromSeconds(2);

    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(ListenAddress);
        ArgumentOutOfRangeException.ThrowIfNegative(Port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Port, 65535);
        ArgumentOutOfRangeException.ThrowIfLessThan(ScanPageBytesMax, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxFrameBytes, ScanPageBytesMax + 1024);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxRequestsInFlightPerConnection, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxQueuedRepliesPerConnection, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxConnections, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ConnectTimeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(CallTimeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(ReconnectDelay, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxReconnectDelay, ReconnectDelay);
        ArgumentOutOfRangeException.ThrowIfLessThan(ReplicaDownInterval, TimeSpan.Zero);
    }
}
