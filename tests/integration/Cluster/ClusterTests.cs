using System.Collections.Concurrent;
using Log.Integration.Tests.Faults;
using Log.Integration.Tests.Support;
using Npgsql;
using Xunit.Abstractions;

namespace Log.Integration.Tests.Cluster;

/// <summary>One journal node, one adjudicator and two query nodes as processes on loopback, shared by the tests of
/// <see cref="ClusterTests"/> (each works in tables of its own).</summary>
public sealed class TwoQueryNodeCluster : IAsyncLifetime
{
    public LocalCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync() => Cluster = await LocalCluster.StartAsync(queryNodeCount: 2);

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}

/// <summary>Several query nodes on one journal and one adjudicator behave as one database.</summary>
[Collection(FaultSuite.Name)]
public sealed class ClusterTests(TwoQueryNodeCluster fixture, ITestOutputHelper output) : IClassFixture<TwoQueryNodeCluster>
{
    private int First => fixture.Cluster.QueryNodes[0].Port;
    private int Second => fixture.Cluster.QueryNodes[1].Port;

    [Fact]
    public async Task Psql_works_through_both_query_nodes_and_a_commit_through_one_is_read_through_the_other()
    {
        var created = await Psql.RunAsync(First, "CREATE TABLE notes (id int PRIMARY KEY, body text);\nINSERT INTO notes VALUES (1, 'from the first');\n");
        Assert.True(created.ExitCode == 0, created.ToString());

        // Right after the first node acknowledged: the second node's snapshot holds it.
        var read = await Psql.CommandAsync(Second, "SELECT id, body FROM notes ORDER BY id");
        Assert.True(read.ExitCode == 0, read.ToString());
        Assert.Equal("1|from the first", read.Output);

        var written = await Psql.CommandAsync(Second, "INSERT INTO notes VALUES (2, 'from the second')");
        Assert.True(written.ExitCode == 0, written.ToString());
        var back = await Psql.CommandAsync(First, "SELECT string_agg(body, ',' ORDER BY id) FROM notes");
        Assert.Equal("from the first,from the second", back.Output);
    }

    [Fact]
    public async Task A_prepared_query_on_one_node_sees_a_table_replaced_through_the_other()
    {
        await using var first = await FaultSuite.OpenAsync(First);
        await using var second = await FaultSuite.OpenAsync(Second);
        await FaultSuite.ExecuteAsync(first, "CREATE TABLE replaced (id int PRIMARY KEY)");
        await FaultSuite.ExecuteAsync(first, "INSERT INTO replaced VALUES (1)");
        await using var count = new NpgsqlCommand("SELECT count(*) FROM replaced", second);
        await count.PrepareAsync();
        Assert.Equal(1L, await count.ExecuteScalarAsync());

        await FaultSuite.ExecuteAsync(first, "DROP TABLE replaced");
        await FaultSuite.ExecuteAsync(first, "CREATE TABLE replaced (id int PRIMARY KEY)");
        await FaultSuite.ExecuteAsync(first, "INSERT INTO replaced VALUES (1), (2), (3)");

        // A plan kept from before the DROP would read the old table's rows.
        Assert.Equal(3L, await count.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Nextval_from_eight_clients_over_both_nodes_never_repeats_a_value()
    {
        await using (var setup = await FaultSuite.OpenAsync(First))
        {
            await FaultSuite.ExecuteAsync(setup, "CREATE SEQUENCE shared_sequence");
        }
        var values = new ConcurrentBag<long>();
        const int PerClient = 40;
        await Task.WhenAll(Enumerable.Range(0, 8).Select(client => Task.Run(async () =>
        {
            await using var connection = await FaultSuite.OpenAsync(client % 2 == 0 ? First : Second);
            for (var call = 0; call < PerClient; call++)
            {
                values.Add((long)(await FaultSuite.ScalarAsync(connection, "SELECT nextval('shared_sequence')"))!);
            }
        })));

        Assert.Equal(8 * PerClient, values.Count);
        var repeated = values.GroupBy(value => value).Where(group => group.Count() > 1).Select(group => group.Key).ToList();
        Assert.True(repeated.Count == 0, "repeated: " + string.Join(", ", repeated.Take(20)));
    }

    [Fact]
    public async Task Rows_without_a_primary_key_inserted_through_both_nodes_at_once_all_stay()
    {
        // Such rows are keyed by hidden row ids: two nodes minting the same id would overwrite each other's rows.
        await using (var setup = await FaultSuite.OpenAsync(First))
        {
            await FaultSuite.ExecuteAsync(setup, "CREATE TABLE heap (client int, n int)");
        }
        const int PerClient = 50;
        await Task.WhenAll(Enumerable.Range(0, 4).Select(client => Task.Run(async () =>
        {
            await using var connection = await FaultSuite.OpenAsync(client % 2 == 0 ? First : Second);
            for (var row = 0; row < PerClient; row++)
            {
                await FaultSuite.ExecuteAsync(connection, "INSERT INTO heap VALUES ($1, $2), ($1, $2)", default, client, row);
            }
        })));

        await using var check = await FaultSuite.OpenAsync(Second);
        Assert.Equal(4L * PerClient * 2, await FaultSuite.ScalarAsync(check, "SELECT count(*) FROM heap"));
    }

    [Fact]
    public async Task A_bank_through_both_nodes_keeps_its_total_and_every_acknowledged_transfer()
    {
        // Its own tables: the bank's are named accounts and transfers, so it runs alone in this cluster's database.
        var bank = new ClusterBank([() => First, () => Second]);
        await bank.CreateAsync();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(8));
        await bank.RunAsync(clients: 6, seed: Environment.TickCount, stop.Token);

        output.WriteLine(string.Join(", ", bank.Transfers.GroupBy(transfer => transfer.Outcome).Select(group => $"{group.Count()} {group.Key}")));
        Assert.True(bank.Acknowledged > 10, "too few acknowledged transfers to judge");
        Assert.DoesNotContain(bank.Transfers, transfer => transfer.Outcome == ClusterBank.Outcome.Refused && !transfer.Error!.StartsWith("40001"));
        foreach (var port in new[] { First, Second })
        {
            var problems = await bank.VerifyAsync(port);
            Assert.True(problems.Count == 0, string.Join("\n", problems.Take(30)));
        }
    }
}
