using System.Buffers;

namespace Log.Wire.Protocol;

/// <summary>PasswordMessage ('p') in answer to AuthenticationCleartextPassword: one C string.</summary>
internal static class PasswordMessage
{
    public static bool TryGetPassword(in ReadOnlySequence<byte> body, out ReadOnlySequence<byte> passwordBytes) =>
        QueryMessage.TryGetSingleCString(body, out passwordBytes, out _);
}
