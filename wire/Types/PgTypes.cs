using System.Buffers;
using System.Globalization;

namespace Log.Wire.Types;

/// <summary>
/// Text and binary codecs for the types in <see cref="PgTypeOid"/>, writing exactly the bytes
/// PostgreSQL writes (its typoutput/typsend functions) and reading what it reads
/// (typinput/typreceive). Pure functions: no I/O, no SQL. Bad input throws
/// <see cref="PgException"/> with PostgreSQL's SQLSTATE and message.
/// <para>CLR values: bool; short, int, long (int2, int4, int8); uint (oid); float, double;
/// PgNumeric (numeric; decimal accepted on output); string (text, varchar, bpchar, name, "char", json, jsonb, unknown);
/// byte[] (bytea); DateOnly (date); TimeOnly (time); PgTimeTz (timetz); DateTime (timestamp, Kind Unspecified;
/// timestamptz, Kind Utc); PgInterval (interval); Guid (uuid); PgArray (arrays, any
/// dimensions and lower bounds). Encoders also accept close relatives (any integer for an integer type,
/// TimeSpan for time and interval, DateTimeOffset for timestamptz, any IList for an array).
/// Infinite dates and timestamps are MinValue and MaxValue, as in Npgsql.</para>
/// </summary>
public static partial class PgTypes
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>True when this class can encode and decode the type in both formats.</summary>
    public static bool HasCodec(int typeOid) => typeOid switch
    {
        PgTypeOid.Bool or PgTypeOid.Bytea or PgTypeOid.Char or PgTypeOid.Name or PgTypeOid.Int8 or PgTypeOid.Int2
            or PgTypeOid.Int4 or PgTypeOid.Text or PgTypeOid.Oid or PgTypeOid.Xid or PgTypeOid.Cid or PgTypeOid.Tid or PgTypeOid.Json or PgTypeOid.Float4
            or PgTypeOid.Float8 or PgTypeOid.Unknown or PgTypeOid.Bpchar or PgTypeOid.Varchar or PgTypeOid.Date
            or PgTypeOid.Time or PgTypeOid.TimeTz or PgTypeOid.Timestamp or PgTypeOid.Timestamptz or PgTypeOid.Interval
            or PgTypeOid.Numeric or PgTypeOid.Uuid or PgTypeOid.Jsonb or PgTypeOid.Int2Vector or PgTypeOid.OidVector => true,
        // Only the engine reads an object identifier's name (from its catalog): an array of them is left as text too.
        PgTypeOid.RegProcArray or PgTypeOid.RegProcedureArray or PgTypeOid.RegOperArray or PgTypeOid.RegOperatorArray or PgTypeOid.RegClassArray
            or PgTypeOid.RegTypeArray or PgTypeOid.RegNamespaceArray or PgTypeOid.RegRoleArray => false,
        _ => GetElementTypeOid(typeOid) != 0,
    };

    /// <summary>The element type of an array type (pg_type.typelem), or 0 when the type is not one of our arrays.</summary>
    public static int GetElementTypeOid(int arrayTypeOid) => arrayTypeOid switch
    {
        PgTypeOid.JsonArray => PgTypeOid.Json,
        PgTypeOid.BoolArray => PgTypeOid.Bool,
        PgTypeOid.ByteaArray => PgTypeOid.Bytea,
        PgTypeOid.CharArray => PgTypeOid.Char,
        PgTypeOid.NameArray => PgTypeOid.Name,
        PgTypeOid.Int2Array => PgTypeOid.Int2,
        PgTypeOid.Int4Array => PgTypeOid.Int4,
        PgTypeOid.TextArray => PgTypeOid.Text,
        PgTypeOid.BpcharArray => PgTypeOid.Bpchar,
        PgTypeOid.VarcharArray => PgTypeOid.Varchar,
        PgTypeOid.Int8Array => PgTypeOid.Int8,
        PgTypeOid.Float4Array => PgTypeOid.Float4,
        PgTypeOid.Float8Array => PgTypeOid.Float8,
        PgTypeOid.OidArray => PgTypeOid.Oid,
        PgTypeOid.TimestampArray => PgTypeOid.Timestamp,
        PgTypeOid.DateArray => PgTypeOid.Date,
        PgTypeOid.TimeArray => PgTypeOid.Time,
        PgTypeOid.TimeTzArray => PgTypeOid.TimeTz,
        PgTypeOid.TimestamptzArray => PgTypeOid.Timestamptz,
        PgTypeOid.IntervalArray => PgTypeOid.Interval,
        PgTypeOid.NumericArray => PgTypeOid.Numeric,
        PgTypeOid.UuidArray => PgTypeOid.Uuid,
        PgTypeOid.JsonbArray => PgTypeOid.Jsonb,
        PgTypeOid.AclItemArray => PgTypeOid.AclItem,
        PgTypeOid.RegProcArray => PgTypeOid.RegProc,
        PgTypeOid.RegProcedureArray => PgTypeOid.RegProcedure,
        PgTypeOid.RegOperArray => PgTypeOid.RegOper,
        PgTypeOid.RegOperatorArray => PgTypeOid.RegOperator,
        PgTypeOid.RegClassArray => PgTypeOid.RegClass,
        PgTypeOid.RegTypeArray => PgTypeOid.RegType,
        PgTypeOid.RegNamespaceArray => PgTypeOid.RegNamespace,
        PgTypeOid.RegRoleArray => PgTypeOid.RegRole,
        _ => 0,
    };

    /// <summary>The array type of an element type (pg_type.typarray), or 0.</summary>
    public static int GetArrayTypeOid(int elementTypeOid) => elementTypeOid switch
    {
        PgTypeOid.Json => PgTypeOid.JsonArray,
        PgTypeOid.Bool => PgTypeOid.BoolArray,
        PgTypeOid.Bytea => PgTypeOid.ByteaArray,
        PgTypeOid.Char => PgTypeOid.CharArray,
        PgTypeOid.Name => PgTypeOid.NameArray,
        PgTypeOid.Int2 => PgTypeOid.Int2Array,
        PgTypeOid.Int4 => PgTypeOid.Int4Array,
        PgTypeOid.Text => PgTypeOid.TextArray,
        PgTypeOid.Bpchar => PgTypeOid.BpcharArray,
        PgTypeOid.Varchar => PgTypeOid.VarcharArray,
        PgTypeOid.Int8 => PgTypeOid.Int8Array,
        PgTypeOid.Float4 => PgTypeOid.Float4Array,
        PgTypeOid.Float8 => PgTypeOid.Float8Array,
        PgTypeOid.Oid => PgTypeOid.OidArray,
        PgTypeOid.Timestamp => PgTypeOid.TimestampArray,
        PgTypeOid.Date => PgTypeOid.DateArray,
        PgTypeOid.Time => PgTypeOid.TimeArray,
        PgTypeOid.TimeTz => PgTypeOid.TimeTzArray,
        PgTypeOid.Timestamptz => PgTypeOid.TimestamptzArray,
        PgTypeOid.Interval => PgTypeOid.IntervalArray,
        PgTypeOid.Numeric => PgTypeOid.NumericArray,
        PgTypeOid.Uuid => PgTypeOid.UuidArray,
        PgTypeOid.Jsonb => PgTypeOid.JsonbArray,
        PgTypeOid.AclItem => PgTypeOid.AclItemArray,
        PgTypeOid.RegProc => PgTypeOid.RegProcArray,
        PgTypeOid.RegProcedure => PgTypeOid.RegProcedureArray,
        PgTypeOid.RegOper => PgTypeOid.RegOperArray,
        PgTypeOid.RegOperator => PgTypeOid.RegOperatorArray,
        PgTypeOid.RegClass => PgTypeOid.RegClassArray,
        PgTypeOid.RegType => PgTypeOid.RegTypeArray,
        PgTypeOid.RegNamespace => PgTypeOid.RegNamespaceArray,
        PgTypeOid.RegRole => PgTypeOid.RegRoleArray,
        _ => 0,
    };

    /// <summary>pg_type.typlen, for RowDescription: the fixed size in bytes, or -1 for variable length (-2 for C strings).</summary>
    public static short GetTypeSize(int typeOid) => typeOid switch
    {
        PgTypeOid.Bool or PgTypeOid.Char => 1,
        PgTypeOid.Int2 => 2,
        PgTypeOid.Int4 or PgTypeOid.Oid or PgTypeOid.Xid or PgTypeOid.Cid or PgTypeOid.Float4 or PgTypeOid.Date or PgTypeOid.Void => 4,
        PgTypeOid.Tid => 6,
        PgTypeOid.Int8 or PgTypeOid.Float8 or PgTypeOid.Time or PgTypeOid.Timestamp or PgTypeOid.Timestamptz => 8,
        PgTypeOid.TimeTz => 12,
        PgTypeOid.Interval or PgTypeOid.Uuid => 16,
        PgTypeOid.Name => 64,
        PgTypeOid.AclItem => 12,
        PgTypeOid.Unknown => -2,
        _ => -1,
    };

    /// <summary>PostgreSQL's name for a type in messages (format_type), for the types we know.</summary>
    public static string GetTypeName(int typeOid) => typeOid switch
    {
        PgTypeOid.Bool => "boolean",
        PgTypeOid.Bytea => "bytea",
        PgTypeOid.Char => "\"char\"",
        PgTypeOid.Name => "name",
        PgTypeOid.Int8 => "bigint",
        PgTypeOid.Int2 => "smallint",
        PgTypeOid.Int4 => "integer",
        PgTypeOid.Text => "text",
        PgTypeOid.Oid => "oid",
        PgTypeOid.Xid => "xid",
        PgTypeOid.Cid => "cid",
        PgTypeOid.Tid => "tid",
        PgTypeOid.Json => "json",
        PgTypeOid.Float4 => "real",
        PgTypeOid.Float8 => "double precision",
        PgTypeOid.Unknown => "unknown",
        PgTypeOid.Bpchar => "character",
        PgTypeOid.Varchar => "character varying",
        PgTypeOid.Date => "date",
        PgTypeOid.Time => "time without time zone",
        PgTypeOid.TimeTz => "time with time zone",
        PgTypeOid.Timestamp => "timestamp without time zone",
        PgTypeOid.Timestamptz => "timestamp with time zone",
        PgTypeOid.Interval => "interval",
        PgTypeOid.Numeric => "numeric",
        PgTypeOid.Uuid => "uuid",
        PgTypeOid.Jsonb => "jsonb",
        PgTypeOid.Void => "void",
        PgTypeOid.Record => "record",
        PgTypeOid.Int2Vector => "int2vector",
        PgTypeOid.OidVector => "oidvector",
        PgTypeOid.RegProc => "regproc",
        PgTypeOid.RegProcedure => "regprocedure",
        PgTypeOid.RegOper => "regoper",
        PgTypeOid.RegOperator => "regoperator",
        PgTypeOid.RegClass => "regclass",
        PgTypeOid.RegType => "regtype",
        PgTypeOid.RegNamespace => "regnamespace",
        PgTypeOid.RegRole => "regrole",
        _ when GetElementTypeOid(typeOid) is int element && element != 0 => GetTypeName(element) + "[]",
        _ => typeOid.ToString(Invariant),
    };

    /// <summary>The text format of <paramref name="value"/> as type <paramref name="typeOid"/>; null for SQL NULL (null or DBNull). Unknown types are written with their invariant ToString.</summary>
    public static string? EncodeText(object? value, int typeOid, PgTypeSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (value is null or DBNull)
        {
            return null;
        }
        return typeOid switch
        {
            PgTypeOid.Bool => ToBool(value) ? "t" : "f",
            PgTypeOid.Int2 or PgTypeOid.Int4 or PgTypeOid.Int8 => Convert.ToInt64(value, Invariant).ToString(Invariant),
            PgTypeOid.Oid or PgTypeOid.Xid or PgTypeOid.Cid => Convert.ToUInt32(value, Invariant).ToString(Invariant),
            PgTypeOid.Tid => FormatTid(Convert.ToInt64(value, Invariant)),
            PgTypeOid.Float4 => FormatFloat4(Convert.ToSingle(value, Invariant), settings.ExtraFloatDigits),
            PgTypeOid.Float8 => FormatFloat8(Convert.ToDouble(value, Invariant), settings.ExtraFloatDigits),
            PgTypeOid.Numeric => FormatNumeric(value),
            PgTypeOid.Bytea => FormatBytea(ToBytes(value)),
            PgTypeOid.Date => FormatDate(ToDate(value)),
            PgTypeOid.Time => FormatTime(ToTimeMicroseconds(value)),
            PgTypeOid.TimeTz => FormatTimeTz(ToTimeTz(value)),
            PgTypeOid.Timestamp => FormatTimestamp(ToTimestamp(value)),
            PgTypeOid.Timestamptz => FormatTimestamptz(ToTimestamptz(value), settings.TimeZone),
            PgTypeOid.Interval => FormatInterval(ToInterval(value)),
            PgTypeOid.Uuid => ToGuid(value).ToString("D", Invariant),
            // void_out writes an empty string, whatever stands for the value.
            PgTypeOid.Void => "",
            PgTypeOid.Record when value is PgRecord record => FormatRecord(record, (field, oid) => EncodeText(field, oid, settings)!),
            PgTypeOid.Int2Vector or PgTypeOid.OidVector => FormatVector(value, GetVectorElementTypeOid(typeOid), settings),
            _ when GetElementTypeOid(typeOid) is int element && element != 0 => FormatArray(value, element, settings),
            _ => value as string ?? Convert.ToString(value, Invariant) ?? "",
        };
    }

    /// <summary>Appends the binary format of a non-null <paramref name="value"/> (without its length word).</summary>
    public static void EncodeBinary(object value, int typeOid, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(output);
        switch (typeOid)
        {
            case PgTypeOid.Bool:
                WriteByte(output, ToBool(value) ? (byte)1 : (byte)0);
                break;
            case PgTypeOid.Char:
                WriteByte(output, ToCharByte(value));
                break;
            case PgTypeOid.Int2:
                WriteInt16(output, Convert.ToInt16(value, Invariant));
                break;
            case PgTypeOid.Int4:
                WriteInt32(output, Convert.ToInt32(value, Invariant));
                break;
            case PgTypeOid.Int8:
                WriteInt64(output, Convert.ToInt64(value, Invariant));
                break;
            case PgTypeOid.Oid or PgTypeOid.Xid or PgTypeOid.Cid:
                WriteInt32(output, unchecked((int)Convert.ToUInt32(value, Invariant)));
                break;
            case PgTypeOid.Tid:
                long tid = Convert.ToInt64(value, Invariant);
                WriteInt32(output, unchecked((int)(uint)(tid >> 16)));
                WriteInt16(output, unchecked((short)(ushort)tid));
                break;
            case PgTypeOid.Float4:
                float single = Convert.ToSingle(value, Invariant);
                // PostgreSQL sends the positive quiet NaN; .NET's float.NaN has the sign bit set.
                WriteInt32(output, float.IsNaN(single) ? 0x7FC00000 : BitConverter.SingleToInt32Bits(single));
                break;
            case PgTypeOid.Float8:
                double number = Convert.ToDouble(value, Invariant);
                WriteInt64(output, double.IsNaN(number) ? 0x7FF8000000000000 : BitConverter.DoubleToInt64Bits(number));
                break;
            case PgTypeOid.Numeric:
                WriteNumeric(output, value);
                break;
            case PgTypeOid.Bytea:
                WriteBytes(output, ToBytes(value));
                break;
            case PgTypeOid.Date:
                WriteInt32(output, DateToDays(ToDate(value)));
                break;
            case PgTypeOid.Time:
                WriteInt64(output, ToTimeMicroseconds(value));
                break;
            case PgTypeOid.TimeTz:
                WriteTimeTz(output, value);
                break;
            case PgTypeOid.Timestamp:
                WriteInt64(output, TimestampToMicroseconds(ToTimestamp(value)));
                break;
            case PgTypeOid.Timestamptz:
                WriteInt64(output, TimestampToMicroseconds(ToTimestamptz(value)));
                break;
            case PgTypeOid.Interval:
                PgInterval interval = ToInterval(value);
                WriteInt64(output, interval.Microseconds);
                WriteInt32(output, interval.Days);
                WriteInt32(output, interval.Months);
                break;
            case PgTypeOid.Uuid:
                WriteBytes(output, ToGuid(value).ToByteArray(bigEndian: true));
                break;
            case PgTypeOid.Jsonb:
                WriteByte(output, JsonbVersion);
                WriteUtf8(output, ToText(value));
                break;
            case PgTypeOid.Text or PgTypeOid.Varchar or PgTypeOid.Bpchar or PgTypeOid.Name or PgTypeOid.Json or PgTypeOid.Unknown:
                WriteUtf8(output, ToText(value));
                break;
            case PgTypeOid.Void:
                // void_send writes no bytes: a zero-length value, which is not NULL.
                break;
            case PgTypeOid.Record when value is PgRecord record:
                WriteRecord(output, record);
                break;
            default:
                int element = GetElementTypeOid(typeOid) is int arrayElement && arrayElement != 0 ? arrayElement : GetVectorElementTypeOid(typeOid);
                if (element == 0)
                {
                    throw new PgException(PgError.Error(UndefinedFunction, $"no binary output function available for type {GetTypeName(typeOid)}"));
                }
                WriteArray(output, value, element);
                break;
        }
    }

    /// <summary>Reads the text format of type <paramref name="typeOid"/>. Unknown types come back as the string itself.</summary>
    public static object DecodeText(string text, int typeOid, PgTypeSettings settings)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(settings);
        return typeOid switch
        {
            PgTypeOid.Bool => ParseBool(text),
            PgTypeOid.Int2 => (short)ParseInteger(text, short.MinValue, short.MaxValue, typeOid),
            PgTypeOid.Int4 => (int)ParseInteger(text, int.MinValue, int.MaxValue, typeOid),
            PgTypeOid.Int8 => ParseInteger(text, long.MinValue, long.MaxValue, typeOid),
            PgTypeOid.Oid => ParseOid(text),
            // xid values are 64-bit integers in the engine (an unsigned 32-bit value fits).
            PgTypeOid.Xid or PgTypeOid.Cid => ParseInteger(text, 0, uint.MaxValue, typeOid),
            PgTypeOid.Tid => ParseTid(text),
            PgTypeOid.Float4 => (float)ParseFloat(text, typeOid),
            PgTypeOid.Float8 => ParseFloat(text, typeOid),
            PgTypeOid.Numeric => ParseNumeric(text),
            PgTypeOid.Bytea => ParseBytea(text),
            PgTypeOid.Date => ParseDate(text),
            PgTypeOid.Time => ParseTime(text),
            PgTypeOid.TimeTz => ParseTimeTz(text, settings.TimeZone),
            PgTypeOid.Timestamp => ParseTimestamp(text),
            PgTypeOid.Timestamptz => ParseTimestamptz(text, settings.TimeZone),
            PgTypeOid.Interval => ParseInterval(text),
            PgTypeOid.Uuid => ParseUuid(text),
            PgTypeOid.Char => text.Length == 0 ? "" : text[..1],
            PgTypeOid.Int2Vector or PgTypeOid.OidVector => ParseVector(text, GetVectorElementTypeOid(typeOid), settings),
            _ when GetElementTypeOid(typeOid) is int element && element != 0 => ParseArray(text, element, settings),
            _ => text,
        };
    }

    /// <summary>Reads the binary format of type <paramref name="typeOid"/>; the bytes must be exactly one value.</summary>
    public static object DecodeBinary(ReadOnlySpan<byte> bytes, int typeOid)
    {
        var reader = new PgBinaryReader(bytes);
        object value = ReadBinary(ref reader, typeOid);
        if (!reader.End)
        {
            throw IncorrectBinaryFormat();
        }
        return value;
    }

    private static object ReadBinary(ref PgBinaryReader reader, int typeOid)
    {
        switch (typeOid)
        {
            case PgTypeOid.Bool:
                return reader.ReadByte() != 0;
            case PgTypeOid.Char:
                byte character = reader.ReadByte();
                return character == 0 ? "" : ((char)character).ToString();
            case PgTypeOid.Int2:
                return reader.ReadInt16();
            case PgTypeOid.Int4:
                return reader.ReadInt32();
            case PgTypeOid.Int8:
                return reader.ReadInt64();
            case PgTypeOid.Oid:
                return unchecked((uint)reader.ReadInt32());
            case PgTypeOid.Xid or PgTypeOid.Cid:
                return (long)unchecked((uint)reader.ReadInt32());
            case PgTypeOid.Tid:
                long block = unchecked((uint)reader.ReadInt32());
                return block << 16 | unchecked((ushort)reader.ReadInt16());
            case PgTypeOid.Float4:
                return BitConverter.Int32BitsToSingle(reader.ReadInt32());
            case PgTypeOid.Float8:
                return BitConverter.Int64BitsToDouble(reader.ReadInt64());
            case PgTypeOid.Numeric:
                return ReadNumeric(ref reader);
            case PgTypeOid.Bytea:
                return reader.ReadRest().ToArray();
            case PgTypeOid.Date:
                return DaysToDate(reader.ReadInt32());
            case PgTypeOid.Time:
                return MicrosecondsToTime(reader.ReadInt64());
            case PgTypeOid.TimeTz:
                return ReadTimeTz(ref reader);
            case PgTypeOid.Timestamp:
                return MicrosecondsToTimestamp(reader.ReadInt64(), DateTimeKind.Unspecified);
            case PgTypeOid.Timestamptz:
                return MicrosecondsToTimestamp(reader.ReadInt64(), DateTimeKind.Utc);
            case PgTypeOid.Interval:
                long microseconds = reader.ReadInt64();
                int days = reader.ReadInt32();
                return new PgInterval(reader.ReadInt32(), days, microseconds);
            case PgTypeOid.Uuid:
                return new Guid(reader.ReadBytes(16), bigEndian: true);
            case PgTypeOid.Jsonb:
                byte version = reader.ReadByte();
                if (version != JsonbVersion)
                {
                    throw new PgException(PgError.Error(InvalidBinaryRepresentation, $"unsupported jsonb version number {version}"));
                }
                return DecodeUtf8(reader.ReadRest());
            case PgTypeOid.Text or PgTypeOid.Varchar or PgTypeOid.Bpchar or PgTypeOid.Name or PgTypeOid.Json or PgTypeOid.Unknown:
                return DecodeUtf8(reader.ReadRest());
            default:
                int element = GetElementTypeOid(typeOid) is int arrayElement && arrayElement != 0 ? arrayElement : GetVectorElementTypeOid(typeOid);
                if (element == 0)
                {
                    throw new PgException(PgError.Error(UndefinedFunction, $"no binary input function available for type {GetTypeName(typeOid)}"));
                }
                return ReadArray(ref reader, element);
        }
    }
}
