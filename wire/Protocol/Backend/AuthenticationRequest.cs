using System.Buffers;

namespace Log.Wire.Protocol.Backend;

internal static partial class BackendMessages
{
    public const int AuthenticationOkCode = 0;
    public const int AuthenticationCleartextPasswordCode = 3;

    /// <summary>AuthenticationOk: 'R', length 8, Int32 0.</summary>
    public static void WriteAuthenticationOk(IBufferWriter<byte> output) => WriteAuthentication(output, AuthenticationOkCode);

    /// <summary>AuthenticationCleartextPassword: 'R', length 8, Int32 3.</summary>
    public static void WriteAuthenticationCleartextPassword(IBufferWriter<byte> output) =>
        WriteAuthentication(output, AuthenticationCleartextPasswordCode);

    private static void WriteAuthentication(IBufferWriter<byte> output, int code)
    {
        var message = new MessageSpan(output, (byte)'R', 4);
        message.WriteInt32(code);
        message.Commit();
    }
}
