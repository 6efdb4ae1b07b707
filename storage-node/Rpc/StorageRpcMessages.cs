using Log.Journal.Time;

namespace Log.StorageNode.Rpc;

/// <summary>What a frame of the storage node's RPC carries. Values are on the wire: append only.</summary>
public enum StorageRpcMessageKind
{
    GetCall = 1,
    GetManyCall = 2,
    ScanCall = 3,
    /// <summary>The replica's progress, after waiting (bounded by its read wait) for a read point when one is given.</summary>
    ProgressCall = 4,
    /// <summary>The client gave up on a request: the server cancels it, and still replies.</summary>
    Cancel = 5,
    /// <summary>The state digest at the read point (sys.state_digest through a query node that reads remotely).</summary>
    DigestCall = 6,
    /// <summary>The replica's newest checkpoint, after taking one when asked: its manifest and the files it is made of.</summary>
    CheckpointCall = 7,
    /// <summary>Bytes of one file of the replica's storage folder (a new replica copying a checkpoint).</summary>
    FileChunkCall = 8,
    ValueAnswer = 65,
    ValuesAnswer = 66,
    PairsAnswer = 67,
    ProgressAnswer = 68,
    ErrorAnswer = 69,
    DigestAnswer = 70,
    CheckpointAnswer = 71,
    FileChunkAnswer = 72,
}

/// <summary>Why a request was not answered. Values are on the wire: append only.</summary>
public enum StorageRpcErrorCode
{
    /// <summary>The replica cannot answer now (<see cref="StorageUnavailableException"/>: behind, stopped by a broken
    /// record, shutting down). Reads change nothing, so another replica, or this one later, may be asked.</summary>
    Unavailable = 1,

    /// <summary>The read point is below the replica's trim horizon (<see cref="SnapshotTooOldException"/>, 72000).</summary>
    SnapshotTooOld = 2,

    /// <summary>The request breaks a limit or an invariant (<see cref="ArgumentException"/> at the replica).</summary>
    BadRequest = 3,

    /// <summary>The request's deadline passed, or the client cancelled it.</summary>
    Cancelled = 4,
}

/// <summary>One message of the storage node's RPC; every message names the request it belongs to, so that a connection
/// carries many requests at once and replies in any order. Calls carry how long the client waits (relative, so clocks
/// need not agree) and the read point.</summary>
public abstract record StorageRpcMessage(long RequestId)
{
    public abstract StorageRpcMessageKind Kind { get; }
}

/// <summary>A request; <see cref="Deadline"/> is how long its client waits for the answer.</summary>
public abstract record StorageRpcCall(long RequestId, TimeSpan Deadline, ReadPoint At) : StorageRpcMessage(RequestId);

public sealed record GetCall(long RequestId, TimeSpan Deadline, ReadPoint At, byte[] Key) : StorageRpcCall(RequestId, Deadline, At)
{
    public override StorageRpcMessageKind Kind => StorageRpcMessageKind.GetCall;
}

public sealed record GetManyCall(long RequestId, TimeSpan Deadline, ReadPoint At, IReadOnlyList<byte[]> Keys) : StorageRpcCall(RequestId, Deadline, At)
{
    public override StorageRpcMessageKind Kind => StorageRpcMessageKind.GetManyCall;
}

/// <summary>One page of a scan of [start, end): at most <see cref="Limit"/> visible pairs, fewer when the page reaches
/// the server's byte budget (then the answer says there is more).</summary>
public sealed record ScanCall(long RequestId, TimeSpan Deadline, ReadPoint At, byte[] Start, byte[]? End, int Limit, bool Backward)
    : StorageRpcCall(RequestId, Deadline, At)
{
    public override StorageRpcMessageKind Kind => StorageRpcMessageKind.ScanCall;
}

/// <summary>The replica's progress; with <see cref="Wait"/>, once it is ready for <see cref="StorageRpcCall.At"/>.</summary>
public sealed record ProgressCall(long RequestId, TimeSpan Deadline, ReadPoint At, bool Wait) : StorageRpcCall(RequestId, Deadline, At)
{
    public override StorageRpcMessageKind Kind => StorageRpcMessageKind.ProgressCall;
}

/// <summary>The state digest (<see cref="IStorageMaintenance.ComputeStateDigestAsync"/>) once the replica is ready for
/// <see cref="StorageRpcCall.At"/>.</summary>
public sealed record DigestCall(long RequestId, TimeSpan Deadline, ReadPoint At) : StorageRpcCall(RequestId, Deadline, At)
{
    public override StorageRpcMessageKind Kind => StorageRpcMessageKind.DigestCall;
}

