using Npgsql;

namespace Log.Integration.Tests.Drivers;

/// <summary>
/// Records and set-returning functions through Npgsql: an anonymous record (ROW(...), jsonb_each in a select list) read in
/// binary, which Npgsql asks for and decodes from record_send's layout (field count, then each field's type OID,
/// length and bytes), as asyncpg does; and the rows of several set-returning functions in one select list. The answers
/// are PostgreSQL's (run with LOG_DRIVERS_AGAINST_POSTGRESQL=1 to check them there).
/// </summary>
[Collection(DriverCollection.Name)]
public sealed class NpgsqlRecordTests(DriverServerFixture fixture) : IClassFixture<DriverServerFixture>
{
    /// <summary>With type loading: Npgsql reads record (a pseudo-type it loads from pg_type) only when it loaded it.</summary>
    private const string Defaults = "Pooling=false;SSL Mode=Disable;";

    private async Task<NpgsqlConnection> OpenAsync()
    {
        var connection = new NpgsqlConnection(fixture.Target.Npgsql(Defaults));
        await connection.OpenAsync();
        return connection;
    }

    [DriverFact]
    public async Task RecordsReadInBinaryAsFieldArrays()
    {
        await using NpgsqlConnection connection = await OpenAsync();
        await using var select = new NpgsqlCommand("SELECT ROW(1, 'a b'::text, NULL::int, true), jsonb_each_text('{\"k\": \"v\"}')", connection);
        await using NpgsqlDataReader reader = await select.ExecuteReaderAsync();
        Assert.Equal("record", reader.GetDataTypeName(0));
        Assert.True(await reader.ReadAsync());
        var row = (object[])reader.GetValue(0);
        Assert.Equal(new object?[] { 1, "a b", null, true }, row);
        Assert.Equal(new object[] { "k", "v" }, (object[])reader.GetValue(1));
        Assert.False(await reader.ReadAsync());
    }

    [DriverFact]
    public async Task SetReturningFunctionsInASelectListAdvanceTogether()
    {
        await using NpgsqlConnection connection = await OpenAsync();
        await using var select = new NpgsqlCommand("SELECT generate_series(1, 2), unnest(ARRAY['a', 'b', 'c'])", connection);
        await using NpgsqlDataReader reader = await select.ExecuteReaderAsync();
        var rows = new List<(int?, string)>();
        while (await reader.ReadAsync()) rows.Add((reader.IsDBNull(0) ? null : reader.GetInt32(0), reader.GetString(1)));
        Assert.Equal([(1, "a"), (2, "b"), (null, "c")], rows);
    }
}
