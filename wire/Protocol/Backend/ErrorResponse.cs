using System.Buffers;
using System.Globalization;

namespace Log.Wire.Protocol.Backend;

internal static partial class BackendMessages
{
    /// <summary>ErrorResponse: 'E', then fields S, V, C, M, D, H, P (each a code byte and a C string), then a zero byte.</summary>
    public static void WriteErrorResponse(IBufferWriter<byte> output, PgError error) => WriteErrorOrNotice(output, (byte)'E', error);

    /// <summary>NoticeResponse: 'N', with the fields of ErrorResponse.</summary>
    public static void WriteNoticeResponse(IBufferWriter<byte> output, PgError notice) => WriteErrorOrNotice(output, (byte)'N', notice);

    private static void WriteErrorOrNotice(IBufferWriter<byte> output, byte type, PgError error)
    {
        string? position = error.Position?.ToString(CultureInfo.InvariantCulture);
        int bodyBytes = 1
            + FieldBytes(error.Severity) * 2
            + FieldBytes(error.SqlState)
            + FieldBytes(error.Message)
            + FieldBytes(error.Detail)
            + FieldBytes(error.Hint)
            + FieldBytes(position);

        var message = new MessageSpan(output, type, bodyBytes);
        WriteField(ref message, (byte)'S', error.Severity);
        WriteField(ref message, (byte)'V', error.Severity);
        WriteField(ref message, (byte)'C', error.SqlState);
        WriteField(ref message, (byte)'M', error.Message);
        WriteField(ref message, (byte)'D', error.Detail);
        WriteField(ref message, (byte)'H', error.Hint);
        WriteField(ref message, (byte)'P', position);
        message.WriteByte(0);
        message.Commit();
    }

    private static int FieldBytes(string? value) => value is null ? 0 : 1 + PgText.GetCStringByteCount(value);

    private static void WriteField(ref MessageSpan message, byte code, string? value)
    {
        if (value is null)
        {
            return;
        }
        message.WriteByte(code);
        message.WriteCString(value);
    }
}
