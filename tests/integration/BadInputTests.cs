using System.Text;
using Log.Integration.Tests.Support;
using Log.Wire.Tests;
using Npgsql;

namespace Log.Integration.Tests;

/// <summary>
/// Input at and beyond the limits, sent by real clients (Npgsql, and raw protocol bytes where a driver would not send
/// them): each case gets PostgreSQL's SQLSTATE, stores nothing, and leaves the server answering on other connections.
/// Time bounds here only guard against a hang; they do not measure speed.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class BadInputTests(ServerFixture fixture)
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(60);
    private const int MebiByte = 1024 * 1024;

    private string ConnectionString => $"Host=127.0.0.1;Port={fixture.Server.Port};Username=admin;Database=postgres;Pooling=false;Timeout=30;Command Timeout=60";

    private async Task<NpgsqlConnection> OpenAsync()
    {
        var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    private static async Task<object?> ScalarAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }

    private static string UniqueName(string prefix) => $"{prefix}_{Guid.NewGuid():N}"[..(prefix.Length + 13)];

    /// <summary>Another connection still answers: the failure stayed with its own session.</summary>
    private async Task AssertServerAnswersAsync()
    {
        await using var bystander = await OpenAsync();
        Assert.Equal(2, await ScalarAsync(bystander, "SELECT 1 + 1"));
    }

    private static async Task CopyTextAsync(NpgsqlConnection connection, string copy, params string[] pieces)
    {
        await using var writer = await connection.BeginTextImportAsync(copy);
        foreach (var piece in pieces)
        {
            await writer.WriteAsync(piece);
        }
    }

    [Fact]
    public async Task A_copy_line_of_nine_megabytes_is_stored_and_a_line_over_the_limit_fails_with_54000()
    {
        var table = UniqueName("bi_copy_long");
        await using var connection = await OpenAsync();
        await ScalarAsync(connection, $"CREATE TABLE {table} (id int PRIMARY KEY, v text)");
        var value = new string('x', 9 * MebiByte);

        // Inside a transaction that rolls back, so the test does not depend on how large a commit may be.
        await ScalarAsync(connection, "BEGIN");
        await CopyTextAsync(connection, $"COPY {table} FROM STDIN", "1\t", value, "\n").WaitAsync(HangGuard);
        Assert.Equal(value.Length, await ScalarAsync(connection, $"SELECT length(v) FROM {table} WHERE id = 1"));
        await ScalarAsync(connection, "ROLLBACK");

        // 11 MiB on one line: over the 10 MiB line limit. The rest of the data is drained and the connection goes on.
        var tooLong = new string('y', 11 * MebiByte);
        var error = await Assert.ThrowsAsync<PostgresException>(() => CopyTextAsync(connection, $"COPY {table} FROM STDIN", "2\t", tooLong, "\n3\tz\n").WaitAsync(HangGuard));
        Assert.Equal("54000", error.SqlState);
        Assert.Equal("out of memory", error.MessageText);
        Assert.Equal(0L, await ScalarAsync(connection, $"SELECT count(*) FROM {table}"));
        await AssertServerAnswersAsync();
    }

    [Fact]
    public async Task A_client_that_leaves_in_the_middle_of_a_long_copy_line_leaves_the_server_free()
    {
        var table = UniqueName("bi_copy_gone");
        await using (var setup = await OpenAsync())
        {
            await ScalarAsync(setup, $"CREATE TABLE {table} (id int PRIMARY KEY, v text)");
        }
        await using (var client = await ConnectRawAsync())
        {
            await client.SendAsync(Bytes.Query($"COPY {table} FROM STDIN"));
            Assert.Equal('G', (char)(await client.ReadMessageAsync()).Type);
            var piece = CopyData(Encoding.ASCII.GetBytes(new string('x', MebiByte)));
            await client.SendAsync(CopyData("1\t"u8.ToArray()));
            for (var index = 0; index < 8; index++)
            {
                await client.SendAsync(piece);
            }
        }
        await AssertServerAnswersAsync();
        // Nothing of the abandoned COPY was stored, and a long line goes through again (rolled back: the test does not
        // depend on how large a commit may be).
        await using var connection = await OpenAsync();
        Assert.Equal(0L, await ScalarAsync(connection, $"SELECT count(*) FROM {table}"));
        await ScalarAsync(connection, "BEGIN");
        await CopyTextAsync(connection, $"COPY {table} FROM STDIN", "1\t", new string('x', 2 * MebiByte), "\n").WaitAsync(HangGuard);
        Assert.Equal(1L, await ScalarAsync(connection, $"SELECT count(*) FROM {table}"));
        await ScalarAsync(connection, "ROLLBACK");
    }

    public static TheoryData<string, byte[], string> InvalidUtf8Lines => new()
    {
        { "", [(byte)'2', (byte)'\t', (byte)'a', 0xc3, 0x28, (byte)'c', (byte)'\n'], "0xc3 0x28" },
        { " (FORMAT csv)", [(byte)'2', (byte)',', (byte)'"', (byte)'a', 0xff, (byte)'"', (byte)'\n'], "0xff" },
        { "", "2\tab\\xffcd\n"u8.ToArray(), "0xff" },
    };

    [Theory]
    [MemberData(nameof(InvalidUtf8Lines))]
    public async Task Copy_of_invalid_utf8_fails_with_22021_as_in_postgresql_and_stores_nothing(string options, byte[] badLine, string shown)
    {
        var table = UniqueName("bi_copy_utf8");
        await using (var setup = await OpenAsync())
        {
            await ScalarAsync(setup, $"CREATE TABLE {table} (id int PRIMARY KEY, v text)");
        }
        var goodLine = Encoding.ASCII.GetBytes(options.Length > 0 ? "1,ok\n" : "1\tok\n");
        BackendMessage error;
        await using (var client = await ConnectRawAsync())
        {
            error = await CopyRawAsync(client, $"COPY {table} FROM STDIN{options}", goodLine, badLine);
            Assert.Equal("22021", error.SqlState);
            Assert.Equal($"invalid byte sequence for encoding \"UTF8\": {shown}", error.Fields()['M']);
            // The connection is in step again.
            await client.SendAsync(Bytes.Query("SELECT 1"));
            Assert.DoesNotContain(await client.ReadUntilReadyForQueryAsync(), message => message.Type == 'E');
        }
        await using var connection = await OpenAsync();
        Assert.Equal(0L, await ScalarAsync(connection, $"SELECT count(*) FROM {table}"));

        if (RealPostgres.SkipReason is null)
        {
            await using var postgres = await RealPostgres.ConnectAsync();
            await postgres.SendAsync(Bytes.Query($"CREATE TEMPORARY TABLE {table} (id int PRIMARY KEY, v text)"));
            await postgres.ReadUntilReadyForQueryAsync();
            var postgresError = await CopyRawAsync(postgres, $"COPY {table} FROM STDIN{options}", goodLine, badLine);
            Assert.Equal(error.SqlState, postgresError.SqlState);
            Assert.Equal(error.Fields()['M'], postgresError.Fields()['M']);
        }
    }

    [Fact]
    public async Task A_target_list_of_1665_entries_gets_54011_and_1664_are_answered()
    {
        await using var connection = await OpenAsync();
        var error = await Assert.ThrowsAsync<PostgresException>(() => ScalarAsync(connection, "SELECT " + string.Join(", ", Enumerable.Repeat("1", 1665))));
        Assert.Equal("54011", error.SqlState);
        Assert.Equal("target lists can have at most 1664 entries", error.MessageText);
        var huge = await Assert.ThrowsAsync<PostgresException>(() => ScalarAsync(connection, "SELECT " + string.Join(", ", Enumerable.Repeat("1", 40_000))));
        Assert.Equal("54011", huge.SqlState);

        await using var command = new NpgsqlCommand("SELECT " + string.Join(", ", Enumerable.Range(1, 1664).Select(column => $"{column} AS c{column}")), connection);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(1664, reader.FieldCount);
        Assert.Equal(1664, reader.GetInt32(1663));
        await reader.CloseAsync();
        await AssertServerAnswersAsync();
    }

    [Fact]
    public async Task Identifiers_over_63_bytes_are_truncated_with_a_notice_42622()
    {
        var notices = new List<PostgresNotice>();
        await using var connection = await OpenAsync();
        connection.Notice += (_, arguments) => notices.Add(arguments.Notice);
        var longName = UniqueName("bi_ident") + new string('n', 60);
        var truncated = longName[..63];
        await ScalarAsync(connection, $"CREATE TABLE {longName} (id int PRIMARY KEY)");
        var notice = Assert.Single(notices);
        Assert.Equal("42622", notice.SqlState);
        Assert.Equal($"identifier \"{longName}\" will be truncated to \"{truncated}\"", notice.MessageText);
        // Both spellings name the one table.
        await ScalarAsync(connection, $"INSERT INTO {truncated} VALUES (1)");
        Assert.Equal(1L, await ScalarAsync(connection, $"SELECT count(*) FROM {longName}"));
        Assert.Equal(2, notices.Count);
    }

    [Fact]
    public async Task A_query_message_over_64_mebibytes_gets_an_error_and_the_connection_goes_on()
    {
        await using var connection = await OpenAsync();
        var text = "SELECT 1 -- " + new string('x', 64 * MebiByte);
        var error = await Assert.ThrowsAsync<PostgresException>(() => ScalarAsync(connection, text).WaitAsync(HangGuard));
        Assert.Equal("54000", error.SqlState);
        Assert.Equal("invalid message length", error.MessageText);
        Assert.Equal(3, await ScalarAsync(connection, "SELECT 3"));
        await AssertServerAnswersAsync();
    }

    private async Task<RawClient> ConnectRawAsync()
    {
        var client = await RawClient.ConnectAsync(fixture.Server.Port);
        await client.SendAsync(Bytes.Startup(("user", "admin"), ("database", "postgres")));
        Assert.Equal('Z', (char)(await client.ReadUntilReadyForQueryAsync())[^1].Type);
        return client;
    }

    private static byte[] CopyData(byte[] data) => Bytes.Message('d', data);

    /// <summary>COPY FROM STDIN with the given lines, each in its own CopyData; returns the ErrorResponse.</summary>
    private static async Task<BackendMessage> CopyRawAsync(RawClient client, string copy, params byte[][] lines)
    {
        await client.SendAsync(Bytes.Query(copy));
        Assert.Equal('G', (char)(await client.ReadMessageAsync()).Type);
        foreach (var line in lines)
        {
            await client.SendAsync(CopyData(line));
        }
        await client.SendAsync(Bytes.Message('c', []));
        var answers = await client.ReadUntilReadyForQueryAsync();
        return Assert.Single(answers, message => message.Type == 'E');
    }
}
