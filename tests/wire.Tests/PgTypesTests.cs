using System.Buffers;
using Log.Wire.Types;

namespace Log.Wire.Tests;

/// <summary>Round trips of generated values through both formats, against the values themselves (the byte-exact checks against PostgreSQL are in ScriptTests).</summary>
public sealed class PgTypesTests
{
    private static object Binary(object value, int typeOid)
    {
        var output = new ArrayBufferWriter<byte>();
        PgTypes.EncodeBinary(value, typeOid, output);
        return PgTypes.DecodeBinary(output.WrittenSpan, typeOid);
    }

    private static object Text(object value, int typeOid) =>
        PgTypes.DecodeText(PgTypes.EncodeText(value, typeOid, PgTypeSettings.Default)!, typeOid, PgTypeSettings.Default);

    public static TheoryData<int> Seeds => [1, 2, 3];

    [Theory]
    [MemberData(nameof(Seeds))]
    public void GeneratedValuesRoundTripInBothFormats(int seed)
    {
        var random = new Random(seed);
        for (int i = 0; i < 500; i++)
        {
            long ticks = random.NextInt64(new DateTime(1, 1, 2).Ticks, new DateTime(9999, 12, 30).Ticks) / 10 * 10;
            // numeric beyond System.Decimal: up to 1200 digits, any scale up to 1100, and now and then NaN or an infinity.
            var digits = new System.Numerics.BigInteger(Enumerable.Range(0, random.Next(1, 500)).Select(_ => (byte)random.Next(256)).Append((byte)0).ToArray());
            PgNumeric number = random.Next(20) switch
            {
                0 => PgNumeric.NaN,
                1 => PgNumeric.PositiveInfinity,
                2 => PgNumeric.NegativeInfinity,
                _ => new PgNumeric(random.Next(2) == 0 ? digits : -digits, random.Next(0, 1100)),
            };
            var values = new (object Value, int TypeOid)[]
            {
                ((short)random.Next(short.MinValue, short.MaxValue), PgTypeOid.Int2),
                (random.Next(int.MinValue, int.MaxValue), PgTypeOid.Int4),
                (random.NextInt64(long.MinValue, long.MaxValue), PgTypeOid.Int8),
                ((uint)random.NextInt64(0, uint.MaxValue), PgTypeOid.Oid),
                (random.NextInt64(0, uint.MaxValue), PgTypeOid.Cid),
                (PgTypes.Tid((uint)random.NextInt64(0, uint.MaxValue), (ushort)random.Next(0, ushort.MaxValue + 1)), PgTypeOid.Tid),
                (BitConverter.Int64BitsToDouble(random.NextInt64()) is double d && double.IsFinite(d) ? d : 1.5, PgTypeOid.Float8),
                ((float)random.NextDouble() * 1e6f, PgTypeOid.Float4),
                (number, PgTypeOid.Numeric),
                (random.Next(2) == 0, PgTypeOid.Bool),
                (new string(Enumerable.Range(0, random.Next(0, 20)).Select(_ => (char)random.Next(1, 0xD7FF)).ToArray()), PgTypeOid.Text),
                (Enumerable.Range(0, random.Next(0, 20)).Select(_ => (byte)random.Next(256)).ToArray(), PgTypeOid.Bytea),
                (DateOnly.FromDateTime(new DateTime(ticks)), PgTypeOid.Date),
                (TimeOnly.FromDateTime(new DateTime(ticks)), PgTypeOid.Time),
                (new DateTime(ticks), PgTypeOid.Timestamp),
                (new DateTime(ticks, DateTimeKind.Utc), PgTypeOid.Timestamptz),
                (new PgInterval(random.Next(-1000, 1000), random.Next(-1000, 1000), random.NextInt64(-1_000_000_000_000, 1_000_000_000_000)), PgTypeOid.Interval),
                (Guid.NewGuid(), PgTypeOid.Uuid),
                (PgArray.OneDimensional([random.Next(), null, -1]), PgTypeOid.Int4Array),
                (PgArray.OneDimensional(["a b", "", null, "\"\\", "NULL"]), PgTypeOid.TextArray),
                (new PgArray([random.Next(), null, 3, 4, 5, 6], [2, 3], [random.Next(-5, 5), 1]), PgTypeOid.Int4Array),
                (PgArray.Empty, PgTypeOid.TextArray),
            };
            foreach ((object value, int typeOid) in values)
            {
                Assert.Equal(value, Binary(value, typeOid));
                Assert.Equal(value, Text(value, typeOid));
            }
            // numeric keeps its scale (trailing zeros) both ways.
            Assert.Equal(number.Scale, ((PgNumeric)Binary(number, PgTypeOid.Numeric)).Scale);
            Assert.Equal(number.Scale, ((PgNumeric)Text(number, PgTypeOid.Numeric)).Scale);
            Assert.Equal(number.ToString(), Binary(number, PgTypeOid.Numeric).ToString());
        }
    }

