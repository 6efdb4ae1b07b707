namespace Log.QueryNode.Tests.Sessions;

/// <summary>Functions that read or change the session: now() is the transaction's start, clock_timestamp() the wall
/// clock; current_setting/set_config see the session's settings (set_config(..., true) lasts until the transaction
/// ends); txid_current() is one id per transaction; setseed makes random() repeat.</summary>
public class SessionFunctionTests
{
    private readonly InMemoryCluster cluster = new();

    [Fact]
    public async Task Now_is_the_transaction_start_and_clock_timestamp_moves()
    {
        await using var session = cluster.Connect();
        await session.QueryAsync("begin");
        string first = Assert.Single(await session.RowsAsync("select now()::text"));
        string clockBefore = Assert.Single(await session.RowsAsync("select clock_timestamp()::text"));
        await session.QueryAsync("select pg_sleep(0.02)");
        Assert.Equal([first], await session.RowsAsync("select now()::text"));
        Assert.Equal(["t|t|t"], await session.RowsAsync(
            "select now() = current_timestamp, now() = transaction_timestamp(), statement_timestamp() > now()"));
        Assert.Equal(["t"], await session.RowsAsync($"select clock_timestamp() > '{clockBefore}'::timestamptz"));
        await session.QueryAsync("commit");
        Assert.Equal(["t"], await session.RowsAsync($"select now() > '{first}'::timestamptz"));
    }

    [Fact]
    public async Task Transaction_id_is_stable_within_a_transaction_and_new_for_the_next()
    {
        await using var session = cluster.Connect();
        await session.QueryAsync("begin");
        string id = Assert.Single(await session.RowsAsync("select txid_current()"));
        Assert.Equal([id], await session.RowsAsync("select pg_current_xact_id()"));
        await session.QueryAsync("commit");
        Assert.NotEqual(id, Assert.Single(await session.RowsAsync("select txid_current()")));
    }

    [Fact]
    public async Task Current_setting_and_set_config_use_the_session_settings()
    {
        await using var session = cluster.Connect();
        await session.QueryAsync("set TimeZone = 'Asia/Tokyo'");
        Assert.Equal(["Asia/Tokyo|postgres|postgres|1"], await session.RowsAsync(
            "select current_setting('timezone'), current_user, current_database(), pg_backend_pid()"));
        Assert.Equal(["Europe/Paris"], await session.RowsAsync("select set_config('TimeZone', 'Europe/Paris', false)"));
        Assert.Equal(["Europe/Paris"], await session.RowsAsync("show timezone"));
        Assert.Equal(["42"], await session.RowsAsync("select set_config('myapp.tenant', '42', false)"));
        Assert.Equal(["42|NULL"], await session.RowsAsync("select current_setting('myapp.tenant'), current_setting('myapp.other', true)"));
        Assert.Contains(await session.QueryAsync("select set_config('extra_float_digits', 'x', false)"), message => message.Contains("22023", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Set_config_local_lasts_until_the_transaction_ends()
    {
        await using var session = cluster.Connect();
        await session.QueryAsync("begin");
        Assert.Equal(["7"], await session.RowsAsync("select set_config('myapp.user', '7', true)"));
        Assert.Equal(["7"], await session.RowsAsync("select current_setting('myapp.user')"));
        await session.QueryAsync("commit");
        Assert.Equal(["NULL"], await session.RowsAsync("select current_setting('myapp.user', true)"));

        await session.QueryAsync("set application_name = 'before'");
        await session.QueryAsync("begin");
        await session.QueryAsync("select set_config('application_name', 'inside', true)");
        Assert.Equal(["inside"], await session.RowsAsync("show application_name"));
        await session.QueryAsync("rollback");
        Assert.Equal(["before"], await session.RowsAsync("show application_name"));
    }

    [Fact]
    public async Task Setseed_makes_random_repeat()
    {
        await using var session = cluster.Connect();
        await session.QueryAsync("select setseed(0.25)");
        string first = Assert.Single(await session.RowsAsync("select random()"));
        await session.QueryAsync("select setseed(0.25)");
        Assert.Equal([first], await session.RowsAsync("select random()"));
    }

    [Fact]
    public async Task Date_time_functions_follow_the_session_time_zone()
    {
        await using var session = cluster.Connect();
        await session.QueryAsync("set TimeZone = 'Asia/Tokyo'");
        // Recorded from PostgreSQL 15 with TimeZone Asia/Tokyo.
        Assert.Equal(["2024-05-15 00:00:00+09|10|2024-05-15|9"], await session.RowsAsync(
            "select date_trunc('day', timestamptz '2024-05-15 01:02:03+00')::text, extract(hour from timestamptz '2024-05-15 01:02:03+00'), "
            + "to_char(timestamptz '2024-05-14 20:00:00+00', 'YYYY-MM-DD'), extract(timezone_hour from now())"));
        Assert.Equal(["2024-05-15 01:02:03+09"], await session.RowsAsync("select make_timestamptz(2024, 5, 15, 1, 2, 3)::text"));
    }
}
