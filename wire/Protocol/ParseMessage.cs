using System.Buffers;

namespace Log.Wire.Protocol;

/// <summary>Parse ('P'): statement name, query text, Int16 count, then that many parameter type OIDs.</summary>
internal sealed record ParseMessage(string StatementName, string QueryText, int[] ParameterTypeOids)
{
    public static ParseMessage? TryRead(in ReadOnlySequence<byte> body, out PgError? error)
    {
        var reader = new MessageBodyReader(body);
        string name = reader.ReadCString();
        string query = reader.ReadCString();
        int count = (ushort)reader.ReadInt16();
        int[] oids = reader.Error is null && count > 0 ? new int[count] : [];
        for (int i = 0; i < oids.Length && reader.Error is null; i++)
        {
            oids[i] = reader.ReadInt32();
        }
        reader.ExpectEnd();
        error = reader.Error;
        return error is null ? new ParseMessage(name, query, oids) : null;
    }
}
