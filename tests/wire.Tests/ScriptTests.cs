using System.Text;
using Log.Wire.Types;

namespace Log.Wire.Tests;

/// <summary>
/// Send/expect scripts: the same frontend messages go to the real PostgreSQL 15 and to our
/// server (with the fake session, which answers its small grammar as PostgreSQL does), and the
/// answers must match message by message, byte for byte (error messages by their S, C, M, P, D
/// fields: PostgreSQL also sends its source file and line). So the expected bytes come from
/// PostgreSQL, not from our memory of it.
/// </summary>
public sealed class ScriptTests : IAsyncLifetime
{
    private PgServer server = null!;

    public async Task InitializeAsync()
    {
        server = new PgServer(new PgServerOptions { Port = 0 }, new FakeSessionFactory());
        await server.StartAsync(CancellationToken.None);
    }

    public async Task DisposeAsync() => await server.DisposeAsync();

    private const string AllTypes =
        "SELECT '1'::int2, '-2'::int4, '3'::int8, '1.5'::float4, '1234567'::float4, '2.25'::float8, '1e15'::float8, '0.1'::float8, '-0'::float8, "
        + "'NaN'::float8, '-Infinity'::float4, '1e-10'::float8, '-12.3400'::numeric, '0.000001'::numeric, '100'::numeric, '0'::numeric, "
        + "'123456789.000000001'::numeric, '10000'::numeric, 't'::bool, 'héllo'::text, 'v'::varchar, '\\x00ff'::bytea, "
        + "'2024-02-29'::date, 'infinity'::date, '0002-01-01'::date, '13:14:15.5'::time, '00:00'::time, '2024-01-02 03:04:05.123456'::timestamp, "
        + "'-infinity'::timestamp, '2024-01-02 03:04:05+02'::timestamptz, '1 year 2 mons 3 days 04:05:06.5'::interval, "
        + "'-1 years -2 mons +3 days -04:05:06'::interval, '-1 day'::interval, '0'::interval, '100:00:01'::interval, "
        + "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid, '{\"a\": 1}'::json, '{\"a\": 1}'::jsonb, '4294967295'::oid, "
        + "'{1,NULL,3}'::int4[], '{\"a b\",\"\",NULL,\"x\\\\\\\"y\"}'::text[], '{}'::int8[], '{1.5,-2}'::numeric[], '{t,f}'::bool[], "
        + "'{2024-01-02}'::date[], '{\"1 day\"}'::interval[], '{\"\\\\x01\"}'::bytea[], NULL::int4";

    public static TheoryData<string> ScriptNames => [.. Scripts.Keys];

