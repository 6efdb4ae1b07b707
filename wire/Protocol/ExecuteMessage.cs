using System.Buffers;

namespace Log.Wire.Protocol;

/// <summary>Execute ('E'): portal name, Int32 maximum rows (0 or less: no limit).</summary>
internal sealed record ExecuteMessage(string PortalName, int MaxRows)
{
    public static ExecuteMessage? TryRead(in ReadOnlySequence<byte> body, out PgError? error)
    {
        var reader = new MessageBodyReader(body);
        string portal = reader.ReadCString();
        int maxRows = reader.ReadInt32();
        reader.ExpectEnd();
        error = reader.Error;
        return error is null ? new ExecuteMessage(portal, Math.Max(0, maxRows)) : null;
    }
}
