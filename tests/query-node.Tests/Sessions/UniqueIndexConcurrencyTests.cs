namespace Log.QueryNode.Tests.Sessions;

/// <summary>Unique indexes and index builds under concurrent transactions, through real sessions over an in-memory
/// cluster that applies the adjudicator's first-committer-wins rule.</summary>
public sealed class UniqueIndexConcurrencyTests
{
    private readonly InMemoryCluster cluster = new();

    [Fact]
    public async Task Two_transactions_inserting_the_same_unique_value_cannot_both_commit()
    {
        await using var setup = cluster.Connect();
        await setup.QueryAsync("create table t (id int primary key, code text unique)");
        await using var first = cluster.Connect();
        await using var second = cluster.Connect();
        await first.QueryAsync("begin; insert into t values (1, 'x')");
        await second.QueryAsync("begin; insert into t values (2, 'x')");
        Assert.Equal(["CommandComplete COMMIT"], await second.QueryAsync("commit"));
        List<string> refused = await first.QueryAsync("commit");
        Assert.StartsWith("Error 40001", Assert.Single(refused));
        Assert.Equal(["2|x"], await setup.RowsAsync("select id, code from t"));

        // A transaction that starts after the commit sees the value: 23505, not a conflict.
        List<string> duplicate = await first.QueryAsync("insert into t values (3, 'x')");
        Assert.Equal(["Error 23505 duplicate key value violates unique constraint \"t_code_key\""], duplicate);
    }

    [Fact]
    public async Task An_index_built_while_clients_write_agrees_with_a_full_scan()
    {
        await using var setup = cluster.Connect();
        await setup.QueryAsync("create table t (id int primary key, a int)");
        for (int batch = 0; batch < 3; batch++)
        {
            string values = string.Join(", ", Enumerable.Range(batch * 1000, 1000).Select(id => $"({id}, {id % 13})"));
            await setup.QueryAsync("insert into t values " + values);
        }
        using var stop = new CancellationTokenSource();
        var writers = Enumerable.Range(0, 4).Select(writer => Task.Run(async () =>
        {
            await using var session = cluster.Connect();
            var random = new Random(writer);
            int writes = 0;
            while (!stop.IsCancellationRequested || writes < 20)
            {
                int id = random.Next(3500);
                string statement = random.Next(3) switch
                {
                    0 => $"delete from t where id = {id}",
                    1 => $"update t set a = {random.Next(13)} where id = {id}",
                    _ => $"insert into t values ({id}, {random.Next(13)}) on conflict (id) do update set a = excluded.a",
                };
                await session.QueryAsync(statement); // a 40001 here is the writer's own business
                writes++;
            }
        })).ToArray();
        await using var builder = cluster.Connect();
        List<string> created = await builder.QueryAsync("create index t_a on t (a)");
        stop.Cancel();
        await Task.WhenAll(writers);
        Assert.Equal(["CommandComplete CREATE INDEX"], created);
        Assert.Contains(await setup.RowsAsync("explain (costs off) select id from t where a = 1"), line => line.Contains("Index Only Scan using t_a", StringComparison.Ordinal));
        for (int value = 0; value < 13; value++)
        {
            Assert.Equal(await setup.RowsAsync($"select id from t where a + 0 = {value} order by id"), await setup.RowsAsync($"select id from t where a = {value} order by id"));
        }
    }
}
