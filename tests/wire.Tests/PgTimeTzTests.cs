using System.Buffers;
using System.Buffers.Binary;
using Log.Wire.Types;

namespace Log.Wire.Tests;

/// <summary>timetz's codecs: generated values through text and binary, the binary zone in seconds west of UTC as
/// timetz_send writes it, and timetz_in's errors.</summary>
public sealed class PgTimeTzTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void GeneratedValuesRoundTripInBothFormats(int seed)
    {
        var random = new Random(seed);
        for (int index = 0; index < 500; index++)
        {
            var value = new PgTimeTz(random.NextInt64(0, 86_400_000_001), random.Next(-PgTimeTz.OffsetSecondsLimit + 1, PgTimeTz.OffsetSecondsLimit));
            string text = PgTypes.EncodeText(value, PgTypeOid.TimeTz, PgTypeSettings.Default)!;
            Assert.Equal(value, PgTypes.DecodeText(text, PgTypeOid.TimeTz, PgTypeSettings.Default));
            var output = new ArrayBufferWriter<byte>();
            PgTypes.EncodeBinary(value, PgTypeOid.TimeTz, output);
            Assert.Equal(value, PgTypes.DecodeBinary(output.WrittenSpan, PgTypeOid.TimeTz));
        }
    }

    [Fact]
    public void BinaryIsMicrosecondsThenSecondsWest()
    {
        var output = new ArrayBufferWriter<byte>();
        PgTypes.EncodeBinary(new PgTimeTz(3_600_000_000, 19_800), PgTypeOid.TimeTz, output);
        Assert.Equal(12, output.WrittenCount);
        Assert.Equal(3_600_000_000, BinaryPrimitives.ReadInt64BigEndian(output.WrittenSpan));
        Assert.Equal(-19_800, BinaryPrimitives.ReadInt32BigEndian(output.WrittenSpan[8..]));
    }

    [Theory]
    [InlineData("12:34:56+05:30", "12:34:56+05:30")]
    [InlineData("12:34:56.789-08", "12:34:56.789-08")]
    [InlineData("1:02 pm +0530", "13:02:00+05:30")]
    [InlineData("24:00:00-15:59:59", "24:00:00-15:59:59")]
    [InlineData("12:00 UTC", "12:00:00+00")]
    [InlineData("2024-07-01 12:00 America/New_York", "12:00:00-04")]
    [InlineData("12:00", "12:00:00+00")]
    public void TextInputIsWrittenAsPostgreSqlWritesIt(string input, string output)
    {
        object value = PgTypes.DecodeText(input, PgTypeOid.TimeTz, PgTypeSettings.Default);
        Assert.Equal(output, PgTypes.EncodeText(value, PgTypeOid.TimeTz, PgTypeSettings.Default));
    }

    [Theory]
    [InlineData("abc", "22007")]
    [InlineData("12:00 Asia/Tokyo", "22007")]
    [InlineData("2024-01-15T12:00:00-03", "22007")]
    [InlineData("25:00+03", "22008")]
    [InlineData("10:00+16", "22009")]
    public void BadInputHasPostgreSqlsCode(string input, string sqlState)
    {
        var error = Assert.Throws<PgException>(() => PgTypes.DecodeText(input, PgTypeOid.TimeTz, PgTypeSettings.Default));
        Assert.Equal(sqlState, error.Error.SqlState);
    }
}
