using System.Buffers;

namespace Log.Journal.Rpc;

/// <summary>Reads one frame of a role's RPC (see <see cref="IRpcProtocol{TMessage}.TryReadFrame"/>).</summary>
public delegate bool RpcFrameReader<TMessage>(ref ReadOnlySequence<byte> buffer, int maxFrameBytes, out TMessage message);

/// <summary>An <see cref="IRpcProtocol{TMessage}"/> made of a role's codec functions, so that a role states only what
/// differs: its name, its codec, its message fields and which messages are requests.</summary>
public sealed class RpcProtocol<TMessage>(
    string peerName,
    Func<TMessage, ReadOnlyMemory<byte>> encodeFrame,
    RpcFrameReader<TMessage> readFrame,
    Func<TMessage, long> requestIdOf,
    Func<TMessage, string> kindOf,
    Func<long, TMessage> cancelOf,
    Func<TMessage, TimeSpan?> deadlineOf) : IRpcProtocol<TMessage> where TMessage : class
{
    public string PeerName => peerName;

    public ReadOnlyMemory<byte> EncodeFrame(TMessage message) => encodeFrame(message);

    public bool TryReadFrame(ref ReadOnlySequence<byte> buffer, int maxFrameBytes, out TMessage message) =>
        readFrame(ref buffer, maxFrameBytes, out message);

    public long RequestIdOf(TMessage message) => requestIdOf(message);

    public string KindOf(TMessage message) => kindOf(message);

    public TMessage CancelOf(long requestId) => cancelOf(requestId);

    /// <summary><paramref name="deadlineOf"/> answers null for a cancellation, a request's deadline otherwise, and throws
    /// <see cref="InvalidDataException"/> for a message that is neither.</summary>
    public bool IsCancel(TMessage message, out TimeSpan deadline)
    {
        var requestDeadline = deadlineOf(message);
        deadline = requestDeadline ?? TimeSpan.Zero;
        return requestDeadline is null;
    }
}
