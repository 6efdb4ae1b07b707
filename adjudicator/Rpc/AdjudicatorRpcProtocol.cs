using Log.Journal.Rpc;

namespace Log.Adjudicator.Rpc;

/// <summary>The adjudicator's messages as the shared transport (<see cref="RpcServer{TMessage}"/>,
/// <see cref="RpcChannel{TMessage}"/>) sees them.</summary>
public static class AdjudicatorRpcProtocol
{
    public static readonly RpcProtocol<RpcMessage> Instance = new("the adjudicator", RpcCodec.EncodeFrame, RpcCodec.TryReadFrame,
        message => message.RequestId, message => message.Kind.ToString(), requestId => new CancelCall(requestId),
        message => message switch
        {
            CancelCall => null,
            CommitCall commit => commit.Deadline,
            CloseCall close => close.Deadline,
            PrepareCall prepare => prepare.Deadline,
            DecideCall decide => decide.Deadline,
            ResolveCall resolve => resolve.Deadline,
            _ => throw new InvalidDataException($"A client sent a {message.Kind}, which is not a request."),
        });
}
