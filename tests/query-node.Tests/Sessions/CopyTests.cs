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
        Assert.Equal(["Error 0A000 COPY BINARY is not supported"], await session.QueryAsync("copy t from stdin (format binary)"));
    }
}
