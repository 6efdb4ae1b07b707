using System.Diagnostics;

namespace Log.Integration.Tests.Drivers;

/// <summary>
/// The real psql against the real server: TLS (sslmode=require, sslnegotiation=direct), COPY and
/// \copy in text and CSV, SET/SHOW/RESET of the settings drivers and users touch, DISCARD ALL.
/// </summary>
[Collection(DriverCollection.Name)]
public sealed class PsqlDriverTests(DriverServerFixture fixture) : IClassFixture<DriverServerFixture>
{
    private DriverTarget Target => fixture.Target;

    private Task<ProcessResult> RunAsync(string script, params string[] extraArguments) =>
        DriverTools.PsqlAsync(Target.Libpq(), script, extraArguments);

    /// <summary>psql printing command tags too (QUIET off), as a user sees them.</summary>
    private Task<ProcessResult> RunWithTagsAsync(string script) => RunAsync(script, "-v", "QUIET=off");

    private static void AssertSucceeded(ProcessResult result)
    {
        Assert.True(result.ExitCode == 0 && result.Error.Length == 0, result.ToString());
    }

    [DriverFact(Client.Psql)]
    public async Task SslModeRequireUsesTls()
    {
        var result = await DriverTools.PsqlAsync(Target.Libpq("require"), "SELECT 40 + 2;\n\\conninfo\n");
        AssertSucceeded(result);
        var lines = result.Lines;
        Assert.Equal("42", lines[0]);
        Assert.Contains(lines, line => line.StartsWith("SSL connection (protocol: TLSv1.", StringComparison.Ordinal));
    }

    [DriverFact(Client.PsqlDirectSsl)]
    public async Task SslNegotiationDirectUsesTls()
    {
        var result = await DriverTools.PsqlAsync(Target.Libpq("require") + " sslnegotiation=direct", "SELECT 40 + 2;\n\\conninfo\n");
        AssertSucceeded(result);
        Assert.Equal("42", result.Lines[0]);
        Assert.Contains(result.Lines, line => line.StartsWith("SSL connection (protocol: TLSv1.", StringComparison.Ordinal));
    }

    [DriverFact(Client.Psql)]
    public async Task CopyTextFromStdinAndToStdoutRoundTripsEscapesAndNulls()
    {
        var table = DriverTools.UniqueName("copy_text");
        // Tabs, newlines and backslashes inside values are escaped; \N is NULL; an empty field is ''.
        var result = await RunWithTagsAsync($"""
            \set ON_ERROR_STOP 1
            CREATE TABLE {table} (id int PRIMARY KEY, name text, note varchar(20), amount numeric);
            COPY {table} FROM STDIN;
            1	apple	\N	1.50
            2	tab\there	line\nbreak	-2
            3	back\\slash		0
            \.
            SELECT id, length(name), note IS NULL, note = '', amount FROM {table} ORDER BY id;
            COPY {table} TO STDOUT;
            COPY {table} (amount, id) TO STDOUT;
            DROP TABLE {table};
            """);
        AssertSucceeded(result);
        Assert.Equal(
            """
            CREATE TABLE
            COPY 3
            1|5|t||1.50
            2|8|f|f|-2
            3|10|f|t|0
            1	apple	\N	1.50
            2	tab\there	line\nbreak	-2
            3	back\\slash		0
            1.50	1
            -2	2
            0	3
            DROP TABLE
            """.ReplaceLineEndings("\n"), result.Output);
    }

