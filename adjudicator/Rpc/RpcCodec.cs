using System.Buffers;
using Log.Journal.Records;
using Log.Journal.Rpc;
using Log.Journal.Time;
using MessagePack;

namespace Log.Adjudicator.Rpc;

/// <summary>
/// The frames of the adjudicator's RPC, with no I/O: bytes in, a message or "need more" out; a message in, a frame
/// out. A frame is a 4-byte big-endian payload length, then the payload: one MessagePack array of
/// [format version, kind, request id, sender's hybrid clock, fields of the kind...]. Malformed input is <see cref="InvalidDataException"/>,
/// after which the connection is closed (a peer that sends it is not one of ours).
/// </summary>
public static class RpcCodec
{
    /// <summary>2: the sender's hybrid clock after the request id (1 had none). Both ends of a cluster run one build.</summary>
    public const int FormatVersion = 2;
    public const int FrameHeaderBytes = RpcFrames.FrameHeaderBytes;

    /// <summary>Encodes <paramref name="message"/> as one whole frame.</summary>
    public static ReadOnlyMemory<byte> EncodeFrame(RpcMessage message) => RpcFrames.Encode(message, WritePayload);

    /// <summary>Takes one whole frame off the front of <paramref name="buffer"/>, or returns false (and leaves it)
    /// when the buffer does not hold one yet.</summary>
    public static bool TryReadFrame(ref ReadOnlySequence<byte> buffer, int maxFrameBytes, out RpcMessage message)
    {
        message = null!;
        if (!RpcFrames.TryReadPayload(ref buffer, maxFrameBytes, out var payload))
        {
            return false;
        }
        message = DecodePayload(payload);
        return true;
    }

    private static void WritePayload(ref MessagePackWriter writer, RpcMessage message)
    {
        switch (message)
        {
            case CommitCall call:
                writer.WriteArrayHeader(9);
                WriteHead(ref writer, message);
                writer.Write((long)call.Deadline.TotalMilliseconds);
                writer.Write(call.Request.TransactionId.ToByteArray());
                writer.Write(call.Request.StartTimestamp.Value);
                WriteWritesAndChecks(ref writer, call.Request.Writes, call.Request.Checks);
                break;
            case PrepareCall call:
                writer.WriteArrayHeader(10);
                WriteHead(ref writer, message);
                writer.Write((long)call.Deadline.TotalMilliseconds);
                writer.Write(call.Request.TransactionId.ToByteArray());
                writer.Write(call.Request.StartTimestamp.Value);
                WriteWritesAndChecks(ref writer, call.Request.Writes, call.Request.Checks);
                WriteParticipants(ref writer, call.Request.Participants);
                break;
            case DecideCall call:
                WriteDecision(ref writer, message, call.Deadline, call.Request);
                break;
            case ResolveCall call:
                WriteDecision(ref writer, message, call.Deadline, call.Request);
                break;
            case CloseCall call:
                writer.WriteArrayHeader(6);
                WriteHead(ref writer, message);
                writer.Write((long)call.Deadline.TotalMilliseconds);
                writer.Write(call.Timestamp.Value);
                break;
            case CancelCall:
                writer.WriteArrayHeader(4);
                WriteHead(ref writer, message);
                break;
            case CommitAnswer answer:
                writer.WriteArrayHeader(9);
                WriteHead(ref writer, message);
                writer.Write((int)answer.Result.Outcome);
                writer.Write(answer.Result.CommitTimestamp.Value);
                writer.Write(answer.Result.JournalOffset);
                if (answer.Result.ConflictingKey is null) writer.WriteNil();
                else writer.Write(answer.Result.ConflictingKey);
                writer.Write(answer.Result.FailureReason);
                break;
            case FenceAnswer answer:
                writer.WriteArrayHeader(7);
                WriteHead(ref writer, message);
                writer.Write(answer.Fence.Timestamp.Value);
                writer.Write(answer.Fence.Partition);
                writer.Write(answer.Fence.EndOffset);
                break;
            case ErrorAnswer answer:
                writer.WriteArrayHeader(6);
                WriteHead(ref writer, message);
                writer.Write((int)answer.Code);
                writer.Write(answer.Message);
                break;
            default:
                throw new ArgumentException($"No encoding for {message.GetType().Name}.", nameof(message));
        }
    }

    private static void WriteWritesAndChecks(ref MessagePackWriter writer, IReadOnlyList<JournalWrite> writes, IReadOnlyList<ConflictCheck> checks)
    {
        writer.WriteArrayHeader(writes.Count);
        foreach (var write in writes)
        {
            writer.WriteArrayHeader(2);
            writer.Write(write.Key);
            if (write.Value is null) writer.WriteNil();
            else writer.Write(write.Value);
        }
        writer.WriteArrayHeader(checks.Count);
        foreach (var check in checks)
        {
            writer.WriteArrayHeader(2);
            writer.Write(check.Key);
            writer.Write((int)check.Kind);
        }
    }

