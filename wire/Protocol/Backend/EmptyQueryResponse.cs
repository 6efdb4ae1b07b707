using System.Buffers;

namespace Log.Wire.Protocol.Backend;

internal static partial class BackendMessages
{
    /// <summary>EmptyQueryResponse: 'I', length 4.</summary>
    public static void WriteEmptyQueryResponse(IBufferWriter<byte> output) => new MessageSpan(output, (byte)'I', 0).Commit();
}
