using System.Buffers;

namespace Log.Wire.Protocol.Backend;

internal static partial class BackendMessages
{
    /// <summary>CommandComplete: 'C', the command tag.</summary>
    public static void WriteCommandComplete(IBufferWriter<byte> output, string tag)
    {
        var message = new MessageSpan(output, (byte)'C', PgText.GetCStringByteCount(tag));
        message.WriteCString(tag);
        message.Commit();
    }
}
