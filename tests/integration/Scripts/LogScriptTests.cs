using System.Buffers.Binary;
using System.Text;
using Log.Wire.Tests;
using Log.Wire.Types;

namespace Log.Integration.Tests.Scripts;

/// <summary>
/// The send/expect scripts of the wire tests (<c>tests/wire.Tests/ScriptTests.cs</c>), run against
/// the real database process instead of the fake session: the same frontend messages go to
/// PostgreSQL 15 and to Log, and the answers must match message by message, byte for byte
/// (errors by their S, V, C, M, D, H, P fields, as PostgreSQL also sends its source file and
/// line). Only the SQL the engine supports is used. Each script has its own tables, created by
/// its setup (whose answers are not compared, only checked for errors) and dropped afterwards
/// on both servers.
/// </summary>
public sealed partial class LogScriptTests(ScriptServer fixture) : IClassFixture<ScriptServer>
{
    /// <summary>What a script needs: tables it uses (dropped before and after), setup statements, the compared messages.</summary>
    private sealed record Script(string[] Tables, string[] Setup, byte[][] Messages)
    {
        public Script(params byte[][] messages)
            : this([], [], messages)
        {
        }
    }

    private const string FiveRows = "INSERT INTO {0} (id, name) VALUES (1, 'a'), (2, 'b'), (3, 'c'), (4, 'd'), (5, 'e')";

    private static Script WithFiveRows(string table, params byte[][] messages) =>
        new([table], [$"CREATE TABLE {table} (id int4 PRIMARY KEY, name text)", string.Format(System.Globalization.CultureInfo.InvariantCulture, FiveRows, table)], messages);

    [PostgresFact]
    public Task SimpleSelect() => RunAsync(new Script(
        Bytes.Query("SELECT 1"),
        Bytes.Query("SELECT 1 AS one, 'x'::text AS t, NULL::int4 AS n, true AS b")));

    [PostgresFact]
    public Task ParseBindDescribeExecute() => RunAsync(new Script(
        Frontend.Parse("", "SELECT $1::int4, $2::text", 0, 0), Frontend.Bind("", "", ["42", "hi"]),
        Frontend.Describe('P', ""), Frontend.Execute(""), Frontend.Sync()));

    [PostgresFact]
    public Task NamedStatementDescribedBoundTwiceClosed() => RunAsync(new Script(
        Frontend.Parse("s1", "SELECT $1::int8, 'x'::varchar"), Frontend.Describe('S', "s1"), Frontend.Sync(),
        Frontend.Bind("p1", "s1", ["7"]), Frontend.Execute("p1"), Frontend.Bind("", "s1", ["-8"], 1), Frontend.Describe('P', ""),
        Frontend.Execute(""), Frontend.Sync(),
        Frontend.Close('S', "s1"), Frontend.Bind("", "s1", ["1"]), Frontend.Sync()));

    [PostgresFact]
    public Task MixedResultFormats() => RunAsync(new Script(
        Frontend.Parse("", "SELECT '5'::int4, 'x'::text, '2.5'::numeric"), Frontend.Bind("", "", [], 1, 0, 1),
        Frontend.Describe('P', ""), Frontend.Execute(""), Frontend.Sync()));

    [PostgresFact]
    public Task TextParametersOfTheSupportedTypesBinaryResults() => RunAsync(new Script(
        Frontend.Parse("", "SELECT $1::int2, $2::int4, $3::int8, $4::float8, $5::numeric, $6::bool, $7::text, $8::varchar, $9::date, $10::timestamp, $11::timestamptz"),
        Frontend.Bind("", "", ["12", "-2147483648", "-9223372036854775808", "3.25", "-0.0050", "yes", "héllo", "v", "1999-12-31", "2024-01-02 03:04:05.123456", "2000-01-01 00:00:00.000001+00"], 1),
        Frontend.Describe('P', ""), Frontend.Execute(""), Frontend.Sync()));

    [PostgresFact]
    public Task TextParametersOfTheSupportedTypesTextResults() => RunAsync(new Script(
        Frontend.Parse("", "SELECT $1::int2, $2::int4, $3::int8, $4::float8, $5::float8, $6::numeric, $7::numeric, $8::bool, $9::text, $10::date, $11::timestamp, $12::int4"),
        Frontend.Bind("", "", ["-32768", "0", "9223372036854775807", "0.1", "1e15", "123456789.000000001", "100", "f", "", "2024-02-29", "2024-01-02 03:04:05.5", null]),
        Frontend.Execute(""), Frontend.Sync()));

