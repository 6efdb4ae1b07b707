using Log.Integration.Tests.Support;

namespace Log.Integration.Tests;

/// <summary>The walking skeleton end to end: the real server process driven by the real psql.</summary>
[Collection(ServerCollection.Name)]
public sealed class PsqlTests(ServerFixture fixture)
{
    private int Port => fixture.Server.Port;

    private static string UniqueName(string prefix) => $"{prefix}_{Guid.NewGuid():N}"[..20];

    [Fact]
    public async Task SelectOneAnswers()
    {
        var result = await Psql.CommandAsync(Port, "select 1");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("1", result.Output);
    }

    [Fact]
    public async Task CreateInsertSelectUpdateDeleteDrop()
    {
        var table = UniqueName("items");
        var result = await Psql.RunAsync(Port, $"""
            \set ON_ERROR_STOP 1
            CREATE TABLE {table} (id integer PRIMARY KEY, name text NOT NULL, price numeric, qty smallint, big bigint, ok boolean, ratio double precision, code varchar(5));
            INSERT INTO {table} VALUES (1, 'apple', 1.50, 3, 10000000000, true, 0.5, 'A1'), (2, 'pear', 2.25, 5, -1, false, 1e100, 'B2'), (3, 'plum', NULL, NULL, NULL, NULL, NULL, NULL);
            SELECT id, name, price, qty, big, ok, ratio, code FROM {table} ORDER BY id;
            SELECT name FROM {table} WHERE price > 2 OR qty IS NULL ORDER BY name DESC;
            SELECT count(*) FROM {table};
            SELECT id FROM {table} WHERE NOT ok AND price IS NOT NULL ORDER BY id LIMIT 1;
            UPDATE {table} SET qty = qty + 1 WHERE id <= 2;
            SELECT id, qty FROM {table} WHERE id = 1;
            DELETE FROM {table} WHERE id = 2;
            SELECT count(*) FROM {table};
            DROP TABLE {table};
            DROP TABLE IF EXISTS {table};
            """);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(
            """
            1|apple|1.50|3|10000000000|t|0.5|A1
            2|pear|2.25|5|-1|f|1e+100|B2
            3|plum||||||
            plum
            pear
            3
            2
            1|4
            2
            """.ReplaceLineEndings("\n"), result.Output);
    }

    [Fact]
    public async Task CommandTagsAreExact()
    {
        var table = UniqueName("tags");
        // Without -t and -q, psql prints each command's tag, which is how users see them.
        var result = await Psql.RunAsync(Port, $"""
            CREATE TABLE {table} (id int PRIMARY KEY, v text);
            INSERT INTO {table} VALUES (1, 'a'), (2, 'b');
            UPDATE {table} SET v = 'c';
            DELETE FROM {table} WHERE id = 1;
            BEGIN;
            COMMIT;
            START TRANSACTION;
            END;
            BEGIN;
            ROLLBACK;
            DROP TABLE {table};
            """, "-P", "tuples_only=off", "-v", "QUIET=off");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(
            """
            CREATE TABLE
            INSERT 0 2
            UPDATE 2
            DELETE 1
            BEGIN
            COMMIT
            START TRANSACTION
            COMMIT
            BEGIN
            ROLLBACK
            DROP TABLE
            """.ReplaceLineEndings("\n"), result.Output);
    }

    [Fact]
    public async Task TableWithoutPrimaryKeyKeepsDuplicateRows()
    {
        var table = UniqueName("nopk");
        var result = await Psql.RunAsync(Port, $"""
            \set ON_ERROR_STOP 1
            CREATE TABLE {table} (a int, b varchar(10));
            INSERT INTO {table} VALUES (1, 'x'), (1, 'x'), (2, NULL);
            SELECT * FROM {table} ORDER BY a, b;
            SELECT count(*) FROM {table} WHERE a = 1;
            """);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("1|x\n1|x\n2|\n2", result.Output);
    }

    [Fact]
    public async Task TransactionsRollBackAndReadTheirOwnWrites()
    {
        var table = UniqueName("txn");
        var result = await Psql.RunAsync(Port, $"""
            \set ON_ERROR_STOP 1
            CREATE TABLE {table} (id int PRIMARY KEY, v int);
            BEGIN;
            INSERT INTO {table} VALUES (1, 10);
            SELECT v FROM {table} WHERE id = 1;
            UPDATE {table} SET v = 11 WHERE id = 1;
            SELECT v FROM {table};
            ROLLBACK;
            SELECT count(*) FROM {table};
            BEGIN;
            INSERT INTO {table} VALUES (2, 20), (3, 30);
            DELETE FROM {table} WHERE id = 2;
            COMMIT;
            SELECT id, v FROM {table} ORDER BY id;
            """);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("10\n11\n0\n3|30", result.Output);
    }