    private static readonly Dictionary<string, byte[][]> Scripts = new()
    {
        ["simple select"] = [Bytes.Query("SELECT 1")],
        ["parse bind describe execute"] = [
            Frontend.Parse("", "SELECT $1::int4, $2::text", 0, 0), Frontend.Bind("", "", ["42", "hi"]),
            Frontend.Describe('P', ""), Frontend.Execute(""), Frontend.Sync()],
        ["named statement described, bound twice, closed"] = [
            Frontend.Parse("s1", "SELECT $1::int8, 'x'::varchar"), Frontend.Describe('S', "s1"), Frontend.Sync(),
            Frontend.Bind("p1", "s1", ["7"]), Frontend.Execute("p1"), Frontend.Bind("", "s1", ["-8"], 1), Frontend.Describe('P', ""),
            Frontend.Execute(""), Frontend.Sync(),
            Frontend.Close('S', "s1"), Frontend.Bind("", "s1", ["1"]), Frontend.Sync()],
        ["every type in binary"] = [
            Frontend.Parse("", AllTypes), Frontend.Bind("", "", [], 1), Frontend.Describe('P', ""), Frontend.Execute(""), Frontend.Sync()],
        ["every type in text, extended"] = [
            Frontend.Parse("", AllTypes), Frontend.Bind("", "", []), Frontend.Describe('P', ""), Frontend.Execute(""), Frontend.Sync()],
        ["every type in text, simple"] = [Bytes.Query(AllTypes)],
        ["mixed result formats"] = [
            Frontend.Parse("", "SELECT '5'::int4, 'x'::text, '2.5'::numeric"), Frontend.Bind("", "", [], 1, 0, 1),
            Frontend.Describe('P', ""), Frontend.Execute(""), Frontend.Sync()],
        ["text parameters of every type, binary results"] = [
            Frontend.Parse("", "SELECT $1::int2, $2::int8, $3::float8, $4::numeric, $5::bool, $6::bytea, $7::date, $8::timestamptz, $9::interval, $10::uuid, $11::int4[], $12::text[], $13::jsonb, $14::time"),
            Frontend.Bind("", "", ["12", "-9223372036854775808", "3.25", "-0.0050", "yes", "\\x0102", "1999-12-31", "2000-01-01 00:00:00.000001+00", "1 day 2 hours", "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11", "{1, 2 ,NULL}", "{\"a\",b}", "[1, 2]", "23:59:59.999999"], 1),
            Frontend.Execute(""), Frontend.Sync()],
        ["binary parameters"] = [
            Frontend.Parse("", "SELECT $1::int4, $2::float8, $3::numeric, $4::timestamp, $5::bool, $6::text, $7::int4[]", PgTypeOid.Int4, PgTypeOid.Float8, PgTypeOid.Numeric, PgTypeOid.Timestamp, PgTypeOid.Bool, PgTypeOid.Text, PgTypeOid.Int4Array),
            Frontend.Bind("", "", [1], [
                Binary(-7, PgTypeOid.Int4), Binary(0.5, PgTypeOid.Float8), Binary(-1234.5600m, PgTypeOid.Numeric),
                Binary(new DateTime(2021, 3, 4, 5, 6, 7), PgTypeOid.Timestamp), Binary(true, PgTypeOid.Bool), Binary("ü", PgTypeOid.Text),
                Binary(new object?[] { 1, null, 3 }, PgTypeOid.Int4Array)], [0]),
            Frontend.Execute(""), Frontend.Sync()],
        ["error skips to sync, then the connection goes on"] = [
            Frontend.Parse("", "SELECT 1/0"), Frontend.Bind("", "", []), Frontend.Execute(""),
            Frontend.Parse("", "SELECT 1"), Frontend.Bind("", "", []), Frontend.Execute(""), Frontend.Sync(),
            Bytes.Query("SELECT 2")],
        ["portal suspended at the row limit"] = [
            Frontend.Parse("", "SELECT generate_series(1,5)"), Frontend.Bind("c1", "", []),
            Frontend.Execute("c1", 2), Frontend.Execute("c1", 2), Frontend.Execute("c1", 2), Frontend.Sync()],
        ["portal kept across syncs inside a transaction"] = [
            Bytes.Query("BEGIN"),
            Frontend.Parse("", "SELECT generate_series(1,5)"), Frontend.Bind("c1", "", [], 1), Frontend.Execute("c1", 2), Frontend.Sync(),
            Frontend.Execute("c1", 2), Frontend.Sync(), Frontend.Execute("c1"), Frontend.Sync(),
            Bytes.Query("COMMIT"), Frontend.Execute("c1"), Frontend.Sync()],
        ["missing statement and portal"] = [
            Frontend.Bind("", "nope", []), Frontend.Sync(), Frontend.Bind("", "", []), Frontend.Sync(),
            Frontend.Execute("nope"), Frontend.Sync(), Frontend.Describe('S', ""), Frontend.Sync(), Frontend.Describe('P', "x"), Frontend.Sync()],
        ["duplicate statement and portal"] = [
            Frontend.Parse("a", "SELECT 1"), Frontend.Parse("a", "SELECT 1"), Frontend.Sync(),
            Bytes.Query("BEGIN"), Frontend.Bind("p", "a", []), Frontend.Bind("p", "a", []), Frontend.Sync(), Bytes.Query("ROLLBACK")],
        ["bind with the wrong parameter count"] = [
            Frontend.Parse("", "SELECT $1::int4"), Frontend.Bind("", "", []), Frontend.Sync()],
        ["bind with the wrong result format count"] = [
            Frontend.Parse("", "SELECT 1, 2"), Frontend.Bind("", "", [], 0, 0, 0), Frontend.Sync()],
        ["bind with an unknown result format code"] = [
            Frontend.Parse("", "SELECT 1"), Frontend.Bind("", "", [], 2), Frontend.Sync(),
            Frontend.Bind("", "", [], 2), Frontend.Describe('P', ""), Frontend.Sync(),
            Frontend.Bind("", "", [], 2), Frontend.Execute(""), Frontend.Sync()],
        ["bind with an unknown parameter format code"] = [
            Frontend.Parse("", "SELECT $1::int4"), Frontend.Bind("", "", [3], [[1]], []), Frontend.Sync()],
        ["syntax error at parse"] = [Frontend.Parse("", "bogus"), Frontend.Sync()],
        ["empty statement"] = [
            Frontend.Parse("", ""), Frontend.Bind("", "", []), Frontend.Describe('P', ""), Frontend.Execute(""), Frontend.Sync()],
        ["error inside a transaction block fails it"] = [
            Frontend.Parse("", "begin"), Frontend.Bind("", "", []), Frontend.Execute(""),
            Frontend.Parse("", "SELECT 1/0"), Frontend.Bind("", "", []), Frontend.Execute(""), Frontend.Sync(),
            Bytes.Query("ROLLBACK")],
        ["close of nothing completes"] = [Frontend.Close('S', "nope"), Frontend.Close('P', "nope"), Frontend.Sync()],
        ["parameter status after set"] = [Bytes.Query("SET application_name = 'abc'"), Bytes.Query("SET application_name = 'abc'")],
        ["parameter types inferred and described"] = [
            Frontend.Parse("s", "SELECT $1::numeric, $2", 0, 0), Frontend.Describe('S', "s"), Frontend.Sync()],
        ["invalid text parameter"] = [
            Frontend.Parse("", "SELECT $1::int4"), Frontend.Bind("", "", ["abc"]), Frontend.Sync(),
            Frontend.Parse("", "SELECT $1::int2"), Frontend.Bind("", "", ["40000"]), Frontend.Sync()],
        ["invalid binary parameter"] = [
            Frontend.Parse("", "SELECT $1::int8", PgTypeOid.Int8), Frontend.Bind("", "", [1], [[0, 0, 0, 0, 0, 0, 0, 0, 9]], []), Frontend.Sync()],
        ["malformed bind body"] = [
            Bytes.Message('B', new Bytes().CString("").CString("").Int16(0).Int16(1).Int32(100)), Frontend.Sync()],
        ["bad describe kind"] = [Bytes.Message('D', new Bytes().Char('X').CString("")), Frontend.Sync()],
        ["copy out"] = [Bytes.Query("COPY (SELECT generate_series(1,2)) TO STDOUT")],
        ["copy in"] = [
            Bytes.Query("CREATE TEMP TABLE t(a int, b text)"), Bytes.Query("COPY t FROM STDIN"),
            Frontend.CopyData("1\tone\n2\t"), Frontend.Flush(), Frontend.Sync(), Frontend.CopyData("two\n"), Frontend.CopyDone(), Bytes.Query("SELECT 1")],
        ["copy in failed by the client"] = [
            Bytes.Query("CREATE TEMP TABLE t(a int, b text)"), Bytes.Query("COPY t FROM STDIN"),
            Frontend.CopyData("1\tone\n"), Frontend.CopyFail("changed my mind"), Frontend.CopyData("ignored"), Frontend.CopyDone(), Bytes.Query("SELECT 1")],
        ["unexpected message during copy in"] = [
            Bytes.Query("CREATE TEMP TABLE t(a int, b text)"), Bytes.Query("COPY t FROM STDIN"), Bytes.Query("SELECT 1"), Bytes.Query("SELECT 2")],
        ["flush sends what is ready"] = [Frontend.Parse("", "SELECT 1"), Frontend.Flush(), Frontend.Sync()],
    };

