using System.Buffers;

namespace Log.Wire.Protocol;

/// <summary>Describe ('D') and Close ('C'): 'S' (prepared statement) or 'P' (portal), then the name.</summary>
internal sealed record DescribeMessage(byte Kind, string Name)
{
    public const byte Statement = (byte)'S';
    public const byte Portal = (byte)'P';

    /// <param name="messageName">"DESCRIBE" or "CLOSE", for PostgreSQL's message about a bad kind.</param>
    public static DescribeMessage? TryRead(in ReadOnlySequence<byte> body, string messageName, out PgError? error)
    {
        var reader = new MessageBodyReader(body);
        byte kind = reader.ReadByte();
        string name = reader.ReadCString();
        reader.ExpectEnd();
        error = reader.Error;
        if (error is null && kind is not (Statement or Portal))
        {
            error = PgError.Error(PgSqlState.ProtocolViolation, $"invalid {messageName} message subtype {kind}");
        }
        return error is null ? new DescribeMessage(kind, name) : null;
    }
}
