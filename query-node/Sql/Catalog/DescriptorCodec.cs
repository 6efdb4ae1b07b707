using System.Buffers;
using Log.QueryNode.Sql.Types;
using MessagePack;

namespace Log.QueryNode.Sql.Catalog;

/// <summary>Table descriptors as MessagePack arrays, a format version first. Defaults are stored as their text form
/// and read back through the type's input function (exact for every supported type).</summary>
internal static class DescriptorCodec
{
    private const int FormatVersion = 1;

    public static byte[] Encode(TableDescriptor table)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        var writer = new MessagePackWriter(buffer);
        writer.WriteArrayHeader(7);
        writer.Write(FormatVersion);
        writer.Write(table.Id);
        writer.Write(table.Name);
        writer.Write(table.Version);
        writer.Write(table.NextColumnId);
        writer.WriteArrayHeader(table.Columns.Count);
        foreach (ColumnDescriptor column in table.Columns)
        {
            writer.WriteArrayHeader(10);
            writer.Write(column.Id);
            writer.Write(column.Name);
            writer.Write((int)column.Type.Kind);
            writer.Write(column.Type.Modifier);
            writer.Write(column.NotNull);
            writer.Write(column.HasDefault);
            string? defaultText = ValueFormatter.Format(column.DefaultValue, DateTimeSettings.Default);
            if (defaultText is null) writer.WriteNil();
            else writer.Write(defaultText);
            if (column.DefaultExpression is null) writer.WriteNil();
            else writer.Write(column.DefaultExpression);
            if (column.Identity is null) writer.WriteNil();
            else writer.Write(column.Identity.Value.ToString());
            string? missingText = ValueFormatter.Format(column.MissingValue, DateTimeSettings.Default);
            if (missingText is null) writer.WriteNil();
            else writer.Write(missingText);
        }
        writer.WriteArrayHeader(table.PrimaryKeyOrdinals.Count);
        foreach (int ordinal in table.PrimaryKeyOrdinals) writer.Write(table.Columns[ordinal].Id);
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    public static TableDescriptor Decode(byte[] bytes)
    {
        var reader = new MessagePackReader(bytes);
        int fields = reader.ReadArrayHeader();
        int version = reader.ReadInt32();
        if (fields != 7 || version != FormatVersion)
        {
            throw new InvalidOperationException($"unknown table descriptor format {version} with {fields} fields");
        }
        long id = reader.ReadInt64();
        string name = reader.ReadString()!;
        int tableVersion = reader.ReadInt32();
        int nextColumnId = reader.ReadInt32();
        int columnCount = reader.ReadArrayHeader();
        var columns = new ColumnDescriptor[columnCount];
        for (int index = 0; index < columnCount; index++)
        {
            int columnFields = reader.ReadArrayHeader();
            int columnId = reader.ReadInt32();
            string columnName = reader.ReadString()!;
            var type = new SqlType((TypeKind)reader.ReadInt32(), reader.ReadInt32());
            bool notNull = reader.ReadBoolean();
            bool hasDefault = reader.ReadBoolean();
            string? defaultText = reader.TryReadNil() ? null : reader.ReadString();
            object? defaultValue = defaultText is null ? null : ValueInput.Parse(defaultText, type, settings: DateTimeSettings.Default);
            string? defaultExpression = columnFields >= 8 && !reader.TryReadNil() ? reader.ReadString() : null;
            string? identity = columnFields >= 9 && !reader.TryReadNil() ? reader.ReadString() : null;
            string? missingText = columnFields >= 10 && !reader.TryReadNil() ? reader.ReadString() : null;
            for (int extra = 10; extra < columnFields; extra++) reader.Skip(); // fields of later versions
            columns[index] = new ColumnDescriptor(columnId, columnName, type, notNull, hasDefault, defaultValue, defaultExpression)
            {
                Identity = identity is null ? null : identity[0],
                MissingValue = missingText is null ? null : ValueInput.Parse(missingText, type, settings: DateTimeSettings.Default),
            };
        }
        int keyCount = reader.ReadArrayHeader();
        var keyOrdinals = new int[keyCount];
        for (int index = 0; index < keyCount; index++)
        {
            int columnId = reader.ReadInt32();
            keyOrdinals[index] = Array.FindIndex(columns, column => column.Id == columnId);
        }
        return new TableDescriptor(id, name, tableVersion, nextColumnId, columns, keyOrdinals);
    }
}
