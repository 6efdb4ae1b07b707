using System.Buffers;
using System.Text;
using Log.Wire.Protocol;

namespace Log.Wire.Tests;

public sealed class QueryMessageTests
{
    [Fact]
    public void ExtractsTheText()
    {
        byte[] body = new Bytes().CString("select 'é'").ToArray();
        Assert.True(QueryMessage.TryGetQueryText(Bytes.Segmented(body, 2), out ReadOnlySequence<byte> text, out _));
        Assert.True(PgText.TryDecode(text, out string query));
        Assert.Equal("select 'é'", query);
    }

    [Fact]
    public void AcceptsAnEmptyString()
    {
        Assert.True(QueryMessage.TryGetQueryText(new ReadOnlySequence<byte>([0]), out ReadOnlySequence<byte> text, out _));
        Assert.True(text.IsEmpty);
    }

    [Theory]
    [InlineData(new byte[0])]
    [InlineData(new byte[] { (byte)'a' })]
    [InlineData(new byte[] { (byte)'a', 0, (byte)'b' })]
    [InlineData(new byte[] { (byte)'a', 0, 0 })]
    public void RejectsAnythingButOneCString(byte[] body) =>
        Assert.False(QueryMessage.TryGetQueryText(new ReadOnlySequence<byte>(body), out _, out _));

    [Fact]
    public void RejectsInvalidUtf8()
    {
        Assert.False(PgText.TryDecode(new ReadOnlySequence<byte>([0x61, 0xc3]), out _));
        Assert.True(PgText.TryDecode(new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes("ü")), out string text));
        Assert.Equal("ü", text);
    }

    [Theory]
    [InlineData(new byte[] { 0x61, 0xff }, "0xff")]
    [InlineData(new byte[] { 0x61, 0xc3, 0x28, 0x62 }, "0xc3 0x28")]
    [InlineData(new byte[] { 0xe2, 0x82 }, "0xe2 0x82")]
    public void DescribesTheFirstInvalidCharacterAsPostgreSqlDoes(byte[] bytes, string shown) =>
        Assert.Equal($"invalid byte sequence for encoding \"UTF8\": {shown}", PgText.DescribeInvalidUtf8(new ReadOnlySequence<byte>(bytes)));
}
