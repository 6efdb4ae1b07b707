using System.Buffers;

namespace Log.Wire.Protocol.Backend;

internal static partial class BackendMessages
{
    /// <summary>ParseComplete: '1', empty.</summary>
    public static void WriteParseComplete(IBufferWriter<byte> output) => WriteEmpty(output, (byte)'1');

    /// <summary>BindComplete: '2', empty.</summary>
    public static void WriteBindComplete(IBufferWriter<byte> output) => WriteEmpty(output, (byte)'2');

    /// <summary>CloseComplete: '3', empty.</summary>
    public static void WriteCloseComplete(IBufferWriter<byte> output) => WriteEmpty(output, (byte)'3');

    /// <summary>NoData: 'n', empty (Describe of something that returns no rows).</summary>
    public static void WriteNoData(IBufferWriter<byte> output) => WriteEmpty(output, (byte)'n');

    /// <summary>PortalSuspended: 's', empty (Execute reached its row limit).</summary>
    public static void WritePortalSuspended(IBufferWriter<byte> output) => WriteEmpty(output, (byte)'s');

    /// <summary>CopyDone: 'c', empty.</summary>
    public static void WriteCopyDone(IBufferWriter<byte> output) => WriteEmpty(output, (byte)'c');

    private static void WriteEmpty(IBufferWriter<byte> output, byte type)
    {
        var message = new MessageSpan(output, type, 0);
        message.Commit();
    }
}
