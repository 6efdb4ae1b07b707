using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Tests.Sql;

public class DateTimeTests
{
    private readonly SqlHarness _sql = new();

    [Fact]
    public void Timestamp_date_and_timestamptz_round_trip_and_order()
    {
        _sql.Run("create table events (at timestamp primary key, day date, zoned timestamp with time zone)");
        _sql.Run("insert into events values ('2024-01-02 03:04:05.5', '2024-01-02', '2024-01-02 03:04:05+02'), ('2023-12-31T23:59:59', '2023-12-31', '2023-12-31 23:59:59.123456Z')");
        Assert.Equal(
            ["2023-12-31 23:59:59|2023-12-31|2023-12-31 23:59:59.123456+00", "2024-01-02 03:04:05.5|2024-01-02|2024-01-02 01:04:05+00"],
            _sql.Text("select * from events"));
        Assert.Equal("2024-01-02", _sql.Scalar("select day from events where at = '2024-01-02 03:04:05.5'"));
        Assert.Equal("2023-12-31", _sql.Scalar("select day from events where day < '2024-01-01'::date"));
        Assert.Equal("2|2", _sql.Scalar("select count(*), count(day) from events where at > day and at::date = day"));
        Assert.Equal("2024-01-02 03:04:05.5", _sql.Scalar("select max(at) from events"));
        var columns = _sql.Run("select * from events").Columns!;
        Assert.Equal(new[] { 1114, 1082, 1184 }, columns.Select(column => column.TypeOid));
    }

    [Fact]
    public void Current_time_functions_and_errors()
    {
        var columns = _sql.Run("select now(), current_timestamp, current_date, localtimestamp").Columns!;
        Assert.Equal(new[] { "now", "current_timestamp", "current_date", "localtimestamp" }, columns.Select(column => column.Name));
        Assert.Equal("t", _sql.Scalar("select now() > '2020-01-01'"));
        Assert.Equal("22007", _sql.Error("select 'yesterday-ish'::timestamp").SqlState);
        Assert.Equal("invalid input syntax for type timestamp: \"x\"", _sql.Error("select 'x'::timestamp").Message);
        Assert.Equal("22008", _sql.Error("select '2024-13-01'::date").SqlState);
    }
}

public class ClockDefaultTests
{
    [Fact]
    public void Default_now_is_evaluated_per_insert_and_survives_the_catalog()
    {
        var sql = new SqlHarness();
        sql.Run("create table h (id int primary key, at timestamptz default now(), day date default current_date, n int default 7)");
        sql.Run("insert into h (id) values (1)");
        sql.Run("insert into h (id) select 2");
        Assert.Equal(["1|t|t|7", "2|t|t|7"], sql.Text("select id, at > '2020-01-01', day >= '2020-01-01', n from h order by id"));
        // Any expression without column references is a default now; a column reference is still 0A000, as in PostgreSQL.
        sql.Run("create table other (id int primary key, x int default abs(-1) + 1, t text default upper('a') || 'b')");
        sql.Run("insert into other (id) values (1)");
        Assert.Equal("1|2|Ab", sql.Scalar("select id, x, t from other"));
        Assert.Equal(Log.QueryNode.Execution.SqlState.FeatureNotSupported, sql.Error("create table bad (x int, y int default x + 1)").SqlState);
    }
}

public class DateTimeSettingsTests
{
    private static readonly DateTimeSettings Tokyo = new(TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo"), DateOrder.MonthDayYear);

    [Theory]
    [InlineData("05/03/2024", DateOrder.DayMonthYear, 2024, 3, 5)]
    [InlineData("05/03/2024", DateOrder.MonthDayYear, 2024, 5, 3)]
    [InlineData("2024-05-03", DateOrder.DayMonthYear, 2024, 5, 3)]
    [InlineData("2024-05-03", DateOrder.MonthDayYear, 2024, 5, 3)]
    [InlineData("24/05/03", DateOrder.YearMonthDay, 2024, 5, 3)]
    [InlineData("05-03-99", DateOrder.MonthDayYear, 1999, 5, 3)]
    public void Date_fields_follow_the_DateStyle_order(string text, DateOrder order, int year, int month, int day)
    {
        var settings = new DateTimeSettings(TimeZoneInfo.Utc, order);
        Assert.Equal(new DateOnly(year, month, day), DateTimeInput.Parse(text, SqlType.Date, null, settings));
    }

    [Fact]
    public void DateStyle_values_name_their_order()
    {
        Assert.Equal(DateOrder.DayMonthYear, DateTimeSettings.OrderOf("ISO, DMY"));
        Assert.Equal(DateOrder.YearMonthDay, DateTimeSettings.OrderOf("YMD, ISO"));
        Assert.Equal(DateOrder.MonthDayYear, DateTimeSettings.OrderOf("ISO"));
    }

    [Fact]
    public void Timestamptz_input_and_text_use_the_time_zone()
    {
        var instant = (DateTime)DateTimeInput.Parse("2024-07-01 21:00:00", SqlType.TimestampTz, null, Tokyo);
        Assert.Equal(new DateTime(2024, 7, 1, 12, 0, 0, DateTimeKind.Utc), instant);
        Assert.Equal(DateTimeKind.Utc, instant.Kind);
        Assert.Equal("2024-07-01 21:00:00+09", ValueFormatter.FormatTimestamp(instant, Tokyo));
        Assert.Equal("2024-07-01 12:00:00+00", ValueFormatter.FormatTimestamp(instant, DateTimeSettings.Default));
        var kolkata = new DateTimeSettings(TimeZoneInfo.FindSystemTimeZoneById("Asia/Kolkata"), DateOrder.MonthDayYear);
        Assert.Equal("2024-07-01 17:30:00.5+05:30", ValueFormatter.FormatTimestamp(instant.AddMilliseconds(500), kolkata));
        // timestamp (no zone) ignores the zone both ways.
        Assert.Equal("2024-07-01 21:00:00", ValueFormatter.FormatTimestamp(
            (DateTime)DateTimeInput.Parse("2024-07-01 21:00:00+02", SqlType.Timestamp, null, Tokyo), Tokyo));
    }

    [Fact]
    public void Times_skipped_or_repeated_by_daylight_saving_take_the_standard_offset()
    {
        var newYork = new DateTimeSettings(TimeZoneInfo.FindSystemTimeZoneById("America/New_York"), DateOrder.MonthDayYear);
        // PostgreSQL: '2018-03-11 02:30' is 03:30-04; '2018-11-04 01:30' is 01:30-05.
        Assert.Equal("2018-03-11 03:30:00-04", ValueFormatter.FormatTimestamp(
            (DateTime)DateTimeInput.Parse("2018-03-11 02:30", SqlType.TimestampTz, null, newYork), newYork));
        Assert.Equal("2018-11-04 01:30:00-05", ValueFormatter.FormatTimestamp(
            (DateTime)DateTimeInput.Parse("2018-11-04 01:30", SqlType.TimestampTz, null, newYork), newYork));
    }
}
