namespace Log.Integration.Tests.Drivers;

/// <summary>
/// pgjdbc (Debian's libpostgresql-jdbc-java) run with the machine's Java: Drivers/java/JdbcProbe.java
/// is compiled once and run once per scenario; it prints what the driver saw, asserted here.
/// </summary>
[Collection(DriverCollection.Name)]
public sealed class JdbcDriverTests(DriverServerFixture fixture) : IClassFixture<DriverServerFixture>
{
    private async Task AssertScenarioAsync(string scenario, string expected)
    {
        var result = await DriverTools.JdbcAsync(fixture.Target, scenario);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(expected.ReplaceLineEndings("\n"), result.Output);
    }

    [DriverFact(Client.PgJdbc)]
    public Task EveryTypeRoundTripsUnnamedAndServerPrepared() => AssertScenarioAsync("types", """
        int2|Integer|-32768
        int4|Integer|2147483647
        int8|Long|-9223372036854775808
        float8|Double|1.5E300
        numeric|BigDecimal|12345678901234567890.123456789
        text|String|héllo ✓ 'quoted' \ "x"
        varchar|String|varchar
        bool|Boolean|true
        date|Date|2024-02-29
        timestamp|Timestamp|2024-02-29 13:14:15.123456
        timestamptz|OffsetDateTime|1999-12-31T23:59:59.999999Z
        int4|null
        server-prepared: true
        """);

    [DriverFact(Client.PgJdbc)]
    public Task PreparedStatementPastPrepareThresholdAndDiscardAll() => AssertScenarioAsync("threshold", """
        answers: 2r1,4r2,6r3,8r4,10r5,12r6,14r7,16r8
        server-prepared: [false, true, true, true, true, true, true, true]
        after DISCARD ALL: 42 after discard
        """);

    [DriverFact(Client.PgJdbc)]
    public Task FetchSizeReadsThroughSuspendedPortals() => AssertScenarioAsync("fetchsize", """
        batch counts: 250 all one: true
        statement: rows 250 sum 31375 batches [40, 40, 40, 40, 40, 40, 10]
        prepared: rows 230 sum 26565 batches [100, 100, 30]
        interleaved: 1/201 2/202 3/203 4/204 5/205 6/206 7/207 8/208 9/209 10/210 11/211 12/212
        """);

    /// <summary>
    /// A portal over a million rows (about 100 MB of text) read 100 rows per Execute: the server computes rows as
    /// they are fetched, so its memory stays flat. Held whole, the rows would take about 300 MB of the server's heap.
    /// </summary>
    [DriverFact(Client.PgJdbc)]
    public async Task AMillionRowPortalReadInSmallFetchesKeepsTheServerMemoryFlat()
    {
        long? baseline = fixture.ServerProcessId is { } pid ? ResidentBytes(pid) : null;
        long peak = 0;
        using var sampling = new CancellationTokenSource();
        Task sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested && fixture.ServerProcessId is { } id)
            {
                peak = Math.Max(peak, ResidentBytes(id));
                await Task.Delay(50);
            }
        });
        var result = await DriverTools.JdbcAsync(fixture.Target, "stream");
        sampling.Cancel();
        await sampler;
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("rows 1000000 sum 500000500000 text 105888896", result.Output.Trim());
        if (baseline is { } before)
        {
            long growth = peak - before;
            Assert.True(growth < 150L * 1024 * 1024, $"the server grew by {growth / (1024 * 1024)} MB while streaming (from {before / (1024 * 1024)} MB)");
        }
    }

    private static long ResidentBytes(int processId)
    {
        foreach (string line in File.ReadLines($"/proc/{processId}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
            }
        }
        return 0;
    }

    [DriverFact(Client.PgJdbc)]
    public Task BatchesReportCountsAndAFailingBatchChangesNothing() => AssertScenarioAsync("batch", """
        statement batch: [2, 2, 1]
        failing batch: 23505
        rows after: 1 a!
        """);

    [DriverFact(Client.PgJdbc)]
    public Task ErrorsCarryTheirSqlState() => AssertScenarioAsync("errors", """
        syntax: 42601
        prepared syntax: 42601
        undefined table: 42P01
        unique: 23505
        bad parameter: 22P02
        after errors: 1
        """);

    [DriverFact(Client.PgJdbc)]
    public Task ConcurrentWriteOfTheSameRowFailsWith40001() => AssertScenarioAsync("conflict", """
        first reads: 0
        second updates: 1
        first writes: 40001
        value: 2
        """);

    [DriverFact(Client.PgJdbc)]
    public Task CancelAndQueryTimeoutStopOnlyTheRunningStatement() => AssertScenarioAsync("cancel", """
        cancelled: 57014
        cancelled within 10 s: true
        bystander: bystander
        after cancel: 7
        query timeout: 57014
        query timeout within 10 s: true
        after timeout: 8
        """);

    // pgjdbc sets ApplicationName with a SET after startup, so RESET ALL clears it (as in PostgreSQL).
    [DriverFact(Client.PgJdbc)]
    public Task ParameterStatusAndIsolationLevel() => AssertScenarioAsync("settings", """
        application_name at start: jdbc-probe
        application_name after SET: renamed
        TimeZone after SET: Europe/Paris
        timestamptz as text: 2024-07-01 14:00:00+02
        statement_timeout: 1s
        application_name after RESET ALL: []
        isolation: repeatable read
        in transaction: repeatable read
        """);

    [DriverFact(Client.PgJdbc)]
    public Task CopyManagerTextAndCsv() => AssertScenarioAsync("copy", """"
        copied in text: 2
        copied in csv: 2
        copied out text: 4
        text: 1<TAB>one<TAB>1.5<LF>2<TAB>\N<TAB>-2<LF>3<TAB>three, "3"<TAB>0<LF>4<TAB>\N<TAB>\N<LF>
        copied out csv: 4
        csv: id,name,amount<LF>1,one,1.5<LF>2,,-2<LF>3,"three, ""3""",0<LF>4,,<LF>
        """");

    [DriverFact(Client.PgJdbc)]
    public Task SslModeRequire() => AssertScenarioAsync("tls", "over tls: 42");
}
