using System.Text;

namespace Log.QueryNode.Tests.Sessions;

public class CopyTests
{
    private readonly InMemoryCluster cluster = new();

    private static async Task<(List<string> Messages, List<string> CopyOut)> CopyAsync(Log.QueryNode.Sessions.QuerySession session, string sql, params string[] chunks)
    {
        var writer = new RecordingWriter();
        foreach (var chunk in chunks) writer.CopyInData.Enqueue(Encoding.UTF8.GetBytes(chunk));
        await session.ExecuteSimpleQueryAsync(sql, writer, CancellationToken.None);
        return (writer.Messages, writer.CopyOutData);
    }

    [Fact]
    public async Task Text_format_round_trips_escapes_and_nulls_across_chunk_boundaries()
    {
        await using var session = cluster.Connect();
        await session.QueryAsync("create table t (id int primary key, name text, note varchar(20), amount numeric)");
        var (messages, _) = await CopyAsync(session, "copy t from stdin", "1\tapple\t\\N\t1.5", "0\n2\ttab\\there\tline\\nbreak\t-2\n3\tback\\\\sla", "sh\t\t0\n\\.\n");
        Assert.Equal(["CopyInResponse 4", "CommandComplete COPY 3"], messages);
        Assert.Equal(["1|5|t|1.50", "2|8|f|-2", "3|10|f|0"], await session.RowsAsync("select id, length(name), note is null, amount from t order by id"));
        var (_, output) = await CopyAsync(session, "copy t to stdout");
        Assert.Equal(["1\tapple\t\\N\t1.50\n", "2\ttab\\there\tline\\nbreak\t-2\n", "3\tback\\\\slash\t\t0\n", "CopyDone"], output);
        var (_, selected) = await CopyAsync(session, "copy (select amount, id from t where id > 1) to stdout");
        Assert.Equal(["-2\t2\n", "0\t3\n", "CopyDone"], selected);
    }

    [Fact]
    public async Task Csv_format_quotes_header_and_column_lists()
    {
        await using var session = cluster.Connect();
        await session.QueryAsync("create table t (id int primary key, name text, amount numeric default 7)");
        var (messages, _) = await CopyAsync(session, "copy t (id, name) from stdin with (format csv, header)", "id,name\n4,\"four, with \"\"comma\"\"\"\n5,\n6,\"\"\n7,\"two\nlines\"\n");
        Assert.Equal("CommandComplete COPY 4", messages.Last());
        var (_, output) = await CopyAsync(session, "copy t to stdout (format csv, header)");
        Assert.Equal(["id,name,amount\n", "4,\"four, with \"\"comma\"\"\",7\n", "5,,7\n", "6,\"\",7\n", "7,\"two\nlines\",7\n", "CopyDone"], output);
    }

    [Fact]
    public async Task A_bad_row_fails_the_whole_copy()
    {
        await using var session = cluster.Connect();
        await session.QueryAsync("create table t (id int primary key, name text not null)");
        var (duplicate, _) = await CopyAsync(session, "copy t from stdin", "1\ta\n1\tb\n");
        Assert.StartsWith("Error 23505 duplicate key value violates unique constraint \"t_pkey\"", duplicate.Last());
        var (bad, _) = await CopyAsync(session, "copy t from stdin", "2\tb\nx\tc\n");
        Assert.Equal("Error 22P02 invalid input syntax for type integer: \"x\"", bad.Last());
        var (missing, _) = await CopyAsync(session, "copy t from stdin", "3\n");
        Assert.Equal("Error 22P04 missing data for column \"name\"", missing.Last());
        Assert.Equal(["0"], await session.RowsAsync("select count(*) from t"));
        Assert.Equal(["Error 42601 cannot specify DELIMITER in BINARY mode"], await session.QueryAsync("copy t from stdin (format binary, delimiter ',')"));
        Assert.Equal(["Error 0A000 cannot specify HEADER in BINARY mode"], await session.QueryAsync("copy t to stdout (format binary, header)"));
    }

