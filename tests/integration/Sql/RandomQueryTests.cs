using System.Globalization;
using System.Text;
using Log.Integration.Tests.Support;
using Log.Wire.Tests;
using Xunit.Abstractions;

namespace Log.Integration.Tests.Sql;

/// <summary>
/// Property test: random queries over small random tables, run on Log and on the real PostgreSQL 15, must give the
/// same answer (the same rows in the same order, or the same SQLSTATE). Queries join, nest subqueries (correlated
/// too), aggregate, use DISTINCT and set operations, and always order by every output column, so the order is
/// defined. Seeded and reproducible: a failure prints its seed and query; LOG_RANDOM_QUERY_SEED=n replays one seed
/// and LOG_RANDOM_QUERY_COUNT sets the queries per seed.
/// </summary>
public sealed class RandomQueryTests(ServerFixture fixture, ITestOutputHelper output) : IClassFixture<ServerFixture>
{
    private const int DefaultQueriesPerSeed = 150;
    private const int MismatchesReportedMax = 5;

    public static IEnumerable<object[]> Seeds() =>
        Environment.GetEnvironmentVariable("LOG_RANDOM_QUERY_SEED") is { } given
            ? [[int.Parse(given, CultureInfo.InvariantCulture)]]
            : [[1], [2], [3]];

    [PostgresTheory]
    [MemberData(nameof(Seeds))]
    public async Task Random_queries_give_PostgreSQL_answers(int seed)
    {
        int count = Environment.GetEnvironmentVariable("LOG_RANDOM_QUERY_COUNT") is { } text ? int.Parse(text, CultureInfo.InvariantCulture) : DefaultQueriesPerSeed;
        var random = new Random(seed);
        string prefix = $"rq{seed}_";
        List<string> setup = RandomData(random, prefix);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await using SimpleQueryClient log = await ConnectLogAsync(timeout.Token);
        await using SimpleQueryClient postgres = await SimpleQueryClient.StartAsync(await RealPostgres.ConnectAsync(), timeout.Token);
        try
        {
            foreach (string statement in setup)
            {
                await RequireAsync(log, statement, "Log", timeout.Token);
                await RequireAsync(postgres, statement, "PostgreSQL", timeout.Token);
            }
            var generator = new QueryGenerator(random, prefix);
            var mismatches = new List<string>();
            int errors = 0;
            for (int index = 0; index < count && mismatches.Count < MismatchesReportedMax; index++)
            {
                string query = generator.Query();
                SqlOutcome expected = await postgres.RunAsync(query, timeout.Token);
                SqlOutcome actual = await log.RunAsync(query, timeout.Token);
                if (expected.SqlState is not null) errors++;
                if (!Same(expected, actual)) mismatches.Add($"seed {seed}, query {index}: {query}\n  PostgreSQL: {Show(expected)}\n  Log:        {Show(actual)}");
            }
            output.WriteLine($"seed {seed}: {count} queries, {errors} of them errors in PostgreSQL too, {mismatches.Count} mismatches");
            Assert.True(mismatches.Count == 0, string.Join("\n\n", mismatches));
        }
        finally
        {
            foreach (string table in new[] { "a", "b", "c" })
            {
                await log.RunAsync($"DROP TABLE IF EXISTS {prefix}{table}", CancellationToken.None);
                await postgres.RunAsync($"DROP TABLE IF EXISTS {prefix}{table}", CancellationToken.None);
            }
        }
    }

    private static bool Same(SqlOutcome expected, SqlOutcome actual)
    {
        if (expected.SqlState is not null || actual.SqlState is not null) return expected.SqlState == actual.SqlState;
        if (!expected.TypeOids.SequenceEqual(actual.TypeOids) || expected.Rows.Count != actual.Rows.Count) return false;
        for (int row = 0; row < expected.Rows.Count; row++)
        {
            if (!expected.Rows[row].SequenceEqual(actual.Rows[row])) return false;
        }
        return true;
    }

    private static string Show(SqlOutcome outcome) => outcome.SqlState is not null
        ? $"error {outcome.SqlState} {outcome.ErrorMessage}"
        : $"types [{string.Join(",", outcome.TypeOids)}] rows {outcome.Rows.Count}: "
          + string.Join(" ; ", outcome.Rows.Take(12).Select(row => string.Join("|", row.Select(value => value ?? "NULL"))));

    private static async Task RequireAsync(SimpleQueryClient client, string sql, string server, CancellationToken cancellationToken)
    {
        SqlOutcome outcome = await client.RunAsync(sql, cancellationToken);
        Assert.True(outcome.SqlState is null, $"{server}: {sql}: {outcome.SqlState} {outcome.ErrorMessage}");
    }

