using System.Buffers;
using Grpc.Core;
using Log.Adjudicator;
using Log.Adjudicator.Rpc;
using Log.Journal.Time;

namespace Log.Benchmarks.RpcTransports;

/// <summary>
/// The adjudicator's commit as a code-first gRPC method: no .proto file and no protobuf. The request and reply are the
/// framed RPC's own messages (<see cref="CommitCall"/>, <see cref="CommitAnswer"/>), encoded by its own codec
/// (<see cref="RpcCodec"/>), so that only the transport differs. A gRPC message holds exactly the framed protocol's
/// frame, its 4-byte length included (redundant beside gRPC's own 5-byte message prefix, and kept so that the codec is
/// used unchanged).
/// </summary>
internal static class GrpcCommit
{
    public const string ServiceName = "log.Adjudicator";

    public static readonly Method<CommitCall, CommitAnswer> CommitMethod = new(
        MethodType.Unary, ServiceName, "Commit",
        Marshallers.Create<CommitCall>(Serialize, Deserialize<CommitCall>),
        Marshallers.Create<CommitAnswer>(Serialize, Deserialize<CommitAnswer>));

    /// <summary>The largest message either end accepts: the framed RPC's own limit.</summary>
    public static int MaxMessageBytes => new AdjudicatorRpcOptions().MaxFrameBytes + RpcCodec.FrameHeaderBytes;

    private static void Serialize<TMessage>(TMessage message, SerializationContext context) where TMessage : RpcMessage
    {
        var frame = RpcCodec.EncodeFrame(message).Span;
        context.SetPayloadLength(frame.Length);
        var output = context.GetBufferWriter();
        frame.CopyTo(output.GetSpan(frame.Length));
        output.Advance(frame.Length);
        context.Complete();
    }

    private static TMessage Deserialize<TMessage>(DeserializationContext context) where TMessage : RpcMessage
    {
        var payload = context.PayloadAsReadOnlySequence();
        if (!RpcCodec.TryReadFrame(ref payload, MaxMessageBytes, out var message) || !payload.IsEmpty)
        {
            throw new InvalidDataException("A gRPC message does not hold exactly one frame.");
        }
        return message as TMessage
            ?? throw new InvalidDataException($"A gRPC message holds a {message.Kind}, not a {typeof(TMessage).Name}.");
    }
}

/// <summary>
/// The service's code-first binding, in the shape protobuf's generator gives a service base: ASP.NET Core's gRPC finds
/// the handler of each method by the method's name, as a virtual method of the type that carries
/// <see cref="BindServiceMethodAttribute"/>, and calls the service's override of it.
/// </summary>
[BindServiceMethod(typeof(GrpcCommitServiceBase), nameof(BindService))]
internal abstract class GrpcCommitServiceBase
{
    public abstract Task<CommitAnswer> Commit(CommitCall call, ServerCallContext context);

    public static void BindService(ServiceBinderBase binder, GrpcCommitServiceBase? service) =>
        binder.AddMethod(GrpcCommit.CommitMethod, service is null ? null : service.Commit);
}

/// <summary>
/// The gRPC service: what <see cref="AdjudicatorRpcServer"/> does with a commit call, over gRPC. It observes the
/// caller's clock and the start timestamp within the maximum clock offset, asks the adjudicator, and replies with the
/// adjudicator's clock.
/// </summary>
internal sealed class GrpcCommitService(IAdjudicator adjudicator, HybridClock clock) : GrpcCommitServiceBase
{
    private static readonly TimeSpan MaxClockOffset = new AdjudicatorRpcOptions().MaxClockOffset;

    public override async Task<CommitAnswer> Commit(CommitCall call, ServerCallContext context)
    {
        if (!clock.TryObserve(call.Clock, MaxClockOffset) || !clock.TryObserve(call.Request.StartTimestamp, MaxClockOffset))
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, "the caller's clock is beyond the maximum clock offset"));
        }
        CommitResult result;
        try
        {
            result = await adjudicator.CommitAsync(call.Request, context.CancellationToken);
        }
        catch (ArgumentException exception)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, exception.Message));
        }
        catch (Exception exception) when (exception is AdjudicatorFaultedException or ObjectDisposedException or InvalidOperationException)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, exception.Message));
        }
        return new CommitAnswer(call.RequestId, result) { Clock = clock.Now() };
    }
}

/// <summary>The caller's end: one <see cref="CallInvoker"/> (one HTTP/2 connection, many streams) shared by every caller,
/// each call with the framed client's deadline (<see cref="Log.Journal.Rpc.RpcEndpointOptions.CallTimeout"/>) and the
/// caller's hybrid clock, its reply's clock observed as <see cref="RemoteAdjudicator"/> does. No retries: none happen in
/// a measured run of either client.</summary>
internal sealed class GrpcCommitClient(CallInvoker invoker, HybridClock clock)
{
    private static readonly AdjudicatorRpcOptions Options = new();
    private long nextRequestId;

    public async Task<CommitResult> CommitAsync(CommitRequest request, CancellationToken cancellationToken)
    {
        var call = new CommitCall(Interlocked.Increment(ref nextRequestId), Options.CallTimeout, request) { Clock = clock.Now() };
        var answer = await invoker.AsyncUnaryCall(GrpcCommit.CommitMethod, null,
            new CallOptions(deadline: DateTime.UtcNow + Options.CallTimeout, cancellationToken: cancellationToken), call);
        clock.TryObserve(answer.Clock, Options.MaxClockOffset);
        return answer.Result;
    }
}
