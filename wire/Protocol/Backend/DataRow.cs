using System.Buffers;
using System.Text;

namespace Log.Wire.Protocol.Backend;

internal static partial class BackendMessages
{
    /// <summary>DataRow: 'D', Int16 column count, then per column an Int32 length (-1 for NULL) and the bytes.</summary>
    public static void WriteDataRow(IBufferWriter<byte> output, IReadOnlyList<string?> textValues)
    {
        if (textValues.Count > short.MaxValue)
        {
            throw new ArgumentException($"a row cannot have {textValues.Count} columns", nameof(textValues));
        }
        long bodyBytes = 2;
        for (int i = 0; i < textValues.Count; i++)
        {
            string? value = textValues[i];
            bodyBytes += 4 + (value is null ? 0 : Encoding.UTF8.GetByteCount(value));
        }
        if (bodyBytes > int.MaxValue - 5)
        {
            throw new ArgumentException("a row cannot be larger than 2 GiB", nameof(textValues));
        }

        var message = new MessageSpan(output, (byte)'D', (int)bodyBytes);
        message.WriteInt16((short)textValues.Count);
        for (int i = 0; i < textValues.Count; i++)
        {
            string? value = textValues[i];
            if (value is null)
            {
                message.WriteInt32(-1);
            }
            else
            {
                message.WriteLengthPrefixedText(value);
            }
        }
        message.Commit();
    }
}

internal static partial class BackendMessages
{
    /// <summary>DataRow of columns already encoded one after another in <paramref name="encoded"/>; a length of -1 is NULL.</summary>
    public static void WriteDataRow(IBufferWriter<byte> output, ReadOnlySpan<byte> encoded, ReadOnlySpan<int> lengths)
    {
        if (lengths.Length > short.MaxValue)
        {
            throw new ArgumentException($"a row cannot have {lengths.Length} columns", nameof(lengths));
        }
        long bodyBytes = 2 + 4L * lengths.Length + encoded.Length;
        if (bodyBytes > int.MaxValue - 5)
        {
            throw new ArgumentException("a row cannot be larger than 2 GiB", nameof(encoded));
        }
        var message = new MessageSpan(output, (byte)'D', (int)bodyBytes);
        message.WriteInt16((short)lengths.Length);
        int offset = 0;
        foreach (int length in lengths)
        {
            message.WriteInt32(length);
            if (length > 0)
            {
                message.WriteBytes(encoded.Slice(offset, length));
                offset += length;
            }
        }
        message.Commit();
    }
}