    /// <summary>Three tables of 12–30 rows: small integers with NULLs (so joins and groups collide) and one-letter texts
    /// (which sort alike under the C collation and PostgreSQL's default).</summary>
    private static List<string> RandomData(Random random, string prefix)
    {
        var statements = new List<string>();
        foreach (string table in new[] { "a", "b", "c" }) statements.Add($"DROP TABLE IF EXISTS {prefix}{table}");
        statements.Add($"CREATE TABLE {prefix}a (id int PRIMARY KEY, x int, y int, s text)");
        statements.Add($"CREATE TABLE {prefix}b (id int PRIMARY KEY, a_id int, v int, s text)");
        statements.Add($"CREATE TABLE {prefix}c (k int, w int)");
        string Value(int range) => random.Next(5) == 0 ? "NULL" : random.Next(range).ToString(CultureInfo.InvariantCulture);
        string Text() => random.Next(6) == 0 ? "NULL" : $"'{(char)('a' + random.Next(4))}'";
        statements.Add($"INSERT INTO {prefix}a VALUES " + string.Join(", ", Enumerable.Range(1, random.Next(12, 30)).Select(id => $"({id}, {Value(6)}, {Value(4)}, {Text()})")));
        statements.Add($"INSERT INTO {prefix}b VALUES " + string.Join(", ", Enumerable.Range(1, random.Next(12, 30)).Select(id => $"({id}, {Value(25)}, {Value(8)}, {Text()})")));
        statements.Add($"INSERT INTO {prefix}c VALUES " + string.Join(", ", Enumerable.Range(1, random.Next(12, 30)).Select(_ => $"({Value(6)}, {Value(5)})")));
        return statements;
    }

    private async Task<SimpleQueryClient> ConnectLogAsync(CancellationToken cancellationToken)
    {
        RawClient client = await RawClient.ConnectAsync(fixture.Server.Port);
        await client.SendAsync(Bytes.Startup(("user", RealPostgres.User), ("database", "postgres")));
        List<BackendMessage> messages = await client.ReadUntilReadyForQueryAsync();
        Assert.Equal('Z', messages[^1].Type);
        return await SimpleQueryClient.StartAsync(client, cancellationToken);
    }

    /// <summary>Random SELECTs over the three tables. Every integer expression stays small (no overflow), and no
    /// division or average is generated, whose numeric scale rules are another test's business.</summary>
    private sealed class QueryGenerator(Random random, string prefix)
    {
        private static readonly string[] Comparisons = ["=", "<>", "<", "<=", ">", ">="];

        private sealed record Source(string Sql, IReadOnlyList<string> IntColumns, IReadOnlyList<string> TextColumns);

        public string Query()
        {
            if (random.Next(8) == 0) return SetOperation();
            Source source = From(out string fromSql);
            string where = random.Next(3) == 0 ? "" : " WHERE " + Predicate(source, depth: 0);
            if (random.Next(3) == 0) return Aggregate(source, fromSql, where);
            var columns = new List<string>();
            int width = random.Next(1, 4);
            for (int index = 0; index < width; index++) columns.Add(random.Next(5) == 0 && source.TextColumns.Count > 0 ? Pick(source.TextColumns) : IntExpression(source, 0));
            if (random.Next(6) == 0) columns.Add($"(SELECT count(*) FROM {prefix}c WHERE {prefix}c.k = {Pick(source.IntColumns)})");
            string distinct = random.Next(4) == 0 ? "DISTINCT " : "";
            string limit = random.Next(5) == 0 ? $" LIMIT {random.Next(1, 8)}" : "";
            return $"SELECT {distinct}{string.Join(", ", columns)} FROM {fromSql}{where} ORDER BY {OrderAll(columns.Count)}{limit}";
        }

        private string SetOperation()
        {
            string operation = Pick(["UNION", "UNION ALL", "INTERSECT", "INTERSECT ALL", "EXCEPT", "EXCEPT ALL"]);
            string Side()
            {
                Source source = From(out string fromSql);
                string where = random.Next(2) == 0 ? "" : " WHERE " + Predicate(source, depth: 1);
                return $"SELECT {IntExpression(source, 1)} FROM {fromSql}{where}";
            }
            return $"{Side()} {operation} {Side()} ORDER BY 1";
        }

        private string Aggregate(Source source, string fromSql, string where)
        {
            var keys = new List<string>();
            int keyCount = random.Next(0, 3);
            for (int index = 0; index < keyCount; index++) keys.Add(random.Next(4) == 0 && source.TextColumns.Count > 0 ? Pick(source.TextColumns) : Pick(source.IntColumns));
            keys = keys.Distinct().ToList();
            string column = Pick(source.IntColumns);
            var aggregates = new List<string> { "count(*)" };
            aggregates.Add(Pick([$"sum({column})", $"min({column})", $"max({column})", $"count({column})", $"count(DISTINCT {column})"]));
            if (random.Next(2) == 0) aggregates.Add(Pick([$"sum({Pick(source.IntColumns)} + 1)", $"max({Pick(source.IntColumns)})"]));
            var columns = keys.Concat(aggregates).ToList();
            string groupBy = keys.Count > 0 ? " GROUP BY " + string.Join(", ", keys) : "";
            string having = keys.Count > 0 && random.Next(3) == 0 ? $" HAVING count(*) {Pick(Comparisons)} {random.Next(1, 4)}" : "";
            return $"SELECT {string.Join(", ", columns)} FROM {fromSql}{where}{groupBy}{having} ORDER BY {OrderAll(columns.Count)}";
        }

