namespace Log.Integration.Tests.Drivers;

/// <summary>
/// psycopg2 (libpq, simple protocol with client-side parameters) and asyncpg (extended protocol,
/// binary, prepared statements, pipelined executemany, portals) from Debian's python3 packages,
/// run with /usr/bin/python3: Drivers/python/*_probe.py print what the driver saw, asserted here.
/// </summary>
[Collection(DriverCollection.Name)]
public sealed class PythonDriverTests(DriverServerFixture fixture) : IClassFixture<DriverServerFixture>
{
    private async Task AssertScenarioAsync(string probe, string scenario, string expected)
    {
        var result = await DriverTools.PythonAsync(probe, fixture.Target, scenario);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(expected.ReplaceLineEndings("\n"), result.Output);
    }

    private Task Psycopg2Async(string scenario, string expected) => AssertScenarioAsync("psycopg2_probe.py", scenario, expected);

    private Task AsyncpgAsync(string scenario, string expected) => AssertScenarioAsync("asyncpg_probe.py", scenario, expected);

    [DriverFact(Client.Psycopg2)]
    public Task Psycopg2TypesRoundTrip() => Psycopg2Async("types", """
        int|-32768
        int|2147483647
        int|-9223372036854775808
        float|1.5e+300
        Decimal|12345678901234567890.123456789
        str|héllo ✓ 'quoted' \ "x"
        str|varchar
        bool|True
        date|2024-02-29
        datetime|2024-02-29T13:14:15.123456
        datetime|1999-12-31T23:59:59.999999+00:00
        NoneType|None
        type oids: [21, 23, 20, 701, 1700, 25, 1043, 16, 1082, 1114, 1184, 23]
        more rows: None
        """);

    [DriverFact(Client.Psycopg2)]
    public Task Psycopg2ErrorsCarryTheirSqlState() => Psycopg2Async("errors", """
        syntax: 42601
        undefined table: 42P01
        unique: 23505
        division: 22012
        in a failed transaction: 22012 25P02
        rows after: 4
        """);

    [DriverFact(Client.Psycopg2)]
    public Task Psycopg2ConcurrentWriteFailsWith40001() => Psycopg2Async("conflict", """
        first reads: 0
        second updates: 1
        first writes: 40001
        value: 2
        """);

    [DriverFact(Client.Psycopg2)]
    public Task Psycopg2CopyExpertCopyFromAndCopyTo() => Psycopg2Async("copy", """
        copy csv rows: 3
        copy_from rows: 2
        csv out: '1,"one, uno",1.5\n2,,-2\n3,"",0\n4,four,\n5,tab\there,7\n'
        copy_to: '1\tone, uno\n2\t\\N\n3\t\n4\tfour\n5\ttab\\there\n'
        broken copy: 22P02
        rows after: 5
        """);

    [DriverFact(Client.Psycopg2)]
    public Task Psycopg2CancelAndStatementTimeout() => Psycopg2Async("cancel", """
        cancelled: 57014
        cancelled within 10 s: True
        bystander: bystander
        after cancel: 7
        statement timeout: 57014
        timed out within 4 s: True
        after timeout: 8
        """);

    [DriverFact(Client.Psycopg2)]
    public Task Psycopg2ParameterStatusAndSettings() => Psycopg2Async("settings", """
        application_name at start: psycopg2-probe
        application_name after SET: renamed
        TimeZone after SET: America/New_York
        timestamptz: 2024-01-15T07:00:00-05:00
        DateStyle after SET: ISO, DMY
        application_name after RESET ALL: psycopg2-probe
        search_path: "$user", public
        in transaction: repeatable read
        """);

    [DriverFact(Client.Psycopg2)]
    public Task Psycopg2SslModeRequire() => Psycopg2Async("tls", """
        over tls: 42
        ssl in use: True
        protocol is TLS 1.2+: True
        """);

    [DriverFact(Client.Asyncpg)]
    public Task AsyncpgBinaryTypesRoundTrip() => AsyncpgAsync("types", """
        parameters: ['int2', 'int4', 'int8', 'float8', 'numeric', 'text', 'varchar', 'bool', 'date', 'timestamp', 'timestamptz', 'int4', 'bpchar']
        columns: ['int2', 'int4', 'int8', 'float8', 'numeric', 'text', 'varchar', 'bool', 'date', 'timestamp', 'timestamptz', 'int4', 'bpchar']
        int|-32768
        int|2147483647
        int|-9223372036854775808
        float|1.5e+300
        Decimal|12345678901234567890.123456789
        str|héllo ✓ 'quoted' \ "x"
        str|varchar
        bool|True
        date|2024-02-29
        datetime|2024-02-29T13:14:15.123456
        datetime|1999-12-31T23:59:59.999999+00:00
        NoneType|None
        str|ab
        """);

    [DriverFact(Client.Asyncpg)]
    public Task AsyncpgPreparedStatements() => AsyncpgAsync("prepared", """
        answers right: True
        cached statement: True
        """);

    [DriverFact(Client.Asyncpg)]
    public Task AsyncpgExecuteManyIsOnePipelineAndAtomic() => AsyncpgAsync("executemany", """
        rows: 100
        duplicate: 23505
        rows after: 100
        sum: 5050
        """);

    [DriverFact(Client.Asyncpg)]
    public Task AsyncpgCursorFetchesThroughSuspendedPortals() => AsyncpgAsync("cursor", """
        fetch sizes: [40, 40, 40, 40, 40, 40, 10, 0]
        ids in order: True
        iterated: 150 26325
        """);

    [DriverFact(Client.Asyncpg)]
    public Task AsyncpgErrorsAndConflictCarryTheirSqlState() => AsyncpgAsync("errors", """
        syntax: 42601
        prepared syntax: 42601
        unique: 23505
        division: 22012
        first reads: 0
        second updates: UPDATE 1
        first writes: 40001
        value: 2
        """);

    [DriverFact(Client.Asyncpg)]
    public Task AsyncpgTimeoutCancelsAndStatementTimeout() => AsyncpgAsync("cancel", """
        timeout: raised
        after cancel: 7
        cancelled within 10 s: True
        bystander: bystander
        statement timeout: 57014
        timed out within 4 s: True
        after timeout: 8
        """);

    [DriverFact(Client.Asyncpg)]
    public Task AsyncpgParameterStatusAndSettings() => AsyncpgAsync("settings", """
        application_name at start: asyncpg-probe
        application_name after SET: renamed
        TimeZone after SET: Asia/Kolkata
        timestamptz as text: 2024-07-01 17:30:00+05:30
        application_name after RESET ALL: asyncpg-probe
        search_path: no_such_schema, public
        """);

    [DriverFact(Client.Asyncpg)]
    public Task AsyncpgCopyInAndOut() => AsyncpgAsync("copy", """
        copy in: COPY 2
        copy out: COPY 2
        data: 'name,id\n"one, uno",1\n,2\n'
        """);

    [DriverFact(Client.Asyncpg)]
    public Task AsyncpgSslRequire() => AsyncpgAsync("tls", """
        over tls: 42
        ssl in use: True
        """);
}
