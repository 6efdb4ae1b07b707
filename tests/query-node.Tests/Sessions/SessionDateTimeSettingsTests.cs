namespace Log.QueryNode.Tests.Sessions;

/// <summary>The session's TimeZone and DateStyle reach the engine: date/time input and casts to text follow them, as in
/// PostgreSQL (the harness writes rows with the wire's default settings, so these read text casts).</summary>
public class SessionDateTimeSettingsTests
{
    private readonly InMemoryCluster cluster = new();

    [Fact]
    public async Task Timestamptz_to_text_is_written_in_the_session_time_zone()
    {
        await using var session = cluster.Connect();
        await session.QueryAsync("set TimeZone = 'Asia/Tokyo'");
        Assert.Equal(["2024-07-01 21:00:00+09"], await session.RowsAsync("select '2024-07-01 12:00:00+00'::timestamptz::text"));
        Assert.Equal(["2024-07-01 21:00:00.25+09"], await session.RowsAsync("select '2024-07-01 12:00:00.25+00'::timestamptz::text"));
        await session.QueryAsync("set TimeZone = 'Asia/Kolkata'");
        Assert.Equal(["2024-07-01 17:30:00+05:30"], await session.RowsAsync("select '2024-07-01 12:00:00+00'::timestamptz::text"));
        await session.QueryAsync("set TimeZone = 'America/New_York'");
        Assert.Equal(["2024-01-15 07:00:00-05"], await session.RowsAsync("select cast('2024-01-15 12:00:00+00'::timestamptz as varchar)"));
        await session.QueryAsync("set TimeZone = '+09'");
        Assert.Equal(["2024-07-01 21:00:00+09"], await session.RowsAsync("select '2024-07-01 12:00:00+00'::timestamptz::text"));
        await session.QueryAsync("set TimeZone = 'GMT'");
        Assert.Equal(["2024-07-01 12:00:00+00"], await session.RowsAsync("select '2024-07-01 12:00:00+00'::timestamptz::text"));
    }

    [Fact]
    public async Task Timestamptz_without_an_offset_is_read_in_the_session_time_zone()
    {
        await using var session = cluster.Connect();
        await session.QueryAsync("set TimeZone = 'Europe/Paris'");
        // Winter (+01) and summer (+02); an explicit offset is kept.
        Assert.Equal(["2024-01-15 12:00:00+01|t"], await session.RowsAsync(
            "select '2024-01-15 12:00:00'::timestamptz::text, '2024-01-15 12:00:00'::timestamptz = '2024-01-15 11:00:00+00'::timestamptz"));
        Assert.Equal(["2024-07-01 12:00:00+02"], await session.RowsAsync("select '2024-07-01 12:00:00'::timestamptz::text"));
        Assert.Equal(["2024-07-01 14:00:00+02"], await session.RowsAsync("select '2024-07-01 12:00:00Z'::timestamptz::text"));
        // A timestamp (and a date) cast to timestamptz is wall-clock time in the zone; back to timestamp it is again.
        Assert.Equal(["2024-01-15 12:00:00+01|2024-01-15 00:00:00+01|2024-01-15 12:00:00"], await session.RowsAsync(
            "select '2024-01-15 12:00:00'::timestamp::timestamptz::text, '2024-01-15'::date::timestamptz::text, "
            + "'2024-01-15 11:00:00+00'::timestamptz::timestamp::text"));
        // INSERT coerces the literal into the column in the zone too.
        await session.QueryAsync("create table zoned (id int primary key, at timestamptz)");
        await session.QueryAsync("insert into zoned values (1, '2024-01-15 12:00:00')");
        Assert.Equal(["t"], await session.RowsAsync("select at = '2024-01-15 11:00:00+00'::timestamptz from zoned"));
        await session.QueryAsync("set TimeZone = 'UTC'");
        Assert.Equal(["2024-01-15 11:00:00+00"], await session.RowsAsync("select at::text from zoned"));
    }

    [Fact]
    public async Task DateStyle_orders_the_day_and_month_of_input()
    {
        await using var session = cluster.Connect();
        await session.QueryAsync("set DateStyle = 'ISO, DMY'");
        Assert.Equal(["2024-03-05|2024-03-05 10:00:00|2024-05-03"], await session.RowsAsync(
            "select '05/03/2024'::date, '05.03.2024 10:00'::timestamp::text, '2024-05-03'::date"));
        // SET and SELECT in one message: each statement reads the settings as they are when it runs.
        Assert.Equal(["2024-03-05", "2024-05-03"], (await session.QueryAsync(
            "select '05/03/2024'::date; set DateStyle = 'ISO, MDY'; select '05/03/2024'::date"))
            .Where(message => message.StartsWith("DataRow ", StringComparison.Ordinal)).Select(message => message[8..]));
        await session.QueryAsync("set DateStyle = 'YMD'");
        Assert.Equal(["2024-05-03|2005-03-24"], await session.RowsAsync("select '2024/05/03'::date, '05/03/24'::date"));
        await session.QueryAsync("set DateStyle = 'ISO, MDY'");
        Assert.Equal(["Error 22008 date/time field value out of range: \"13/05/2024\""], await session.QueryAsync("select '13/05/2024'::date"));
    }
}
