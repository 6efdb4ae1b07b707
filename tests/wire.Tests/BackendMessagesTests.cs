using System.Buffers;
using Log.Wire.Protocol.Backend;

namespace Log.Wire.Tests;

/// <summary>Each backend message against bytes built by hand.</summary>
public sealed class BackendMessagesTests
{
    private static byte[] Write(Action<IBufferWriter<byte>> write)
    {
        // A tiny initial buffer, so that every writer must ask for the size it needs.
        var output = new ArrayBufferWriter<byte>(1);
        write(output);
        return output.WrittenSpan.ToArray();
    }

    [Fact]
    public void Authentication()
    {
        Assert.Equal(Bytes.Message('R', new Bytes().Int32(0)), Write(BackendMessages.WriteAuthenticationOk));
        Assert.Equal(Bytes.Message('R', new Bytes().Int32(3)), Write(BackendMessages.WriteAuthenticationCleartextPassword));
    }

    [Fact]
    public void ParameterStatusBackendKeyDataReadyForQuery()
    {
        Assert.Equal(Bytes.Message('S', new Bytes().CString("TimeZone").CString("Europe/Zürich")), Write(o => BackendMessages.WriteParameterStatus(o, "TimeZone", "Europe/Zürich")));
        Assert.Equal(Bytes.Message('K', new Bytes().Int32(42).Int32(-7)), Write(o => BackendMessages.WriteBackendKeyData(o, 42, -7)));
        Assert.Equal(Bytes.Message('Z', new Bytes().Char('T')), Write(o => BackendMessages.WriteReadyForQuery(o, PgTransactionStatus.InTransaction)));
    }

    [Fact]
    public void RowDescription()
    {
        PgField[] fields = [new("id", 16384, 1, 23, 4, -1), new("naïve", 0, 0, 25, -1, -1, 1)];
        byte[] expected = Bytes.Message('T', new Bytes().Int16(2)
            .CString("id").Int32(16384).Int16(1).Int32(23).Int16(4).Int32(-1).Int16(0)
            .CString("naïve").Int32(0).Int16(0).Int32(25).Int16(-1).Int32(-1).Int16(1));
        Assert.Equal(expected, Write(o => BackendMessages.WriteRowDescription(o, fields)));
    }

    [Fact]
    public void DataRowWithNullEmptyAndMultibyteValues()
    {
        byte[] expected = Bytes.Message('D', new Bytes().Int16(4)
            .Int32(1).Raw((byte)'1')
            .Int32(-1)
            .Int32(0)
            .Int32(3).Raw(0x61, 0xc3, 0xa9));
        Assert.Equal(expected, Write(o => BackendMessages.WriteDataRow(o, ["1", null, "", "aé"])));
    }

    [Fact]
    public void LargeDataRow()
    {
        string value = new('x', 100_000);
        byte[] written = Write(o => BackendMessages.WriteDataRow(o, [value]));
        Assert.Equal(1 + 4 + 2 + 4 + 100_000, written.Length);
        Assert.Equal(Bytes.Message('D', new Bytes().Int16(1).Int32(100_000).Raw(System.Text.Encoding.ASCII.GetBytes(value))), written);
    }

    [Fact]
    public void CommandCompleteAndEmptyQueryResponse()
    {
        Assert.Equal(Bytes.Message('C', new Bytes().CString("INSERT 0 1")), Write(o => BackendMessages.WriteCommandComplete(o, "INSERT 0 1")));
        Assert.Equal(Bytes.Message('I', []), Write(BackendMessages.WriteEmptyQueryResponse));
    }

    [Fact]
    public void ErrorResponseWithEveryField()
    {
        var error = new PgError("ERROR", "42601", "syntax error at or near \"x\"", Position: 12, Detail: "d", Hint: "h");
        byte[] expected = Bytes.Message('E', new Bytes()
            .Char('S').CString("ERROR").Char('V').CString("ERROR").Char('C').CString("42601")
            .Char('M').CString("syntax error at or near \"x\"").Char('D').CString("d").Char('H').CString("h")
            .Char('P').CString("12").Byte(0));
        Assert.Equal(expected, Write(o => BackendMessages.WriteErrorResponse(o, error)));
    }

    [Fact]
    public void NoticeResponseWithoutOptionalFields()
    {
        byte[] expected = Bytes.Message('N', new Bytes()
            .Char('S').CString("NOTICE").Char('V').CString("NOTICE").Char('C').CString("00000").Char('M').CString("hello").Byte(0));
        Assert.Equal(expected, Write(o => BackendMessages.WriteNoticeResponse(o, new PgError("NOTICE", "00000", "hello"))));
    }

    [Fact]
    public void NulInsideAStringCannotBreakTheFraming()
    {
        byte[] written = Write(o => BackendMessages.WriteCommandComplete(o, "A\0B"));
        Assert.Equal(Bytes.Message('C', new Bytes().CString("A?B")), written);
    }

    [Fact]
    public void NegotiateProtocolVersion()
    {
        byte[] expected = Bytes.Message('v', new Bytes().Int32(0).Int32(2).CString("_pq_.a").CString("_pq_.b"));
        Assert.Equal(expected, Write(o => BackendMessages.WriteNegotiateProtocolVersion(o, 0, ["_pq_.a", "_pq_.b"])));
    }
}
