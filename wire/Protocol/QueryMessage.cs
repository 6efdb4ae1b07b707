using System.Buffers;

namespace Log.Wire.Protocol;

/// <summary>Query ('Q'): the query text as one NUL-terminated string, and nothing after it.</summary>
internal static class QueryMessage
{
    /// <summary>
    /// False when the body is not exactly one C string; <paramref name="error"/> is then
    /// PostgreSQL's message for it (an ERROR 08P01: the framing is intact, so the connection goes on).
    /// </summary>
    public static bool TryGetQueryText(in ReadOnlySequence<byte> body, out ReadOnlySequence<byte> textBytes, out string? error) =>
        TryGetSingleCString(body, out textBytes, out error);

    internal static bool TryGetSingleCString(in ReadOnlySequence<byte> body, out ReadOnlySequence<byte> textBytes, out string? error)
    {
        var reader = new SequenceReader<byte>(body);
        if (!PgText.TryReadCString(ref reader, out textBytes))
        {
            error = "invalid string in message";
            return false;
        }
        if (!reader.End)
        {
            textBytes = default;
            error = "invalid message format";
            return false;
        }
        error = null;
        return true;
    }
}
