using System.Buffers;
using Log.Wire.Protocol;

namespace Log.Wire.Tests;

public sealed class StartupPacketTests
{
    private const int MaxStartupPacketBytes = 10_000;

    private static OperationStatus Read(byte[] bytes, out StartupPacket? packet, out string? error, int segmentBytes = int.MaxValue)
    {
        var reader = new SequenceReader<byte>(Bytes.Segmented(bytes, Math.Min(segmentBytes, Math.Max(1, bytes.Length))));
        OperationStatus status = StartupPacket.TryRead(ref reader, MaxStartupPacketBytes, out packet, out error);
        Assert.Equal(status == OperationStatus.Done ? bytes.Length : 0, reader.Consumed);
        return status;
    }

    [Theory]
    [InlineData(int.MaxValue)]
    [InlineData(1)]
    [InlineData(5)]
    public void ParsesAStartupMessage(int segmentBytes)
    {
        byte[] bytes = Bytes.Startup(("user", "alice"), ("database", "shop"), ("application_name", "é"), ("user", "bob"));
        Assert.Equal(OperationStatus.Done, Read(bytes, out StartupPacket? packet, out _, segmentBytes));
        Assert.Equal(StartupPacketKind.StartupMessage, packet!.Kind);
        Assert.Equal((3, 0), (packet.ProtocolMajorVersion, packet.ProtocolMinorVersion));
        Assert.Equal("bob", packet.Parameters["user"]); // the last one wins
        Assert.Equal("shop", packet.Parameters["database"]);
        Assert.Equal("é", packet.Parameters["application_name"]);
        Assert.Empty(packet.UnrecognizedProtocolOptions);
    }

    [Fact]
    public void SeparatesProtocolOptions()
    {
        byte[] bytes = Bytes.Startup(3, 2, ("user", "a"), ("_pq_.compression", "on"));
        Assert.Equal(OperationStatus.Done, Read(bytes, out StartupPacket? packet, out _));
        Assert.Equal(2, packet!.ProtocolMinorVersion);
        Assert.Equal(["_pq_.compression"], packet.UnrecognizedProtocolOptions);
        Assert.False(packet.Parameters.ContainsKey("_pq_.compression"));
    }

    [Theory]
    [InlineData(80877103, true)]
    [InlineData(80877104, false)]
    public void ParsesEncryptionRequests(int code, bool isSsl)
    {
        StartupPacketKind kind = isSsl ? StartupPacketKind.SslRequest : StartupPacketKind.GssEncryptionRequest;
        Assert.Equal(OperationStatus.Done, Read(Bytes.Request(code), out StartupPacket? packet, out _));
        Assert.Equal(kind, packet!.Kind);
    }

    [Fact]
    public void ParsesACancelRequest()
    {
        byte[] bytes = new Bytes().Int32(16).Int32(80877102).Int32(1234).Int32(-5).ToArray();
        Assert.Equal(OperationStatus.Done, Read(bytes, out StartupPacket? packet, out _));
        Assert.Equal((StartupPacketKind.CancelRequest, 1234, -5), (packet!.Kind, packet.ProcessId, packet.SecretKey));
    }

    [Fact]
    public void LeavesOtherProtocolVersionsUnparsed()
    {
        byte[] bytes = new Bytes().Int32(12).Int32(2 << 16).Raw(1, 2, 3, 4).ToArray();
        Assert.Equal(OperationStatus.Done, Read(bytes, out StartupPacket? packet, out _));
        Assert.Equal((2, 0), (packet!.ProtocolMajorVersion, packet.ProtocolMinorVersion));
    }

    public static TheoryData<byte[]> EveryPacketKind() => new()
    {
        Bytes.Startup(("user", "alice"), ("database", "shop")),
        Bytes.Request(80877103),
        Bytes.Request(80877104),
        new Bytes().Int32(16).Int32(80877102).Int32(1).Int32(2).ToArray(),
    };

    [Theory]
    [MemberData(nameof(EveryPacketKind))]
    public void NeedsMoreAtEveryTruncationPoint(byte[] bytes)
    {
        for (int length = 0; length < bytes.Length; length++)
        {
            Assert.Equal(OperationStatus.NeedMoreData, Read(bytes[..length], out _, out _));
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(7)]
    [InlineData(-8)]
    [InlineData(MaxStartupPacketBytes + 1)]
    public void RejectsImpossibleLengths(int length)
    {
        byte[] bytes = new Bytes().Int32(length).Int32(3 << 16).ToArray();
        Assert.Equal(OperationStatus.InvalidData, Read(bytes, out _, out string? error));
        Assert.StartsWith("invalid length of startup packet", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new byte[] { (byte)'u', 0, (byte)'a', 0 })]            // no final terminator
    [InlineData(new byte[] { (byte)'u', 0, (byte)'a' })]               // value without NUL
    [InlineData(new byte[] { (byte)'u', 0, (byte)'a', 0, 0, 0 })]      // bytes after the terminator
    [InlineData(new byte[] { (byte)'u' })]                              // name without NUL
    [InlineData(new byte[0])]                                           // no terminator at all
    public void RejectsBadLayouts(byte[] parameters)
    {
        byte[] bytes = new Bytes().Int32(8 + parameters.Length).Int32(3 << 16).Raw(parameters).ToArray();
        Assert.Equal(OperationStatus.InvalidData, Read(bytes, out _, out string? error));
        Assert.Contains("invalid startup packet layout", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(80877103, 12)]
    [InlineData(80877102, 12)]
    public void RejectsRequestsOfTheWrongLength(int code, int length)
    {
        byte[] bytes = new Bytes().Int32(length).Int32(code).Int32(0).ToArray();
        Assert.Equal(OperationStatus.InvalidData, Read(bytes, out _, out _));
    }
}
