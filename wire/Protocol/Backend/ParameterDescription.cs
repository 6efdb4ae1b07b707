using System.Buffers;

namespace Log.Wire.Protocol.Backend;

internal static partial class BackendMessages
{
    /// <summary>ParameterDescription: 't', Int16 count, then each parameter's type OID.</summary>
    public static void WriteParameterDescription(IBufferWriter<byte> output, IReadOnlyList<int> typeOids)
    {
        var message = new MessageSpan(output, (byte)'t', 2 + 4 * typeOids.Count);
        message.WriteInt16(unchecked((short)typeOids.Count));
        for (int i = 0; i < typeOids.Count; i++)
        {
            message.WriteInt32(typeOids[i]);
        }
        message.Commit();
    }
}