        private static string OrderAll(int count) => string.Join(", ", Enumerable.Range(1, count));

        private Source From(out string sql)
        {
            Source a = new($"{prefix}a", [$"{prefix}a.id", $"{prefix}a.x", $"{prefix}a.y"], [$"{prefix}a.s"]);
            Source b = new($"{prefix}b", [$"{prefix}b.id", $"{prefix}b.a_id", $"{prefix}b.v"], [$"{prefix}b.s"]);
            Source c = new($"{prefix}c", [$"{prefix}c.k", $"{prefix}c.w"], []);
            switch (random.Next(7))
            {
                case 0:
                case 1:
                {
                    Source single = Pick([a, b, c]);
                    sql = single.Sql;
                    return single;
                }
                case 2:
                case 3:
                {
                    string kind = Pick(["JOIN", "LEFT JOIN", "RIGHT JOIN", "FULL JOIN"]);
                    string condition = random.Next(3) == 0 && kind is "JOIN" or "LEFT JOIN"
                        ? $"{prefix}a.id = {prefix}b.a_id AND {prefix}b.v {Pick(Comparisons)} {random.Next(8)}"
                        : $"{prefix}a.{Pick(["id", "x"])} = {prefix}b.a_id";
                    sql = $"{prefix}a {kind} {prefix}b ON {condition}";
                    return new Source(sql, [.. a.IntColumns, .. b.IntColumns], [.. a.TextColumns, .. b.TextColumns]);
                }
                case 4:
                {
                    sql = $"{prefix}a, {prefix}c";
                    return new Source(sql, [.. a.IntColumns, .. c.IntColumns], a.TextColumns);
                }
                case 5:
                {
                    sql = $"{prefix}b JOIN {prefix}c ON {prefix}c.k = {prefix}b.v JOIN {prefix}a ON {prefix}a.id = {prefix}b.a_id";
                    return new Source(sql, [.. a.IntColumns, .. b.IntColumns, .. c.IntColumns], [.. a.TextColumns, .. b.TextColumns]);
                }
                default:
                {
                    sql = $"(SELECT k AS n, count(*) AS m FROM {prefix}c GROUP BY k) sub";
                    return new Source(sql, ["sub.n", "sub.m"], []);
                }
            }
        }

        private string IntExpression(Source source, int depth)
        {
            return (depth < 2 ? random.Next(6) : 0) switch
            {
                0 or 1 or 2 => Pick(source.IntColumns),
                3 => $"{Pick(source.IntColumns)} + {random.Next(5)}",
                4 => $"coalesce({Pick(source.IntColumns)}, {random.Next(3)})",
                _ => $"CASE WHEN {Predicate(source, depth + 1)} THEN {Pick(source.IntColumns)} ELSE {random.Next(5)} END",
            };
        }

        private string Predicate(Source source, int depth)
        {
            int choice = depth < 2 ? random.Next(11) : random.Next(4);
            string column = Pick(source.IntColumns);
            return choice switch
            {
                0 or 1 => $"{column} {Pick(Comparisons)} {random.Next(6)}",
                2 => $"{column} {Pick(Comparisons)} {Pick(source.IntColumns)}",
                3 => $"{column} IS {(random.Next(2) == 0 ? "" : "NOT ")}NULL",
                4 => $"{column} {(random.Next(2) == 0 ? "" : "NOT ")}IN ({random.Next(5)}, {random.Next(5)}{(random.Next(3) == 0 ? ", NULL" : "")})",
                5 => $"{column} {(random.Next(2) == 0 ? "" : "NOT ")}IN (SELECT {Pick(["k", "w"])} FROM {prefix}c{(random.Next(2) == 0 ? $" WHERE w > {random.Next(4)}" : "")})",
                6 => $"{(random.Next(2) == 0 ? "" : "NOT ")}EXISTS (SELECT 1 FROM {prefix}c WHERE {prefix}c.k = {column})",
                7 => $"{column} {Pick(Comparisons)} (SELECT {Pick(["max", "min", "count"])}(w) FROM {prefix}c WHERE {prefix}c.k {Pick(Comparisons)} {column})",
                8 => $"({Predicate(source, depth + 1)} AND {Predicate(source, depth + 1)})",
                9 => $"({Predicate(source, depth + 1)} OR {Predicate(source, depth + 1)})",
                _ => $"NOT ({Predicate(source, depth + 1)})",
            };
        }

        private T Pick<T>(IReadOnlyList<T> items) => items[random.Next(items.Count)];
    }
}
