using System.Buffers;

namespace Log.Wire.Protocol;

/// <summary>
/// Cuts the input into frontend messages: a type byte, an Int32 length that counts itself,
/// then the body. No I/O: bytes in, a message or "need more" out.
/// </summary>
internal static class FrontendMessageFraming
{
    public const int HeaderBytes = 5;

    /// <summary>
    /// Done: <paramref name="message"/> is set and the reader is past it.
    /// NeedMoreData: the reader has not moved.
    /// InvalidData: <paramref name="error"/> says why; the connection cannot continue
    /// (the type is unknown or the length is impossible), reported as soon as the header shows it.
    /// </summary>
    public static OperationStatus TryReadMessage(
        ref SequenceReader<byte> reader,
        int maxMessageBytes,
        out FrontendMessage message,
        out string? error)
    {
        message = default;
        error = null;
        if (!reader.TryPeek(out byte type))
        {
            return OperationStatus.NeedMoreData;
        }
        if (!FrontendMessageType.IsKnown(type))
        {
            error = $"invalid frontend message type {type}";
            return OperationStatus.InvalidData;
        }
        if (reader.Remaining < HeaderBytes)
        {
            return OperationStatus.NeedMoreData;
        }

        SequenceReader<byte> header = reader;
        header.Advance(1);
        header.TryReadBigEndian(out int length);
        if (length < 4 || length > maxMessageBytes)
        {
            error = $"invalid message length {length} for message type {FrontendMessageType.Display(type)}";
            return OperationStatus.InvalidData;
        }
        int bodyLength = length - 4;
        if (header.Remaining < bodyLength)
        {
            return OperationStatus.NeedMoreData;
        }

        message = new FrontendMessage(type, header.UnreadSequence.Slice(0, bodyLength));
        reader.Advance(HeaderBytes + bodyLength);
        return OperationStatus.Done;
    }

    /// <summary>
    /// After <see cref="TryReadMessage(ref SequenceReader{byte}, int, out FrontendMessage, out string?)"/> said InvalidData:
    /// true when the header is sound and only the length is over <paramref name="maxMessageBytes"/> (but not over
    /// <paramref name="discardableMessageBytesMax"/>). Such a message can be skipped byte by byte without holding it,
    /// and the stream stays in step; <paramref name="length"/> counts the length word, not the type byte.
    /// </summary>
    public static bool IsDiscardable(in ReadOnlySequence<byte> input, int maxMessageBytes, int discardableMessageBytesMax,
        out byte type, out int length)
    {
        type = 0;
        length = 0;
        var reader = new SequenceReader<byte>(input);
        if (reader.Remaining < HeaderBytes || !reader.TryRead(out type) || !FrontendMessageType.IsKnown(type)
            || !reader.TryReadBigEndian(out length))
        {
            return false;
        }
        return length > maxMessageBytes && length <= discardableMessageBytesMax;
    }

    /// <summary>The same, over a sequence that is sliced past the message on Done (usable across awaits, unlike a reader).</summary>
    public static OperationStatus TryReadMessage(
        ref ReadOnlySequence<byte> input,
        int maxMessageBytes,
        out FrontendMessage message,
        out string? error)
    {
        var reader = new SequenceReader<byte>(input);
        OperationStatus status = TryReadMessage(ref reader, maxMessageBytes, out message, out error);
        if (status == OperationStatus.Done)
        {
            input = reader.UnreadSequence;
        }
        return status;
    }
}