/// <summary>The replica's newest checkpoint; with <see cref="TakeNew"/>, a checkpoint is taken first (sys.checkpoint(), or
/// a new replica that wants to start as close to the journal's end as it can).</summary>
public sealed record CheckpointCall(long RequestId, TimeSpan Deadline, bool TakeNew)
    : StorageRpcCall(RequestId, Deadline, ReadPoint.Unfenced(HybridTimestamp.Zero))
{
    public override StorageRpcMessageKind Kind => StorageRpcMessageKind.CheckpointCall;
}

/// <summary>Up to <see cref="LengthMax"/> bytes of the file at <see cref="Path"/> (relative to the replica's storage
/// folder, one of those a <see cref="CheckpointAnswer"/> named) from <see cref="Offset"/>.</summary>
public sealed record FileChunkCall(long RequestId, TimeSpan Deadline, string Path, long Offset, int LengthMax)
    : StorageRpcCall(RequestId, Deadline, ReadPoint.Unfenced(HybridTimestamp.Zero))
{
    public override StorageRpcMessageKind Kind => StorageRpcMessageKind.FileChunkCall;
}

public sealed record StorageCancelCall(long RequestId) : StorageRpcMessage(RequestId)
{
    public override StorageRpcMessageKind Kind => StorageRpcMessageKind.Cancel;
}

public sealed record ValueAnswer(long RequestId, byte[]? Value) : StorageRpcMessage(RequestId)
{
    public override StorageRpcMessageKind Kind => StorageRpcMessageKind.ValueAnswer;
}

public sealed record ValuesAnswer(long RequestId, byte[]?[] Values) : StorageRpcMessage(RequestId)
{
    public override StorageRpcMessageKind Kind => StorageRpcMessageKind.ValuesAnswer;
}

/// <summary>A page of a scan: <see cref="Count"/> pairs packed as <see cref="PackedPairs"/> (in the scan's order), and
/// whether the server stopped at its byte budget before the limit (then the client asks for the rest after the last key).</summary>
public sealed record PairsAnswer(long RequestId, ReadOnlyMemory<byte> Packed, int Count, bool More) : StorageRpcMessage(RequestId)
{
    public override StorageRpcMessageKind Kind => StorageRpcMessageKind.PairsAnswer;
}

/// <summary>How far the replica has applied: its (first) partition, the offset after the last record applied there, its
/// resolved timestamp (the minimum over its partitions), and the offset after the last record applied of every partition
/// it applies (one entry for a replica of one partition; index = partition for a replica of several).</summary>
public sealed record ProgressAnswer(long RequestId, int Partition, long NextOffset, HybridTimestamp ResolvedTimestamp,
    IReadOnlyList<long> NextOffsets) : StorageRpcMessage(RequestId)
{
    public override StorageRpcMessageKind Kind => StorageRpcMessageKind.ProgressAnswer;
}

public sealed record DigestAnswer(long RequestId, byte[] Digest) : StorageRpcMessage(RequestId)
{
    public override StorageRpcMessageKind Kind => StorageRpcMessageKind.DigestAnswer;
}

/// <summary>The replica's newest checkpoint: its manifest as written on disk (null when it has none) and the files, relative
/// to its storage folder, that a copy of it needs beside the manifest (FASTER's checkpoint files, the key file, and the
/// log segments that hold the checkpoint's log range).</summary>
public sealed record CheckpointAnswer(long RequestId, byte[]? Manifest, IReadOnlyList<string> Files) : StorageRpcMessage(RequestId)
{
    public override StorageRpcMessageKind Kind => StorageRpcMessageKind.CheckpointAnswer;
}

/// <summary>Bytes of a file from the offset asked, and the file's length when they were read (a log segment may still grow:
/// the copy stops at the length it first saw, which holds the checkpoint's range).</summary>
public sealed record FileChunkAnswer(long RequestId, ReadOnlyMemory<byte> Bytes, long FileLength) : StorageRpcMessage(RequestId)
{
    public override StorageRpcMessageKind Kind => StorageRpcMessageKind.FileChunkAnswer;
}

/// <summary>A refusal: <see cref="SqlState"/> is what the client's caller is told; <see cref="At"/> and
/// <see cref="Horizon"/> are set for <see cref="StorageRpcErrorCode.SnapshotTooOld"/>.</summary>
public sealed record StorageErrorAnswer(long RequestId, StorageRpcErrorCode Code, string SqlState, string Message,
    HybridTimestamp At = default, HybridTimestamp Horizon = default) : StorageRpcMessage(RequestId)
{
    public override StorageRpcMessageKind Kind => StorageRpcMessageKind.ErrorAnswer;
}
