using System.Buffers;
using Log.Journal.Rpc;
using Log.Journal.Time;
using MessagePack;

namespace Log.StorageNode.Rpc;

/// <summary>
/// The frames of the storage node's RPC, with no I/O: the shared framing (<see cref="RpcFrames"/>) around one
/// MessagePack array of [format version, kind, request id, fields of the kind...]. A call's fields begin with its
/// deadline (milliseconds) and read point (timestamp, required offset). Malformed input is
/// <see cref="InvalidDataException"/>, after which the connection is closed.
/// </summary>
public static class StorageRpcCodec
{
    /// <summary>Both ends of a cluster run one build.</summary>
    public const int FormatVersion = 2;

    private const int HeadFields = 3;
    private const int CallHeadFields = HeadFields + 3;

    public static ReadOnlyMemory<byte> EncodeFrame(StorageRpcMessage message) =>
        RpcFrames.Encode(message, WritePayload, message switch
        {
            PairsAnswer pairs => pairs.Packed.Length + 64,
            FileChunkAnswer chunk => chunk.Bytes.Length + 64,
            CheckpointAnswer checkpoint => (checkpoint.Manifest?.Length ?? 0) + 128 * checkpoint.Files.Count + 64,
            _ => 256,
        });

    public static bool TryReadFrame(ref ReadOnlySequence<byte> buffer, int maxFrameBytes, out StorageRpcMessage message)
    {
        message = null!;
        if (!RpcFrames.TryReadPayload(ref buffer, maxFrameBytes, out var payload))
        {
            return false;
        }
        message = DecodePayload(payload);
        return true;
    }

    private static void WritePayload(ref MessagePackWriter writer, StorageRpcMessage message)
    {
        switch (message)
        {
            case GetCall call:
                WriteCallHead(ref writer, call, 1);
                writer.Write(call.Key);
                break;
            case GetManyCall call:
                WriteCallHead(ref writer, call, 1);
                writer.WriteArrayHeader(call.Keys.Count);
                foreach (var key in call.Keys) writer.Write(key);
                break;
            case ScanCall call:
                WriteCallHead(ref writer, call, 4);
                writer.Write(call.Start);
                WriteNullableBytes(ref writer, call.End);
                writer.Write(call.Limit);
                writer.Write(call.Backward);
                break;
            case ProgressCall call:
                WriteCallHead(ref writer, call, 1);
                writer.Write(call.Wait);
                break;
            case DigestCall call:
                WriteCallHead(ref writer, call, 0);
                break;
            case CheckpointCall call:
                WriteCallHead(ref writer, call, 1);
                writer.Write(call.TakeNew);
                break;
            case FileChunkCall call:
                WriteCallHead(ref writer, call, 3);
                writer.Write(call.Path);
                writer.Write(call.Offset);
                writer.Write(call.LengthMax);
                break;
            case StorageCancelCall:
                WriteHead(ref writer, message, 0);
                break;
            case DigestAnswer answer:
                WriteHead(ref writer, message, 1);
                writer.Write(answer.Digest);
                break;
            case CheckpointAnswer answer:
                WriteHead(ref writer, message, 2);
                WriteNullableBytes(ref writer, answer.Manifest);
                writer.WriteArrayHeader(answer.Files.Count);
                foreach (var file in answer.Files) writer.Write(file);
                break;
            case FileChunkAnswer answer:
                WriteHead(ref writer, message, 2);
                writer.Write(answer.Bytes.Span);
                writer.Write(answer.FileLength);
                break;
            case ValueAnswer answer:
                WriteHead(ref writer, message, 1);
                WriteNullableBytes(ref writer, answer.Value);
                break;
            case ValuesAnswer answer:
                WriteHead(ref writer, message, 1);
                writer.WriteArrayHeader(answer.Values.Length);
                foreach (var value in answer.Values) WriteNullableBytes(ref writer, value);
                break;
            case PairsAnswer answer:
                WriteHead(ref writer, message, 3);
                writer.Write(answer.Packed.Span);
                writer.Write(answer.Count);
                writer.Write(answer.More);
                break;
            case ProgressAnswer answer:
                WriteHead(ref writer, message, 4);
                writer.Write(answer.Partition);
                writer.Write(answer.NextOffset);
                writer.Write(answer.ResolvedTimestamp.Value);
                WriteOffsets(ref writer, answer.NextOffsets);
                break;
            case StorageErrorAnswer answer:
                WriteHead(ref writer, message, 5);
                writer.Write((int)answer.Code);
                writer.Write(answer.SqlState);
                writer.Write(answer.Message);
                writer.Write(answer.At.Value);
                writer.Write(answer.Horizon.Value);
                break;
            default:
                throw new ArgumentException($"No encoding for {message.GetType().Name}.", nameof(message));
        }
    }