    [Fact]
    public async Task ErrorsCarryTheirSqlStateAndFailedTransactionsRefuseUntilRollback()
    {
        var table = UniqueName("errors");
        var result = await Psql.RunAsync(Port, $"""
            CREATE TABLE {table} (id int PRIMARY KEY, v text);
            INSERT INTO {table} VALUES (1, 'a');
            INSERT INTO {table} VALUES (1, 'b');
            SELEC 1;
            SELECT * FROM {table}_missing;
            BEGIN;
            INSERT INTO {table} VALUES (1, 'c');
            SELECT 1;
            COMMIT;
            SELECT v FROM {table};
            """);
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("ERROR:  23505: duplicate key value violates unique constraint", result.Error);
        Assert.Contains("ERROR:  42601: syntax error at or near \"SELEC\"", result.Error);
        Assert.Contains("ERROR:  42P01: relation", result.Error);
        Assert.Contains("ERROR:  25P02: current transaction is aborted, commands ignored until end of transaction block", result.Error);
        // The failed transaction's COMMIT rolled back, and the session went on.
        Assert.Equal("a", result.Output);
    }

    [Fact]
    public async Task ConcurrentWritersOfOneRowConflictWith40001()
    {
        var table = UniqueName("conflict");
        var setup = await Psql.RunAsync(Port, $"""
            \set ON_ERROR_STOP 1
            CREATE TABLE {table} (id int PRIMARY KEY, v int);
            INSERT INTO {table} VALUES (1, 0);
            """);
        Assert.True(setup.ExitCode == 0, setup.ToString());

        await using var first = new PsqlSession(Port);
        await using var second = new PsqlSession(Port);
        await first.StepAsync("BEGIN;");
        await second.StepAsync("BEGIN;");
        Assert.Equal("0", await first.StepAsync($"SELECT v FROM {table} WHERE id = 1;"));
        await first.StepAsync($"UPDATE {table} SET v = 1 WHERE id = 1;");
        await second.StepAsync($"UPDATE {table} SET v = 2 WHERE id = 1;");
        await second.StepAsync("COMMIT;");
        Assert.DoesNotContain("ERROR", second.Errors);
        await first.StepAsync("COMMIT;");
        Assert.Contains("ERROR:  40001: change conflicts with another transaction, please retry: (OC000)", first.Errors);

        // The refused transaction left nothing behind, and the session can go on.
        Assert.Equal("2", await first.StepAsync($"SELECT v FROM {table} WHERE id = 1;"));

        // Writers of different rows both commit.
        await first.StepAsync("BEGIN;");
        await second.StepAsync("BEGIN;");
        await first.StepAsync($"INSERT INTO {table} VALUES (10, 10);");
        await second.StepAsync($"INSERT INTO {table} VALUES (20, 20);");
        await first.StepAsync("COMMIT;");
        await second.StepAsync("COMMIT;");
        Assert.Equal("3", await second.StepAsync($"SELECT count(*) FROM {table};"));
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(first.Errors, "ERROR"));
    }

    [Fact]
    public async Task AutocommitWriteIsVisibleToTheNextStatementOfAnotherSession()
    {
        var table = UniqueName("visible");
        await using var writer = new PsqlSession(Port);
        await using var reader = new PsqlSession(Port);
        await writer.StepAsync($"CREATE TABLE {table} (id bigint PRIMARY KEY, v text);");
        for (var index = 0; index < 5; index++)
        {
            await writer.StepAsync($"INSERT INTO {table} VALUES ({index}, 'v{index}');");
            Assert.Equal($"v{index}", await reader.StepAsync($"SELECT v FROM {table} WHERE id = {index};"));
        }
        Assert.Equal("", writer.Errors + reader.Errors);
    }

    /// <summary>psql sends PREPARE, EXECUTE and DEALLOCATE as simple queries; the output (tags, rows, RETURNING) is what
    /// PostgreSQL 15's psql printed for the same script.</summary>
    [Fact]
    public async Task PrepareExecuteDeallocateAsSimpleQueries()
    {
        var table = UniqueName("prep");
        var result = await Psql.RunAsync(Port, $"""
            \set ON_ERROR_STOP 1
            CREATE TABLE {table} (id int PRIMARY KEY, v text);
            PREPARE {table}_ins (int, text) AS INSERT INTO {table} VALUES ($1, $2);
            EXECUTE {table}_ins(1, 'a');
            EXECUTE {table}_ins(2, 'b');
            PREPARE {table}_get AS SELECT id, v FROM {table} WHERE id >= $1 ORDER BY id;
            EXECUTE {table}_get(1);
            PREPARE {table}_upd (text) AS UPDATE {table} SET v = $1 RETURNING id, v;
            EXECUTE {table}_upd('z');
            SELECT replace(name, '{table}', 't'), from_sql FROM pg_prepared_statements ORDER BY name;
            DEALLOCATE {table}_get;
            DEALLOCATE ALL;
            SELECT count(*) FROM pg_prepared_statements;
            DROP TABLE {table};
            """, "-P", "tuples_only=off", "-v", "QUIET=off");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(
            """
            CREATE TABLE
            PREPARE
            INSERT 0 1
            INSERT 0 1
            PREPARE
            id|v
            1|a
            2|b
            (2 rows)
            PREPARE
            id|v
            1|z
            2|z
            (2 rows)
            UPDATE 2
            replace|from_sql
            t_get|t
            t_ins|t
            t_upd|t
            (3 rows)
            DEALLOCATE
            DEALLOCATE ALL
            count
            0
            (1 row)
            DROP TABLE
            """.ReplaceLineEndings("\n"), result.Output);
    }
}
