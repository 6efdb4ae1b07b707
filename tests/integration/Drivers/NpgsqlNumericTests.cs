using System.Numerics;
using Npgsql;
using NpgsqlTypes;

namespace Log.Integration.Tests.Drivers;

/// <summary>
/// numeric through Npgsql in the binary format: values beyond System.Decimal's 28 digits as BigInteger, the display
/// scale kept (1.50 stays 1.50), NaN and the infinities, and a numeric primary key of any precision.
/// </summary>
[Collection(DriverCollection.Name)]
public sealed class NpgsqlNumericTests(DriverServerFixture fixture) : IClassFixture<DriverServerFixture>
{
    private async Task<NpgsqlConnection> OpenAsync()
    {
        var connection = new NpgsqlConnection(fixture.Target.Npgsql("Pooling=false;SSL Mode=Disable;"));
        await connection.OpenAsync();
        return connection;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    [DriverFact]
    public async Task NumericBeyondDecimalRoundTripsInBinary()
    {
        await using NpgsqlConnection connection = await OpenAsync();
        await ExecuteAsync(connection, "DROP TABLE IF EXISTS npgsql_numeric");
        await ExecuteAsync(connection, "CREATE TABLE npgsql_numeric (k numeric PRIMARY KEY, n numeric)");
        try
        {
            BigInteger huge = BigInteger.Pow(10, 60) + 7; // 61 digits
            BigInteger hugeKey = -BigInteger.Pow(3, 200);
            await using (var insert = new NpgsqlCommand("INSERT INTO npgsql_numeric VALUES ($1, $2), ($3, $4), (2, 'NaN'), (3, '-Infinity')", connection))
            {
                insert.Parameters.Add(new NpgsqlParameter { Value = hugeKey, NpgsqlDbType = NpgsqlDbType.Numeric });
                insert.Parameters.Add(new NpgsqlParameter { Value = huge, NpgsqlDbType = NpgsqlDbType.Numeric });
                insert.Parameters.Add(new NpgsqlParameter { Value = 1.50m, NpgsqlDbType = NpgsqlDbType.Numeric });
                insert.Parameters.Add(new NpgsqlParameter { Value = 0.000000000000000000000000001m, NpgsqlDbType = NpgsqlDbType.Numeric });
                await insert.ExecuteNonQueryAsync();
            }

            await using var select = new NpgsqlCommand("SELECT k, n, n::text, n * 2 FROM npgsql_numeric WHERE k = $1", connection);
            select.Parameters.Add(new NpgsqlParameter { Value = hugeKey, NpgsqlDbType = NpgsqlDbType.Numeric });
            await using (NpgsqlDataReader reader = await select.ExecuteReaderAsync())
            {
                Assert.True(await reader.ReadAsync());
                Assert.Equal(hugeKey, reader.GetFieldValue<BigInteger>(0));
                Assert.Equal(huge, reader.GetFieldValue<BigInteger>(1));
                Assert.Equal(huge.ToString(), reader.GetString(2));
                Assert.Equal(huge * 2, reader.GetFieldValue<BigInteger>(3));
                Assert.False(await reader.ReadAsync());
            }

            // The scale a decimal parameter carried comes back; NaN arrives in numeric's binary form, which Npgsql can
            // only refuse to put in a decimal or a double, so clients read it as text.
            await using var rest = new NpgsqlCommand("SELECT k, n, n::text FROM npgsql_numeric WHERE k > -1 ORDER BY k", connection);
            await using (NpgsqlDataReader reader = await rest.ExecuteReaderAsync())
            {
                Assert.True(await reader.ReadAsync());
                Assert.Equal("1.50", reader.GetDecimal(0).ToString(System.Globalization.CultureInfo.InvariantCulture));
                Assert.Equal(0.000000000000000000000000001m, reader.GetDecimal(1));
                Assert.Equal("0.000000000000000000000000001", reader.GetString(2));
                Assert.True(await reader.ReadAsync());
                Assert.Equal(2m, reader.GetDecimal(0));
                Assert.Contains("NaN", Assert.Throws<InvalidCastException>(() => reader.GetDecimal(1)).Message);
                Assert.Equal("NaN", reader.GetString(2));
                Assert.True(await reader.ReadAsync());
                Assert.Equal(3m, reader.GetDecimal(0));
                Assert.Equal("-Infinity", reader.GetString(2));
                Assert.False(await reader.ReadAsync());
            }

            // 1/3 at PostgreSQL's division scale (20 digits) reads back exactly as a decimal.
            await using var divide = new NpgsqlCommand("SELECT $1::numeric / 3", connection);
            divide.Parameters.Add(new NpgsqlParameter { Value = 1m, NpgsqlDbType = NpgsqlDbType.Numeric });
            Assert.Equal(0.33333333333333333333m, await divide.ExecuteScalarAsync());
        }
        finally
        {
            await ExecuteAsync(connection, "DROP TABLE npgsql_numeric");
        }
    }
}
