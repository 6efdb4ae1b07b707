using System.Buffers;

namespace Log.Wire.Protocol.Backend;

internal static partial class BackendMessages
{
    /// <summary>CopyInResponse ('G') or CopyOutResponse ('H'): Int8 overall format, Int16 column count, each column's format.</summary>
    public static void WriteCopyResponse(IBufferWriter<byte> output, byte type, PgCopyFormat format, int columnCount)
    {
        var message = new MessageSpan(output, type, 1 + 2 + 2 * columnCount);
        message.WriteByte((byte)format);
        message.WriteInt16((short)columnCount);
        for (int i = 0; i < columnCount; i++)
        {
            message.WriteInt16((short)format);
        }
        message.Commit();
    }

    /// <summary>CopyData: 'd', the bytes.</summary>
    public static void WriteCopyData(IBufferWriter<byte> output, ReadOnlySpan<byte> data)
    {
        var message = new MessageSpan(output, (byte)'d', data.Length);
        message.WriteBytes(data);
        message.Commit();
    }
}
