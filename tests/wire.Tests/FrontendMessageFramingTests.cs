using System.Buffers;
using Log.Wire.Protocol;

namespace Log.Wire.Tests;

public sealed class FrontendMessageFramingTests
{
    private const int MaxMessageBytes = 1 << 20;

    public static TheoryData<byte[]> EveryMessageKind() => new()
    {
        Bytes.Query("select 1"),
        Bytes.Terminate(),
        Bytes.Message('S', []),
        Bytes.Message('H', []),
        Bytes.Message('P', new Bytes().CString("s1").CString("select $1").Int16(1).Int32(23)),
        Bytes.Message('B', new Bytes().CString("").CString("s1").Int16(0).Int16(1).Int32(1).Raw((byte)'7').Int16(0)),
        Bytes.Message('D', new Bytes().Char('S').CString("s1")),
        Bytes.Message('E', new Bytes().CString("").Int32(0)),
        Bytes.Message('C', new Bytes().Char('P').CString("")),
        Bytes.Message('p', new Bytes().CString("secret")),
        Bytes.Message('d', [1, 2, 3]),
        Bytes.Message('c', []),
        Bytes.Message('f', new Bytes().CString("oops")),
        Bytes.Message('F', new Bytes().Int32(1).Int16(0).Int16(0).Int16(0)),
    };

    [Theory]
    [MemberData(nameof(EveryMessageKind))]
    public void ParsesEveryKindWhole(byte[] bytes)
    {
        foreach (int segmentBytes in new[] { bytes.Length, 1, 3 })
        {
            var reader = new SequenceReader<byte>(Bytes.Segmented(bytes, segmentBytes));
            Assert.Equal(OperationStatus.Done, FrontendMessageFraming.TryReadMessage(ref reader, MaxMessageBytes, out FrontendMessage message, out string? error));
            Assert.Null(error);
            Assert.Equal(bytes[0], message.Type);
            Assert.Equal(bytes[5..], message.Body.ToArray());
            Assert.True(reader.End);
        }
    }

    [Theory]
    [MemberData(nameof(EveryMessageKind))]
    public void NeedsMoreAtEveryTruncationPoint(byte[] bytes)
    {
        for (int length = 0; length < bytes.Length; length++)
        {
            var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(bytes, 0, length));
            Assert.Equal(OperationStatus.NeedMoreData, FrontendMessageFraming.TryReadMessage(ref reader, MaxMessageBytes, out _, out _));
            Assert.Equal(0, reader.Consumed);
        }
    }

    [Fact]
    public void ReadsConsecutiveMessagesAndStopsAtAPartialOne()
    {
        byte[] query = Bytes.Query("select 1");
        byte[] bytes = [.. query, .. Bytes.Message('S', []), .. query[..7]];
        var input = new ReadOnlySequence<byte>(bytes);
        Assert.Equal(OperationStatus.Done, FrontendMessageFraming.TryReadMessage(ref input, MaxMessageBytes, out FrontendMessage first, out _));
        Assert.Equal((byte)'Q', first.Type);
        Assert.Equal(OperationStatus.Done, FrontendMessageFraming.TryReadMessage(ref input, MaxMessageBytes, out FrontendMessage second, out _));
        Assert.Equal((byte)'S', second.Type);
        Assert.True(second.Body.IsEmpty);
        Assert.Equal(OperationStatus.NeedMoreData, FrontendMessageFraming.TryReadMessage(ref input, MaxMessageBytes, out _, out _));
        Assert.Equal(7, input.Length);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(-1)]
    [InlineData(int.MinValue)]
    [InlineData(MaxMessageBytes + 1)]
    public void RejectsImpossibleLengthsAsSoonAsTheHeaderArrives(int length)
    {
        byte[] header = new Bytes().Char('Q').Int32(length).ToArray();
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(header));
        Assert.Equal(OperationStatus.InvalidData, FrontendMessageFraming.TryReadMessage(ref reader, MaxMessageBytes, out _, out string? error));
        Assert.Contains("invalid message length", error, StringComparison.Ordinal);
    }

    [Fact]
    public void AcceptsTheLargestAllowedLength()
    {
        byte[] header = new Bytes().Char('Q').Int32(MaxMessageBytes).ToArray();
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(header));
        Assert.Equal(OperationStatus.NeedMoreData, FrontendMessageFraming.TryReadMessage(ref reader, MaxMessageBytes, out _, out _));
    }

    [Theory]
    [InlineData((byte)'G')]
    [InlineData((byte)0)]
    [InlineData((byte)'q')]
    [InlineData((byte)0xff)]
    public void RejectsUnknownTypesFromTheFirstByte(byte type)
    {
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>([type]));
        Assert.Equal(OperationStatus.InvalidData, FrontendMessageFraming.TryReadMessage(ref reader, MaxMessageBytes, out _, out string? error));
        Assert.Equal($"invalid frontend message type {type}", error);
    }

    [Fact]
    public void A_known_message_over_the_limit_but_within_the_discard_bound_can_be_dropped()
    {
        byte[] header = new Bytes().Char('Q').Int32(MaxMessageBytes + 1).ToArray();
        var input = new ReadOnlySequence<byte>(header);
        var reader = new SequenceReader<byte>(input);
        Assert.Equal(OperationStatus.InvalidData, FrontendMessageFraming.TryReadMessage(ref reader, MaxMessageBytes, out _, out _));
        Assert.True(FrontendMessageFraming.IsDiscardable(input, MaxMessageBytes, 2 * MaxMessageBytes, out byte type, out int length));
        Assert.Equal((byte)'Q', type);
        Assert.Equal(MaxMessageBytes + 1, length);
        // Beyond the discard bound, with an unknown type, or with an impossible length, the connection cannot go on.
        Assert.False(FrontendMessageFraming.IsDiscardable(input, MaxMessageBytes, MaxMessageBytes, out _, out _));
        Assert.False(FrontendMessageFraming.IsDiscardable(new ReadOnlySequence<byte>(new Bytes().Char('!').Int32(MaxMessageBytes + 1).ToArray()), MaxMessageBytes, 2 * MaxMessageBytes, out _, out _));
        Assert.False(FrontendMessageFraming.IsDiscardable(new ReadOnlySequence<byte>(new Bytes().Char('Q').Int32(3).ToArray()), MaxMessageBytes, 2 * MaxMessageBytes, out _, out _));
    }
}
