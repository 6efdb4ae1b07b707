using Log.Journal.Rpc;

namespace Log.StorageNode.Rpc;

/// <summary>
/// Settings and limits of the storage node's RPC, both ends (the shared ones in <see cref="RpcEndpointOptions"/>).
/// A read is retried on another replica for <see cref="RpcEndpointOptions.CallTimeout"/> (15 s here: longer than a
/// replica's own read wait of 10 s, so that a replica that is catching up answers, or refuses, before the client gives
/// up on it); then it fails with 57P03.
/// </summary>
public sealed record StorageRpcOptions : RpcEndpointOptions
{
    public const int DefaultPort = 7500;

    public StorageRpcOptions()
    {
        Port = DefaultPort;
        ConnectTimeout = TimeSpan.FromSeconds(1);
        CallTimeout = TimeSpan.FromSeconds(15);
    }

    /// <summary>Server: a scan page stops once it holds this many bytes of keys and values (and always holds at least one
    /// pair): big enough that a scan's round trips cost little beside its rows, small enough that one page of a large
    /// scan does not hold a connection's other replies back for long.</summary>
    public int ScanPageBytesMax { get; init; } = 256 * 1024;

    /// <summary>Client: how long a replica that could not be reached is passed over when another may answer (it is still
    /// asked when every replica is passed over).</summary>
    public TimeSpan ReplicaDownInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Bytes of a file one call of a checkpoint copy carries (<see cref="CheckpointCopier"/>): large enough that a
    /// copy of a 64 MiB log segment takes a few dozen round trips, small enough to leave a connection to other calls.</summary>
    public int CheckpointCopyChunkBytes { get; init; } = 1 << 20;

    /// <summary>Client: chunk calls of one file a checkpoint copy keeps in flight at once, so that the copy is bound by
    /// the bandwidth and the source's disk rather than by a round trip per chunk (1: one chunk per round trip). The
    /// answers wait in memory until written in order: at most this many chunks' bytes per copy.</summary>
    public int CheckpointCopyChunksInFlight { get; init; } = 8;

    /// <summary>Times a new replica starts copying a checkpoint again when the source replaced it meanwhile (it keeps two,
    /// so a copy that is slower than two checkpoints of the source fails and starts over), before it gives up.</summary>
    public int BootstrapAttemptsMax { get; init; } = 3;

    public override void Validate()
    {
        base.Validate();
        ArgumentOutOfRangeException.ThrowIfLessThan(CheckpointCopyChunkBytes, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxFrameBytes, CheckpointCopyChunkBytes + 1024);
        ArgumentOutOfRangeException.ThrowIfLessThan(BootstrapAttemptsMax, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(CheckpointCopyChunksInFlight, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(CheckpointCopyChunksInFlight, MaxRequestsInFlightPerConnection);
        ArgumentOutOfRangeException.ThrowIfLessThan(ScanPageBytesMax, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxFrameBytes, ScanPageBytesMax + 1024);
        ArgumentOutOfRangeException.ThrowIfLessThan(ReplicaDownInterval, TimeSpan.Zero);
    }
}
