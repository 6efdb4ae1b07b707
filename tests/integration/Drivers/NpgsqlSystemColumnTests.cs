using Npgsql;
using NpgsqlTypes;

namespace Log.Integration.Tests.Drivers;

/// <summary>
/// xmin as Npgsql's users take it for optimistic locking (EF Core's UseXminAsConcurrencyToken sends the same
/// statements): read in binary as a uint, sent back as an xid parameter in UPDATE ... WHERE xmin = $n RETURNING xmin,
/// which matches the row read and not a row changed since.
/// </summary>
[Collection(DriverCollection.Name)]
public sealed class NpgsqlSystemColumnTests(DriverServerFixture fixture) : IClassFixture<DriverServerFixture>
{
    [DriverFact]
    public Task XminIsAConcurrencyTokenInBinary() => WithTableAsync("np_xmin_", "id int PRIMARY KEY, name text", "(1, 'a'), (2, 'b')", async (connection, table) =>
        {
            uint read = await XminAsync(connection, table, 1);

            await using (var update = new NpgsqlCommand($"UPDATE {table} SET name = 'a2' WHERE id = 1 AND xmin = $1 RETURNING xmin", connection))
            {
                update.Parameters.Add(new NpgsqlParameter { Value = read, NpgsqlDbType = NpgsqlDbType.Xid });
                object? returned = await update.ExecuteScalarAsync();
                uint written = Assert.IsType<uint>(returned);
                Assert.NotEqual(read, written);
                Assert.Equal(written, await XminAsync(connection, table, 1));
            }

            // The token read before that update no longer matches: a lost update is refused as zero rows.
            await using (var stale = new NpgsqlCommand($"UPDATE {table} SET name = 'a3' WHERE id = 1 AND xmin = $1", connection))
            {
                stale.Parameters.Add(new NpgsqlParameter { Value = read, NpgsqlDbType = NpgsqlDbType.Xid });
                Assert.Equal(0, await stale.ExecuteNonQueryAsync());
            }
            Assert.Equal("a2", await ScalarAsync(connection, $"SELECT name FROM {table} WHERE id = 1"));
            Assert.Equal(0L, Convert.ToInt64(await ScalarAsync(connection, $"SELECT xmax::text::bigint FROM {table} WHERE id = 2")));
        });

    /// <summary>ctid as a client that edits a table without a primary key uses it (DBeaver does, through pgjdbc): read
    /// with the row in binary, sent back as a tid parameter in UPDATE ... WHERE ctid = $1, which changes that row only;
    /// cmin and cmax read as cid (uint) 0.</summary>
    [DriverFact]
    public Task CtidFindsTheRowReadInBinary() => WithTableAsync("np_ctid_", "a int, b text", "(1, 'x'), (2, 'y'), (3, 'z')", async (connection, table) =>
        {
            NpgsqlTid place;
            await using (var read = new NpgsqlCommand($"SELECT ctid, cmin, cmax, a FROM {table} WHERE a = 2", connection))
            await using (var reader = await read.ExecuteReaderAsync())
            {
                Assert.True(await reader.ReadAsync());
                place = reader.GetFieldValue<NpgsqlTid>(0);
                Assert.Equal(0u, reader.GetFieldValue<uint>(1));
                Assert.Equal(0u, reader.GetFieldValue<uint>(2));
            }
            Assert.Equal($"({place.BlockNumber},{place.OffsetNumber})",
                await ScalarAsync(connection, $"SELECT ctid::text FROM {table} WHERE a = 2"));

            await using (var update = new NpgsqlCommand($"UPDATE {table} SET b = 'edited' WHERE ctid = $1", connection))
            {
                update.Parameters.Add(new NpgsqlParameter { Value = place, NpgsqlDbType = NpgsqlDbType.Tid });
                Assert.Equal(1, await update.ExecuteNonQueryAsync());
            }
            Assert.Equal("x,edited,z", await ScalarAsync(connection, $"SELECT string_agg(b, ',' ORDER BY a) FROM {table}"));
        });

    /// <summary>Runs <paramref name="test"/> on a new connection over a new table of those columns and rows, dropped after.</summary>
    private async Task WithTableAsync(string prefix, string columns, string rows, Func<NpgsqlConnection, string, Task> test)
    {
        string table = DriverTools.UniqueName(prefix);
        await using var connection = new NpgsqlConnection(fixture.Target.Npgsql("Pooling=false;SSL Mode=Disable;"));
        await connection.OpenAsync();
        await ExecuteAsync(connection, $"CREATE TABLE {table} ({columns})");
        try
        {
            await ExecuteAsync(connection, $"INSERT INTO {table} VALUES {rows}");
            await test(connection, table);
        }
        finally
        {
            await ExecuteAsync(connection, $"DROP TABLE {table}");
        }
    }

    private static async Task<uint> XminAsync(NpgsqlConnection connection, string table, int id)
    {
        await using var command = new NpgsqlCommand($"SELECT xmin FROM {table} WHERE id = $1", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        return Assert.IsType<uint>(await command.ExecuteScalarAsync());
    }

    private static async Task<object?> ScalarAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