    private static byte[] Binary(object value, int typeOid)
    {
        var output = new System.Buffers.ArrayBufferWriter<byte>();
        PgTypes.EncodeBinary(value, typeOid, output);
        return output.WrittenSpan.ToArray();
    }

    [PostgresTheory]
    [MemberData(nameof(ScriptNames))]
    public async Task ScriptAnswersAsPostgreSqlDoes(string name)
    {
        byte[][] script = Scripts[name];
        List<string> expected = await RunAsync(await RealPostgres.ConnectAsync(), script);
        var (client, _) = await RawClient.ConnectAndStartAsync(server.Port);
        List<string> actual = await RunAsync(client, script);
        Assert.True(expected.SequenceEqual(actual), $"PostgreSQL:\n{string.Join('\n', expected)}\n\nLog:\n{string.Join('\n', actual)}");
    }

    /// <summary>Sends each message; after each Sync or Query, reads through ReadyForQuery.</summary>
    private static async Task<List<string>> RunAsync(RawClient client, byte[][] script)
    {
        await using var _ = client;
        var lines = new List<string>();
        bool copyIn = false;
        foreach (byte[] message in script)
        {
            await client.SendAsync(message);
            // During COPY FROM STDIN, Flush and Sync are ignored: only CopyDone, CopyFail or another message end it.
            bool answers = copyIn ? message[0] is not ((byte)'d' or (byte)'H' or (byte)'S') : message[0] is (byte)'S' or (byte)'Q';
            if (answers)
            {
                copyIn = false;
                while (true)
                {
                    BackendMessage answer = await client.ReadMessageAsync();
                    lines.Add(Describe(answer));
                    if (answer.Type == 'G')
                    {
                        copyIn = true;
                        break;
                    }
                    if (answer.Type == 'Z')
                    {
                        break;
                    }
                    if (answer.Type == 'E' && answer.Severity == "FATAL")
                    {
                        lines.Add($"closed: {await client.IsClosedByServerAsync()}");
                        return lines;
                    }
                }
            }
            else if (message[0] == (byte)'H' && !copyIn)
            {
                // Flush: what was produced so far arrives without a Sync.
                lines.Add(Describe(await client.ReadMessageAsync()));
            }
        }
        return lines;
    }

    private static string Describe(BackendMessage message)
    {
        if (message.Type is 'E' or 'N')
        {
            Dictionary<char, string> fields = message.Fields();
            var builder = new StringBuilder().Append(message.Type);
            foreach (char code in "SVCMDHP")
            {
                if (fields.TryGetValue(code, out string? value))
                {
                    builder.Append(' ').Append(code).Append('=').Append(value);
                }
            }
            return builder.ToString();
        }
        return $"{message.Type} {Convert.ToHexString(message.Body)} {Printable(message.Body)}";
    }

    private static string Printable(byte[] body) => new(body.Select(b => b is >= 0x20 and < 0x7f ? (char)b : '.').ToArray());
}
