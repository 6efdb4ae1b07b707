using System.Buffers;

namespace Log.Wire.Protocol.Backend;

internal static partial class BackendMessages
{
    /// <summary>
    /// NegotiateProtocolVersion: 'v', the newest protocol version supported, then the protocol
    /// options not recognised. The version is the full code (major &lt;&lt; 16 | minor), as
    /// PostgreSQL sends it and libpq reads it, not the bare minor number.
    /// </summary>
    public static void WriteNegotiateProtocolVersion(IBufferWriter<byte> output, int newestProtocolVersion, IReadOnlyList<string> unrecognizedOptions)
    {
        int bodyBytes = 8;
        for (int i = 0; i < unrecognizedOptions.Count; i++)
        {
            bodyBytes += PgText.GetCStringByteCount(unrecognizedOptions[i]);
        }
        var message = new MessageSpan(output, (byte)'v', bodyBytes);
        message.WriteInt32(newestProtocolVersion);
        message.WriteInt32(unrecognizedOptions.Count);
        for (int i = 0; i < unrecognizedOptions.Count; i++)
        {
            message.WriteCString(unrecognizedOptions[i]);
        }
        message.Commit();
    }
}
