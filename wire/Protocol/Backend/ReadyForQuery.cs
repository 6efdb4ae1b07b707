using System.Buffers;

namespace Log.Wire.Protocol.Backend;

internal static partial class BackendMessages
{
    /// <summary>ReadyForQuery: 'Z', transaction status 'I', 'T' or 'E'.</summary>
    public static void WriteReadyForQuery(IBufferWriter<byte> output, PgTransactionStatus status)
    {
        var message = new MessageSpan(output, (byte)'Z', 1);
        message.WriteByte((byte)status);
        message.Commit();
    }
}