    [PostgresFact]
    public Task BinaryParameters() => RunAsync(new Script(
        Frontend.Parse("", "SELECT $1::int4, $2::float8, $3::numeric, $4::timestamp, $5::bool, $6::text, $7::int8, $8::int2, $9::date",
            PgTypeOid.Int4, PgTypeOid.Float8, PgTypeOid.Numeric, PgTypeOid.Timestamp, PgTypeOid.Bool, PgTypeOid.Text, PgTypeOid.Int8, PgTypeOid.Int2, PgTypeOid.Date),
        Frontend.Bind("", "", [1], [
            Binary(-7, PgTypeOid.Int4), Binary(0.5, PgTypeOid.Float8), Binary(-1234.5600m, PgTypeOid.Numeric),
            Binary(new DateTime(2021, 3, 4, 5, 6, 7), PgTypeOid.Timestamp), Binary(true, PgTypeOid.Bool), Binary("ü", PgTypeOid.Text),
            Binary(long.MaxValue, PgTypeOid.Int8), Binary((short)-3, PgTypeOid.Int2), Binary(new DateOnly(2024, 2, 29), PgTypeOid.Date)], [0]),
        Frontend.Execute(""), Frontend.Sync(),
        // The same values, sent in binary, answered in binary.
        Frontend.Bind("", "", [1], [
            Binary(-7, PgTypeOid.Int4), Binary(0.5, PgTypeOid.Float8), Binary(-1234.5600m, PgTypeOid.Numeric),
            Binary(new DateTime(2021, 3, 4, 5, 6, 7), PgTypeOid.Timestamp), Binary(false, PgTypeOid.Bool), Binary("ü", PgTypeOid.Text),
            Binary(long.MinValue, PgTypeOid.Int8), Binary((short)-3, PgTypeOid.Int2), Binary(new DateOnly(1999, 12, 31), PgTypeOid.Date)], [1]),
        Frontend.Execute(""), Frontend.Sync()));

    // Both fold the constant 1/0 when they plan the portal, at Bind: ParseComplete, then
    // ErrorResponse 22012 (no BindComplete).
    [PostgresFact]
    public Task ErrorSkipsToSyncThenTheConnectionGoesOn() => RunAsync(new Script(
        Frontend.Parse("", "SELECT 1/0"), Frontend.Bind("", "", []), Frontend.Execute(""),
        Frontend.Parse("", "SELECT 1"), Frontend.Bind("", "", []), Frontend.Execute(""), Frontend.Sync(),
        Bytes.Query("SELECT 2")));

    /// <summary>The same script with an error both servers raise at Execute (a value read from a table, which cannot be folded).</summary>
    [PostgresFact]
    public Task ErrorAtExecuteSkipsToSyncThenTheConnectionGoesOn() => RunAsync(WithFiveRows("it_script_skip",
        Frontend.Parse("", "SELECT 1/(id - 1) FROM it_script_skip WHERE id = 1"), Frontend.Bind("", "", []), Frontend.Execute(""),
        Frontend.Parse("", "SELECT 1"), Frontend.Bind("", "", []), Frontend.Execute(""), Frontend.Sync(),
        Bytes.Query("SELECT 2")));

    /// <summary>An error on the third row: both send the rows before it, then the error (rows are streamed as computed).</summary>
    [PostgresFact]
    public Task RowsBeforeAnErrorAtExecute() => RunAsync(WithFiveRows("it_script_rows",
        Frontend.Parse("", "SELECT 10/(id - 3) FROM it_script_rows ORDER BY id"), Frontend.Bind("", "", []), Frontend.Execute(""), Frontend.Sync(),
        Bytes.Query("SELECT 10/(id - 3) FROM it_script_rows ORDER BY id")));

    [PostgresFact]
    public Task PortalSuspendedAtTheRowLimit() => RunAsync(WithFiveRows("it_script_suspend",
        Frontend.Parse("", "SELECT id FROM it_script_suspend ORDER BY id"), Frontend.Bind("c1", "", []),
        Frontend.Execute("c1", 2), Frontend.Execute("c1", 2), Frontend.Execute("c1", 2), Frontend.Execute("c1", 2), Frontend.Sync()));

