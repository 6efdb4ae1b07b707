using System.Buffers;

namespace Log.Journal.Rpc;

/// <summary>
/// What the generic transport (<see cref="RpcServer{TMessage}"/>, <see cref="RpcChannel{TMessage}"/>) needs to know
/// about one role's messages: how to frame them (<see cref="RpcFrames"/>), which request a message belongs to, and
/// which messages are requests, with their deadlines, or cancellations. Each role's RPC (the adjudicator's, the storage
/// node's) implements it once beside its codec; the connections, request ids, deadlines, cancellation and reconnects
/// are written once here.
/// </summary>
public interface IRpcProtocol<TMessage> where TMessage : class
{
    /// <summary>Who answers, for messages: "the adjudicator", "the storage node".</summary>
    string PeerName { get; }

    ReadOnlyMemory<byte> EncodeFrame(TMessage message);

    /// <summary>Takes one whole frame off the front of the buffer, or returns false when it does not hold one yet;
    /// <see cref="InvalidDataException"/> for a malformed frame.</summary>
    bool TryReadFrame(ref ReadOnlySequence<byte> buffer, int maxFrameBytes, out TMessage message);

    long RequestIdOf(TMessage message);

    /// <summary>The message's kind, for messages.</summary>
    string KindOf(TMessage message);

    /// <summary>The message telling the server that the client gave up on a request.</summary>
    TMessage CancelOf(long requestId);

    /// <summary>Server side: true for a cancellation; otherwise the request's deadline (how long its client waits).
    /// A message that is neither (an answer sent by a client) is <see cref="InvalidDataException"/>.</summary>
    bool IsCancel(TMessage message, out TimeSpan deadline);
}
