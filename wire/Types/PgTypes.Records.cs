using System.Buffers;
using System.Text;

namespace Log.Wire.Types;

public static partial class PgTypes
{
    /// <summary>record_out: "(f1,f2,...)", a NULL field empty, a field quoted when it is empty or holds a quote, a
    /// backslash, a parenthesis, a comma or white space (quotes and backslashes doubled inside).</summary>
    public static string FormatRecord(PgRecord record, Func<object, int, string> formatField)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(formatField);
        var text = new StringBuilder("(");
        for (int index = 0; index < record.Count; index++)
        {
            if (index > 0) text.Append(',');
            if (record.Values[index] is not { } value || value is DBNull) continue;
            string field = formatField(value, record.FieldTypeOids[index]);
            bool quote = field.Length == 0;
            foreach (char character in field)
            {
                if (character is '"' or '\\' or '(' or ')' or ',' || char.IsWhiteSpace(character))
                {
                    quote = true;
                    break;
                }
            }
            if (!quote)
            {
                text.Append(field);
                continue;
            }
            text.Append('"');
            foreach (char character in field)
            {
                if (character is '"' or '\\') text.Append(character);
                text.Append(character);
            }
            text.Append('"');
        }
        return text.Append(')').ToString();
    }

    /// <summary>record_send: the number of fields, then each field's type OID, length (-1 for NULL) and binary value.</summary>
    private static void WriteRecord(IBufferWriter<byte> output, PgRecord record)
    {
        WriteInt32(output, record.Count);
        var fieldBytes = new ArrayBufferWriter<byte>();
        for (int index = 0; index < record.Count; index++)
        {
            WriteInt32(output, record.FieldTypeOids[index]);
            if (record.Values[index] is not { } value || value is DBNull)
            {
                WriteInt32(output, -1);
                continue;
            }
            fieldBytes.ResetWrittenCount();
            EncodeBinary(value, record.FieldTypeOids[index], fieldBytes);
            WriteInt32(output, fieldBytes.WrittenCount);
            WriteBytes(output, fieldBytes.WrittenSpan);
        }
    }
}
