using Log.QueryNode.Sessions;
using Log.QueryNode.Sql.Planner;

namespace Log.QueryNode.Tests.Sessions;

/// <summary>Prepared statements read secondary indexes with each Bind's values: the index's bounds are kept as terms in
/// the cached plan and encoded when the scan opens, for column keys and for expression keys (WHERE lower(email) = $1).</summary>
public sealed class IndexParameterTests
{
    private readonly InMemoryCluster cluster = new();

    [Fact]
    public async Task An_expression_index_serves_a_prepared_lookup_of_the_expression()
    {
        await using var session = cluster.Connect();
        await session.QueryAsync("create table users (id int primary key, email text)");
        await session.QueryAsync("insert into users select g, 'User' || g || '@Example.com' from generate_series(1, 200) g");
        await session.QueryAsync("create index users_lower_email on users (lower(email))");
        var statement = await session.PrepareAsync("select id from users where lower(email) = $1", [], CancellationToken.None);
        Assert.Equal(["7"], await PlanCacheTests.RunAsync(session, statement, "user7@example.com"));
        Assert.Equal(["42"], await PlanCacheTests.RunAsync(session, statement, "user42@example.com"));
        Assert.Equal([], await PlanCacheTests.RunAsync(session, statement, "User42@Example.com"));
        Assert.Equal([], await PlanCacheTests.RunAsync(session, statement, [null]));
        Assert.Equal(1, QuerySession.PlanOf(statement)!.PlanCount);
        AccessPath path = PlanCacheTests.Scans(QuerySession.PlanOf(statement)!.Planned!.Root).Single();
        Assert.Equal(AccessKind.IndexScan, path.Kind);
        Assert.Equal("users_lower_email", path.Index!.Name);
        Assert.NotNull(path.IndexKeys);
    }

    [Theory]
    [InlineData("select id from t where k = $1 and id % 2 = $2 order by id", 5, 1, "153")]
    [InlineData("select id from t where k >= $1 and k < $2 order by id", 99, 101, "30,60,131,161,232,262")]
    [InlineData("select count(*) from t where k between $1 and $2", 10, 30, "62")]
    [InlineData("select k from t where k > $1 order by k desc limit 4", 97, null, "100,100,100,99")]
    [InlineData("select k from t where k > $1 and k < $2 order by k desc limit 4", 97, 100, "99,99,99,98")]
    [InlineData("select id from t where k = $1 order by id", null, null, "")]
    public async Task Index_bounds_take_the_Binds_values(string sql, object? first, object? second, string expected)
    {
        await using var session = cluster.Connect();
        await session.QueryAsync("create table t (id int primary key, k int)");
        await session.QueryAsync("insert into t select g, (g * 37) % 101 from generate_series(1, 300) g");
        await session.QueryAsync("create index t_k on t (k)");
        var statement = await session.PrepareAsync(sql, [], CancellationToken.None);
        Assert.Equal(expected, string.Join(",", await PlanCacheTests.RunAsync(session, statement, first, second)));
        Assert.Equal(AccessKind.IndexScan, PlanCacheTests.Scans(QuerySession.PlanOf(statement)!.Planned!.Root).Single().Kind);
        // The second Bind reuses the plan with other values: nothing of the first values stays in it.
        Assert.Equal(1, QuerySession.PlanOf(statement)!.PlanCount);
    }
}