    [Fact]
    public async Task Binary_format_round_trips_with_the_data_cut_at_every_byte()
    {
        await using var session = cluster.Connect();
        await session.QueryAsync("create table t (id int primary key, name text, tags text[], amount numeric(10,2), at timestamptz)");
        await session.QueryAsync("insert into t values (1, 'a', '{x,NULL}', 1.5, '2024-01-02 03:04:05+00'), (2, null, null, null, null)");
        var writer = new RecordingWriter();
        await session.ExecuteSimpleQueryAsync("copy t to stdout (format binary)", writer, CancellationToken.None);
        byte[] file = writer.CopyOutBytes.SelectMany(chunk => chunk).ToArray();
        // PostgreSQL's header (signature, no flags, no extension), two rows of five fields, the trailer.
        Assert.Equal([0x50, 0x47, 0x43, 0x4F, 0x50, 0x59, 0x0A, 0xFF, 0x0D, 0x0A, 0x00], file[..11]);
        Assert.Equal(new byte[8], file[11..19]);
        Assert.Equal([0x00, 0x05], file[19..21]);
        Assert.Equal([0xFF, 0xFF], file[^2..]);
        Assert.Equal("CommandComplete COPY 2", writer.Messages.Last());

        await session.QueryAsync("create table u (id int primary key, name text, tags text[], amount numeric(10,2), at timestamptz)");
        var input = new RecordingWriter();
        foreach (byte value in file) input.CopyInData.Enqueue([value]);
        await session.ExecuteSimpleQueryAsync("copy u from stdin (format binary)", input, CancellationToken.None);
        Assert.Equal("CommandComplete COPY 2", input.Messages.Last());
        Assert.Equal(await session.RowsAsync("select * from t order by id"), await session.RowsAsync("select * from u order by id"));

        // A file cut inside its last row, and one whose row has too few fields: errors, and nothing is stored.
        await session.QueryAsync("create table w (id int primary key, name text, tags text[], amount numeric(10,2), at timestamptz)");
        var truncated = new RecordingWriter();
        truncated.CopyInData.Enqueue(file[..^5]);
        await session.ExecuteSimpleQueryAsync("copy w from stdin (format binary)", truncated, CancellationToken.None);
        Assert.StartsWith("Error 22P04 unexpected EOF in COPY data", truncated.Messages.Last());
        var wrongCount = new RecordingWriter();
        wrongCount.CopyInData.Enqueue([.. file[..19], 0x00, 0x01, 0xFF, 0xFF, 0xFF, 0xFF]);
        await session.ExecuteSimpleQueryAsync("copy w from stdin (format binary)", wrongCount, CancellationToken.None);
        Assert.StartsWith("Error 22P04 row field count is 1, expected 5", wrongCount.Messages.Last());
        Assert.Equal(["0"], await session.RowsAsync("select count(*) from w"));
    }

    [Fact]
    public async Task Copy_batch_rows_commits_a_load_beyond_the_transaction_limit_in_batches()
    {
        await using var session = cluster.Connect();
        await session.QueryAsync("create table t (id int primary key, name text)");
        await session.QueryAsync("create unique index t_name on t (name)");
        static string Rows(int first, int count) => string.Concat(Enumerable.Range(first, count).Select(id => $"{id}\tn{id}\n"));

        // Off by default: one atomic COPY, over the 3,000-key limit (a row and its index entry are two keys).
        var (atomic, _) = await CopyAsync(session, "copy t from stdin", Rows(1, 4000));
        Assert.StartsWith("Error 54000 transaction row limit exceeded", atomic.Last());
        Assert.Equal(["0"], await session.RowsAsync("select count(*) from t"));
        Assert.Equal(["Error 22023 -1 is outside the valid range for parameter \"log.copy_batch_rows\" (0 .. 2147483647)"],
            await session.QueryAsync("set log.copy_batch_rows = -1"));

        // Batches of 1,000 rows; the first also commits the insert before the COPY; a ROLLBACK undoes the last batch only.
        await session.QueryAsync("set log.copy_batch_rows = 1000");
        await session.QueryAsync("begin");
        await session.QueryAsync("insert into t values (0, 'before')");
        int commits = cluster.Commits;
        var (batched, _) = await CopyAsync(session, "copy t from stdin", Rows(1, 4000));
        Assert.Equal("CommandComplete COPY 4000", batched.Last());
        Assert.Equal(commits + 3, cluster.Commits);
        await session.QueryAsync("rollback");
        Assert.Equal(["3001|0|3000"], await session.RowsAsync("select count(*), min(id), max(id) from t"));

        // A setting above the limits still loads: each batch ends before the next row would pass them (1,500 rows here).
        await session.QueryAsync("set log.copy_batch_rows = 1000000");
        commits = cluster.Commits;
        var (limited, _) = await CopyAsync(session, "copy t from stdin", Rows(3001, 4000));
        Assert.Equal("CommandComplete COPY 4000", limited.Last());
        Assert.Equal(commits + 3, cluster.Commits);
        Assert.Equal(["7001"], await session.RowsAsync("select count(*) from t where name like 'n%' or id = 0"));
    }

