using System.Buffers;
using Log.QueryNode.Sql.Types;
using MessagePack;

namespace Log.QueryNode.Sql.Catalog;

/// <summary>Table descriptors as MessagePack arrays, a format version first. Defaults are stored as their text form
/// and read back through the type's input function (exact for every supported type). Version 2 adds the secondary
/// indexes, the CHECK constraints and the next index id after the primary key; version 1 descriptors (none of
/// those) still decode. Two fields appended to version 2 hold the foreign keys and the names of the tables referencing
/// this one; descriptors written without them decode with none. Foreign keys and indexes end with their constraint's
/// deferral (ConstraintDeferral), and ones written before it decode as NOT DEFERRABLE. A thirteenth table field holds
/// the table rewrite in progress (<see cref="TableRewrite"/>), nil when none; a fourteenth the owner's OID (0: the login
/// role).</summary>
internal static class DescriptorCodec
{
    private const int FormatVersion = 2;
    private const int Version1Fields = 7;
    private const int Version2Fields = 10;
    private const int ForeignKeyFields = 12;
    private const int RewriteFields = 13;
    private const int OwnerFields = 14;

    public static byte[] Encode(TableDescriptor table)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        var writer = new MessagePackWriter(buffer);
        writer.WriteArrayHeader(OwnerFields);
        writer.Write(FormatVersion);
        writer.Write(table.Id);
        writer.Write(table.Name);
        writer.Write(table.Version);
        writer.Write(table.NextColumnId);
        writer.WriteArrayHeader(table.Columns.Count);
        foreach (ColumnDescriptor column in table.Columns)
        {
            writer.WriteArrayHeader(13);
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
            writer.Write((int)column.Type.Element); // an array column's element type (Unknown otherwise)
            if (column.Identity is null) writer.WriteNil();
            else writer.Write(column.Identity.Value.ToString());
            string? missingText = ValueFormatter.Format(column.MissingValue, DateTimeSettings.Default);
            if (missingText is null) writer.WriteNil();
            else writer.Write(missingText);
            if (column.Generated is null) writer.WriteNil();
            else writer.Write(column.Generated);
            writer.Write(column.StorageId);
        }
        writer.WriteArrayHeader(table.PrimaryKeyOrdinals.Count);
        foreach (int ordinal in table.PrimaryKeyOrdinals) writer.Write(table.Columns[ordinal].Id);
        writer.WriteArrayHeader(table.Indexes.Count);
        foreach (IndexDescriptor index in table.Indexes) EncodeIndex(ref writer, index);
        writer.WriteArrayHeader(table.Checks.Count);
        foreach (CheckConstraint check in table.Checks)
        {
            writer.WriteArrayHeader(3);
            writer.Write(check.Name);
            writer.Write(check.Expression);
            writer.Write(check.IsValidated);
        }
        writer.Write(table.NextIndexId);
        writer.WriteArrayHeader(table.ForeignKeys.Count);
        foreach (ForeignKeyConstraint foreignKey in table.ForeignKeys) EncodeForeignKey(ref writer, foreignKey);
        writer.WriteArrayHeader(table.ReferencedBy.Count);
        foreach (string referencing in table.ReferencedBy) writer.Write(referencing);
        EncodeRewrite(ref writer, table.Rewrite);
        writer.Write(table.OwnerOid);
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    public static TableDescriptor Decode(byte[] bytes)
    {
        var reader = new MessagePackReader(bytes);
        int fields = reader.ReadArrayHeader();
        int version = reader.ReadInt32();
        if (!(version == 1 && fields == Version1Fields || version == FormatVersion && fields >= Version2Fields))
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
            string? defaultExpression = columnFields >= 8 && !reader.TryReadNil() ? reader.ReadString() : null;
            if (columnFields >= 9) type = type with { Element = (TypeKind)reader.ReadInt32() };
            object? defaultValue = defaultText is null ? null : ValueInput.Parse(defaultText, type, settings: DateTimeSettings.Default);
            string? identity = columnFields >= 10 && !reader.TryReadNil() ? reader.ReadString() : null;
            string? missingText = columnFields >= 11 && !reader.TryReadNil() ? reader.ReadString() : null;
            string? generated = columnFields >= 12 && !reader.TryReadNil() ? reader.ReadString() : null;
            int storageId = columnFields >= 13 ? reader.ReadInt32() : columnId;
            for (int extra = 13; extra < columnFields; extra++) reader.Skip(); // fields of later versions
            columns[index] = new ColumnDescriptor(columnId, columnName, type, notNull, hasDefault, defaultValue, defaultExpression)
            {
                Identity = identity is null ? null : identity[0],
                MissingValue = missingText is null ? null : ValueInput.Parse(missingText, type, settings: DateTimeSettings.Default),
                Generated = generated,
                StorageId = storageId,
            };
        }
        int keyCount = reader.ReadArrayHeader();
        var keyOrdinals = new int[keyCount];
        for (int index = 0; index < keyCount; index++)
        {
            int columnId = reader.ReadInt32();
            keyOrdinals[index] = Array.FindIndex(columns, column => column.Id == columnId);
        }
        if (version == 1) return new TableDescriptor(id, name, tableVersion, nextColumnId, columns, keyOrdinals);
        var indexes = new IndexDescriptor[reader.ReadArrayHeader()];
        for (int index = 0; index < indexes.Length; index++) indexes[index] = DecodeIndex(ref reader);
        var checks = new CheckConstraint[reader.ReadArrayHeader()];
        for (int index = 0; index < checks.Length; index++)
        {
            int checkFields = reader.ReadArrayHeader();
            checks[index] = new CheckConstraint(reader.ReadString()!, reader.ReadString()!, checkFields < 3 || reader.ReadBoolean());
            for (int extra = 3; extra < checkFields; extra++) reader.Skip();
        }
        int nextIndexId = reader.ReadInt32();
        ForeignKeyConstraint[] foreignKeys = [];
        string[] referencedBy = [];
        if (fields >= ForeignKeyFields)
        {
            foreignKeys = new ForeignKeyConstraint[reader.ReadArrayHeader()];
            for (int index = 0; index < foreignKeys.Length; index++) foreignKeys[index] = DecodeForeignKey(ref reader);
            referencedBy = new string[reader.ReadArrayHeader()];
            for (int index = 0; index < referencedBy.Length; index++) referencedBy[index] = reader.ReadString()!;
        }
        TableRewrite? rewrite = fields >= RewriteFields ? DecodeRewrite(ref reader) : null;
        long ownerOid = fields >= OwnerFields ? reader.ReadInt64() : 0;
        for (int extra = Math.Max(Version2Fields, Math.Min(fields, OwnerFields)); extra < fields; extra++) reader.Skip(); // fields of later versions
        return new TableDescriptor(id, name, tableVersion, nextColumnId, columns, keyOrdinals, indexes, checks, nextIndexId, foreignKeys, referencedBy)
        {
            Rewrite = rewrite,
            OwnerOid = ownerOid,
        };
    }

    private const int TableRewriteFields = 4;
    private const int ColumnConversionFields = 6;

    private static void EncodeRewrite(ref MessagePackWriter writer, TableRewrite? rewrite)
    {
        if (rewrite is null)
        {
            writer.WriteNil();
            return;
        }
        writer.WriteArrayHeader(TableRewriteFields);
        writer.Write(rewrite.JobId);
        writer.WriteArrayHeader(rewrite.Conversions.Count);
        foreach (ColumnConversion conversion in rewrite.Conversions)
        {
            writer.WriteArrayHeader(ColumnConversionFields);
            writer.Write(conversion.SourceColumnId);
            writer.Write(conversion.TargetStorageId);
            writer.Write((int)conversion.TargetType.Kind);
            writer.Write(conversion.TargetType.Modifier);
            writer.Write((int)conversion.TargetType.Element);
            if (conversion.UsingExpression is null) writer.WriteNil();
            else writer.Write(conversion.UsingExpression);
        }
        writer.WriteArrayHeader(rewrite.NewIndexes.Count);
        foreach (IndexDescriptor index in rewrite.NewIndexes) EncodeIndex(ref writer, index);
        writer.WriteArrayHeader(rewrite.ReplacedIndexIds.Count);
        foreach (int indexId in rewrite.ReplacedIndexIds) writer.Write(indexId);
    }

    private static TableRewrite? DecodeRewrite(ref MessagePackReader reader)
    {
        if (reader.TryReadNil()) return null;
        int fields = reader.ReadArrayHeader();
        if (fields < TableRewriteFields) throw new InvalidOperationException($"table rewrite descriptor with {fields} fields");
        string jobId = reader.ReadString()!;
        var conversions = new ColumnConversion[reader.ReadArrayHeader()];
        for (int position = 0; position < conversions.Length; position++)
        {
            int conversionFields = reader.ReadArrayHeader();
            if (conversionFields < ColumnConversionFields) throw new InvalidOperationException($"column conversion with {conversionFields} fields");
            int source = reader.ReadInt32();
            int target = reader.ReadInt32();
            var type = new SqlType((TypeKind)reader.ReadInt32(), reader.ReadInt32()) { Element = (TypeKind)reader.ReadInt32() };
            string? usingExpression = reader.TryReadNil() ? null : reader.ReadString();
            for (int extra = ColumnConversionFields; extra < conversionFields; extra++) reader.Skip();
            conversions[position] = new ColumnConversion(source, target, type, usingExpression);
        }
        var newIndexes = new IndexDescriptor[reader.ReadArrayHeader()];
        for (int position = 0; position < newIndexes.Length; position++) newIndexes[position] = DecodeIndex(ref reader);
        var replaced = new int[reader.ReadArrayHeader()];
        for (int position = 0; position < replaced.Length; position++) replaced[position] = reader.ReadInt32();
        for (int extra = TableRewriteFields; extra < fields; extra++) reader.Skip();
        return new TableRewrite(jobId, conversions, newIndexes, replaced);
    }

    private const int IndexFields = 9;
    private const int ForeignKeyConstraintFields = 7;

    private static void EncodeForeignKey(ref MessagePackWriter writer, ForeignKeyConstraint foreignKey)
    {
        writer.WriteArrayHeader(ForeignKeyConstraintFields + 2);
        writer.Write(foreignKey.Name);
        writer.WriteArrayHeader(foreignKey.ColumnIds.Count);
        foreach (int columnId in foreignKey.ColumnIds) writer.Write(columnId);
        writer.Write(foreignKey.ReferencedTable);
        writer.WriteArrayHeader(foreignKey.ReferencedColumnIds.Count);
        foreach (int columnId in foreignKey.ReferencedColumnIds) writer.Write(columnId);
        writer.Write(foreignKey.ReferencedIndexId);
        writer.Write((int)foreignKey.OnDelete);
        writer.Write((int)foreignKey.OnUpdate);
        writer.Write(foreignKey.IsValidated);
        writer.Write((int)foreignKey.Deferral);
    }

    private static ForeignKeyConstraint DecodeForeignKey(ref MessagePackReader reader)
    {
        int fields = reader.ReadArrayHeader();
        if (fields < ForeignKeyConstraintFields) throw new InvalidOperationException($"foreign key descriptor with {fields} fields");
        string name = reader.ReadString()!;
        var columnIds = new int[reader.ReadArrayHeader()];
        for (int position = 0; position < columnIds.Length; position++) columnIds[position] = reader.ReadInt32();
        string referencedTable = reader.ReadString()!;
        var referencedColumnIds = new int[reader.ReadArrayHeader()];
        for (int position = 0; position < referencedColumnIds.Length; position++) referencedColumnIds[position] = reader.ReadInt32();
        int referencedIndexId = reader.ReadInt32();
        var onDelete = (ForeignKeyAction)reader.ReadInt32();
        var onUpdate = (ForeignKeyAction)reader.ReadInt32();
        bool validated = fields <= ForeignKeyConstraintFields || reader.ReadBoolean();
        var deferral = fields > ForeignKeyConstraintFields + 1 ? (ConstraintDeferral)reader.ReadInt32() : ConstraintDeferral.NotDeferrable;
        for (int extra = ForeignKeyConstraintFields + 2; extra < fields; extra++) reader.Skip();
        return new ForeignKeyConstraint(name, columnIds, referencedTable, referencedColumnIds, referencedIndexId, onDelete, onUpdate, validated, deferral);
    }

    private static void EncodeIndex(ref MessagePackWriter writer, IndexDescriptor index)
    {
        writer.WriteArrayHeader(IndexFields + 2);
        writer.Write(index.Id);
        writer.Write(index.Name);
        writer.WriteArrayHeader(index.KeyColumns.Count);
        foreach (IndexKeyColumn key in index.KeyColumns)
        {
            writer.WriteArrayHeader(4);
            writer.Write(key.ColumnId);
            if (key.Expression is null) writer.WriteNil();
            else writer.Write(key.Expression);
            writer.Write(key.Descending);
            writer.Write(key.NullsFirst);
        }
        writer.WriteArrayHeader(index.IncludeColumnIds.Count);
        foreach (int columnId in index.IncludeColumnIds) writer.Write(columnId);
        if (index.Predicate is null) writer.WriteNil();
        else writer.Write(index.Predicate);
        writer.Write(index.IsUnique);
        writer.Write(index.NullsNotDistinct);
        writer.Write((int)index.State);
        writer.Write(index.IsConstraint);
        writer.Write(index.IsPrimary);
        writer.Write((int)index.Deferral);
    }

    private static IndexDescriptor DecodeIndex(ref MessagePackReader reader)
    {
        int fields = reader.ReadArrayHeader();
        if (fields < IndexFields) throw new InvalidOperationException($"index descriptor with {fields} fields");
        int id = reader.ReadInt32();
        string name = reader.ReadString()!;
        var keys = new IndexKeyColumn[reader.ReadArrayHeader()];
        for (int position = 0; position < keys.Length; position++)
        {
            int keyFields = reader.ReadArrayHeader();
            int columnId = reader.ReadInt32();
            string? expression = reader.TryReadNil() ? null : reader.ReadString();
            keys[position] = new IndexKeyColumn(columnId, expression, reader.ReadBoolean(), reader.ReadBoolean());
            for (int extra = 4; extra < keyFields; extra++) reader.Skip();
        }
        var include = new int[reader.ReadArrayHeader()];
        for (int position = 0; position < include.Length; position++) include[position] = reader.ReadInt32();
        string? predicate = reader.TryReadNil() ? null : reader.ReadString();
        bool unique = reader.ReadBoolean();
        bool nullsNotDistinct = reader.ReadBoolean();
        var state = (IndexState)reader.ReadInt32();
        bool isConstraint = reader.ReadBoolean();
        bool isPrimary = fields > IndexFields && reader.ReadBoolean();
        var deferral = fields > IndexFields + 1 ? (ConstraintDeferral)reader.ReadInt32() : ConstraintDeferral.NotDeferrable;
        for (int extra = IndexFields + 2; extra < fields; extra++) reader.Skip();
        return new IndexDescriptor(id, name, keys, include, predicate, unique, nullsNotDistinct, state, isConstraint, isPrimary, deferral);
    }
}