    [Theory]
    [InlineData(PgTypeOid.Int4, "12x", "22P02", "invalid input syntax for type integer: \"12x\"")]
    [InlineData(PgTypeOid.Int2, "40000", "22003", "value \"40000\" is out of range for type smallint")]
    [InlineData(PgTypeOid.Bool, "maybe", "22P02", "invalid input syntax for type boolean: \"maybe\"")]
    [InlineData(PgTypeOid.Uuid, "xyz", "22P02", "invalid input syntax for type uuid: \"xyz\"")]
    [InlineData(PgTypeOid.Date, "2024-13-01", "22007", "invalid input syntax for type date: \"2024-13-01\"")]
    [InlineData(PgTypeOid.Int4Array, "{1,{2}}", "22P02", "malformed array literal: \"{1,{2}}\"")]
    [InlineData(PgTypeOid.Int4Array, "{{1,2},{3}}", "22P02", "malformed array literal: \"{{1,2},{3}}\"")]
    [InlineData(PgTypeOid.Int4Array, "[2:1]={1}", "2202E", "upper bound cannot be less than lower bound")]
    [InlineData(PgTypeOid.Tid, "(0,65536)", "22P02", "invalid input syntax for type tid: \"(0,65536)\"")]
    [InlineData(PgTypeOid.Tid, "( 0 , 1 )", "22P02", "invalid input syntax for type tid: \"( 0 , 1 )\"")]
    [InlineData(PgTypeOid.Tid, "(4294967296,1)", "22P02", "invalid input syntax for type tid: \"(4294967296,1)\"")]
    public void BadTextGetsPostgresErrors(int typeOid, string text, string sqlState, string message)
    {
        PgException error = Assert.Throws<PgException>(() => PgTypes.DecodeText(text, typeOid, PgTypeSettings.Default));
        Assert.Equal((sqlState, message), (error.Error.SqlState, error.Error.Message));
    }

    [Fact]
    public void BadBinaryNeverThrowsAnythingButPgException()
    {
        var random = new Random(7);
        int[] types = [PgTypeOid.Int4, PgTypeOid.Numeric, PgTypeOid.Interval, PgTypeOid.Date, PgTypeOid.Timestamp, PgTypeOid.Jsonb, PgTypeOid.Int4Array, PgTypeOid.TextArray, PgTypeOid.NumericArray, PgTypeOid.Uuid, PgTypeOid.Time, PgTypeOid.Text, PgTypeOid.Tid];
        for (int i = 0; i < 20_000; i++)
        {
            byte[] bytes = new byte[random.Next(0, 40)];
            random.NextBytes(bytes);
            try
            {
                PgTypes.DecodeBinary(bytes, types[random.Next(types.Length)]);
            }
            catch (PgException)
            {
            }
        }
    }

