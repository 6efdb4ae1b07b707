using System.Buffers.Binary;

namespace Log.Wire.Types;

/// <summary>Reads big-endian values of a binary-format value; running short is PostgreSQL's 08P01 "insufficient data left in message".</summary>
internal ref struct PgBinaryReader(ReadOnlySpan<byte> bytes)
{
    private readonly ReadOnlySpan<byte> bytes = bytes;
    private int position;

    public readonly bool End => position == bytes.Length;

    public readonly int Remaining => bytes.Length - position;

    public ReadOnlySpan<byte> ReadBytes(int count)
    {
        if (count < 0 || count > Remaining)
        {
            throw new PgException(PgError.Error(PgSqlState.ProtocolViolation, "insufficient data left in message"));
        }
        ReadOnlySpan<byte> slice = bytes.Slice(position, count);
        position += count;
        return slice;
    }

    public ReadOnlySpan<byte> ReadRest() => ReadBytes(Remaining);

    public byte ReadByte() => ReadBytes(1)[0];

    public short ReadInt16() => BinaryPrimitives.ReadInt16BigEndian(ReadBytes(2));

    public int ReadInt32() => BinaryPrimitives.ReadInt32BigEndian(ReadBytes(4));

    public long ReadInt64() => BinaryPrimitives.ReadInt64BigEndian(ReadBytes(8));
}
