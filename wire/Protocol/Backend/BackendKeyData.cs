using System.Buffers;

namespace Log.Wire.Protocol.Backend;

internal static partial class BackendMessages
{
    /// <summary>BackendKeyData: 'K', process id, secret key (what a CancelRequest must present).</summary>
    public static void WriteBackendKeyData(IBufferWriter<byte> output, int processId, int secretKey)
    {
        var message = new MessageSpan(output, (byte)'K', 8);
        message.WriteInt32(processId);
        message.WriteInt32(secretKey);
        message.Commit();
    }
}