    private static void WriteParticipants(ref MessagePackWriter writer, IReadOnlyList<int> participants)
    {
        writer.WriteArrayHeader(participants.Count);
        foreach (var participant in participants)
        {
            writer.Write(participant);
        }
    }

    /// <summary>A decide or resolve call: [head, deadline, transaction id, commit timestamp (0: abort), participants].</summary>
    private static void WriteDecision(ref MessagePackWriter writer, RpcMessage message, TimeSpan deadline, DecideRequest request)
    {
        writer.WriteArrayHeader(8);
        WriteHead(ref writer, message);
        writer.Write((long)deadline.TotalMilliseconds);
        writer.Write(request.TransactionId.ToByteArray());
        writer.Write(request.CommitTimestamp.Value);
        WriteParticipants(ref writer, request.Participants);
    }

    private static void WriteHead(ref MessagePackWriter writer, RpcMessage message)
    {
        writer.Write(FormatVersion);
        writer.Write((int)message.Kind);
        writer.Write(message.RequestId);
        writer.Write(message.Clock.Value);
    }

    private static RpcMessage DecodePayload(ReadOnlySequence<byte> payload)
    {
        try
        {
            var reader = new MessagePackReader(payload);
            var count = reader.ReadArrayHeader();
            if (count < 4)
            {
                throw new InvalidDataException($"An RPC message has {count} fields; every message has at least 4.");
            }
            var version = reader.ReadInt32();
            if (version != FormatVersion)
            {
                throw new InvalidDataException($"RPC format version {version} is not {FormatVersion}.");
            }
            var kind = (RpcMessageKind)reader.ReadInt32();
            var requestId = reader.ReadInt64();
            var clock = new HybridTimestamp(reader.ReadUInt64());
            RpcMessage message = kind switch
            {
                RpcMessageKind.CommitCall => ReadCommitCall(ref reader, requestId),
                RpcMessageKind.CloseCall => new CloseCall(requestId, ReadDeadline(ref reader), new HybridTimestamp(reader.ReadUInt64())),
                RpcMessageKind.Cancel => new CancelCall(requestId),
                RpcMessageKind.PrepareCall => ReadPrepareCall(ref reader, requestId),
                RpcMessageKind.DecideCall => ReadDecision(ref reader, (deadline, request) => new DecideCall(requestId, deadline, request)),
                RpcMessageKind.ResolveCall => ReadDecision(ref reader, (deadline, request) => new ResolveCall(requestId, deadline, request)),
                RpcMessageKind.CommitAnswer => ReadCommitAnswer(ref reader, requestId),
                RpcMessageKind.FenceAnswer => new FenceAnswer(requestId,
                    new ReadFence(new HybridTimestamp(reader.ReadUInt64()), reader.ReadInt32(), reader.ReadInt64())),
                RpcMessageKind.ErrorAnswer => new ErrorAnswer(requestId, (RpcErrorCode)reader.ReadInt32(), reader.ReadString() ?? ""),
                _ => throw new InvalidDataException($"Unknown RPC message kind {(int)kind}."),
            };
            if (!reader.End)
            {
                throw new InvalidDataException($"An RPC {kind} message has bytes after its last field.");
            }
            return message with { Clock = clock };
        }
        catch (Exception exception) when (exception is MessagePackSerializationException or EndOfStreamException or OverflowException)
        {
            throw new InvalidDataException("An RPC message is not valid MessagePack.", exception);
        }
    }

    private static TimeSpan ReadDeadline(ref MessagePackReader reader)
    {
        var milliseconds = reader.ReadInt64();
        if (milliseconds <= 0)
        {
            throw new InvalidDataException($"An RPC deadline of {milliseconds} ms is not positive.");
        }
        return TimeSpan.FromMilliseconds(milliseconds);
    }

    private static CommitCall ReadCommitCall(ref MessagePackReader reader, long requestId)
    {
        var deadline = ReadDeadline(ref reader);
        var transactionId = ReadTransactionId(ref reader);
        var start = new HybridTimestamp(reader.ReadUInt64());
        var (writes, checks) = ReadWritesAndChecks(ref reader);
        return new CommitCall(requestId, deadline, new CommitRequest(transactionId, start, writes, checks));
    }