    [PostgresFact]
    public Task PortalKeptAcrossSyncsInsideATransaction() => RunAsync(WithFiveRows("it_script_keep",
        Bytes.Query("BEGIN"),
        Frontend.Parse("", "SELECT id FROM it_script_keep ORDER BY id"), Frontend.Bind("c1", "", [], 1), Frontend.Execute("c1", 2), Frontend.Sync(),
        Frontend.Execute("c1", 2), Frontend.Sync(), Frontend.Execute("c1"), Frontend.Sync(),
        Bytes.Query("COMMIT"), Frontend.Execute("c1"), Frontend.Sync()));

    [PostgresFact]
    public Task MissingStatementAndPortal() => RunAsync(new Script(
        Frontend.Bind("", "nope", []), Frontend.Sync(), Frontend.Bind("", "", []), Frontend.Sync(),
        Frontend.Execute("nope"), Frontend.Sync(), Frontend.Describe('S', ""), Frontend.Sync(), Frontend.Describe('P', "x"), Frontend.Sync(),
        Frontend.Close('S', "nope"), Frontend.Close('P', "nope"), Frontend.Sync()));

    [PostgresFact]
    public Task SyntaxErrorWithItsPosition() => RunAsync(new Script(
        Bytes.Query("SELEC 1"),
        Frontend.Parse("", "bogus"), Frontend.Sync(),
        Bytes.Query("SELECT 1 +"),
        Bytes.Query("SELECT 3")));

    [PostgresFact]
    public Task CreateInsertDuplicateKeySelect() => RunAsync(new Script(["it_script_dup"], [],
    [
        Bytes.Query("CREATE TABLE it_script_dup (id int4 PRIMARY KEY, name text)"),
        Bytes.Query("INSERT INTO it_script_dup (id, name) VALUES (1, 'one'), (2, 'two')"),
        Bytes.Query("INSERT INTO it_script_dup (id, name) VALUES (1, 'again')"),
        Frontend.Parse("", "INSERT INTO it_script_dup (id, name) VALUES ($1, $2)"), Frontend.Bind("", "", ["2", "twice"]), Frontend.Execute(""), Frontend.Sync(),
        Frontend.Bind("", "", ["3", "three"]), Frontend.Execute(""), Frontend.Sync(),
        Bytes.Query("SELECT id, name FROM it_script_dup ORDER BY id"),
    ]));

    /// <summary>The duplicate key part alone (the SELECT reads no table column, so it does not meet the RowDescription difference above).</summary>
    [PostgresFact]
    public Task CreateInsertDuplicateKeyCount() => RunAsync(new Script(["it_script_dup2"], [],
    [
        Bytes.Query("CREATE TABLE it_script_dup2 (id int4 PRIMARY KEY, name text)"),
        Bytes.Query("INSERT INTO it_script_dup2 (id, name) VALUES (1, 'one'), (2, 'two')"),
        Bytes.Query("INSERT INTO it_script_dup2 (id, name) VALUES (1, 'again')"),
        Frontend.Parse("", "INSERT INTO it_script_dup2 (id, name) VALUES ($1, $2)"), Frontend.Bind("", "", ["2", "twice"]), Frontend.Execute(""), Frontend.Sync(),
        Frontend.Bind("", "", ["3", "three"]), Frontend.Execute(""), Frontend.Sync(),
        Bytes.Query("SELECT count(*) FROM it_script_dup2"),
        Frontend.Parse("", "SELECT id FROM it_script_dup2 ORDER BY id"), Frontend.Bind("", "", [], 1), Frontend.Execute(""), Frontend.Sync(),
    ]));

    [PostgresFact]
    public Task EmptyQuery() => RunAsync(new Script(
        Bytes.Query(""),
        Bytes.Query(";"),
        Frontend.Parse("", ""), Frontend.Bind("", "", []), Frontend.Describe('P', ""), Frontend.Execute(""), Frontend.Sync()));