    private static void WriteHead(ref MessagePackWriter writer, StorageRpcMessage message, int fields)
    {
        writer.WriteArrayHeader(HeadFields + fields);
        writer.Write(FormatVersion);
        writer.Write((int)message.Kind);
        writer.Write(message.RequestId);
    }

    private static void WriteCallHead(ref MessagePackWriter writer, StorageRpcCall call, int fields)
    {
        WriteHead(ref writer, call, 3 + fields);
        writer.Write((long)call.Deadline.TotalMilliseconds);
        writer.Write(call.At.Timestamp.Value);
        // A fence on every partition goes as the list of fences in place of partition 0's alone.
        if (call.At.RequiredOffsets is { } offsets)
        {
            WriteOffsets(ref writer, offsets);
        }
        else
        {
            writer.Write(call.At.RequiredOffset);
        }
    }

    private static void WriteOffsets(ref MessagePackWriter writer, IReadOnlyList<long> offsets)
    {
        writer.WriteArrayHeader(offsets.Count);
        foreach (var offset in offsets) writer.Write(offset);
    }

    private static long[] ReadOffsets(ref MessagePackReader reader)
    {
        var count = ReadCount(ref reader);
        var offsets = new long[count];
        for (var index = 0; index < count; index++) offsets[index] = reader.ReadInt64();
        return offsets;
    }

    private static void WriteNullableBytes(ref MessagePackWriter writer, byte[]? bytes)
    {
        if (bytes is null) writer.WriteNil();
        else writer.Write(bytes);
    }

    private static StorageRpcMessage DecodePayload(ReadOnlySequence<byte> payload)
    {
        try
        {
            var reader = new MessagePackReader(payload);
            var count = reader.ReadArrayHeader();
            if (count < HeadFields)
            {
                throw new InvalidDataException($"A storage RPC message has {count} fields.");
            }
            var version = reader.ReadInt32();
            if (version != FormatVersion)
            {
                throw new InvalidDataException($"Storage RPC format version {version} is not {FormatVersion}.");
            }
            var kind = (StorageRpcMessageKind)reader.ReadInt32();
            var requestId = reader.ReadInt64();
            StorageRpcMessage message = kind switch
            {
                StorageRpcMessageKind.GetCall or StorageRpcMessageKind.GetManyCall or StorageRpcMessageKind.ScanCall
                    or StorageRpcMessageKind.ProgressCall or StorageRpcMessageKind.DigestCall or StorageRpcMessageKind.CheckpointCall
                    or StorageRpcMessageKind.FileChunkCall => ReadCall(ref reader, kind, requestId, count),
                StorageRpcMessageKind.Cancel => new StorageCancelCall(requestId),
                StorageRpcMessageKind.ValueAnswer => new ValueAnswer(requestId, ReadNullableBytes(ref reader)),
                StorageRpcMessageKind.ValuesAnswer => new ValuesAnswer(requestId, ReadValues(ref reader)),
                StorageRpcMessageKind.PairsAnswer => new PairsAnswer(requestId, ReadBytes(ref reader), reader.ReadInt32(), reader.ReadBoolean()),
                StorageRpcMessageKind.ProgressAnswer => new ProgressAnswer(requestId, reader.ReadInt32(), reader.ReadInt64(),
                    new HybridTimestamp(reader.ReadUInt64()), ReadOffsets(ref reader)),
                StorageRpcMessageKind.DigestAnswer => new DigestAnswer(requestId, ReadBytes(ref reader)),
                StorageRpcMessageKind.CheckpointAnswer => new CheckpointAnswer(requestId, ReadNullableBytes(ref reader), ReadStrings(ref reader)),
                StorageRpcMessageKind.FileChunkAnswer => new FileChunkAnswer(requestId, ReadBytes(ref reader), reader.ReadInt64()),
                StorageRpcMessageKind.ErrorAnswer => ReadError(ref reader, requestId),
                _ => throw new InvalidDataException($"Unknown storage RPC message kind {(int)kind}."),
            };
            if (!reader.End)
            {
                throw new InvalidDataException($"A storage RPC {kind} has bytes after its fields.");
            }
            return message;
        }
        catch (MessagePackSerializationException exception)
        {
            throw new InvalidDataException($"A storage RPC message is malformed: {exception.Message}", exception);
        }
        catch (EndOfStreamException exception)
        {
            throw new InvalidDataException("A storage RPC message ends early.", exception);
        }
    }