    /// <summary>An array of an object identifier type (regtype[] ...) is an array of its element type: the element's own
    /// text (the name the engine's value prints as), quoted as array_out quotes, never the array's CLR type name.</summary>
    [Theory]
    [InlineData(PgTypeOid.RegTypeArray, PgTypeOid.RegType)]
    [InlineData(PgTypeOid.RegClassArray, PgTypeOid.RegClass)]
    [InlineData(PgTypeOid.RegProcArray, PgTypeOid.RegProc)]
    [InlineData(PgTypeOid.RegProcedureArray, PgTypeOid.RegProcedure)]
    [InlineData(PgTypeOid.RegOperArray, PgTypeOid.RegOper)]
    [InlineData(PgTypeOid.RegOperatorArray, PgTypeOid.RegOperator)]
    [InlineData(PgTypeOid.RegNamespaceArray, PgTypeOid.RegNamespace)]
    [InlineData(PgTypeOid.RegRoleArray, PgTypeOid.RegRole)]
    public void ObjectIdentifierArraysPrintTheirElementsNames(int arrayTypeOid, int elementTypeOid)
    {
        Assert.Equal(elementTypeOid, PgTypes.GetElementTypeOid(arrayTypeOid));
        Assert.Equal(arrayTypeOid, PgTypes.GetArrayTypeOid(elementTypeOid));
        Assert.False(PgTypes.HasCodec(arrayTypeOid));
        Assert.Equal(PgTypes.GetTypeName(elementTypeOid) + "[]", PgTypes.GetTypeName(arrayTypeOid));
        var array = PgArray.OneDimensional([new NamedValue("integer"), new NamedValue("double precision"), null]);
        Assert.Equal("{integer,\"double precision\",NULL}", PgTypes.EncodeText(array, arrayTypeOid, PgTypeSettings.Default));
    }

    /// <summary>A value whose text is its ToString, as the engine's object identifier values are.</summary>
    private sealed record NamedValue(string Name)
    {
        public override string ToString() => Name;
    }

