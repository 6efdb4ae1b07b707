using System.Buffers;

namespace Log.Wire.Protocol.Backend;

internal static partial class BackendMessages
{
    /// <summary>ParameterStatus: 'S', name, value.</summary>
    public static void WriteParameterStatus(IBufferWriter<byte> output, string name, string value)
    {
        var message = new MessageSpan(output, (byte)'S', PgText.GetCStringByteCount(name) + PgText.GetCStringByteCount(value));
        message.WriteCString(name);
        message.WriteCString(value);
        message.Commit();
    }
}
