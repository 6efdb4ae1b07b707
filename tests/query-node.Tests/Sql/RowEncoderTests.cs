using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Encoding;
using Log.QueryNode.Sql.Types;
using Log.Wire.Types;

namespace Log.QueryNode.Tests.Sql;

/// <summary>Rows decode to what was encoded, through the direct path (every MessagePack width of integers and strings)
/// and through the general one (a column dropped since the row was written).</summary>
public class RowEncoderTests
{
    private static readonly SqlType[] Types =
        [SqlType.Int2, SqlType.Int4, SqlType.Int8, SqlType.Bool, SqlType.Float8, SqlType.Numeric, SqlType.Text, SqlType.Varchar, SqlType.Date, SqlType.Timestamp, SqlType.TimestampTz];

    private static TableDescriptor Table(IEnumerable<int> columnIds) =>
        new(1, "t", 1, 100, columnIds.Select(id => new ColumnDescriptor(id, "c" + id, Types[id % Types.Length], false, false, null)).ToList(), []);

    private static object? RandomValue(SqlType type, Random random)
    {
        if (random.Next(6) == 0) return null;
        long[] integers = [0, 1, -1, 127, 128, -32, -33, 255, 256, -128, -129, 32767, -32768, 65535, 65536, int.MaxValue, int.MinValue, long.MaxValue, long.MinValue, (long)uint.MaxValue + 1];
        long integer = integers[random.Next(integers.Length)];
        return type.Kind switch
        {
            TypeKind.Int2 => (short)Math.Clamp(integer, short.MinValue, short.MaxValue),
            TypeKind.Int4 => (int)Math.Clamp(integer, int.MinValue, int.MaxValue),
            TypeKind.Int8 => integer,
            TypeKind.Bool => random.Next(2) == 0,
            TypeKind.Float8 => random.NextDouble() * integer,
            TypeKind.Numeric => random.Next(10) == 0 ? PgNumeric.NaN : new PgNumeric(new System.Numerics.BigInteger(random.NextDouble() * 1e15) * integer * integer, random.Next(0, 40)),
            TypeKind.Date => DateOnly.FromDayNumber(random.Next(0, 3_000_000)),
            TypeKind.Timestamp => new DateTime(random.NextInt64(0, DateTime.MaxValue.Ticks), DateTimeKind.Unspecified),
            TypeKind.TimestampTz => new DateTime(random.NextInt64(0, DateTime.MaxValue.Ticks), DateTimeKind.Utc),
            _ => string.Concat(Enumerable.Repeat(new[] { "a", "é", "€", "𝄞", " x" }[random.Next(5)], new[] { 0, 1, 31, 32, 255, 256, 70_000 }[random.Next(7)])),
        };
    }

    [Fact]
    public void Rows_decode_to_what_was_encoded()
    {
        var random = new Random(11);
        TableDescriptor table = Table(Enumerable.Range(0, 22));
        for (int round = 0; round < 500; round++)
        {
            object?[] values = table.Columns.Select(column => RandomValue(column.Type, random)).ToArray();
            object?[] decoded = RowEncoder.Decode(table, RowEncoder.Encode(table, values));
            Assert.Equal(values, decoded);
            for (int index = 0; index < values.Length; index++) Assert.Equal(values[index]?.GetType(), decoded[index]?.GetType());
        }
    }

    [Fact]
    public void Only_the_asked_columns_are_decoded_and_the_rest_are_null()
    {
        var random = new Random(17);
        TableDescriptor table = Table(Enumerable.Range(0, 22));
        for (int round = 0; round < 500; round++)
        {
            object?[] values = table.Columns.Select(column => RandomValue(column.Type, random)).ToArray();
            bool[] asked = values.Select(_ => random.Next(3) == 0).ToArray();
            object?[] decoded = RowEncoder.Decode(table, RowEncoder.Encode(table, values), asked);
            for (int index = 0; index < values.Length; index++) Assert.Equal(asked[index] ? values[index] : null, decoded[index]);
        }
    }

    [Fact]
    public void A_scan_that_stops_after_its_last_asked_column_decodes_what_a_whole_decode_does()
    {
        // The scan's path: the row's bytes as a span, the count of asked columns, and the reused row array. NULLs among
        // the asked columns (never reached, so the row is read to its end), and a column dropped after them.
        var random = new Random(23);
        TableDescriptor before = Table(Enumerable.Range(0, 22));
        TableDescriptor after = Table(Enumerable.Range(0, 22).Where(id => id != 20));
        TypeKind[] kinds = RowEncoder.KindsOf(after);
        var row = new object?[after.Columns.Count];
        for (int round = 0; round < 500; round++)
        {
            object?[] values = before.Columns.Select(column => RandomValue(column.Type, random)).ToArray();
            byte[] bytes = RowEncoder.Encode(before, values);
            bool[] asked = after.Columns.Select(_ => random.Next(4) == 0).ToArray();
            int count = RowEncoder.CountDecoded(after, asked);
            Assert.Equal(asked.Count(selected => selected), count);
            object?[] expected = RowEncoder.Decode(after, bytes).Select((value, ordinal) => asked[ordinal] ? value : null).ToArray();
            Assert.Equal(expected, RowEncoder.Decode(after, bytes.AsSpan(), asked, kinds, count));
            RowEncoder.DecodeInto(after, bytes, asked, kinds, row, count);
            Assert.Equal(expected, row);
        }
    }

    [Fact]
    public void A_dropped_column_is_skipped()
    {
        var random = new Random(5);
        TableDescriptor before = Table(Enumerable.Range(0, 11));
        TableDescriptor after = Table(Enumerable.Range(0, 11).Where(id => id != 6));
        for (int round = 0; round < 100; round++)
        {
            object?[] values = before.Columns.Select(column => RandomValue(column.Type, random)).ToArray();
            object?[] decoded = RowEncoder.Decode(after, RowEncoder.Encode(before, values));
            Assert.Equal(values.Where((_, index) => index != 6), decoded);
        }
    }
}
