using System.Buffers;
using System.Globalization;
using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Types;
using MessagePack;

namespace Log.QueryNode.Sql.Encoding;

/// <summary>
/// Row values: a MessagePack map from column id to value, NULL columns omitted, so that adding or dropping a column
/// never rewrites old rows (a missing id reads as NULL). numeric is stored as its invariant text (keeps the scale).
/// </summary>
internal static class RowEncoder
{
    public static byte[] Encode(TableDescriptor table, object?[] values)
    {
        var buffer = new ArrayBufferWriter<byte>(64);
        var writer = new MessagePackWriter(buffer);
        int present = 0;
        for (int index = 0; index < values.Length; index++) if (values[index] is not null) present++;
        writer.WriteMapHeader(present);
        for (int index = 0; index < values.Length; index++)
        {
            object? value = values[index];
            if (value is null) continue;
            writer.Write(table.Columns[index].Id);
            switch (value)
            {
                case int i: writer.Write(i); break;
                case long l: writer.Write(l); break;
                case short s: writer.Write(s); break;
                case bool b: writer.Write(b); break;
                case double d: writer.Write(d); break;
                case string text: writer.Write(text); break;
                case decimal m: writer.Write(m.ToString(CultureInfo.InvariantCulture)); break;
                case DateTime timestamp: writer.Write(timestamp.Ticks); break;
                case DateOnly date: writer.Write(date.DayNumber); break;
                default: throw new InvalidOperationException($"no row encoding for {value.GetType()}");
            }
        }
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Decodes into an array indexed by column ordinal; ids no longer in the table are skipped.</summary>
    public static object?[] Decode(TableDescriptor table, byte[] bytes)
    {
        var values = new object?[table.Columns.Count];
        var reader = new MessagePackReader(bytes);
        int count = reader.ReadMapHeader();
        for (int entry = 0; entry < count; entry++)
        {
            int columnId = reader.ReadInt32();
            int ordinal = table.OrdinalOfColumnId(columnId);
            if (ordinal < 0)
            {
                reader.Skip();
                continue;
            }
            values[ordinal] = table.Columns[ordinal].Type.Kind switch
            {
                TypeKind.Int2 => reader.ReadInt16(),
                TypeKind.Int4 => reader.ReadInt32(),
                TypeKind.Int8 => reader.ReadInt64(),
                TypeKind.Bool => reader.ReadBoolean(),
                TypeKind.Float8 => reader.ReadDouble(),
                TypeKind.Numeric => decimal.Parse(reader.ReadString()!, NumberStyles.Float, CultureInfo.InvariantCulture),
                TypeKind.Date => DateOnly.FromDayNumber(reader.ReadInt32()),
                TypeKind.Timestamp => new DateTime(reader.ReadInt64(), DateTimeKind.Unspecified),
                TypeKind.TimestampTz => new DateTime(reader.ReadInt64(), DateTimeKind.Utc),
                _ => reader.ReadString(),
            };
        }
        return values;
    }
}