    [DriverFact(Client.Psql)]
    public async Task BackslashCopyCsvFromAndToFilesWithHeaderQuotesAndNulls()
    {
        var table = DriverTools.UniqueName("copy_csv");
        var folder = Directory.CreateTempSubdirectory("log-copy-csv-").FullName;
        try
        {
            // Unquoted empty is NULL, quoted empty is ''; quotes double; a quoted field may hold a newline.
            const string csv = "id,name,note\n1,\"Smith, John\",\"said \"\"hi\"\"\"\n2,,\"\"\n3,\"multi\nline\",plain\n";
            var input = Path.Combine(folder, "in.csv");
            var output = Path.Combine(folder, "out.csv");
            await File.WriteAllTextAsync(input, csv);
            var result = await RunWithTagsAsync($"""
                \set ON_ERROR_STOP 1
                CREATE TABLE {table} (id int PRIMARY KEY, name text, note text);
                \copy {table} from '{input}' with (format csv, header)
                SELECT id, name IS NULL, note IS NULL, note = '', length(name) FROM {table} ORDER BY id;
                \copy {table} to '{output}' with (format csv, header)
                COPY {table} TO STDOUT WITH (FORMAT csv, DELIMITER ';', NULL 'NULL');
                DROP TABLE {table};
                """);
            AssertSucceeded(result);
            Assert.Equal(
                """"
                CREATE TABLE
                COPY 3
                1|f|f|f|11
                2|t|f|t|
                3|f|f|f|10
                COPY 3
                1;Smith, John;"said ""hi"""
                2;NULL;
                3;"multi
                line";plain
                DROP TABLE
                """".ReplaceLineEndings("\n"), result.Output);
            Assert.Equal(csv, await File.ReadAllTextAsync(output));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [DriverFact(Client.Psql)]
    public async Task CopyErrorsReportTheirSqlStateAndInsertNothing()
    {
        var table = DriverTools.UniqueName("copy_bad");
        var result = await RunAsync($"""
            CREATE TABLE {table} (id int PRIMARY KEY, name text);
            COPY {table} FROM STDIN;
            1	a
            x	b
            \.
            SELECT 'after bad integer', count(*) FROM {table};
            COPY {table} FROM STDIN (FORMAT csv);
            1,a
            1,b
            \.
            SELECT 'after duplicate', count(*) FROM {table};
            COPY {table} FROM STDIN;
            1
            \.
            SELECT 'after missing column', count(*) FROM {table};
            DROP TABLE {table};
            """);
        Assert.Equal("after bad integer|0\nafter duplicate|0\nafter missing column|0", result.Output);
        Assert.Contains("ERROR:  22P02: invalid input syntax for type integer: \"x\"", result.Error);
        Assert.Contains("ERROR:  23505: duplicate key value violates unique constraint", result.Error);
        Assert.Contains("ERROR:  22P04: missing data for column \"name\"", result.Error);
    }

    public static TheoryData<string, string, string> Settings() => new()
    {
        { "SET application_name = 'driver probe'", "application_name", "driver probe" },
        { "SET search_path = audit, public", "search_path", "audit, public" },
        { "SET TIME ZONE 'America/New_York'", "TimeZone", "America/New_York" },
        { "SET DateStyle = 'ISO, DMY'", "DateStyle", "ISO, DMY" },
        { "SET IntervalStyle = iso_8601", "IntervalStyle", "iso_8601" },
        { "SET extra_float_digits = 0", "extra_float_digits", "0" },
        { "SET client_encoding = 'utf8'", "client_encoding", "UTF8" },
        { "SET statement_timeout = '2min'", "statement_timeout", "2min" },
        { "SET statement_timeout = 1500", "statement_timeout", "1500ms" },
        { "SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL REPEATABLE READ", "default_transaction_isolation", "repeatable read" },
        { "SET standard_conforming_strings = on", "standard_conforming_strings", "on" },
    };

    [DriverTheory(Client.Psql)]
    [MemberData(nameof(Settings))]
    public async Task SetShowAndResetOneSetting(string set, string name, string expected)
    {
        var result = await RunWithTagsAsync($"""
            SHOW {name};
            {set};
            SHOW {name};
            RESET {name};
            SHOW {name};
            """);
        AssertSucceeded(result);
        var lines = result.Output.Split('\n');
        Assert.True(lines.Length == 5, result.ToString());
        Assert.Equal(["SET", expected, "RESET"], lines[1..4]);
        Assert.Equal(lines[0], lines[4]);
    }

    [DriverFact(Client.Psql)]
    public async Task StartupDefaultsOfTheSettings()
    {
        var result = await RunAsync("""
            SHOW application_name;
            SHOW search_path;
            SHOW client_encoding;
            SHOW standard_conforming_strings;
            SHOW statement_timeout;
            SHOW IntervalStyle;
            SHOW extra_float_digits;
            SHOW integer_datetimes;
            """);
        AssertSucceeded(result);
        // psql names itself; extra_float_digits is the server default 1 (psql does not send it).
        Assert.Equal("psql\n\"$user\", public\nUTF8\non\n0\npostgres\n1\non", result.Output);
    }

    [DriverFact(Client.Psql)]
    public async Task TimeZoneChangesHowTimestampsWithTimeZoneReadAndWrite()
    {
        var result = await RunAsync("""
            SET TimeZone = 'Europe/Paris';
            SELECT '2024-07-01 12:00:00+00'::timestamptz;
            SELECT '2024-01-15 12:00:00'::timestamptz = '2024-01-15 11:00:00+00'::timestamptz;
            SET TIME ZONE 'UTC';
            SELECT '2024-07-01 12:00:00+00'::timestamptz;
            SET TimeZone = 'No/Such_Zone';
            """);
        Assert.Equal("2024-07-01 14:00:00+02\nt\n2024-07-01 12:00:00+00", result.Output);
        Assert.Contains("ERROR:  22023: invalid value for parameter \"TimeZone\": \"No/Such_Zone\"", result.Error);
    }

    [DriverFact(Client.Psql)]
    public async Task DateStyleOrdersDayAndMonthOfInput()
    {
        var result = await RunAsync("""
            SET DateStyle = 'ISO, DMY';
            SELECT '05/03/2024'::date;
            SET DateStyle = 'ISO, MDY';
            SELECT '05/03/2024'::date;
            """);
        AssertSucceeded(result);
        Assert.Equal("2024-03-05\n2024-05-03", result.Output);
    }

    [DriverFact(Client.Psql)]
    public async Task ExtraFloatDigitsChangesFloatOutput()
    {
        var result = await RunAsync("""
            SET extra_float_digits = 0;
            SELECT 1 / 3::float8;
            SET extra_float_digits = 1;
            SELECT 1 / 3::float8;
            """);
        AssertSucceeded(result);
        Assert.Equal("0.333333333333333\n0.3333333333333333", result.Output);
    }

    [DriverFact(Client.Psql)]
    public async Task SearchPathDecidesTheCurrentSchema()
    {
        var result = await RunAsync("""
            SET search_path = no_such_schema, public;
            SELECT current_schema();
            RESET search_path;
            SELECT current_schema();
            """);
        AssertSucceeded(result);
        Assert.Equal("public\npublic", result.Output);
    }

    [DriverFact(Client.Psql)]
    public async Task StandardConformingStringsKeepBackslashes()
    {
        var result = await RunAsync("""
            SET standard_conforming_strings = on;
            SELECT 'a\b', E'c\\d', length('a\b');
            """);
        AssertSucceeded(result);
        Assert.Equal("a\\b|c\\d|3", result.Output);
    }

    [DriverFact(Client.Psql)]
    public async Task BadSettingValuesAndNamesAreErrors()
    {
        var result = await RunAsync("""
            SET client_encoding = 'no_such_encoding';
            SHOW no_such_setting;
            SET statement_timeout = 'soon';
            SELECT 'still here';
            """);
        Assert.Equal("still here", result.Output);
        Assert.Contains("ERROR:  22023: invalid value for parameter \"client_encoding\": \"no_such_encoding\"", result.Error);
        Assert.Contains("ERROR:  42704: unrecognized configuration parameter \"no_such_setting\"", result.Error);
        Assert.Contains("ERROR:  22023: invalid value for parameter \"statement_timeout\": \"soon\"", result.Error);
    }

    [DriverFact(Client.Psql)]
    public async Task TransactionIsolationLevelIsShownInsideTheTransaction()
    {
        var result = await RunWithTagsAsync("""
            BEGIN ISOLATION LEVEL REPEATABLE READ;
            SHOW transaction_isolation;
            COMMIT;
            BEGIN;
            SET TRANSACTION ISOLATION LEVEL REPEATABLE READ;
            SHOW transaction_isolation;
            COMMIT;
            START TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY;
            SHOW transaction_read_only;
            COMMIT;
            """);
        AssertSucceeded(result);
        Assert.Equal("BEGIN\nrepeatable read\nCOMMIT\nBEGIN\nSET\nrepeatable read\nCOMMIT\nSTART TRANSACTION\non\nCOMMIT", result.Output);
    }

    [DriverFact(Client.Psql)]
    public async Task StatementTimeoutCancelsWith57014AndTheSessionGoesOn()
    {
        var clock = Stopwatch.StartNew();
        var result = await RunAsync("""
            SET statement_timeout = '300ms';
            SELECT pg_sleep(5);
            SELECT 'alive';
            RESET statement_timeout;
            SELECT pg_sleep(0.4), 'slept';
            """);
        clock.Stop();
        Assert.Equal("alive\n|slept", result.Output);
        Assert.Contains("ERROR:  57014: canceling statement due to statement timeout", result.Error);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(4), $"took {clock.Elapsed}: the timeout did not cancel pg_sleep(5)");
    }

    [DriverFact(Client.Psql)]
    public async Task DiscardAllResetsTheSessionAndIsRefusedInATransaction()
    {
        var result = await RunWithTagsAsync("""
            SET application_name = 'changed';
            SET search_path = no_such_schema;
            SET statement_timeout = '5s';
            SET TimeZone = 'Asia/Tokyo';
            DISCARD ALL;
            SHOW application_name;
            SHOW search_path;
            SHOW statement_timeout;
            BEGIN;
            DISCARD ALL;
            ROLLBACK;
            """);
        var lines = result.Output.Split('\n');
        Assert.Equal(["SET", "SET", "SET", "SET", "DISCARD ALL", "psql", "\"$user\", public", "0", "BEGIN", "ROLLBACK"], lines);
        Assert.Contains("ERROR:  25001: DISCARD ALL cannot run inside a transaction block", result.Error);
    }
}
