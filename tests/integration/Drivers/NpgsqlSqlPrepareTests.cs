using Npgsql;

namespace Log.Integration.Tests.Drivers;

/// <summary>SQL PREPARE / EXECUTE / DEALLOCATE through Npgsql, which sends every command over the extended protocol:
/// EXECUTE's rows described at Parse, statements prepared through the protocol listed in pg_prepared_statements with
/// from_sql false, one namespace for both kinds, and DISCARD ALL dropping them. Runs against PostgreSQL too
/// (LOG_DRIVERS_AGAINST_POSTGRESQL=1), which is where these expectations come from.</summary>
[Collection(DriverCollection.Name)]
public sealed class NpgsqlSqlPrepareTests(DriverServerFixture fixture) : IClassFixture<DriverServerFixture>
{
    private const string Defaults = "Pooling=false;SSL Mode=Disable;Timezone=UTC;Include Error Detail=true;";

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<List<object?[]>> RowsAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync();
        var rows = new List<object?[]>();
        while (await reader.ReadAsync())
        {
            var row = new object?[reader.FieldCount];
            for (int index = 0; index < row.Length; index++) row[index] = reader.IsDBNull(index) ? null : reader.GetValue(index);
            rows.Add(row);
        }
        return rows;
    }

    [DriverFact]
    public async Task SqlPreparedStatementsRunOverTheExtendedProtocol()
    {
        await using var connection = new NpgsqlConnection(fixture.Target.Npgsql(Defaults));
        await connection.OpenAsync();
        await ExecuteAsync(connection, "PREPARE sql_prep_add (int, int) AS SELECT $1 + $2 AS total, 'x' || $1 AS label");

        await using (var command = new NpgsqlCommand("EXECUTE sql_prep_add(2, 40)", connection))
        await using (NpgsqlDataReader reader = await command.ExecuteReaderAsync())
        {
            Assert.Equal("total", reader.GetName(0));
            Assert.Equal("label", reader.GetName(1));
            Assert.True(await reader.ReadAsync());
            Assert.Equal(42, reader.GetInt32(0));
            Assert.Equal("x2", reader.GetString(1));
            Assert.False(await reader.ReadAsync());
        }

        var wrongCount = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(connection, "EXECUTE sql_prep_add(1)"));
        Assert.Equal("42601", wrongCount.SqlState);
        Assert.Equal("Expected 2 parameters but got 1.", wrongCount.Detail);
        var duplicate = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(connection, "PREPARE sql_prep_add AS SELECT 1"));
        Assert.Equal("42P05", duplicate.SqlState);

        // A statement prepared through the protocol is listed too, as not from SQL.
        await using var prepared = new NpgsqlCommand("SELECT $1::int * 2", connection);
        prepared.Parameters.Add(new NpgsqlParameter { Value = 21, DataTypeName = "integer" });
        await prepared.PrepareAsync();
        Assert.Equal(42, (int)(await prepared.ExecuteScalarAsync())!);
        List<object?[]> listed = await RowsAsync(connection,
            "SELECT statement, parameter_types::text, from_sql FROM pg_prepared_statements ORDER BY from_sql, name");
        Assert.Equal(2, listed.Count);
        Assert.Equal(["SELECT $1::int * 2", "{integer}", false], listed[0]);
        Assert.Equal(["PREPARE sql_prep_add (int, int) AS SELECT $1 + $2 AS total, 'x' || $1 AS label", "{integer,integer}", true], listed[1]);

        await ExecuteAsync(connection, "DEALLOCATE sql_prep_add");
        var gone = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(connection, "EXECUTE sql_prep_add(1, 2)"));
        Assert.Equal("26000", gone.SqlState);

        // DISCARD ALL drops the protocol's named statements as well (Npgsql prepares again when it is told).
        await ExecuteAsync(connection, "PREPARE sql_prep_again AS SELECT 1");
        await ExecuteAsync(connection, "DISCARD ALL");
        Assert.Empty(await RowsAsync(connection, "SELECT name FROM pg_prepared_statements"));
    }
}