    [PostgresFact]
    public Task MultiStatementQueryWithAnErrorInTheMiddle() => RunAsync(new Script(["it_script_multi"],
        ["CREATE TABLE it_script_multi (id int4 PRIMARY KEY, name text)"],
    [
        Bytes.Query("SELECT 1; SELECT 1/0; SELECT 3"),
        // The implicit transaction of the message rolls back: the first insert is gone too.
        Bytes.Query("INSERT INTO it_script_multi (id, name) VALUES (1, 'a'); SELECT 1/0; INSERT INTO it_script_multi (id, name) VALUES (2, 'b')"),
        Bytes.Query("SELECT count(*) FROM it_script_multi"),
    ]));

    [PostgresFact]
    public Task TransactionStatusInReadyForQuery() => RunAsync(new Script(
        Bytes.Query("SELECT 1"),
        Bytes.Query("BEGIN"),
        Bytes.Query("SELECT 1"),
        Bytes.Query("SELECT 1/0"),
        Bytes.Query("SELECT 1"),
        Frontend.Parse("", "SELECT 1"), Frontend.Sync(),
        Bytes.Query("ROLLBACK"),
        Bytes.Query("BEGIN"),
        Bytes.Query("COMMIT"),
        Frontend.Parse("", "BEGIN"), Frontend.Bind("", "", []), Frontend.Execute(""), Frontend.Sync(),
        // An extended error fails the block too (at Parse: see ErrorSkipsToSync for 1/0 at Bind).
        Frontend.Parse("", "bogus"), Frontend.Bind("", "", []), Frontend.Execute(""), Frontend.Sync(),
        Bytes.Query("ROLLBACK")));

    /// <summary>Binary parameters of the wrong length: too short for the type, and too long (bytes left over).</summary>
    [PostgresFact]
    public Task BinaryParametersOfTheWrongLength() => RunAsync(new Script(
        Frontend.Parse("", "SELECT $1::int8", PgTypeOid.Int8), Frontend.Bind("", "", [1], [[1, 2, 3]], [0]), Frontend.Execute(""), Frontend.Sync(),
        Frontend.Parse("", "SELECT $1::int4", PgTypeOid.Int4), Frontend.Bind("", "", [1], [[1, 2, 3]], [0]), Frontend.Execute(""), Frontend.Sync(),
        Frontend.Parse("", "SELECT $1::int4", PgTypeOid.Int4), Frontend.Bind("", "", [1], [[0, 0, 0, 1, 9]], [0]), Frontend.Execute(""), Frontend.Sync(),
        Frontend.Parse("", "SELECT $1::int8", PgTypeOid.Int8), Frontend.Bind("", "", [1], [[0, 0, 0, 0, 0, 0, 0, 7]], [0]), Frontend.Execute(""), Frontend.Sync()));

    /// <summary>An identifier over 63 bytes is cut, with a NOTICE before the statement runs; so is a quoted one.</summary>
    [PostgresFact]
    public Task LongIdentifiersAreTruncatedWithANotice() => RunAsync(new Script(
        Bytes.Query($"SELECT 1 AS {new string('A', 70)}, 2 AS \"{new string('q', 64)}\""),
        Bytes.Query($"SELECT 1 AS {new string('b', 63)}"),
        Frontend.Parse("", $"SELECT 1 AS {new string('C', 64)}"), Frontend.Bind("", "", []), Frontend.Describe('P', ""), Frontend.Execute(""), Frontend.Sync()));

    /// <summary>PostgreSQL's MaxTupleAttributeNumber: 1,664 output columns are fine, 1,665 are 54011.</summary>
    [PostgresFact]
    public Task TargetListsHaveAtMost1664Entries() => RunAsync(new Script(
        Bytes.Query("SELECT " + string.Join(", ", Enumerable.Repeat("1", 1665))),
        Bytes.Query("SELECT " + string.Join(", ", Enumerable.Range(1, 1664).Select(column => $"{column} AS c{column}")))));

    private static byte[] Binary(object value, int typeOid)
    {
        var output = new System.Buffers.ArrayBufferWriter<byte>();
        PgTypes.EncodeBinary(value, typeOid, output);
        return output.WrittenSpan.ToArray();
    }

