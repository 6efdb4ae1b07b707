using System.Buffers;
using System.Buffers.Binary;

namespace Log.Wire.Protocol;

/// <summary>
/// Reads the fields of a well-framed message body. A body that does not match its layout is an
/// ERROR 08P01 with PostgreSQL's pqformat.c messages (the framing is intact, so the connection goes on).
/// </summary>
internal ref struct MessageBodyReader(ReadOnlySequence<byte> body)
{
    private SequenceReader<byte> reader = new(body);

    /// <summary>The first layout error met, or null.</summary>
    public PgError? Error { get; private set; }

    public readonly bool End => reader.End;

    public string ReadCString()
    {
        if (Error is not null)
        {
            return "";
        }
        if (!PgText.TryReadCString(ref reader, out ReadOnlySequence<byte> bytes))
        {
            Error = PgError.Error(PgSqlState.ProtocolViolation, "invalid string in message");
            return "";
        }
        if (!PgText.TryDecode(bytes, out string text))
        {
            Error = PgError.Error(PgSqlState.CharacterNotInRepertoire, PgText.DescribeInvalidUtf8(bytes));
            return "";
        }
        return text;
    }

    public byte ReadByte()
    {
        if (Error is null && reader.TryRead(out byte value))
        {
            return value;
        }
        Insufficient();
        return 0;
    }

    public short ReadInt16()
    {
        if (Error is null && reader.TryReadBigEndian(out short value))
        {
            return value;
        }
        Insufficient();
        return 0;
    }

    public int ReadInt32()
    {
        if (Error is null && reader.TryReadBigEndian(out int value))
        {
            return value;
        }
        Insufficient();
        return 0;
    }

    /// <summary>A length-prefixed value: null for length -1.</summary>
    public ReadOnlySequence<byte>? ReadValue()
    {
        int length = ReadInt32();
        if (Error is not null || length == -1)
        {
            return null;
        }
        if (length < 0 || length > reader.Remaining)
        {
            Insufficient();
            return null;
        }
        ReadOnlySequence<byte> value = reader.UnreadSequence.Slice(0, length);
        reader.Advance(length);
        return value;
    }

    /// <summary>Checks that nothing is left over ("invalid message format").</summary>
    public void ExpectEnd()
    {
        if (Error is null && !reader.End)
        {
            Error = PgError.Error(PgSqlState.ProtocolViolation, "invalid message format");
        }
    }

    private void Insufficient()
    {
        Error ??= PgError.Error(PgSqlState.ProtocolViolation, "insufficient data left in message");
    }

    internal static int ReadInt32(ReadOnlySpan<byte> bytes) => BinaryPrimitives.ReadInt32BigEndian(bytes);
}
