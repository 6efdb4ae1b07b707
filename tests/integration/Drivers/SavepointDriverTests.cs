using Npgsql;

namespace Log.Integration.Tests.Drivers;

/// <summary>
/// Savepoints from real clients: Npgsql's transaction.Save / Rollback / Release (the extended protocol, and a failed
/// transaction recovered by ROLLBACK TO), and psql's ON_ERROR_ROLLBACK, which wraps each statement of a transaction
/// in SAVEPOINT pg_psql_temporary_savepoint. EF Core's automatic savepoints are in EntityFrameworkTests.
/// </summary>
[Collection(DriverCollection.Name)]
public sealed class SavepointDriverTests(DriverServerFixture fixture) : IClassFixture<DriverServerFixture>
{
    private static async Task<object?> ScalarAsync(NpgsqlConnection connection, string sql, params object[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (object parameter in parameters) command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        return await command.ExecuteScalarAsync();
    }

    [DriverFact]
    public async Task NpgsqlSaveRollbackAndReleaseUndoOnlyTheWorkAfterTheSavepoint()
    {
        var table = DriverTools.UniqueName("np_savepoint");
        await using var connection = await fixture.Target.OpenNpgsqlAsync();
        await ScalarAsync(connection, $"CREATE TABLE {table} (id int PRIMARY KEY, v text)");
        try
        {
            await using (var transaction = await connection.BeginTransactionAsync())
            {
                await ScalarAsync(connection, $"INSERT INTO {table} VALUES ($1, $2)", 1, "kept");
                await transaction.SaveAsync("before_two");
                await ScalarAsync(connection, $"INSERT INTO {table} VALUES ($1, $2)", 2, "undone");
                Assert.Equal(2L, await ScalarAsync(connection, $"SELECT count(*) FROM {table}"));
                await transaction.RollbackAsync("before_two");
                Assert.Equal(1L, await ScalarAsync(connection, $"SELECT count(*) FROM {table}"));

                // An error inside the transaction fails it (25P02) until ROLLBACK TO recovers it.
                await transaction.SaveAsync("before_error");
                var duplicate = await Assert.ThrowsAsync<PostgresException>(() => ScalarAsync(connection, $"INSERT INTO {table} VALUES ($1, $2)", 1, "again"));
                Assert.Equal("23505", duplicate.SqlState);
                var aborted = await Assert.ThrowsAsync<PostgresException>(() => ScalarAsync(connection, "SELECT 1"));
                Assert.Equal("25P02", aborted.SqlState);
                await transaction.RollbackAsync("before_error");
                await ScalarAsync(connection, $"INSERT INTO {table} VALUES ($1, $2)", 3, "after");
                await transaction.SaveAsync("released");
                await ScalarAsync(connection, $"INSERT INTO {table} VALUES ($1, $2)", 4, "released");
                await transaction.ReleaseAsync("released");
                var gone = await Assert.ThrowsAsync<PostgresException>(() => transaction.RollbackAsync("released"));
                Assert.Equal("3B001", gone.SqlState);
                await transaction.RollbackAsync("before_error");
                await transaction.CommitAsync();
            }
            Assert.Equal("1:kept", await ScalarAsync(connection, $"SELECT string_agg(id || ':' || v, ',' ORDER BY id) FROM {table}"));
        }
        finally
        {
            await ScalarAsync(connection, $"DROP TABLE {table}");
        }
    }

    [DriverFact(Client.Psql)]
    public async Task PsqlOnErrorRollbackKeepsTheTransactionGoingPastAFailedStatement()
    {
        var table = DriverTools.UniqueName("psql_savepoint");
        var result = await DriverTools.PsqlAsync(fixture.Target.Libpq(), $"""
            \set ON_ERROR_ROLLBACK on
            CREATE TABLE {table} (id int PRIMARY KEY);
            BEGIN;
            INSERT INTO {table} VALUES (1);
            INSERT INTO {table} VALUES (1);
            INSERT INTO {table} VALUES (2);
            SELECT 1 / 0;
            INSERT INTO {table} VALUES (3);
            COMMIT;
            SELECT string_agg(id::text, ',' ORDER BY id) FROM {table};
            DROP TABLE {table};
            """);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(["1,2,3"], result.Lines);
        Assert.Contains("23505", result.Error, StringComparison.Ordinal);
        Assert.Contains("22012", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("25P02", result.Error, StringComparison.Ordinal);
    }
}
