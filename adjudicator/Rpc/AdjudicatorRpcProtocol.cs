using System.Buffers;
using Log.Journal.Rpc;

namespace Log.Adjudicator.Rpc;

/// <summary>The adjudicator's messages as the shared transport (<see cref="RpcServer{TMessage}"/>,
/// <see cref="RpcChannel{TMessage}"/>) sees them.</summary>
public sealed class AdjudicatorRpcProtocol : IRpcProtocol<RpcMessage>
{
    public static readonly AdjudicatorRpcProtocol Instance = new();

    private AdjudicatorRpcProtocol()
    {
    }

    public string PeerName => "the adjudicator";

    public ReadOnlyMemory<byte> EncodeFrame(RpcMessage message) => RpcCodec.EncodeFrame(message);

    public bool TryReadFrame(ref ReadOnlySequence<byte> buffer, int maxFrameBytes, out RpcMessage message) =>
        RpcCodec.TryReadFrame(ref buffer, maxFrameBytes, out message);

    public long RequestIdOf(RpcMessage message) => message.RequestId;

    public string KindOf(RpcMessage message) => message.Kind.ToString();

    public RpcMessage CancelOf(long requestId) => new CancelCall(requestId);

    public bool IsCancel(RpcMessage message, out TimeSpan deadline)
    {
        deadline = message switch
        {
            CancelCall => TimeSpan.Zero,
            CommitCall commit => commit.Deadline,
            CloseCall close => close.Deadline,
            _ => throw new InvalidDataException($"A client sent a {message.Kind}, which is not a request."),
        };
        return message is CancelCall;
    }
}