    [Fact]
    public void TimestamptzTextFollowsTheSessionTimeZone()
    {
        var settings = PgTypeSettings.Default with { TimeZone = TimeZoneInfo.FindSystemTimeZoneById("Asia/Kolkata") };
        var instant = new DateTime(2024, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        Assert.Equal("2024-01-02 08:34:05+05:30", PgTypes.EncodeText(instant, PgTypeOid.Timestamptz, settings));
        Assert.Equal(instant, PgTypes.DecodeText("2024-01-02 08:34:05", PgTypeOid.Timestamptz, settings));
    }
    /// <summary>PostgreSQL's date_in reads a whole datetime and keeps the date, time and zone ignored (checked against PostgreSQL 15); pgjdbc's setDate sends the first form.</summary>
    [Theory]
    [InlineData("2024-02-29 +00")]
    [InlineData("2024-02-29 +05:30")]
    [InlineData("2024-02-29 -08")]
    [InlineData("2024-02-29 +0530")]
    [InlineData("2024-02-29 00:00:00+00")]
    [InlineData("2024-02-29 13:45:00+02")]
    [InlineData("2024-02-29 23:45:00-03")]
    [InlineData("2024-02-29 13:45:00.123456+00")]
    [InlineData("2024-02-29T13:45:00Z")]
    [InlineData(" 2024-02-29 13:45 ")]
    public void DateTextTakesTheDateOfADatetime(string text)
    {
        Assert.Equal(new DateOnly(2024, 2, 29), PgTypes.DecodeText(text, PgTypeOid.Date, PgTypeSettings.Default));
    }

    /// <summary>The forms pgjdbc's setTimestamp sends, read as PostgreSQL 15 reads them.</summary>
    [Theory]
    [InlineData("2024-02-29 13:45:00.123456+00", "2024-02-29T13:45:00.1234560", "2024-02-29T13:45:00.1234560")]
    [InlineData("2024-02-29 13:45:00+05:30", "2024-02-29T13:45:00", "2024-02-29T08:15:00")]
    [InlineData("2024-02-29 13:45:00.5-03", "2024-02-29T13:45:00.5", "2024-02-29T16:45:00.5")]
    [InlineData("2024-02-29 13:45:00+05:30:15", "2024-02-29T13:45:00", "2024-02-29T08:14:45")]
    [InlineData("2024-02-29 +0530", "2024-02-29T00:00:00", "2024-02-28T18:30:00")]
    public void TimestampTextWithAZone(string text, string timestamp, string utc)
    {
        Assert.Equal(DateTime.Parse(timestamp, System.Globalization.CultureInfo.InvariantCulture), PgTypes.DecodeText(text, PgTypeOid.Timestamp, PgTypeSettings.Default));
        var instant = DateTime.SpecifyKind(DateTime.Parse(utc, System.Globalization.CultureInfo.InvariantCulture), DateTimeKind.Utc);
        var decoded = (DateTime)PgTypes.DecodeText(text, PgTypeOid.Timestamptz, PgTypeSettings.Default);
        Assert.Equal((instant, DateTimeKind.Utc), (decoded, decoded.Kind));
    }

    /// <summary>void_send writes no bytes (a zero-length value, not NULL) and void_out an empty string: pg_sleep's result.</summary>
    [Fact]
    public void VoidIsZeroBytesAndAnEmptyString()
    {
        var output = new ArrayBufferWriter<byte>();
        PgTypes.EncodeBinary("", PgTypeOid.Void, output);
        Assert.Equal(0, output.WrittenCount);
        Assert.Equal("", PgTypes.EncodeText(new object(), PgTypeOid.Void, PgTypeSettings.Default));
        Assert.Equal("void", PgTypes.GetTypeName(PgTypeOid.Void));
        Assert.Equal(4, PgTypes.GetTypeSize(PgTypeOid.Void));
    }

    /// <summary>array_in and array_out over dimensions and lower bounds; the expected texts are PostgreSQL 15's.</summary>
    [Theory]
    [InlineData("{{1,2},{3,4}}", "{{1,2},{3,4}}", 2)]
    [InlineData("[0:1]={a,b}", "[0:1]={a,b}", 1)]
    [InlineData("[1:1][1:2]={{1,2}}", "{{1,2}}", 2)]
    [InlineData("  {  1 , 2 }  ", "{1,2}", 1)]
    [InlineData("{1 2,\"\",NULL,\"NULL\",a\\,b}", "{\"1 2\",\"\",NULL,\"NULL\",\"a,b\"}", 1)]
    [InlineData("{{{1}}}", "{{{1}}}", 3)]
    [InlineData("{}", "{}", 0)]
    public void ArrayTextHasDimensionsAndBounds(string input, string output, int dimensions)
    {
        var array = (PgArray)PgTypes.DecodeText(input, PgTypeOid.TextArray, PgTypeSettings.Default);
        Assert.Equal((output, dimensions), (PgTypes.EncodeText(array, PgTypeOid.TextArray, PgTypeSettings.Default), array.Dimensions));
    }

    /// <summary>tid prints as tidout does and reads its binary format as (uint32 block, uint16 offset).</summary>
    [Fact]
    public void TidIsBlockAndOffset()
    {
        long tid = PgTypes.Tid(4294967295, 65535);
        Assert.Equal("(4294967295,65535)", PgTypes.EncodeText(tid, PgTypeOid.Tid, PgTypeSettings.Default));
        Assert.Equal(PgTypes.Tid(4294967295, 1), PgTypes.DecodeText("(-1,1)", PgTypeOid.Tid, PgTypeSettings.Default));
        Assert.Equal(PgTypes.Tid(3, 4), PgTypes.DecodeText(" (3, 4) ", PgTypeOid.Tid, PgTypeSettings.Default));
        var output = new ArrayBufferWriter<byte>();
        PgTypes.EncodeBinary(PgTypes.Tid(1, 2), PgTypeOid.Tid, output);
        Assert.Equal(new byte[] { 0, 0, 0, 1, 0, 2 }, output.WrittenSpan.ToArray());
    }
}