    private static async Task<List<string>> CopyBytesAsync(Log.QueryNode.Sessions.QuerySession session, string sql, params byte[][] chunks)
    {
        var writer = new RecordingWriter();
        foreach (var chunk in chunks) writer.CopyInData.Enqueue(chunk);
        await session.ExecuteSimpleQueryAsync(sql, writer, CancellationToken.None);
        return writer.Messages;
    }

    [Fact]
    public async Task A_character_cut_between_two_messages_is_read_whole()
    {
        await using var session = cluster.Connect();
        await session.QueryAsync("create table t (id int primary key, name text)");
        byte[] line = Encoding.UTF8.GetBytes("1\tcaf\u00e9 \u20ac \U0001F600\n");
        // Every byte in its own CopyData: each multibyte character is cut.
        var messages = await CopyBytesAsync(session, "copy t from stdin", line.Select(b => new[] { b }).ToArray());
        Assert.Equal("CommandComplete COPY 1", messages.Last());
        Assert.Equal(["caf\u00e9 \u20ac \U0001F600"], await session.RowsAsync("select name from t"));
    }

    [Theory]
    [InlineData("copy t from stdin", new byte[] { (byte)'2', (byte)'\t', (byte)'a', 0xc3, 0x28, (byte)'\n' }, "0xc3 0x28")]
    [InlineData("copy t from stdin (format csv)", new byte[] { (byte)'2', (byte)',', (byte)'"', 0xff, (byte)'"', (byte)'\n' }, "0xff")]
    [InlineData("copy t from stdin", new byte[] { (byte)'2', (byte)'\t', (byte)'\\', (byte)'x', (byte)'f', (byte)'f', (byte)'\n' }, "0xff")]
    [InlineData("copy t from stdin", new byte[] { (byte)'2', (byte)'\t', (byte)'\\', (byte)'0', (byte)'0', (byte)'0', (byte)'\n' }, "0x00")]
    public async Task Invalid_utf8_fails_the_copy_with_22021_and_stores_nothing(string sql, byte[] badLine, string shown)
    {
        await using var session = cluster.Connect();
        await session.QueryAsync("create table t (id int primary key, name text)");
        byte[] goodLine = Encoding.UTF8.GetBytes(sql.Contains("csv") ? "1,ok\n" : "1\tok\n");
        var messages = await CopyBytesAsync(session, sql, goodLine, badLine);
        Assert.StartsWith($"Error 22021 invalid byte sequence for encoding \"UTF8\": {shown}", messages.Last());
        Assert.Equal(["0"], await session.RowsAsync("select count(*) from t"));
    }

    [Fact]
    public async Task A_line_of_megabytes_in_small_messages_is_read_and_one_over_the_limit_fails_with_54000()
    {
        await using var session = cluster.Connect();
        await session.QueryAsync("create table t (id int primary key, name text)");
        const int valueBytes = 3 * 1024 * 1024;
        var chunks = new List<byte[]> { Encoding.UTF8.GetBytes("1\t") };
        chunks.AddRange(Enumerable.Repeat(Encoding.UTF8.GetBytes(new string('x', 1024)), valueBytes / 1024));
        chunks.Add(Encoding.UTF8.GetBytes("\n"));
        var messages = await CopyBytesAsync(session, "copy t from stdin", chunks.ToArray());
        Assert.Equal("CommandComplete COPY 1", messages.Last());
        Assert.Equal([valueBytes.ToString(System.Globalization.CultureInfo.InvariantCulture)], await session.RowsAsync("select length(name) from t"));

        var tooLong = new List<byte[]> { Encoding.UTF8.GetBytes("2\t") };
        tooLong.AddRange(Enumerable.Repeat(new byte[64 * 1024].Select(_ => (byte)'y').ToArray(), Log.QueryNode.Sessions.CopyLimits.LineBytesMax / (64 * 1024) + 1));
        tooLong.Add(Encoding.UTF8.GetBytes("\n"));
        var failed = await CopyBytesAsync(session, "copy t from stdin", tooLong.ToArray());
        Assert.StartsWith("Error 54000 out of memory", failed.Last());
        Assert.Equal(["1"], await session.RowsAsync("select count(*) from t"));
    }

    [Fact]
    public async Task A_csv_escape_cut_from_the_byte_it_escapes_still_escapes_it()
    {
        await using var session = cluster.Connect();
        await session.QueryAsync("create table t (id int primary key, name text)");
        var messages = await CopyAsync(session, "copy t from stdin (format csv, escape '\\')", "1,\"a\\", "\"\nb\"\n2,c\n");
        Assert.Equal("CommandComplete COPY 2", messages.Messages.Last());
        Assert.Equal(["a\"\nb", "c"], await session.RowsAsync("select name from t order by id"));
    }
}