    private static StorageRpcCall ReadCall(ref MessagePackReader reader, StorageRpcMessageKind kind, long requestId, int count)
    {
        if (count < CallHeadFields)
        {
            throw new InvalidDataException($"A storage RPC {kind} has {count} fields.");
        }
        var deadlineMilliseconds = reader.ReadInt64();
        if (deadlineMilliseconds < 0)
        {
            throw new InvalidDataException($"A storage RPC {kind} has a negative deadline.");
        }
        var deadline = TimeSpan.FromMilliseconds(deadlineMilliseconds);
        var timestamp = new HybridTimestamp(reader.ReadUInt64());
        ReadPoint at;
        if (reader.NextMessagePackType == MessagePackType.Array)
        {
            var offsets = ReadOffsets(ref reader);
            if (offsets.Length == 0 || offsets.Any(offset => offset < 0))
            {
                throw new InvalidDataException($"A storage RPC {kind} has an empty or negative list of fences.");
            }
            at = ReadPoint.FencedOnEveryPartition(timestamp, offsets);
        }
        else
        {
            at = new ReadPoint(timestamp, reader.ReadInt64());
        }
        return kind switch
        {
            StorageRpcMessageKind.DigestCall => new DigestCall(requestId, deadline, at),
            StorageRpcMessageKind.CheckpointCall => new CheckpointCall(requestId, deadline, reader.ReadBoolean()),
            StorageRpcMessageKind.FileChunkCall => new FileChunkCall(requestId, deadline,
                reader.ReadString() ?? throw new InvalidDataException("A storage RPC FileChunkCall has no path."), reader.ReadInt64(), reader.ReadInt32()),
            StorageRpcMessageKind.GetCall => new GetCall(requestId, deadline, at, ReadBytes(ref reader)),
            StorageRpcMessageKind.GetManyCall => new GetManyCall(requestId, deadline, at, ReadKeys(ref reader)),
            StorageRpcMessageKind.ScanCall => new ScanCall(requestId, deadline, at, ReadBytes(ref reader), ReadNullableBytes(ref reader),
                reader.ReadInt32(), reader.ReadBoolean()),
            _ => new ProgressCall(requestId, deadline, at, reader.ReadBoolean()),
        };
    }

    private static StorageErrorAnswer ReadError(ref MessagePackReader reader, long requestId)
    {
        var code = (StorageRpcErrorCode)reader.ReadInt32();
        if (!Enum.IsDefined(code))
        {
            throw new InvalidDataException($"Unknown storage RPC error code {(int)code}.");
        }
        var sqlState = reader.ReadString() ?? throw new InvalidDataException("A storage RPC error has no SQLSTATE.");
        var message = reader.ReadString() ?? "";
        return new StorageErrorAnswer(requestId, code, sqlState, message, new HybridTimestamp(reader.ReadUInt64()),
            new HybridTimestamp(reader.ReadUInt64()));
    }

    private static string[] ReadStrings(ref MessagePackReader reader)
    {
        var count = ReadCount(ref reader);
        var strings = new string[count];
        for (var index = 0; index < count; index++)
        {
            strings[index] = reader.ReadString() ?? throw new InvalidDataException("A storage RPC message has nil where text is required.");
        }
        return strings;
    }

    private static byte[][] ReadKeys(ref MessagePackReader reader)
    {
        var count = ReadCount(ref reader);
        var keys = new byte[count][];
        for (var index = 0; index < count; index++) keys[index] = ReadBytes(ref reader);
        return keys;
    }

    private static byte[]?[] ReadValues(ref MessagePackReader reader)
    {
        var count = ReadCount(ref reader);
        var values = new byte[]?[count];
        for (var index = 0; index < count; index++) values[index] = ReadNullableBytes(ref reader);
        return values;
    }

    /// <summary>An array length that the rest of the payload can hold (each element takes at least 1 byte), so that a
    /// bad count cannot make the reader allocate more than the frame's size.</summary>
    private static int ReadCount(ref MessagePackReader reader)
    {
        var count = reader.ReadArrayHeader();
        var remaining = reader.Sequence.Slice(reader.Position).Length;
        if (count > remaining)
        {
            throw new InvalidDataException($"A storage RPC array claims {count} entries in {remaining} bytes.");
        }
        return count;
    }

    private static byte[] ReadBytes(ref MessagePackReader reader) =>
        (reader.ReadBytes() ?? throw new InvalidDataException("A storage RPC message has nil where bytes are required.")).ToArray();

    private static byte[]? ReadNullableBytes(ref MessagePackReader reader) =>
        reader.TryReadNil() ? null : reader.ReadBytes()?.ToArray();
}

/// <summary>The storage node's messages as the shared transport sees them.</summary>
public static class StorageRpcProtocol
{
    public static readonly RpcProtocol<StorageRpcMessage> Instance = new("the storage node", StorageRpcCodec.EncodeFrame,
        StorageRpcCodec.TryReadFrame, message => message.RequestId, message => message.Kind.ToString(),
        requestId => new StorageCancelCall(requestId),
        message => message switch
        {
            StorageCancelCall => null,
            StorageRpcCall call => call.Deadline,
            _ => throw new InvalidDataException($"A client sent a {message.Kind}, which is not a request."),
        });
}
