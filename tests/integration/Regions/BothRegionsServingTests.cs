using Log.Integration.Tests.Cluster;
using Log.Integration.Tests.Faults;
using Npgsql;
using Xunit.Abstractions;

namespace Log.Integration.Tests.Regions;

/// <summary>Two peered regions and a witness as processes, 10 ms each way between regions, shared by the tests of
/// <see cref="BothRegionsServingTests"/> (each works in tables of its own); no failover, as no region is lost here.</summary>
public sealed class BothRegionsFixture : IAsyncLifetime
{
    public RegionProcesses Regions { get; private set; } = null!;

    public async Task InitializeAsync() => Regions = await RegionProcesses.StartAsync("--region-failover-ms", "0");

    public async Task DisposeAsync() => await Regions.DisposeAsync();
}

/// <summary>
/// Both peered regions serve one database at once, with no region lost: DDL run through either region's query node is
/// followed by the other's (its cached plans are bound again, in the merged order of the region topics), and a bank run
/// through both regions keeps its total in every snapshot and every acknowledged transfer in both regions.
/// </summary>
[Collection(FaultSuite.Name)]
public sealed class BothRegionsServingTests(BothRegionsFixture fixture, ITestOutputHelper output) : IClassFixture<BothRegionsFixture>
{
    private int A => fixture.Regions.QueryNodes["a"].Port;
    private int B => fixture.Regions.QueryNodes["b"].Port;

    [Fact]
    public async Task Ddl_run_in_either_region_is_followed_by_the_other_regions_cached_plans()
    {
        await using var a = await FaultSuite.OpenAsync(A);
        await using var b = await FaultSuite.OpenAsync(B);

        // A table created in a is written and read through b.
        await FaultSuite.ExecuteAsync(a, "CREATE TABLE replaced (id int PRIMARY KEY)");
        await FaultSuite.ExecuteAsync(b, "INSERT INTO replaced VALUES (1)");
        Assert.Equal(1L, await FaultSuite.ScalarAsync(a, "SELECT count(*) FROM replaced"));

        // A plan b keeps must not outlive the table a replaces: one kept from before the DROP would read the old
        // table's rows (b's node would not move its catalog version for a's DDL).
        await using var countInB = new NpgsqlCommand("SELECT count(*) FROM replaced", b);
        await countInB.PrepareAsync();
        Assert.Equal(1L, await countInB.ExecuteScalarAsync());
        await FaultSuite.ExecuteAsync(a, "DROP TABLE replaced");
        await FaultSuite.ExecuteAsync(a, "CREATE TABLE replaced (id int PRIMARY KEY)");
        await FaultSuite.ExecuteAsync(a, "INSERT INTO replaced VALUES (1), (2), (3)");
        Assert.Equal(3L, await countInB.ExecuteScalarAsync());

        // The other way round, and DDL of both regions in turn on one table: a's plan follows b's DDL.
        await using var countInA = new NpgsqlCommand("SELECT count(*) FROM replaced", a);
        await countInA.PrepareAsync();
        Assert.Equal(3L, await countInA.ExecuteScalarAsync());
        await FaultSuite.ExecuteAsync(b, "TRUNCATE replaced");
        Assert.Equal(0L, await countInA.ExecuteScalarAsync());
        await FaultSuite.ExecuteAsync(b, "ALTER TABLE replaced ADD COLUMN note text");
        await FaultSuite.ExecuteAsync(a, "INSERT INTO replaced VALUES (4, 'from a')");
        await FaultSuite.ExecuteAsync(a, "ALTER TABLE replaced ADD COLUMN score int DEFAULT 7");
        await FaultSuite.ExecuteAsync(b, "INSERT INTO replaced VALUES (5, 'from b', 8)");
        foreach (var connection in new[] { a, b })
        {
            Assert.Equal("4 from a 7,5 from b 8",
                await FaultSuite.ScalarAsync(connection, "SELECT string_agg(id || ' ' || note || ' ' || score, ',' ORDER BY id) FROM replaced"));
            Assert.Equal(2L, await FaultSuite.ScalarAsync(connection, "SELECT count(*) FROM replaced"));
        }
        Assert.Equal(2L, await countInA.ExecuteScalarAsync());
        Assert.Equal(2L, await countInB.ExecuteScalarAsync());

        // A table dropped in b is gone in a.
        await FaultSuite.ExecuteAsync(b, "DROP TABLE replaced");
        var dropped = await Assert.ThrowsAsync<PostgresException>(async () => await countInA.ExecuteScalarAsync());
        Assert.Equal("42P01", dropped.SqlState);
    }

    [Fact]
    public async Task A_bank_in_both_regions_at_once_keeps_its_total_in_every_snapshot_and_every_acknowledged_transfer()
    {
        var bank = new ClusterBank([() => A, () => B]);
        await bank.CreateAsync();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(FaultSuite.Pick(10, 60)));
        var totals = new[] { A, B }.Select(port => Task.Run(() => ReadTotalsAsync(port, stop.Token))).ToArray();
        List<long>[] totalsRead;
        try
        {
            await bank.RunAsync(clients: 4, seed: Environment.TickCount, stop.Token);
            totalsRead = await Task.WhenAll(totals);
        }
        catch
        {
            output.WriteLine(fixture.Regions.Outputs());
            throw;
        }

        output.WriteLine(string.Join(", ", bank.Transfers.GroupBy(transfer => transfer.Outcome).Select(group => $"{group.Count()} {group.Key}")));
        output.WriteLine($"snapshots read: a {totalsRead[0].Count}, b {totalsRead[1].Count}");
        Assert.True(bank.Acknowledged > 5, "too few acknowledged transfers to judge");
        // No region is lost: a transfer is refused only as a conflict (40001), never left unknown.
        Assert.DoesNotContain(bank.Transfers, transfer => transfer.Outcome == ClusterBank.Outcome.Unknown);
        Assert.DoesNotContain(bank.Transfers, transfer => transfer.Outcome == ClusterBank.Outcome.Refused && !transfer.Error!.StartsWith("40001", StringComparison.Ordinal));
        foreach (var read in totalsRead)
        {
            Assert.NotEmpty(read);
            Assert.All(read, total => Assert.Equal(ClusterBank.AccountCount * ClusterBank.InitialBalance, total));
        }
        foreach (var port in new[] { A, B })
        {
            var problems = await bank.VerifyAsync(port);
            Assert.True(problems.Count == 0, string.Join("\n", problems.Take(30)));
        }
    }

    /// <summary>The bank's total as each snapshot of one region saw it, read until stopped.</summary>
    private static async Task<List<long>> ReadTotalsAsync(int port, CancellationToken stop)
    {
        var totals = new List<long>();
        await using var connection = await FaultSuite.OpenAsync(port);
        while (!stop.IsCancellationRequested)
        {
            totals.Add((long)(await FaultSuite.ScalarAsync(connection, "SELECT sum(balance)::bigint FROM accounts"))!);
        }
        return totals;
    }
}