    private async Task RunAsync(Script script)
    {
        List<string> expected = await RunOnAsync(RealPostgres.ConnectAsync, script);
        List<string> actual = await RunOnAsync(fixture.ConnectAsync, script);
        Assert.True(expected.SequenceEqual(actual), $"PostgreSQL:\n{string.Join('\n', expected)}\n\nLog:\n{string.Join('\n', actual)}");
    }

    /// <summary>Drops the script's tables, runs its setup, its messages on a new connection, then drops the tables again.</summary>
    private static async Task<List<string>> RunOnAsync(Func<Task<RawClient>> connect, Script script)
    {
        await ExecuteAsync(connect, [.. script.Tables.Select(table => $"DROP TABLE IF EXISTS {table}")], checkErrors: false);
        try
        {
            await ExecuteAsync(connect, script.Setup, checkErrors: true);
            await using RawClient client = await connect();
            return await RunMessagesAsync(client, script.Messages);
        }
        finally
        {
            await ExecuteAsync(connect, [.. script.Tables.Select(table => $"DROP TABLE IF EXISTS {table}")], checkErrors: false);
        }
    }

    private static async Task ExecuteAsync(Func<Task<RawClient>> connect, string[] statements, bool checkErrors)
    {
        if (statements.Length == 0)
        {
            return;
        }
        await using RawClient client = await connect();
        foreach (string statement in statements)
        {
            await client.SendAsync(Bytes.Query(statement));
            List<BackendMessage> answers = await client.ReadUntilReadyForQueryAsync();
            if (checkErrors && answers.FirstOrDefault(answer => answer.Type == 'E') is { } error)
            {
                throw new InvalidOperationException($"setup '{statement}' failed: {Describe(error)}");
            }
        }
    }

    /// <summary>Sends each message; after each Sync or Query, reads through ReadyForQuery.</summary>
    private static async Task<List<string>> RunMessagesAsync(RawClient client, byte[][] messages)
    {
        var lines = new List<string>();
        foreach (byte[] message in messages)
        {
            await client.SendAsync(message);
            if (message[0] is not ((byte)'S' or (byte)'Q'))
            {
                continue;
            }
            while (true)
            {
                BackendMessage answer = await client.ReadMessageAsync();
                lines.Add(Describe(answer));
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
        if (message.Type == 'T')
        {
            return DescribeRowDescription(message.Body);
        }
        return $"{message.Type} {Convert.ToHexString(message.Body)} {Printable(message.Body)}";
    }

    /// <summary>
    /// RowDescription field by field. A column read from a table carries that table's OID, which
    /// each database assigns itself (PostgreSQL from its OID counter, Log from its catalog), so a
    /// non-zero table OID is shown as "table" on both sides; zero (not a table column) and every
    /// other field, including the column's attribute number, are compared as they are.
    /// </summary>
    private static string DescribeRowDescription(byte[] body)
    {
        var builder = new StringBuilder("T");
        int count = BinaryPrimitives.ReadInt16BigEndian(body);
        int position = 2;
        for (int field = 0; field < count; field++)
        {
            int end = Array.IndexOf(body, (byte)0, position);
            string name = Encoding.UTF8.GetString(body, position, end - position);
            position = end + 1;
            int tableOid = BinaryPrimitives.ReadInt32BigEndian(body.AsSpan(position));
            short attribute = BinaryPrimitives.ReadInt16BigEndian(body.AsSpan(position + 4));
            int typeOid = BinaryPrimitives.ReadInt32BigEndian(body.AsSpan(position + 6));
            short typeLength = BinaryPrimitives.ReadInt16BigEndian(body.AsSpan(position + 10));
            int typeModifier = BinaryPrimitives.ReadInt32BigEndian(body.AsSpan(position + 12));
            short format = BinaryPrimitives.ReadInt16BigEndian(body.AsSpan(position + 16));
            position += 18;
            builder.Append(System.Globalization.CultureInfo.InvariantCulture,
                $" [{name} table={(tableOid == 0 ? "0" : "table")} attnum={attribute} type={typeOid} len={typeLength} typmod={typeModifier} format={format}]");
        }
        if (position != body.Length)
        {
            builder.Append(" trailing=").Append(Convert.ToHexString(body.AsSpan(position)));
        }
        return builder.ToString();
    }

    private static string Printable(byte[] body) => new(body.Select(b => b is >= 0x20 and < 0x7f ? (char)b : '.').ToArray());
}
