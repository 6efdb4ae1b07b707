using System.Buffers;

namespace Log.Wire.Protocol;

/// <summary>
/// Bind ('B'): portal name, statement name, parameter format codes, parameter values
/// (Int32 length, -1 for NULL, then the bytes), result format codes. The values are slices of
/// the input buffer, valid only while the message is being handled.
/// </summary>
internal sealed record BindMessage(
    string PortalName,
    string StatementName,
    short[] ParameterFormats,
    ReadOnlySequence<byte>?[] ParameterValues,
    short[] ResultFormats)
{
    /// <param name="statementName">The statement's name whenever the names could be read, even if the rest is malformed.</param>
    public static BindMessage? TryRead(in ReadOnlySequence<byte> body, out PgError? error, out string? statementName)
    {
        var reader = new MessageBodyReader(body);
        string portal = reader.ReadCString();
        string statement = reader.ReadCString();
        statementName = reader.Error is null ? statement : null;
        short[] parameterFormats = ReadFormats(ref reader);
        int count = (ushort)reader.ReadInt16();
        ReadOnlySequence<byte>?[] values = reader.Error is null && count > 0 ? new ReadOnlySequence<byte>?[count] : [];
        for (int i = 0; i < values.Length && reader.Error is null; i++)
        {
            values[i] = reader.ReadValue();
        }
        short[] resultFormats = ReadFormats(ref reader);
        reader.ExpectEnd();
        error = reader.Error;
        return error is null ? new BindMessage(portal, statement, parameterFormats, values, resultFormats) : null;
    }

    private static short[] ReadFormats(ref MessageBodyReader reader)
    {
        int count = (ushort)reader.ReadInt16();
        short[] formats = reader.Error is null && count > 0 ? new short[count] : [];
        for (int i = 0; i < formats.Length && reader.Error is null; i++)
        {
            formats[i] = reader.ReadInt16();
        }
        return formats;
    }

    /// <summary>
    /// The format of column or parameter <paramref name="index"/> of <paramref name="count"/>
    /// under PostgreSQL's rule: no codes means all text, one code applies to all, otherwise one each.
    /// </summary>
    public static short FormatOf(short[] formats, int index) =>
        formats.Length == 0 ? (short)0 : formats.Length == 1 ? formats[0] : formats[index];
}
