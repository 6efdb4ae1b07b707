using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using MessagePack;

namespace Log.Journal.Rpc;

/// <summary>Writes one message's MessagePack payload.</summary>
public delegate void RpcPayloadWriter<in TMessage>(ref MessagePackWriter writer, TMessage message);

/// <summary>
/// The framing every role's RPC shares, with no I/O: a frame is a 4-byte big-endian payload length, then the payload
/// (one MessagePack value the role's codec writes and reads). A length outside 1..maxFrameBytes is
/// <see cref="InvalidDataException"/>, after which the connection is closed (a peer that sends it is not one of ours).
/// </summary>
public static class RpcFrames
{
    public const int FrameHeaderBytes = 4;

    /// <summary>Encodes one whole frame: the header, then what <paramref name="write"/> writes.</summary>
    public static ReadOnlyMemory<byte> Encode<TMessage>(TMessage message, RpcPayloadWriter<TMessage> write, int initialCapacityBytes = 256)
    {
        var output = new ArrayBufferWriter<byte>(initialCapacityBytes);
        output.GetSpan(FrameHeaderBytes);
        output.Advance(FrameHeaderBytes);
        var writer = new MessagePackWriter(output);
        write(ref writer, message);
        writer.Flush();
        var frame = output.WrittenMemory;
        BinaryPrimitives.WriteInt32BigEndian(MemoryMarshal.AsMemory(frame).Span, frame.Length - FrameHeaderBytes);
        return frame;
    }

    /// <summary>Takes one whole frame's payload off the front of <paramref name="buffer"/>, or returns false (and leaves
    /// it) when the buffer does not hold one yet.</summary>
    public static bool TryReadPayload(ref ReadOnlySequence<byte> buffer, int maxFrameBytes, out ReadOnlySequence<byte> payload)
    {
        payload = default;
        if (buffer.Length < FrameHeaderBytes)
        {
            return false;
        }
        Span<byte> header = stackalloc byte[FrameHeaderBytes];
        buffer.Slice(0, FrameHeaderBytes).CopyTo(header);
        var length = BinaryPrimitives.ReadInt32BigEndian(header);
        if (length <= 0 || length > maxFrameBytes)
        {
            throw new InvalidDataException($"An RPC frame of {length} bytes is outside 1..{maxFrameBytes}.");
        }
        if (buffer.Length < FrameHeaderBytes + length)
        {
            return false;
        }
        payload = buffer.Slice(FrameHeaderBytes, length);
        buffer = buffer.Slice(payload.End);
        return true;
    }
}
