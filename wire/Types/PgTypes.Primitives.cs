using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Log.Wire.Types;

public static partial class PgTypes
{
    private const string InvalidTextRepresentation = "22P02";
    private const string InvalidParameterValue = "22023";
    private const string InvalidBinaryRepresentation = "22P03";
    private const string NumericValueOutOfRange = "22003";
    private const string DatetimeFieldOverflow = "22008";
    private const string InvalidDatetimeFormat = "22007";
    private const string IntervalFieldOverflow = "22015";
    private const string UndefinedFunction = "42883";
    private const byte JsonbVersion = 1;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static PgException IncorrectBinaryFormat() =>
        new(PgError.Error(InvalidBinaryRepresentation, "incorrect binary data format"));

    private static PgException InvalidSyntax(int typeOid, string text) =>
        new(PgError.Error(InvalidTextRepresentation, $"invalid input syntax for type {GetTypeName(typeOid)}: \"{text}\""));

    private static PgException OutOfRange(int typeOid, string text) =>
        new(PgError.Error(NumericValueOutOfRange, $"value \"{text}\" is out of range for type {GetTypeName(typeOid)}"));

    private static void WriteByte(IBufferWriter<byte> output, byte value)
    {
        output.GetSpan(1)[0] = value;
        output.Advance(1);
    }

    private static void WriteInt16(IBufferWriter<byte> output, short value)
    {
        BinaryPrimitives.WriteInt16BigEndian(output.GetSpan(2), value);
        output.Advance(2);
    }

    private static void WriteInt32(IBufferWriter<byte> output, int value)
    {
        BinaryPrimitives.WriteInt32BigEndian(output.GetSpan(4), value);
        output.Advance(4);
    }

    private static void WriteInt64(IBufferWriter<byte> output, long value)
    {
        BinaryPrimitives.WriteInt64BigEndian(output.GetSpan(8), value);
        output.Advance(8);
    }

    private static void WriteBytes(IBufferWriter<byte> output, ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > 0)
        {
            bytes.CopyTo(output.GetSpan(bytes.Length));
            output.Advance(bytes.Length);
        }
    }

    private static void WriteUtf8(IBufferWriter<byte> output, string text)
    {
        int count = Encoding.UTF8.GetByteCount(text);
        if (count > 0)
        {
            Encoding.UTF8.GetBytes(text, output.GetSpan(count));
            output.Advance(count);
        }
    }

    private static string DecodeUtf8(ReadOnlySpan<byte> bytes)
    {
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new PgException(PgError.Error(PgSqlState.CharacterNotInRepertoire, "invalid byte sequence for encoding \"UTF8\""));
        }
    }

    private static bool ToBool(object value) => value switch
    {
        bool b => b,
        string s => ParseBool(s),
        _ => Convert.ToBoolean(value, Invariant),
    };

    private static byte ToCharByte(object value) => value switch
    {
        string s => s.Length == 0 ? (byte)0 : (byte)s[0],
        char c => (byte)c,
        _ => Convert.ToByte(value, Invariant),
    };

    private static string ToText(object value) => value as string ?? Convert.ToString(value, Invariant) ?? "";

    private static byte[] ToBytes(object value) => value switch
    {
        byte[] bytes => bytes,
        ReadOnlyMemory<byte> memory => memory.ToArray(),
        Memory<byte> memory => memory.ToArray(),
        ArraySegment<byte> segment => segment.ToArray(),
        _ => throw new ArgumentException($"a bytea value must be a byte array, not {value.GetType().Name}", nameof(value)),
    };

    private static Guid ToGuid(object value) => value switch
    {
        Guid guid => guid,
        string s => ParseUuid(s),
        _ => throw new ArgumentException($"a uuid value must be a Guid, not {value.GetType().Name}", nameof(value)),
    };
}
