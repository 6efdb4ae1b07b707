using System.Data;
using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;
using Npgsql;
using NpgsqlTypes;

namespace Log.Integration.Tests.Drivers;

/// <summary>
/// Npgsql against the real server: the extended protocol with binary parameters and results,
/// prepared statements, batches, COPY through the driver's API, TLS, cancel, ParameterStatus.
/// Npgsql loads its types from pg_type at open, as against PostgreSQL.
/// </summary>
[Collection(DriverCollection.Name)]
public sealed class NpgsqlDriverTests(DriverServerFixture fixture) : IClassFixture<DriverServerFixture>
{
    private const string Defaults = "Pooling=false;";

    private async Task<NpgsqlConnection> OpenAsync(string extra = "SSL Mode=Disable;")
    {
        var connection = new NpgsqlConnection(fixture.Target.Npgsql(Defaults + extra));
        await connection.OpenAsync();
        return connection;
    }

    private static async Task<object?> ScalarAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }

    private static async Task<int> ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteNonQueryAsync();
    }

    [DriverFact]
    public async Task BinaryParametersAndResultsRoundTripEveryType()
    {
        await using var connection = await OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT $1::int2, $2::int4, $3::int8, $4::float8, $5::numeric, $6::text, $7::varchar, $8::bool, $9::date, " +
            "$10::timestamp, $11::timestamptz, $12::int4, $13::bpchar", connection);
        var timestamp = new DateTime(2024, 2, 29, 13, 14, 15, DateTimeKind.Unspecified).AddTicks(1_234_560);
        var instant = new DateTime(1999, 12, 31, 23, 59, 59, DateTimeKind.Utc).AddTicks(9_999_990);
        object[] values =
        [
            (short)-32768, int.MaxValue, long.MinValue, 1.5e300, 12345678901234567890.123456789m, "héllo ✓ 'quoted' \\ \"x\"",
            "varchar", true, new DateOnly(2024, 2, 29), timestamp, instant, DBNull.Value, "ab",
        ];
        NpgsqlDbType[] types =
        [
            NpgsqlDbType.Smallint, NpgsqlDbType.Integer, NpgsqlDbType.Bigint, NpgsqlDbType.Double, NpgsqlDbType.Numeric, NpgsqlDbType.Text,
            NpgsqlDbType.Varchar, NpgsqlDbType.Boolean, NpgsqlDbType.Date, NpgsqlDbType.Timestamp, NpgsqlDbType.TimestampTz,
            NpgsqlDbType.Integer, NpgsqlDbType.Char,
        ];
        for (var index = 0; index < values.Length; index++)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = values[index], NpgsqlDbType = types[index] });
        }
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal((short)-32768, reader.GetInt16(0));
        Assert.Equal(int.MaxValue, reader.GetInt32(1));
        Assert.Equal(long.MinValue, reader.GetInt64(2));
        Assert.Equal(1.5e300, reader.GetDouble(3));
        Assert.Equal(12345678901234567890.123456789m, reader.GetDecimal(4));
        Assert.Equal("héllo ✓ 'quoted' \\ \"x\"", reader.GetString(5));
        Assert.Equal("varchar", reader.GetString(6));
        Assert.True(reader.GetBoolean(7));
        Assert.Equal(new DateOnly(2024, 2, 29), reader.GetFieldValue<DateOnly>(8));
        Assert.Equal(timestamp, reader.GetDateTime(9));
        Assert.Equal(DateTimeKind.Unspecified, reader.GetDateTime(9).Kind);
        Assert.Equal(instant, reader.GetDateTime(10));
        Assert.Equal(DateTimeKind.Utc, reader.GetDateTime(10).Kind);
        Assert.True(reader.IsDBNull(11));
        Assert.Equal("ab", reader.GetString(12));
        Assert.Equal(
            ["smallint", "integer", "bigint", "double precision", "numeric", "text", "character varying", "boolean", "date",
                "timestamp without time zone", "timestamp with time zone", "integer", "character"],
            Enumerable.Range(0, reader.FieldCount).Select(reader.GetDataTypeName));
        Assert.False(await reader.ReadAsync());
    }

    /// <summary>int[] and text[] parameters (binary, with NULL elements) and array columns read back in binary, a
    /// two-dimensional array and an array's text output.</summary>
    [DriverFact]
    public async Task ArrayParametersAndColumnsRoundTrip()
    {
        await using var connection = await OpenAsync();
        await ExecuteAsync(connection, "DROP TABLE IF EXISTS npgsql_arrays");
        await ExecuteAsync(connection, "CREATE TABLE npgsql_arrays (id int PRIMARY KEY, numbers int[], words text[])");
        await using (var insert = new NpgsqlCommand("INSERT INTO npgsql_arrays VALUES ($1, $2, $3)", connection))
        {
            insert.Parameters.Add(new NpgsqlParameter { Value = 1, NpgsqlDbType = NpgsqlDbType.Integer });
            insert.Parameters.Add(new NpgsqlParameter { Value = new int?[] { 3, null, -7 }, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer });
            insert.Parameters.Add(new NpgsqlParameter { Value = new[] { "a b", "", "NULL", "q\"uote" }, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            Assert.Equal(1, await insert.ExecuteNonQueryAsync());
        }
        await using (var select = new NpgsqlCommand("SELECT numbers, words, words::text, $1 = ANY (numbers) FROM npgsql_arrays WHERE id = 1", connection))
        {
            select.Parameters.Add(new NpgsqlParameter { Value = -7, NpgsqlDbType = NpgsqlDbType.Integer });
            await using NpgsqlDataReader reader = await select.ExecuteReaderAsync();
            Assert.True(await reader.ReadAsync());
            Assert.Equal(new int?[] { 3, null, -7 }, reader.GetFieldValue<int?[]>(0));
            Assert.Equal(new[] { "a b", "", "NULL", "q\"uote" }, reader.GetFieldValue<string[]>(1));
            Assert.Equal("{\"a b\",\"\",\"NULL\",\"q\\\"uote\"}", reader.GetString(2));
            Assert.True(reader.GetBoolean(3));
        }
        Assert.Equal(new[,] { { 1, 2 }, { 3, 4 } }, (int[,])(await ScalarAsync(connection, "SELECT ARRAY[[1, 2], [3, 4]]"))!);
        await ExecuteAsync(connection, "DROP TABLE npgsql_arrays");
    }

    [DriverFact]
    public async Task NamedParametersInsertAndFindRowsOfATable()
    {
        var table = DriverTools.UniqueName("np_items");
        await using var connection = await OpenAsync();
        await ExecuteAsync(connection,
            $"CREATE TABLE {table} (id bigint PRIMARY KEY, name text NOT NULL, price numeric(10,2), qty int, ok boolean, day date, at timestamptz)");
        await using (var insert = new NpgsqlCommand(
            $"INSERT INTO {table} (id, name, price, qty, ok, day, at) VALUES (@id, @name, @price, @qty, @ok, @day, @at)", connection))
        {
            insert.Parameters.AddWithValue("id", 0L);
            insert.Parameters.AddWithValue("name", "");
            insert.Parameters.AddWithValue("price", 0m);
            insert.Parameters.Add(new NpgsqlParameter("qty", NpgsqlDbType.Integer));
            insert.Parameters.AddWithValue("ok", false);
            insert.Parameters.AddWithValue("day", new DateOnly(2000, 1, 1));
            insert.Parameters.AddWithValue("at", DateTime.UnixEpoch);
            for (var id = 1L; id <= 20; id++)
            {
                insert.Parameters["id"].Value = id;
                insert.Parameters["name"].Value = $"item {id}";
                insert.Parameters["price"].Value = id * 1.25m;
                insert.Parameters["qty"].Value = id % 3 == 0 ? DBNull.Value : (int)id;
                insert.Parameters["ok"].Value = id % 2 == 0;
                insert.Parameters["day"].Value = new DateOnly(2024, 1, 1).AddDays((int)id);
                insert.Parameters["at"].Value = DateTime.UnixEpoch.AddHours(id);
                Assert.Equal(1, await insert.ExecuteNonQueryAsync());
            }
        }
        await using var select = new NpgsqlCommand(
            $"SELECT id, name, price, qty, ok, day, at FROM {table} WHERE id >= @low AND name <> @skip ORDER BY id DESC", connection);
        select.Parameters.AddWithValue("low", 17L);
        select.Parameters.AddWithValue("skip", "item 19");
        await using var reader = await select.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
        {
            rows.Add(string.Join('|', reader.GetInt64(0), reader.GetString(1), reader.GetDecimal(2),
                reader.IsDBNull(3) ? "null" : reader.GetInt32(3).ToString(), reader.GetBoolean(4),
                reader.GetFieldValue<DateOnly>(5).ToString("yyyy-MM-dd"), reader.GetDateTime(6).ToString("O")));
        }
        Assert.Equal(
            [
                "20|item 20|25.00|20|True|2024-01-21|1970-01-01T20:00:00.0000000Z",
                "18|item 18|22.50|null|True|2024-01-19|1970-01-01T18:00:00.0000000Z",
                "17|item 17|21.25|17|False|2024-01-18|1970-01-01T17:00:00.0000000Z",
            ], rows);
    }

    [DriverFact]
    public async Task PreparedStatementRunsManyTimesWithNewParameters()
    {
        await using var connection = await OpenAsync();
        await using var command = new NpgsqlCommand("SELECT $1::int8 * 2, $2::text || '!'", connection);
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bigint, Value = 0L });
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = "" });
        await command.PrepareAsync();
        Assert.True(command.IsPrepared);
        for (var round = 1L; round <= 50; round++)
        {
            command.Parameters[0].Value = round;
            command.Parameters[1].Value = $"r{round}";
            await using var reader = await command.ExecuteReaderAsync();
            Assert.True(await reader.ReadAsync());
            Assert.Equal(round * 2, reader.GetInt64(0));
            Assert.Equal($"r{round}!", reader.GetString(1));
        }
        Assert.True(command.IsPrepared);
        await command.UnprepareAsync();
        Assert.False(command.IsPrepared);
        Assert.Equal(14L, await ScalarAsync(connection, "SELECT 7::int8 * 2"));

        await using var broken = new NpgsqlCommand("SELECT * FROM no_such_table_at_all", connection);
        var error = await Assert.ThrowsAsync<PostgresException>(() => broken.PrepareAsync());
        Assert.Equal("42P01", error.SqlState);
    }

    [DriverFact]
    public async Task AutoPreparedStatementsGiveTheSameAnswers()
    {
        await using var connection = await OpenAsync("SSL Mode=Disable;Max Auto Prepare=4;Auto Prepare Min Usages=2;");
        for (var round = 0; round < 10; round++)
        {
            await using var command = new NpgsqlCommand("SELECT $1::int4 + 1", connection);
            command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Integer, Value = round });
            Assert.Equal(round + 1, await command.ExecuteScalarAsync());
        }
    }

    [DriverFact]
    public async Task BatchAnswersEachCommandAndRollsBackWholeOnError()
    {
        var table = DriverTools.UniqueName("np_batch");
        await using var connection = await OpenAsync();
        await ExecuteAsync(connection, $"CREATE TABLE {table} (id int PRIMARY KEY, v text)");
        await using (var batch = new NpgsqlBatch(connection))
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand($"INSERT INTO {table} VALUES ($1, $2)") { Parameters = { new() { Value = 1 }, new() { Value = "one" } } });
            batch.BatchCommands.Add(new NpgsqlBatchCommand($"INSERT INTO {table} VALUES (2, 'two'), (3, 'three')"));
            batch.BatchCommands.Add(new NpgsqlBatchCommand($"SELECT id, v FROM {table} WHERE id >= $1 ORDER BY id") { Parameters = { new() { Value = 2 } } });
            batch.BatchCommands.Add(new NpgsqlBatchCommand($"UPDATE {table} SET v = upper(v)"));
            await using var reader = await batch.ExecuteReaderAsync();
            var rows = new List<string>();
            while (await reader.ReadAsync())
            {
                rows.Add($"{reader.GetInt32(0)}:{reader.GetString(1)}");
            }
            Assert.Equal(["2:two", "3:three"], rows);
            Assert.False(await reader.NextResultAsync());
            await reader.CloseAsync();
            Assert.Equal([1, 2, -1, 3], batch.BatchCommands.Cast<NpgsqlBatchCommand>().Select(command => command.RecordsAffected));
        }

        await using (var failing = new NpgsqlBatch(connection))
        {
            failing.BatchCommands.Add(new NpgsqlBatchCommand($"INSERT INTO {table} VALUES (4, 'four')"));
            failing.BatchCommands.Add(new NpgsqlBatchCommand($"INSERT INTO {table} VALUES (1, 'again')"));
            failing.BatchCommands.Add(new NpgsqlBatchCommand($"INSERT INTO {table} VALUES (5, 'five')"));
            var error = await Assert.ThrowsAsync<PostgresException>(() => failing.ExecuteNonQueryAsync());
            Assert.Equal("23505", error.SqlState);
        }
        // The batch was one implicit transaction: the row before the error is gone too.
        Assert.Equal(3L, await ScalarAsync(connection, $"SELECT count(*) FROM {table}"));
        Assert.Equal("ONE", await ScalarAsync(connection, $"SELECT v FROM {table} WHERE id = 1"));
    }

    [DriverFact]
    public async Task ErrorsCarryTheirSqlStateAndTheConnectionGoesOn()
    {
        var table = DriverTools.UniqueName("np_errors");
        await using var connection = await OpenAsync();
        await ExecuteAsync(connection, $"CREATE TABLE {table} (id int PRIMARY KEY)");
        await ExecuteAsync(connection, $"INSERT INTO {table} VALUES (1)");

        var syntax = await Assert.ThrowsAsync<PostgresException>(() => ScalarAsync(connection, "SELEC 1"));
        Assert.Equal("42601", syntax.SqlState);
        Assert.Equal(1, syntax.Position);
        var undefined = await Assert.ThrowsAsync<PostgresException>(() => ScalarAsync(connection, "SELECT * FROM no_such_table_here"));
        Assert.Equal("42P01", undefined.SqlState);
        var division = await Assert.ThrowsAsync<PostgresException>(() => ScalarAsync(connection, "SELECT 1 / 0"));
        Assert.Equal("22012", division.SqlState);
        await using (var duplicate = new NpgsqlCommand($"INSERT INTO {table} VALUES ($1)", connection))
        {
            duplicate.Parameters.Add(new NpgsqlParameter { Value = 1 });
            var unique = await Assert.ThrowsAsync<PostgresException>(() => duplicate.ExecuteNonQueryAsync());
            Assert.Equal("23505", unique.SqlState);
        }

        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await ExecuteAsync(connection, $"INSERT INTO {table} VALUES (2)");
            await Assert.ThrowsAsync<PostgresException>(() => ScalarAsync(connection, "SELECT 1 / 0"));
            var aborted = await Assert.ThrowsAsync<PostgresException>(() => ScalarAsync(connection, "SELECT 1"));
            Assert.Equal("25P02", aborted.SqlState);
            await transaction.RollbackAsync();
        }
        Assert.Equal(1L, await ScalarAsync(connection, $"SELECT count(*) FROM {table}"));
    }

    [DriverFact]
    public async Task ConcurrentWriteOfTheSameRowFailsWith40001()
    {
        var table = DriverTools.UniqueName("np_conflict");
        await using var first = await OpenAsync();
        await using var second = await OpenAsync();
        await ExecuteAsync(first, $"CREATE TABLE {table} (id int PRIMARY KEY, v int)");
        await ExecuteAsync(first, $"INSERT INTO {table} VALUES (1, 0)");

        await using var transaction = await first.BeginTransactionAsync(IsolationLevel.RepeatableRead);
        Assert.Equal(0, await ScalarAsync(first, $"SELECT v FROM {table} WHERE id = 1"));
        Assert.Equal(1, await ExecuteAsync(second, $"UPDATE {table} SET v = 2 WHERE id = 1"));
        // PostgreSQL refuses at the UPDATE, Log (optimistic, as DSQL) at COMMIT: either way 40001.
        PostgresException? conflict = null;
        try
        {
            await ExecuteAsync(first, $"UPDATE {table} SET v = 1 WHERE id = 1");
        }
        catch (PostgresException error)
        {
            conflict = error;
            await transaction.RollbackAsync();
        }
        conflict ??= await Assert.ThrowsAsync<PostgresException>(() => transaction.CommitAsync());
        Assert.Equal("40001", conflict.SqlState);
        Assert.Equal(2, await ScalarAsync(second, $"SELECT v FROM {table} WHERE id = 1"));
        Assert.Equal(2, await ScalarAsync(first, $"SELECT v FROM {table} WHERE id = 1"));
    }

    [DriverFact]
    public async Task CancelRequestCancelsOnlyTheRunningStatement()
    {
        await using var victim = await OpenAsync();
        await using var bystander = await OpenAsync();
        await using var sleeping = new NpgsqlCommand("SELECT pg_sleep(30)", victim);
        await using var bystanderCommand = new NpgsqlCommand("SELECT 'bystander', pg_sleep(1.5)", bystander);

        var clock = Stopwatch.StartNew();
        var running = sleeping.ExecuteNonQueryAsync();
        var bystanderRunning = bystanderCommand.ExecuteScalarAsync();
        await Task.Delay(500);
        Assert.False(running.IsCompleted, "pg_sleep(30) finished before it was cancelled");
        // A CancelRequest on a new connection, with this one's key. Cancel() blocks: off the test's thread.
        await Task.Run(sleeping.Cancel);

        // Npgsql reports a cancel it asked for as OperationCanceledException around the server's error.
        var cancelled = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
        var error = Assert.IsType<PostgresException>(cancelled.InnerException);
        Assert.Equal("57014", error.SqlState);
        Assert.Equal("canceling statement due to user request", error.MessageText);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"cancel took {clock.Elapsed}");
        Assert.Equal("bystander", await bystanderRunning);
        Assert.Equal(ConnectionState.Open, victim.State);
        Assert.Equal(7, await ScalarAsync(victim, "SELECT 7"));

        // The token way: Npgsql sends the CancelRequest when the token fires.
        using var token = new CancellationTokenSource(TimeSpan.FromMilliseconds(400));
        await using var again = new NpgsqlCommand("SELECT pg_sleep(30)", victim);
        var operation = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => again.ExecuteNonQueryAsync(token.Token));
        Assert.Equal("57014", Assert.IsType<PostgresException>(operation.InnerException).SqlState);
        Assert.Equal(8, await ScalarAsync(victim, "SELECT 8"));
    }

    [DriverFact]
    public async Task StatementTimeoutCancelsTheExtendedProtocolToo()
    {
        // The timeout also covers Npgsql's type-loading query at open: a connection opened first has the server run it
        // once (a cold first run on a loaded machine can take most of a second), so the timed one opens in time.
        await (await OpenAsync()).DisposeAsync();
        await using var connection = await OpenAsync("SSL Mode=Disable;Options=-c statement_timeout=1000;");
        Assert.Equal("1s", await ScalarAsync(connection, "SHOW statement_timeout"));
        await using var command = new NpgsqlCommand("SELECT pg_sleep($1)", connection);
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Double, Value = 5.0 });
        var clock = Stopwatch.StartNew();
        var timeout = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync());
        Assert.Equal("57014", timeout.SqlState);
        Assert.Equal("canceling statement due to statement timeout", timeout.MessageText);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(4), $"took {clock.Elapsed}");
        await ExecuteAsync(connection, "SET statement_timeout = 0");
        command.Parameters[0].Value = 0.4;
        await command.ExecuteNonQueryAsync();
    }

    [DriverFact]
    public async Task ParameterStatusReachesTheDriverWhenAReportedSettingChanges()
    {
        await using var connection = await OpenAsync("SSL Mode=Disable;Application Name=npgsql-probe;Timezone=Asia/Tokyo;");
        Assert.Equal("npgsql-probe", connection.PostgresParameters["application_name"]);
        Assert.Equal("Asia/Tokyo", connection.PostgresParameters["TimeZone"]);
        Assert.Equal("npgsql-probe", await ScalarAsync(connection, "SHOW application_name"));
        Assert.Equal("on", connection.PostgresParameters["standard_conforming_strings"]);
        Assert.Equal("UTF8", connection.PostgresParameters["client_encoding"]);
        Assert.Equal("UTF8", connection.PostgresParameters["server_encoding"]);
        Assert.Equal("on", connection.PostgresParameters["integer_datetimes"]);

        await ExecuteAsync(connection, "SET application_name = 'renamed'");
        Assert.Equal("renamed", connection.PostgresParameters["application_name"]);
        await ExecuteAsync(connection, "SET TimeZone = 'Europe/Paris'");
        Assert.Equal("Europe/Paris", connection.PostgresParameters["TimeZone"]);
        await ExecuteAsync(connection, "SET DateStyle = 'ISO, DMY'");
        Assert.Equal("ISO, DMY", connection.PostgresParameters["DateStyle"]);
        await ExecuteAsync(connection, "SET IntervalStyle = 'iso_8601'");
        Assert.Equal("iso_8601", connection.PostgresParameters["IntervalStyle"]);

        await ExecuteAsync(connection, "RESET application_name");
        Assert.Equal("npgsql-probe", connection.PostgresParameters["application_name"]);
        await ExecuteAsync(connection, "RESET ALL");
        Assert.Equal("Asia/Tokyo", connection.PostgresParameters["TimeZone"]);
        Assert.Equal("postgres", connection.PostgresParameters["IntervalStyle"]);

        // A SET inside a transaction that rolls back is undone, and the driver is told so.
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await ExecuteAsync(connection, "SET application_name = 'rolled back'");
            Assert.Equal("rolled back", connection.PostgresParameters["application_name"]);
            await transaction.RollbackAsync();
        }
        Assert.Equal("npgsql-probe", connection.PostgresParameters["application_name"]);
        Assert.Equal("npgsql-probe", await ScalarAsync(connection, "SHOW application_name"));
    }

    [DriverFact]
    public async Task TimeZoneSettingDecidesTextOutputOfTimestampWithTimeZone()
    {
        await using var connection = await OpenAsync("SSL Mode=Disable;Timezone=Asia/Tokyo;");
        Assert.Equal("2024-07-01 21:00:00+09", await ScalarAsync(connection, "SELECT '2024-07-01 12:00:00+00'::timestamptz::text"));
        // Binary results are instants whatever the session's zone.
        Assert.Equal(new DateTime(2024, 7, 1, 12, 0, 0, DateTimeKind.Utc), await ScalarAsync(connection, "SELECT '2024-07-01 12:00:00+00'::timestamptz"));
    }

    [DriverFact]
    public async Task CopyTextAndCsvThroughTheDriver()
    {
        var table = DriverTools.UniqueName("np_copy");
        await using var connection = await OpenAsync();
        await ExecuteAsync(connection, $"CREATE TABLE {table} (id int PRIMARY KEY, name text, amount numeric)");
        await using (var writer = await connection.BeginTextImportAsync($"COPY {table} FROM STDIN"))
        {
            await writer.WriteAsync("1\tone\t1.5\n2\t\\N\t-2\n");
            await writer.WriteAsync("3\tthree, \"quoted\"\t0\n");
        }
        await using (var writer = await connection.BeginTextImportAsync($"COPY {table} (id, name) FROM STDIN WITH (FORMAT csv)"))
        {
            await writer.WriteAsync("4,\"four, with comma\"\n5,\n");
        }
        Assert.Equal(5L, await ScalarAsync(connection, $"SELECT count(*) FROM {table}"));
        using (var reader = await connection.BeginTextExportAsync($"COPY {table} TO STDOUT WITH (FORMAT csv, HEADER)"))
        {
            Assert.Equal(
                "id,name,amount\n1,one,1.5\n2,,-2\n3,\"three, \"\"quoted\"\"\",0\n4,\"four, with comma\",\n5,,\n",
                await reader.ReadToEndAsync());
        }
        using (var reader = await connection.BeginTextExportAsync($"COPY {table} TO STDOUT"))
        {
            Assert.Equal("1\tone\t1.5\n2\t\\N\t-2\n3\tthree, \"quoted\"\t0\n4\tfour, with comma\t\\N\n5\t\\N\t\\N\n",
                await reader.ReadToEndAsync());
        }
        Assert.Equal(6, await ScalarAsync(connection, "SELECT 6"));
    }

    [DriverFact]
    public async Task TlsWithSslModeRequire()
    {
        var (certificate, protocols) = await ConnectOverTlsAsync(SslNegotiation.Postgres);
        Assert.NotNull(certificate);
        Assert.NotNull(protocols);
    }

    [DriverFact]
    public async Task TlsWithDirectSslNegotiation()
    {
        // PostgreSQL 17's direct SSL: the ClientHello first, ALPN "postgresql" (Npgsql sends it).
        var (certificate, protocols) = await ConnectOverTlsAsync(SslNegotiation.Direct);
        Assert.NotNull(certificate);
        Assert.Contains(protocols!, protocol => protocol.ToString() == "postgresql");
    }

    private async Task<(X509Certificate? Certificate, List<System.Net.Security.SslApplicationProtocol>? Protocols)> ConnectOverTlsAsync(
        SslNegotiation negotiation)
    {
        var builder = new NpgsqlConnectionStringBuilder(fixture.Target.Npgsql(Defaults))
        {
            SslMode = SslMode.Require,
            SslNegotiation = negotiation,
        };
        X509Certificate? serverCertificate = null;
        List<System.Net.Security.SslApplicationProtocol>? protocols = null;
        var source = new NpgsqlDataSourceBuilder(builder.ConnectionString)
            .UseSslClientAuthenticationOptionsCallback(options =>
            {
                protocols = options.ApplicationProtocols;
                options.RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                {
                    serverCertificate = certificate;
                    return true; // self-signed
                };
            })
            .Build();
        await using (source)
        {
            await using var connection = await source.OpenConnectionAsync();
            Assert.Equal(42, await ScalarAsync(connection, "SELECT 40 + 2"));
            await using var command = new NpgsqlCommand("SELECT $1::text", connection);
            command.Parameters.Add(new NpgsqlParameter { Value = new string('x', 100_000) });
            Assert.Equal(100_000, ((string)(await command.ExecuteScalarAsync())!).Length);
        }
        return (serverCertificate, protocols);
    }
}
