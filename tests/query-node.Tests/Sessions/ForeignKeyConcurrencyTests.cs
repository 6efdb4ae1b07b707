namespace Log.QueryNode.Tests.Sessions;

/// <summary>Foreign keys under concurrent transactions, through real sessions over an in-memory cluster that applies
/// the adjudicator's first-committer-wins rule: an insert of a child and a delete of its parent never both commit.</summary>
public sealed class ForeignKeyConcurrencyTests
{
    private readonly InMemoryCluster cluster = new();

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_child_insert_and_a_parent_delete_cannot_both_commit(bool childCommitsFirst)
    {
        await using var setup = cluster.Connect();
        await setup.QueryAsync("create table p (id int primary key); create table c (id int primary key, p int references p)");
        await setup.QueryAsync("insert into p values (1)");
        await using var child = cluster.Connect();
        await using var parent = cluster.Connect();
        await child.QueryAsync("begin; insert into c values (1, 1)");
        await parent.QueryAsync("begin; delete from p where id = 1");
        (var first, var second) = childCommitsFirst ? (child, parent) : (parent, child);
        Assert.Equal(["CommandComplete COMMIT"], await first.QueryAsync("commit"));
        Assert.StartsWith("Error 40001", Assert.Single(await second.QueryAsync("commit")));
        Assert.Equal(childCommitsFirst ? ["1"] : [], await setup.RowsAsync("select id from p"));
        Assert.Equal(childCommitsFirst ? ["1|1"] : [], await setup.RowsAsync("select id, p from c"));
    }

    [Fact]
    public async Task Racing_clients_inserting_children_and_deleting_parents_leave_no_orphan()
    {
        await using var setup = cluster.Connect();
        await setup.QueryAsync("create table p (id int primary key); create table c (id int primary key, p int references p)");
        const int parents = 6;
        await setup.QueryAsync("insert into p select generate_series(1, " + parents + ")");
        int nextChild = 0;
        int committed = 0;
        var clients = Enumerable.Range(0, 8).Select(client => Task.Run(async () =>
        {
            await using var session = cluster.Connect();
            var random = new Random(client);
            for (int step = 0; step < 40; step++)
            {
                int parent = random.Next(1, parents + 1);
                string work = random.Next(3) switch
                {
                    0 => $"delete from c where p = {parent}; delete from p where id = {parent}",
                    1 => $"insert into p values ({parent}) on conflict do nothing",
                    _ => $"insert into c values ({Interlocked.Increment(ref nextChild)}, {parent})",
                };
                await session.QueryAsync("begin; " + work);
                List<string> result = await session.QueryAsync("commit");
                if (result.SequenceEqual(["CommandComplete COMMIT"])) Interlocked.Increment(ref committed);
                else await session.QueryAsync("rollback");
            }
        })).ToArray();
        await Task.WhenAll(clients);
        Assert.True(committed > 0);
        Assert.Empty(await setup.RowsAsync("select c.id from c left join p on p.id = c.p where p.id is null"));
    }
}
