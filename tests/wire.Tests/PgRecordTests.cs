using System.Buffers;
using Log.Wire.Types;

namespace Log.Wire.Tests;

/// <summary>Anonymous records (type record) in both formats: the bytes PostgreSQL 15's record_send gives and the text its
/// record_out gives for the same row.</summary>
public sealed class PgRecordTests
{
    [Fact]
    public void BinaryIsRecordSendFieldCountThenOidLengthAndBytesPerField()
    {
        // SELECT record_send(ROW(1, 'ab'::text, NULL::int, true)) on PostgreSQL 15.
        byte[] expected = Convert.FromHexString("000000040000001700000004000000010000001900000002616200000017ffffffff000000100000000101");
        var record = new PgRecord([1, "ab", null, true], [PgTypeOid.Int4, PgTypeOid.Text, PgTypeOid.Int4, PgTypeOid.Bool]);
        var output = new ArrayBufferWriter<byte>();
        PgTypes.EncodeBinary(record, PgTypeOid.Record, output);
        Assert.Equal(expected, output.WrittenSpan.ToArray());
    }

    [Fact]
    public void TextQuotesFieldsAsRecordOutDoes()
    {
        // SELECT ROW(1, 'a b', NULL, '"q"', '', 'x\y', '(p)', 'c,d') on PostgreSQL 15.
        var record = new PgRecord([1, "a b", null, "\"q\"", "", "x\\y", "(p)", "c,d"],
            [PgTypeOid.Int4, PgTypeOid.Text, PgTypeOid.Text, PgTypeOid.Text, PgTypeOid.Text, PgTypeOid.Text, PgTypeOid.Text, PgTypeOid.Text]);
        Assert.Equal("(1,\"a b\",,\"\"\"q\"\"\",\"\",\"x\\\\y\",\"(p)\",\"c,d\")", PgTypes.EncodeText(record, PgTypeOid.Record, PgTypeSettings.Default));
        Assert.Equal("()", PgTypes.EncodeText(new PgRecord([null], [PgTypeOid.Text]), PgTypeOid.Record, PgTypeSettings.Default));
    }

    [Fact]
    public void ARecordNeedsOneTypePerField() =>
        Assert.Throws<ArgumentException>(() => new PgRecord([1, 2], [PgTypeOid.Int4]));
}
