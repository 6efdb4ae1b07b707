using Npgsql;
using NpgsqlTypes;

namespace Log.Integration.Tests.Drivers;

/// <summary>time with time zone through Npgsql in binary (timetz_send / timetz_recv: the time, then the zone in
/// seconds west of UTC): DateTimeOffset parameters and results, and a timetz column keyed and compared in
/// PostgreSQL's order.</summary>
[Collection(DriverCollection.Name)]
public sealed class NpgsqlTimeTzTests(DriverServerFixture fixture) : IClassFixture<DriverServerFixture>
{
    private const string Defaults = "Pooling=false;SSL Mode=Disable;";

    private async Task<NpgsqlConnection> OpenAsync()
    {
        var connection = new NpgsqlConnection(fixture.Target.Npgsql(Defaults));
        await connection.OpenAsync();
        return connection;
    }

    private static DateTimeOffset TimeTz(int hours, int minutes, int seconds, TimeSpan offset) =>
        new(1, 1, 2, hours, minutes, seconds, offset);

    [DriverFact]
    public async Task TimeTzParametersAndResultsRoundTripInBinary()
    {
        await using NpgsqlConnection connection = await OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT $1::timetz, $1::timetz::text, $1::timetz + interval '90 minutes', '23:15:00-05:30'::timetz, $1::timetz AT TIME ZONE 'UTC', extract(timezone from $1::timetz)",
            connection);
        command.Parameters.Add(new NpgsqlParameter { Value = TimeTz(10, 20, 30, TimeSpan.FromHours(3)), NpgsqlDbType = NpgsqlDbType.TimeTz });
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        DateTimeOffset echoed = reader.GetFieldValue<DateTimeOffset>(0);
        Assert.Equal((new TimeSpan(10, 20, 30), TimeSpan.FromHours(3)), (echoed.TimeOfDay, echoed.Offset));
        Assert.Equal("10:20:30+03", reader.GetString(1));
        DateTimeOffset later = reader.GetFieldValue<DateTimeOffset>(2);
        Assert.Equal((new TimeSpan(11, 50, 30), TimeSpan.FromHours(3)), (later.TimeOfDay, later.Offset));
        DateTimeOffset west = reader.GetFieldValue<DateTimeOffset>(3);
        Assert.Equal((new TimeSpan(23, 15, 0), new TimeSpan(-5, -30, 0)), (west.TimeOfDay, west.Offset));
        DateTimeOffset utc = reader.GetFieldValue<DateTimeOffset>(4);
        Assert.Equal((new TimeSpan(7, 20, 30), TimeSpan.Zero), (utc.TimeOfDay, utc.Offset));
        Assert.Equal(10_800m, reader.GetDecimal(5));
    }

    [DriverFact]
    public async Task TimeTzColumnKeepsTheOffsetAndOrdersByUtcThenZone()
    {
        await using NpgsqlConnection connection = await OpenAsync();
        string table = "npgsql_timetz_" + Guid.NewGuid().ToString("N")[..8];
        await using (var create = new NpgsqlCommand($"CREATE TABLE {table} (k timetz PRIMARY KEY, note text)", connection))
        {
            await create.ExecuteNonQueryAsync();
        }
        try
        {
            await using (var insert = new NpgsqlCommand($"INSERT INTO {table} VALUES ($1, $2)", connection))
            {
                insert.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.TimeTz, Value = TimeTz(0, 0, 0, TimeSpan.Zero) });
                insert.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = "" });
                await insert.PrepareAsync();
                foreach ((DateTimeOffset key, string note) in new[]
                {
                    (TimeTz(10, 0, 0, TimeSpan.FromHours(3)), "07:00 UTC, east"),
                    (TimeTz(7, 0, 0, TimeSpan.Zero), "07:00 UTC"),
                    (TimeTz(6, 0, 0, TimeSpan.FromHours(-1)), "07:00 UTC, west"),
                    (TimeTz(23, 0, 0, TimeSpan.FromHours(-5)), "04:00 UTC next day"),
                })
                {
                    insert.Parameters[0].Value = key;
                    insert.Parameters[1].Value = note;
                    await insert.ExecuteNonQueryAsync();
                }
            }
            await using var select = new NpgsqlCommand($"SELECT k, note FROM {table} WHERE k > $1 ORDER BY k", connection);
            select.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.TimeTz, Value = TimeTz(10, 0, 0, TimeSpan.FromHours(3)) });
            await using NpgsqlDataReader reader = await select.ExecuteReaderAsync();
            var rows = new List<(TimeSpan, TimeSpan, string)>();
            while (await reader.ReadAsync())
            {
                DateTimeOffset key = reader.GetFieldValue<DateTimeOffset>(0);
                rows.Add((key.TimeOfDay, key.Offset, reader.GetString(1)));
            }
            // 07:00+00 and 06:00-01 are the instant 10:00+03 is, and sort after it, the western zone last.
            Assert.Equal(
                [
                    (new TimeSpan(7, 0, 0), TimeSpan.Zero, "07:00 UTC"),
                    (new TimeSpan(6, 0, 0), TimeSpan.FromHours(-1), "07:00 UTC, west"),
                    (new TimeSpan(23, 0, 0), TimeSpan.FromHours(-5), "04:00 UTC next day"),
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
