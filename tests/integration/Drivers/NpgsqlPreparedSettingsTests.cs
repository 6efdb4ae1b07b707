using Npgsql;

namespace Log.Integration.Tests.Drivers;

/// <summary>A prepared statement across SET TimeZone, as PostgreSQL 15 runs it: a literal read as timestamptz keeps the
/// zone of the Parse that read it (parse analysis made it a constant), while a cast from timestamp or date to
/// timestamptz and a parameter take the zone of each execution. Runs against PostgreSQL too
/// (LOG_DRIVERS_AGAINST_POSTGRESQL=1), which is where these expectations come from.</summary>
[Collection(DriverCollection.Name)]
public sealed class NpgsqlPreparedSettingsTests(DriverServerFixture fixture) : IClassFixture<DriverServerFixture>
{
    private const string Defaults = "Pooling=false;SSL Mode=Disable;Timezone=UTC;";

    /// <summary>2024-01-01 00:00 in UTC and in Asia/Tokyo (+09), as Unix seconds.</summary>
    private const decimal MidnightUtc = 1_704_067_200m;
    private const decimal MidnightTokyo = 1_704_034_800m;

    private static async Task SetTimeZoneAsync(NpgsqlConnection connection, string zone)
    {
        await using var set = new NpgsqlCommand($"SET TimeZone = '{zone}'", connection);
        await set.ExecuteNonQueryAsync();
    }

    private static async Task<decimal[]> RunAsync(NpgsqlCommand command)
    {
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        var values = new decimal[reader.FieldCount];
        for (int index = 0; index < values.Length; index++) values[index] = reader.GetDecimal(index);
        return values;
    }

    [DriverFact]
    public async Task PreparedStatementKeepsItsLiteralsAndReevaluatesZoneDependentCasts()
    {
        await using var connection = new NpgsqlConnection(fixture.Target.Npgsql(Defaults));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT extract(epoch FROM '2024-01-01'::timestamptz), extract(epoch FROM '2024-01-01'::timestamp::timestamptz), "
            + "extract(epoch FROM date '2024-01-01'::timestamptz), extract(epoch FROM $1::timestamp::timestamptz)",
            connection);
        command.Parameters.Add(new NpgsqlParameter { Value = "2024-01-01", DataTypeName = "text" });
        await command.PrepareAsync();
        Assert.Equal([MidnightUtc, MidnightUtc, MidnightUtc, MidnightUtc], await RunAsync(command));

        await SetTimeZoneAsync(connection, "Asia/Tokyo");
        decimal[] inTokyo = await RunAsync(command);
        Assert.Equal([MidnightUtc, MidnightTokyo, MidnightTokyo, MidnightTokyo], inTokyo);

        // Prepared again in the new zone, the literal is read in it.
        await using var again = new NpgsqlCommand("SELECT extract(epoch FROM '2024-01-01'::timestamptz)", connection);
        await again.PrepareAsync();
        Assert.Equal([MidnightTokyo], await RunAsync(again));
        await SetTimeZoneAsync(connection, "UTC");
        Assert.Equal([MidnightTokyo], await RunAsync(again));
        Assert.Equal(MidnightUtc, (await RunAsync(command))[1]);
    }
}
