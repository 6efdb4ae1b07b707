using Npgsql;

namespace Log.Wire.Tests;

/// <summary>Npgsql (extended protocol, binary formats, prepared statements, batches) against the server with the fake session.</summary>
public sealed class NpgsqlTests : IAsyncLifetime
{
    private readonly FakeSessionFactory factory = new();
    private PgServer server = null!;

    public async Task InitializeAsync()
    {
        server = new PgServer(new PgServerOptions { Port = 0 }, factory);
        await server.StartAsync(CancellationToken.None);
    }

    public async Task DisposeAsync() => await server.DisposeAsync();

    private async Task<NpgsqlConnection> OpenAsync()
    {
        var connection = new NpgsqlConnection($"Host=127.0.0.1;Port={server.Port};Username=test;Database=test;Pooling=false;SSL Mode=Disable;Server Compatibility Mode=NoTypeLoading;Timeout=5;Command Timeout=5");
        await connection.OpenAsync();
        return connection;
    }

    [Fact]
    public async Task ParametersAndResultsOfManyTypesRoundTripInBinary()
    {
        await using NpgsqlConnection connection = await OpenAsync();
        await using var command = new NpgsqlCommand("SELECT $1::int4, $2::text, $3::numeric, $4::timestamptz, $5::uuid, $6::int8[], $7::bytea, $8::float8, $9::bool, $10::date, $11::interval", connection);
        var instant = new DateTime(2024, 5, 6, 7, 8, 9, DateTimeKind.Utc).AddTicks(1230);
        var id = Guid.NewGuid();
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = -42 });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = "héllo" });
        command.Parameters.Add(new NpgsqlParameter<decimal> { TypedValue = 12345.678900m });
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = instant });
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [1, long.MaxValue] });
        command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = [0, 255] });
        command.Parameters.Add(new NpgsqlParameter<double> { TypedValue = 0.1 });
        command.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = true });
        command.Parameters.Add(new NpgsqlParameter<DateOnly> { TypedValue = new DateOnly(1999, 12, 31) });
        command.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = TimeSpan.FromHours(26.5) });
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(-42, reader.GetInt32(0));
        Assert.Equal("héllo", reader.GetString(1));
        Assert.Equal(12345.678900m, reader.GetDecimal(2));
        Assert.Equal("12345.678900", reader.GetDecimal(2).ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(instant, reader.GetFieldValue<DateTime>(3));
        Assert.Equal(id, reader.GetGuid(4));
        Assert.Equal([1, long.MaxValue], reader.GetFieldValue<long[]>(5));
        Assert.Equal([0, 255], reader.GetFieldValue<byte[]>(6));
        Assert.Equal(0.1, reader.GetDouble(7));
        Assert.True(reader.GetBoolean(8));
        Assert.Equal(new DateOnly(1999, 12, 31), reader.GetFieldValue<DateOnly>(9));
        Assert.Equal(TimeSpan.FromHours(26.5), reader.GetFieldValue<TimeSpan>(10));
        Assert.False(await reader.ReadAsync());
    }

    [Fact]
    public async Task PreparedStatementIsParsedOnceAndReused()
    {
        await using NpgsqlConnection connection = await OpenAsync();
        await using var command = new NpgsqlCommand("SELECT $1::int8", connection);
        var parameter = new NpgsqlParameter<long> { TypedValue = 0 };
        command.Parameters.Add(parameter);
        await command.PrepareAsync();
        for (long i = 1; i <= 3; i++)
        {
            parameter.TypedValue = i * 1_000_000_000_000;
            Assert.Equal(i * 1_000_000_000_000, await command.ExecuteScalarAsync());
        }
        FakeSession session = Assert.Single(factory.Sessions);
        Assert.Equal(3, session.BoundParameters.Count);
        Assert.Equal(3_000_000_000_000L, session.BoundParameters[^1][0]);
    }

    [Fact]
    public async Task BatchRunsEveryStatementBeforeOneSync()
    {
        await using NpgsqlConnection connection = await OpenAsync();
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands = { new("SELECT generate_series(1,3)"), new("SELECT 'x'::text") },
        };
        await using NpgsqlDataReader reader = await batch.ExecuteReaderAsync();
        var numbers = new List<int>();
        while (await reader.ReadAsync())
        {
            numbers.Add(reader.GetInt32(0));
        }
        Assert.Equal([1, 2, 3], numbers);
        Assert.True(await reader.NextResultAsync());
        Assert.True(await reader.ReadAsync());
        Assert.Equal("x", reader.GetString(0));
        await reader.CloseAsync();
        Assert.Equal(1, Assert.Single(factory.Sessions).SyncCount);
    }

    [Fact]
    public async Task ErrorInATransactionAndTheConnectionGoesOn()
    {
        await using NpgsqlConnection connection = await OpenAsync();
        await using NpgsqlTransaction transaction = await connection.BeginTransactionAsync();
        await using (var failing = new NpgsqlCommand("SELECT 1/0", connection, transaction))
        {
            PostgresException error = await Assert.ThrowsAsync<PostgresException>(() => failing.ExecuteScalarAsync());
            Assert.True(error.SqlState == "22012", error.MessageText);
        }
        await transaction.RollbackAsync();
        await using var command = new NpgsqlCommand("SELECT 1", connection);
        Assert.Equal(1, await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task CancelStopsTheRunningStatement()
    {
        await using NpgsqlConnection connection = await OpenAsync();
        await using var command = new NpgsqlCommand("sleep", connection);
        Task<object?> running = command.ExecuteScalarAsync();
        await Assert.Single(factory.Sessions).SleepStarted.Task.WaitAsync(TimeSpan.FromSeconds(5));
        command.Cancel();
        var error = await Assert.ThrowsAnyAsync<Exception>(() => running);
        Assert.Equal("57014", (error as PostgresException ?? error.InnerException as PostgresException)?.SqlState);
        await using var after = new NpgsqlCommand("SELECT 1", connection);
        Assert.Equal(1, await after.ExecuteScalarAsync());
    }
}
