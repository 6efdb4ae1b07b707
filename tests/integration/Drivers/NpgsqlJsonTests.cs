using Npgsql;
using NpgsqlTypes;

namespace Log.Integration.Tests.Drivers;

/// <summary>
/// json and jsonb through Npgsql: a jsonb and a json parameter sent in binary (jsonb's has PostgreSQL's version byte
/// 1 first), and both types read back in binary (Npgsql's default) and in text. The answers are PostgreSQL's (run
/// with LOG_DRIVERS_AGAINST_POSTGRESQL=1 to check them there): jsonb normalised, json as written.
/// </summary>
[Collection(DriverCollection.Name)]
public sealed class NpgsqlJsonTests(DriverServerFixture fixture) : IClassFixture<DriverServerFixture>
{
    private const string Defaults = "Pooling=false;SSL Mode=Disable;";

    private const string Written = "{\"b\": 1,  \"a\": [1, 2.50], \"b\": \"x\"}";

    private const string Normalised = "{\"a\": [1, 2.50], \"b\": \"x\"}";

    private async Task<NpgsqlConnection> OpenAsync()
    {
        var connection = new NpgsqlConnection(fixture.Target.Npgsql(Defaults));
        await connection.OpenAsync();
        return connection;
    }

    [DriverFact]
    public async Task JsonbAndJsonParametersAndColumnsInBinaryAndText()
    {
        await using NpgsqlConnection connection = await OpenAsync();
        await using (var drop = new NpgsqlCommand("DROP TABLE IF EXISTS npgsql_json", connection)) await drop.ExecuteNonQueryAsync();
        await using (var create = new NpgsqlCommand("CREATE TABLE npgsql_json (id int PRIMARY KEY, doc jsonb, raw json)", connection))
        {
            await create.ExecuteNonQueryAsync();
        }
        try
        {
            await using (var insert = new NpgsqlCommand("INSERT INTO npgsql_json VALUES (1, $1, $2)", connection))
            {
                insert.Parameters.Add(new NpgsqlParameter { Value = Written, NpgsqlDbType = NpgsqlDbType.Jsonb });
                insert.Parameters.Add(new NpgsqlParameter { Value = Written, NpgsqlDbType = NpgsqlDbType.Json });
                Assert.Equal(1, await insert.ExecuteNonQueryAsync());
            }

            // Binary results (Npgsql asks for binary wherever it can read it).
            await using (var select = new NpgsqlCommand("SELECT doc, raw, doc -> 'a', doc ->> 'b', $1::jsonb @> doc FROM npgsql_json WHERE id = 1", connection))
            {
                select.Parameters.Add(new NpgsqlParameter { Value = "{\"a\": [2.5, 1, 3], \"b\": \"x\"}", NpgsqlDbType = NpgsqlDbType.Jsonb });
                await using NpgsqlDataReader reader = await select.ExecuteReaderAsync();
                Assert.True(await reader.ReadAsync());
                Assert.Equal("jsonb", reader.GetDataTypeName(0));
                Assert.Equal("json", reader.GetDataTypeName(1));
                Assert.Equal(Normalised, reader.GetString(0));
                Assert.Equal(Written, reader.GetString(1));
                Assert.Equal("[1, 2.50]", reader.GetString(2));
                Assert.Equal("x", reader.GetString(3));
                Assert.True(reader.GetBoolean(4));
                Assert.False(await reader.ReadAsync());
            }

            // Text results: every column comes back in the text format.
            await using (var text = new NpgsqlCommand("SELECT doc, raw FROM npgsql_json WHERE doc @> $1", connection) { AllResultTypesAreUnknown = true })
            {
                text.Parameters.Add(new NpgsqlParameter { Value = "{\"b\": \"x\"}", NpgsqlDbType = NpgsqlDbType.Jsonb });
                await using NpgsqlDataReader reader = await text.ExecuteReaderAsync();
                Assert.True(await reader.ReadAsync());
                Assert.Equal(Normalised, reader.GetString(0));
                Assert.Equal(Written, reader.GetString(1));
            }

            // Invalid JSON in a parameter is 22P02, as PostgreSQL's jsonb_recv reports it.
            await using (var bad = new NpgsqlCommand("SELECT $1::jsonb", connection))
            {
                bad.Parameters.Add(new NpgsqlParameter { Value = "{\"a\": }", NpgsqlDbType = NpgsqlDbType.Jsonb });
                PostgresException error = await Assert.ThrowsAsync<PostgresException>(() => bad.ExecuteScalarAsync());
                Assert.Equal("22P02", error.SqlState);
            }
        }
        finally
        {
            await using var cleanup = new NpgsqlCommand("DROP TABLE IF EXISTS npgsql_json", connection);
            await cleanup.ExecuteNonQueryAsync();
        }
    }
}
