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
    ValueAnswer = 65,
    ValuesAnswer = 66,
    PairsAnswer = 67,
    ProgressAnswer = 68,
    ErrorAnswer = 69,
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

/// <summary>How far the replica has applied: its partition, the offset after the last record applied, and its resolved
/// timestamp.</summary>
public sealed record ProgressAnswer(long RequestId, int Partition, long NextOffset, HybridTimestamp ResolvedTimestamp) : StorageRpcMessage(RequestId)
{
    public override StorageRpcMessageKind Kind => StorageRpcMessageKind.ProgressAnswer;
}

/// <summary>A refusal: <see cref="SqlState"/> is what the client's caller is told; <see cref="At"/> and
/// <see cref="Horizon"/> are set for <see cref="StorageRpcErrorCode.SnapshotTooOld"/>.</summary>
public sealed record StorageErrorAnswer(long RequestId, StorageRpcErrorCode Code, string SqlState, string Message,
    HybridTimestamp At = default, HybridTimestamp Horizon = default) : StorageRpcMessage(RequestId)
{
    public override StorageRpcMessageKind Kind => StorageRpcMessageKind.ErrorAnswer;
}
