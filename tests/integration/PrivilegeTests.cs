using Log.Integration.Tests.Support;
using Npgsql;

namespace Log.Integration.Tests;

/// <summary>Roles and privileges through the real server, with a connection per role (on loopback any user name
/// connects without a password, so a session is the role it names): every statement kind is refused with 42501 and
/// PostgreSQL's words until the privilege is granted, the catalogs show it, a superuser-only catalog stays closed, and
/// a session whose role is dropped is stopped at its next transaction with FATAL 28000.</summary>
[Collection(ServerCollection.Name)]
public sealed class PrivilegeTests(ServerFixture fixture)
{
    private static string UniqueName(string prefix) => $"{prefix}_{Guid.NewGuid():N}"[..20];

    private async Task<NpgsqlConnection> OpenAsync(string user)
    {
        var connection = new NpgsqlConnection($"Host=127.0.0.1;Port={fixture.Server.Port};Username={user};Database=postgres;Timeout=15;" +
            "Command Timeout=60;Pooling=false;SSL Mode=Disable;");
        await connection.OpenAsync();
        return connection;
    }

    private static async Task<int> ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteNonQueryAsync();
    }

    private static async Task<object?> ScalarAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }

    private static async Task<PostgresException> RefusedAsync(NpgsqlConnection connection, string sql, string sqlState = "42501")
    {
        var refused = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(connection, sql));
        Assert.Equal(sqlState, refused.SqlState);
        return refused;
    }

    [Fact]
    public async Task Every_statement_kind_is_refused_until_granted()
    {
        string role = UniqueName("reader");
        string table = UniqueName("owned");
        await using var admin = await OpenAsync("admin");
        await ExecuteAsync(admin, $"CREATE ROLE {role} LOGIN");
        await ExecuteAsync(admin, $"CREATE TABLE {table} (id int PRIMARY KEY, n int)");
        await ExecuteAsync(admin, $"INSERT INTO {table} VALUES (1, 1), (2, 2)");
        await using var user = await OpenAsync(role);

        var statements = new (string Privilege, string Sql)[]
        {
            ("SELECT", $"SELECT n FROM {table} WHERE id = 1"),
            ("INSERT", $"INSERT INTO {table} VALUES (3, 3)"),
            ("UPDATE", $"UPDATE {table} SET n = 10 WHERE id = 1"),
            ("DELETE", $"DELETE FROM {table} WHERE id = 2"),
            ("TRUNCATE", $"TRUNCATE {table}"),
        };
        foreach ((string privilege, string sql) in statements)
        {
            PostgresException refused = await RefusedAsync(user, sql);
            Assert.Equal($"permission denied for table {table}", refused.MessageText);
            // The extended protocol (a prepared statement) is refused the same way.
            await using (var prepared = new NpgsqlCommand(sql, user))
            {
                await prepared.PrepareAsync();
                Assert.Equal("42501", (await Assert.ThrowsAsync<PostgresException>(() => prepared.ExecuteNonQueryAsync())).SqlState);
            }
            // UPDATE and DELETE with WHERE read the rows, so they need SELECT as well.
            await ExecuteAsync(admin, $"GRANT {privilege}{(privilege is "UPDATE" or "DELETE" ? ", SELECT" : "")} ON {table} TO {role}");
            await ExecuteAsync(user, sql);
            await ExecuteAsync(admin, $"REVOKE ALL ON {table} FROM {role}");
            await RefusedAsync(user, sql);
        }

        // DDL needs ownership; a new table needs CREATE on the schema.
        Assert.Equal($"must be owner of table {table}", (await RefusedAsync(user, $"ALTER TABLE {table} ADD COLUMN extra int")).MessageText);
        await RefusedAsync(user, $"CREATE INDEX ON {table} (n)");
        await RefusedAsync(user, $"DROP TABLE {table}");
        Assert.Equal("permission denied for schema public", (await RefusedAsync(user, $"CREATE TABLE {UniqueName("mine")} (id int)")).MessageText);
        await ExecuteAsync(admin, $"ALTER TABLE {table} OWNER TO {role}");
        await ExecuteAsync(user, $"ALTER TABLE {table} ADD COLUMN extra int");
        await ExecuteAsync(user, $"SELECT * FROM {table}");
        await ExecuteAsync(user, $"DROP TABLE {table}");
        await ExecuteAsync(admin, $"DROP ROLE {role}");
    }

    [Fact]
    public async Task Copy_needs_select_to_read_and_insert_to_write()
    {
        string role = UniqueName("copier");
        string table = UniqueName("copied");
        await using var admin = await OpenAsync("admin");
        await ExecuteAsync(admin, $"CREATE ROLE {role} LOGIN");
        await ExecuteAsync(admin, $"CREATE TABLE {table} (id int PRIMARY KEY, secret text)");
        await ExecuteAsync(admin, $"INSERT INTO {table} VALUES (1, 'one')");
        await using var user = await OpenAsync(role);

        static string Export(NpgsqlConnection connection, string sql)
        {
            using TextReader reader = connection.BeginTextExport(sql);
            return reader.ReadToEnd();
        }
        var refusedOut = Assert.Throws<PostgresException>(() => Export(user, $"COPY {table} TO STDOUT"));
        Assert.Equal("42501", refusedOut.SqlState);
        Assert.Equal("42501", Assert.Throws<PostgresException>(() => Export(user, $"COPY (SELECT id FROM {table}) TO STDOUT")).SqlState);
        var refusedIn = await Assert.ThrowsAsync<PostgresException>(async () =>
        {
            await using var writer = await user.BeginTextImportAsync($"COPY {table} FROM STDIN");
            await writer.WriteAsync("2\ttwo\n");
        });
        Assert.Equal($"permission denied for table {table}", refusedIn.MessageText);

        // Column privileges are enough for the columns copied.
        await ExecuteAsync(admin, $"GRANT SELECT (id), INSERT (id) ON {table} TO {role}");
        Assert.Equal("1\n", Export(user, $"COPY {table} (id) TO STDOUT"));
        Assert.Equal("42501", Assert.Throws<PostgresException>(() => Export(user, $"COPY {table} TO STDOUT")).SqlState);
        await using (var writer = await user.BeginTextImportAsync($"COPY {table} (id) FROM STDIN"))
        {
            await writer.WriteAsync("3\n");
        }
        Assert.Equal(2L, await ScalarAsync(admin, $"SELECT count(*) FROM {table}"));

        await ExecuteAsync(admin, $"REVOKE ALL ON {table} FROM {role}");
        await ExecuteAsync(admin, $"DROP TABLE {table}");
        await ExecuteAsync(admin, $"DROP ROLE {role}");
    }

    [Fact]
    public async Task The_catalogs_show_grants_and_keep_pg_authid_from_other_roles()
    {
        string role = UniqueName("viewer");
        string table = UniqueName("shown");
        await using var admin = await OpenAsync("admin");
        await ExecuteAsync(admin, $"CREATE ROLE {role} LOGIN");
        await ExecuteAsync(admin, $"CREATE TABLE {table} (id int PRIMARY KEY)");
        await using var user = await OpenAsync(role);

        Assert.Equal(false, await ScalarAsync(user, $"SELECT has_table_privilege('{table}', 'SELECT')"));
        await ExecuteAsync(admin, $"GRANT SELECT ON {table} TO {role}");
        Assert.Equal(true, await ScalarAsync(user, $"SELECT has_table_privilege('{table}', 'SELECT')"));
        string? acl = (await ScalarAsync(user, $"SELECT relacl::text FROM pg_class WHERE relname = '{table}'")) as string;
        Assert.Contains($"{role}=r/", acl, StringComparison.Ordinal);
        Assert.Equal(role, await ScalarAsync(user, "SELECT current_user"));
        Assert.Equal(1L, await ScalarAsync(admin, $"SELECT count(*) FROM pg_roles WHERE rolname = '{role}' AND rolcanlogin"));

        Assert.Equal("permission denied for table pg_authid", (await RefusedAsync(user, "SELECT rolname FROM pg_authid")).MessageText);
        Assert.NotNull(await ScalarAsync(admin, "SELECT count(*) FROM pg_authid"));
        await ExecuteAsync(admin, $"REVOKE SELECT ON {table} FROM {role}");
        await ExecuteAsync(admin, $"DROP TABLE {table}");
        await ExecuteAsync(admin, $"DROP ROLE {role}");
    }

    [Fact]
    public async Task Set_role_reaches_only_roles_the_session_user_is_a_member_of()
    {
        string role = UniqueName("climber");
        string group = UniqueName("group");
        string table = UniqueName("guarded");
        await using var admin = await OpenAsync("admin");
        await ExecuteAsync(admin, $"CREATE ROLE {role} LOGIN");
        await ExecuteAsync(admin, $"CREATE ROLE {group} NOINHERIT");
        await ExecuteAsync(admin, $"CREATE TABLE {table} (id int PRIMARY KEY)");
        await ExecuteAsync(admin, $"GRANT SELECT ON {table} TO {group}");
        await using var user = await OpenAsync(role);

        await ExecuteAsync(user, "SET ROLE admin");
        Assert.Equal($"permission denied to set role \"admin\"", (await RefusedAsync(user, $"SELECT * FROM {table}")).MessageText);
        await ExecuteAsync(user, "RESET ROLE");
        await RefusedAsync(user, $"SELECT * FROM {table}");
        await ExecuteAsync(admin, $"GRANT {group} TO {role}");
        await ExecuteAsync(user, $"SET ROLE {group}");
        await ExecuteAsync(user, $"SELECT * FROM {table}");
        await ExecuteAsync(user, "RESET ROLE");

        await ExecuteAsync(admin, $"REVOKE SELECT ON {table} FROM {group}");
        await ExecuteAsync(admin, $"DROP TABLE {table}");
        await ExecuteAsync(admin, $"DROP ROLE {role}, {group}");
    }

    [Fact]
    public async Task A_dropped_role_is_stopped_at_its_next_transaction()
    {
        string role = UniqueName("leaving");
        await using var admin = await OpenAsync("admin");
        await ExecuteAsync(admin, $"CREATE ROLE {role} LOGIN");
        await using var user = await OpenAsync(role);
        Assert.Equal(role, await ScalarAsync(user, "SELECT current_user"));

        await ExecuteAsync(admin, $"DROP ROLE {role}");
        var stopped = await Assert.ThrowsAsync<PostgresException>(() => ScalarAsync(user, "SELECT current_user"));
        Assert.Equal("28000", stopped.SqlState);
        Assert.Equal("FATAL", stopped.Severity);
        Assert.NotEqual(System.Data.ConnectionState.Open, user.State);
        // A role of the same name made afterwards is another role: the old session does not come back as it.
        await ExecuteAsync(admin, $"CREATE ROLE {role} LOGIN");
        await using var again = await OpenAsync(role);
        Assert.Equal(role, await ScalarAsync(again, "SELECT current_user"));
        await ExecuteAsync(admin, $"DROP ROLE {role}");
    }

    [Fact]
    public async Task Iam_mappings_are_listed_and_removed_with_their_role()
    {
        string role = UniqueName("mapped");
        string principal = $"arn:aws:iam::123456789012:role/{role}";
        await using var admin = await OpenAsync("admin");
        await ExecuteAsync(admin, $"CREATE ROLE {role} LOGIN");
        await ExecuteAsync(admin, $"AWS IAM GRANT {role} TO '{principal}'");
        Assert.Equal(principal, await ScalarAsync(admin, $"SELECT arn FROM sys.iam_pg_role_mappings WHERE pg_role_name = '{role}'"));
        Assert.Equal("42710", (await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(admin, $"AWS IAM GRANT {role} TO '{principal}'"))).SqlState);
        await ExecuteAsync(admin, $"AWS IAM REVOKE {role} FROM '{principal}'");
        Assert.Equal(0L, await ScalarAsync(admin, $"SELECT count(*) FROM sys.iam_pg_role_mappings WHERE pg_role_name = '{role}'"));
        await ExecuteAsync(admin, $"AWS IAM GRANT {role} TO '{principal}'");
        await ExecuteAsync(admin, $"DROP ROLE {role}");
        Assert.Equal(0L, await ScalarAsync(admin, $"SELECT count(*) FROM sys.iam_pg_role_mappings WHERE arn = '{principal}'"));
        await RefusedAsync(admin, "ALTER ROLE admin NOLOGIN");
        await RefusedAsync(admin, "DROP ROLE admin", "2BP01");
    }
}
