using Log.Journal.Time;

namespace Log.Adjudicator.Rpc;

/// <summary>What a frame of the adjudicator's RPC carries. Values are on the wire: append only.</summary>
public enum RpcMessageKind
{
    CommitCall = 1,
    CloseCall = 2,
    /// <summary>The client gave up on a request (its caller cancelled): the server cancels it, and still replies.</summary>
    Cancel = 3,
    /// <summary>A participant's part of a cross-shard transaction (<see cref="ICrossShardParticipant.PrepareAsync"/>).</summary>
    PrepareCall = 4,
    /// <summary>The decision of a cross-shard transaction, asked of its coordinator (<see cref="ICrossShardParticipant.DecideAsync"/>).</summary>
    DecideCall = 5,
    /// <summary>A decision told to a participant, which copies it and lets the keys go (<see cref="ICrossShardParticipant.ResolveAsync"/>).</summary>
    ResolveCall = 6,
    CommitAnswer = 65,
    FenceAnswer = 66,
    ErrorAnswer = 67,
}

/// <summary>Why a request was not answered with a decision. Values are on the wire: append only.</summary>
public enum RpcErrorCode
{
    /// <summary>The shard is rebuilding or stopping: nothing was decided, and sending the request again is safe.</summary>
    Unavailable = 1,

    /// <summary>The request breaks a limit or an invariant (<see cref="ArgumentException"/> at the shard).</summary>
    BadRequest = 2,

    /// <summary>The request's deadline passed, or the client cancelled it: it may or may not have been decided.</summary>
    Cancelled = 3,

    /// <summary>The client's clock (or the start timestamp it sent) is further ahead of the adjudicator's than the
    /// configured maximum clock offset: refused before any decision.</summary>
    ClockOffset = 4,
}

/// <summary>One message of the adjudicator's RPC. Every message names the request it belongs to, so that a
/// connection carries many requests at once and replies in any order, and carries its sender's hybrid logical clock
/// (<see cref="Clock"/>), which the receiver observes within the maximum clock offset.</summary>
public abstract record RpcMessage(long RequestId)
{
    public abstract RpcMessageKind Kind { get; }

    /// <summary>The sender's hybrid clock when it sent the message (zero: the sender keeps no clock).</summary>
    public HybridTimestamp Clock { get; init; }
}

/// <summary>A commit request, with how long the client will wait for it (relative, so clocks need not agree).</summary>
public sealed record CommitCall(long RequestId, TimeSpan Deadline, CommitRequest Request) : RpcMessage(RequestId)
{
    public override RpcMessageKind Kind => RpcMessageKind.CommitCall;
}

/// <summary>A read fence request for <paramref name="Timestamp"/>.</summary>
public sealed record CloseCall(long RequestId, TimeSpan Deadline, HybridTimestamp Timestamp) : RpcMessage(RequestId)
{
    public override RpcMessageKind Kind => RpcMessageKind.CloseCall;
}

/// <summary>A cross-shard prepare; answered with a <see cref="CommitAnswer"/> (Committed: prepared at the proposal).</summary>
public sealed record PrepareCall(long RequestId, TimeSpan Deadline, PrepareRequest Request) : RpcMessage(RequestId)
{
    public override RpcMessageKind Kind => RpcMessageKind.PrepareCall;
}

/// <summary>A cross-shard decision asked of the coordinator; answered with a <see cref="CommitAnswer"/> holding the
/// first decision for the transaction id.</summary>
public sealed record DecideCall(long RequestId, TimeSpan Deadline, DecideRequest Request) : RpcMessage(RequestId)
{
    public override RpcMessageKind Kind => RpcMessageKind.DecideCall;
}

/// <summary>A cross-shard decision told to a participant; answered with a <see cref="CommitAnswer"/> once it is learned.</summary>
public sealed record ResolveCall(long RequestId, TimeSpan Deadline, DecideRequest Request) : RpcMessage(RequestId)
{
    public override RpcMessageKind Kind => RpcMessageKind.ResolveCall;
}

public sealed record CancelCall(long RequestId) : RpcMessage(RequestId)
{
    public override RpcMessageKind Kind => RpcMessageKind.Cancel;
}

public sealed record CommitAnswer(long RequestId, CommitResult Result) : RpcMessage(RequestId)
{
    public override RpcMessageKind Kind => RpcMessageKind.CommitAnswer;
}

public sealed record FenceAnswer(long RequestId, ReadFence Fence) : RpcMessage(RequestId)
{
    public override RpcMessageKind Kind => RpcMessageKind.FenceAnswer;
}

public sealed record ErrorAnswer(long RequestId, RpcErrorCode Code, string Message) : RpcMessage(RequestId)
{
    public override RpcMessageKind Kind => RpcMessageKind.ErrorAnswer;
}
