using System.Diagnostics;
using Log.QueryNode.Sessions;
using Log.Wire;

namespace Log.QueryNode.Tests.Sessions;

public class SessionSettingsTests
{
    private readonly InMemoryCluster cluster = new();

    [Fact]
    public async Task Set_show_reset_are_per_session_and_reported()
    {
        await using var session = cluster.Connect(new Dictionary<string, string> { ["application_name"] = "probe", ["options"] = "-c statement_timeout=300 --extra-float-digits=2" });
        await using var other = cluster.Connect();
        Assert.Equal(["300ms"], await session.RowsAsync("show statement_timeout"));
        Assert.Equal(["2"], await session.RowsAsync("show extra_float_digits"));
        Assert.Equal("probe", session.ParameterStatus["application_name"]);
        Assert.Equal(["CommandComplete SET"], await session.QueryAsync("set application_name = 'renamed'"));
        Assert.Equal("renamed", session.ParameterStatus["application_name"]);
        Assert.Equal("", other.ParameterStatus["application_name"]);
        await session.QueryAsync("set time zone 'Europe/Paris'");
        Assert.Equal("Europe/Paris", session.ParameterStatus["TimeZone"]);
        Assert.Equal("Europe/Paris", session.TypeSettings.TimeZone.Id);
        Assert.Equal(["CommandComplete RESET"], await session.QueryAsync("reset application_name"));
        Assert.Equal("probe", session.ParameterStatus["application_name"]); // back to the startup value, as in PostgreSQL
        await session.QueryAsync("set DateStyle = 'ISO, DMY'");
        Assert.Equal(["ISO, DMY"], await session.RowsAsync("show datestyle"));
        await session.QueryAsync("discard all");
        Assert.Equal("UTC", session.ParameterStatus["TimeZone"]);
        Assert.Equal("ISO, MDY", session.ParameterStatus["DateStyle"]);
    }

    [Fact]
    public async Task The_reported_version_moves_only_when_a_reported_value_may_have_changed()
    {
        await using var session = cluster.Connect();
        long? start = session.ParameterStatusVersion;
        Assert.NotNull(start);
        // Transactions that change no setting (the select-only path) leave it alone, so the wire skips the comparison.
        await session.QueryAsync("select 1");
        await session.QueryAsync("begin; select 1; commit");
        await session.QueryAsync("begin; select 1; rollback");
        Assert.Equal(start, session.ParameterStatusVersion);
        await session.QueryAsync("set application_name = 'moved'");
        Assert.NotEqual(start, session.ParameterStatusVersion);
        Assert.Equal("moved", session.ParameterStatus["application_name"]);
        long? afterSet = session.ParameterStatusVersion;
        // A rollback puts the values back from the copy saved at BEGIN, which was taken again after the SET above.
        await session.QueryAsync("begin; set application_name = 'inner'");
        Assert.Equal("inner", session.ParameterStatus["application_name"]);
        await session.QueryAsync("rollback");
        Assert.Equal("moved", session.ParameterStatus["application_name"]);
        Assert.NotEqual(afterSet, session.ParameterStatusVersion);
    }

    [Theory]
    [InlineData("set client_encoding = 'LATIN1'", "0A000", "conversion between LATIN1 and UTF8 is not supported")]
    [InlineData("set client_encoding = 'nonsense'", "22023", "invalid value for parameter \"client_encoding\": \"nonsense\"")]
    [InlineData("set extra_float_digits = 4", "22023", "4 is outside the valid range for parameter \"extra_float_digits\" (-15 .. 3)")]
    [InlineData("set TimeZone = 'No/Such_Zone'", "22023", "invalid value for parameter \"TimeZone\": \"No/Such_Zone\"")]
    [InlineData("set statement_timeout = 'soon'", "22023", "invalid value for parameter \"statement_timeout\": \"soon\"")]
    [InlineData("set no_such_setting = 1", "42704", "unrecognized configuration parameter \"no_such_setting\"")]
    [InlineData("show no_such_setting", "42704", "unrecognized configuration parameter \"no_such_setting\"")]
    [InlineData("set server_version = '1'", "55P02", "parameter \"server_version\" cannot be changed")]
    [InlineData("set standard_conforming_strings = off", "0A000", "standard_conforming_strings = off is not supported: string literals always treat backslashes literally")]
    public async Task Bad_values_are_refused_with_PostgreSQLs_words(string sql, string sqlState, string message)
    {
        await using var session = cluster.Connect();
        Assert.Equal([$"Error {sqlState} {message}"], await session.QueryAsync(sql));
    }

    [Fact]
    public async Task A_rolled_back_transaction_undoes_its_SETs()
    {
        await using var session = cluster.Connect();
        await session.QueryAsync("begin; set application_name = 'inside'");
        Assert.Equal("inside", session.ParameterStatus["application_name"]);
        await session.QueryAsync("rollback");
        Assert.Equal("", session.ParameterStatus["application_name"]);
        // An error later in the same Query message rolls the implicit transaction back, SET included.
        Assert.Equal("Error 22012 division by zero", (await session.QueryAsync("set application_name = 'lost'; select 1/0")).Last());
        Assert.Equal("", session.ParameterStatus["application_name"]);
        await session.QueryAsync("begin; set application_name = 'kept'; commit");
        Assert.Equal("kept", session.ParameterStatus["application_name"]);
    }

    [Fact]
    public async Task Read_only_transactions_refuse_writes()
    {
        await using var session = cluster.Connect();
        await session.QueryAsync("create table t (id int primary key)");
        Assert.Equal(["START TRANSACTION", "on"], (await session.QueryAsync("start transaction read only; show transaction_read_only")).Select(message => message.Replace("CommandComplete ", "").Replace("DataRow ", "")).Where(message => !message.StartsWith("RowDescription") && message != "SHOW"));
        Assert.Equal(["Error 25006 cannot execute INSERT in a read-only transaction"], await session.QueryAsync("insert into t values (1)"));
        await session.QueryAsync("rollback");
        Assert.Equal(["off"], await session.RowsAsync("show transaction_read_only"));
        Assert.Equal(["CommandComplete INSERT 0 1"], await session.QueryAsync("insert into t values (1)"));
    }

    [Fact]
    public async Task Statement_timeout_and_cancel_stop_pg_sleep()
    {
        await using var session = cluster.Connect();
        Assert.Equal(["RowDescription pg_sleep:2278", "DataRow NULL", "CommandComplete SELECT 1"], await session.QueryAsync("select pg_sleep(0.01)"));
        await session.QueryAsync("set statement_timeout = '200ms'");
        var clock = Stopwatch.StartNew();
        // As in PostgreSQL, the row description goes out when the query starts to run, before the sleep is cut short.
        Assert.Equal(["RowDescription pg_sleep:2278", "Error 57014 canceling statement due to statement timeout"], await session.QueryAsync("select pg_sleep(30)"));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
        await session.QueryAsync("reset statement_timeout; begin");

        // A CancelRequest cancels the token: the server reports 57014; the explicit transaction is failed.
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => session.QueryAsync("select pg_sleep(30)", cancel.Token));
        Assert.Equal(PgTransactionStatus.Failed, session.TransactionStatus);
    }
}
