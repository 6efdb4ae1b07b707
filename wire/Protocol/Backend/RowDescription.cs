using System.Buffers;

namespace Log.Wire.Protocol.Backend;

internal static partial class BackendMessages
{
    /// <summary>RowDescription: 'T', Int16 field count, then per field its name and six numbers.</summary>
    public static void WriteRowDescription(IBufferWriter<byte> output, IReadOnlyList<PgField> fields) =>
        WriteRowDescription(output, fields, null);

    /// <summary>RowDescription whose format codes come from <paramref name="formats"/> (Bind's result formats) when given.</summary>
    public static void WriteRowDescription(IBufferWriter<byte> output, IReadOnlyList<PgField> fields, short[]? formats)
    {
        if (fields.Count > short.MaxValue)
        {
            throw new ArgumentException($"a row cannot have {fields.Count} fields", nameof(fields));
        }
        const int FixedBytesPerField = 4 + 2 + 4 + 2 + 4 + 2;
        int bodyBytes = 2;
        for (int i = 0; i < fields.Count; i++)
        {
            bodyBytes += PgText.GetCStringByteCount(fields[i].Name) + FixedBytesPerField;
        }

        var message = new MessageSpan(output, (byte)'T', bodyBytes);
        message.WriteInt16((short)fields.Count);
        for (int i = 0; i < fields.Count; i++)
        {
            PgField field = fields[i];
            message.WriteCString(field.Name);
            message.WriteInt32(field.TableOid);
            message.WriteInt16(field.ColumnAttributeNumber);
            message.WriteInt32(field.TypeOid);
            message.WriteInt16(field.TypeSize);
            message.WriteInt32(field.TypeModifier);
            message.WriteInt16(formats is null ? field.FormatCode : formats[i]);
        }
        message.Commit();
    }
}