    private static PrepareCall ReadPrepareCall(ref MessagePackReader reader, long requestId)
    {
        var deadline = ReadDeadline(ref reader);
        var transactionId = ReadTransactionId(ref reader);
        var start = new HybridTimestamp(reader.ReadUInt64());
        var (writes, checks) = ReadWritesAndChecks(ref reader);
        var participants = ReadParticipants(ref reader);
        return new PrepareCall(requestId, deadline, new PrepareRequest(transactionId, start, writes, checks, participants));
    }

    private delegate RpcMessage DecisionCallFactory(TimeSpan deadline, DecideRequest request);

    private static RpcMessage ReadDecision(ref MessagePackReader reader, DecisionCallFactory create)
    {
        var deadline = ReadDeadline(ref reader);
        var transactionId = ReadTransactionId(ref reader);
        var commit = new HybridTimestamp(reader.ReadUInt64());
        return create(deadline, new DecideRequest(transactionId, commit, ReadParticipants(ref reader)));
    }

    private static Guid ReadTransactionId(ref MessagePackReader reader)
    {
        var idBytes = ReadBytes(ref reader) ?? throw new InvalidDataException("A call has no transaction id.");
        if (idBytes.Length != 16)
        {
            throw new InvalidDataException($"A transaction id has {idBytes.Length} bytes, not 16.");
        }
        return new Guid(idBytes);
    }

    private static (JournalWrite[] Writes, ConflictCheck[] Checks) ReadWritesAndChecks(ref MessagePackReader reader)
    {
        var writeCount = ReadCount(ref reader);
        var writes = new JournalWrite[writeCount];
        for (var index = 0; index < writeCount; index++)
        {
            ExpectPair(ref reader);
            var key = ReadBytes(ref reader) ?? throw new InvalidDataException("A write has no key.");
            writes[index] = new JournalWrite(key, ReadBytes(ref reader));
        }
        var checkCount = ReadCount(ref reader);
        var checks = new ConflictCheck[checkCount];
        for (var index = 0; index < checkCount; index++)
        {
            ExpectPair(ref reader);
            var key = ReadBytes(ref reader) ?? throw new InvalidDataException("A conflict check has no key.");
            var kind = (ConflictCheckKind)reader.ReadInt32();
            if (!Enum.IsDefined(kind))
            {
                throw new InvalidDataException($"Unknown conflict check kind {(int)kind}.");
            }
            checks[index] = new ConflictCheck(key, kind);
        }
        return (writes, checks);
    }

    /// <summary>The shards of a cross-shard transaction. A shard number takes one byte at least, so a count above the
    /// bytes left is malformed, and a bad count cannot make the reader allocate beyond the frame's size.</summary>
    private static int[] ReadParticipants(ref MessagePackReader reader)
    {
        var count = reader.ReadArrayHeader();
        var remaining = reader.Sequence.Slice(reader.Position).Length;
        if (count > remaining)
        {
            throw new InvalidDataException($"An RPC participant list claims {count} entries in {remaining} bytes.");
        }
        var participants = new int[count];
        for (var index = 0; index < count; index++)
        {
            participants[index] = reader.ReadInt32();
        }
        return participants;
    }

    private static CommitAnswer ReadCommitAnswer(ref MessagePackReader reader, long requestId)
    {
        var outcome = (CommitOutcome)reader.ReadInt32();
        if (!Enum.IsDefined(outcome))
        {
            throw new InvalidDataException($"Unknown commit outcome {(int)outcome}.");
        }
        var commit = new HybridTimestamp(reader.ReadUInt64());
        var offset = reader.ReadInt64();
        var conflictingKey = ReadBytes(ref reader);
        var failureReason = reader.ReadString();
        return new CommitAnswer(requestId, new CommitResult(outcome, commit, offset, conflictingKey, failureReason));
    }

    /// <summary>An array length that the rest of the payload can hold (each element takes at least 3 bytes), so that
    /// a bad count cannot make the reader allocate more than the frame's size.</summary>
    private static int ReadCount(ref MessagePackReader reader)
    {
        var count = reader.ReadArrayHeader();
        var remaining = reader.Sequence.Slice(reader.Position).Length;
        if ((long)count * 3 > remaining)
        {
            throw new InvalidDataException($"An RPC array claims {count} entries in {remaining} bytes.");
        }
        return count;
    }

    private static void ExpectPair(ref MessagePackReader reader)
    {
        var count = reader.ReadArrayHeader();
        if (count != 2)
        {
            throw new InvalidDataException($"A key entry has {count} fields, not 2.");
        }
    }

    private static byte[]? ReadBytes(ref MessagePackReader reader) =>
        reader.TryReadNil() ? null : reader.ReadBytes()?.ToArray();
}
