using Npgsql;
using NpgsqlTypes;

namespace Log.Integration.Tests.Drivers;

/// <summary>interval and time through Npgsql in binary: parameters (TimeSpan, NpgsqlInterval, TimeOnly), results,
/// and columns of a table written and read back with parameters.</summary>
[Collection(DriverCollection.Name)]
public sealed class NpgsqlIntervalTimeTests(DriverServerFixture fixture) : IClassFixture<DriverServerFixture>
{
    private const string Defaults = "Pooling=false;SSL Mode=Disable;";

    private async Task<NpgsqlConnection> OpenAsync()
    {
        var connection = new NpgsqlConnection(fixture.Target.Npgsql(Defaults));
        await connection.OpenAsync();
        return connection;
    }

    [DriverFact]
    public async Task IntervalAndTimeParametersAndResultsRoundTripInBinary()
    {
        await using NpgsqlConnection connection = await OpenAsync();
        await using var command = new NpgsqlCommand("SELECT $1::interval, $2::interval, $3::time, $2 + interval '1 mon', $3 + interval '90 minutes', $1 * 2", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = new TimeSpan(1, 2, 3, 4, 500), NpgsqlDbType = NpgsqlDbType.Interval });
        command.Parameters.Add(new NpgsqlParameter { Value = new NpgsqlInterval(14, -3, 3_600_000_000), NpgsqlDbType = NpgsqlDbType.Interval });
        command.Parameters.Add(new NpgsqlParameter { Value = new TimeOnly(23, 0, 1, 250), NpgsqlDbType = NpgsqlDbType.Time });
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(new TimeSpan(1, 2, 3, 4, 500), reader.GetFieldValue<TimeSpan>(0));
        Assert.Equal(new NpgsqlInterval(14, -3, 3_600_000_000), reader.GetFieldValue<NpgsqlInterval>(1));
        Assert.Equal(new TimeOnly(23, 0, 1, 250), reader.GetFieldValue<TimeOnly>(2));
        Assert.Equal(new NpgsqlInterval(15, -3, 3_600_000_000), reader.GetFieldValue<NpgsqlInterval>(3));
        Assert.Equal(new TimeOnly(0, 30, 1, 250), reader.GetFieldValue<TimeOnly>(4));
        Assert.Equal(new NpgsqlInterval(0, 2, (4 * 3600 + 6 * 60 + 9) * 1_000_000L), reader.GetFieldValue<NpgsqlInterval>(5));
    }

    [DriverFact]
    public async Task IntervalAndTimeColumnsStoreWhatParametersSent()
    {
        await using NpgsqlConnection connection = await OpenAsync();
        string table = "npgsql_iv_" + Guid.NewGuid().ToString("N")[..8];
        await using (var create = new NpgsqlCommand($"CREATE TABLE {table} (id int PRIMARY KEY, iv interval, t time)", connection))
        {
            await create.ExecuteNonQueryAsync();
        }
        try
        {
            await using (var insert = new NpgsqlCommand($"INSERT INTO {table} VALUES ($1, $2, $3)", connection))
            {
                insert.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Integer, Value = 0 });
                insert.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Interval, Value = new NpgsqlInterval(0, 0, 0) });
                insert.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Time, Value = TimeOnly.MinValue });
                await insert.PrepareAsync();
                for (int id = 1; id <= 3; id++)
                {
                    insert.Parameters[0].Value = id;
                    insert.Parameters[1].Value = new NpgsqlInterval(id, id * 10, id * 1_000_000L);
                    insert.Parameters[2].Value = new TimeOnly(id, id, id);
                    await insert.ExecuteNonQueryAsync();
                }
            }
            await using var select = new NpgsqlCommand($"SELECT id, iv, t, iv::text AS iv_text, t::text AS t_text FROM {table} WHERE iv > $1 ORDER BY iv DESC", connection);
            select.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Interval, Value = new NpgsqlInterval(1, 10, 1_000_000) });
            await using NpgsqlDataReader reader = await select.ExecuteReaderAsync();
            var rows = new List<(int, NpgsqlInterval, TimeOnly, string, string)>();
            while (await reader.ReadAsync())
            {
                rows.Add((reader.GetInt32(0), reader.GetFieldValue<NpgsqlInterval>(1), reader.GetFieldValue<TimeOnly>(2), reader.GetString(3), reader.GetString(4)));
            }
            Assert.Equal(
                [
                    (3, new NpgsqlInterval(3, 30, 3_000_000), new TimeOnly(3, 3, 3), "3 mons 30 days 00:00:03", "03:03:03"),
                    (2, new NpgsqlInterval(2, 20, 2_000_000), new TimeOnly(2, 2, 2), "2 mons 20 days 00:00:02", "02:02:02"),
                ],
                rows);
        }
        finally
        {
            await using var drop = new NpgsqlCommand($"DROP TABLE {table}", connection);
            await drop.ExecuteNonQueryAsync();
        }
    }
}
