using Log.Integration.Tests.Faults;
using Npgsql;

namespace Log.Integration.Tests.Regions;

/// <summary>
/// Two peered regions and a witness as processes (<see cref="RegionProcesses"/>, 10 ms each way between regions): a
/// conflict between regions, and writes read across regions.
/// </summary>
[Collection(FaultSuite.Name)]
public sealed class RegionProcessTests
{
    [Fact]
    public async Task Writers_of_one_row_in_two_regions_one_is_refused_and_a_write_in_one_region_is_read_in_the_other()
    {
        // Not a failover test: no region seals another because the machine stalled one (RegionFailoverTests do that).
        await using var regions = await RegionProcesses.StartAsync("--region-failover-ms", "0");
        var nodes = regions.QueryNodes;
        var proxies = regions.Proxies;
        await using var a = await FaultSuite.OpenAsync(nodes["a"].Port);
        await using var b = await FaultSuite.OpenAsync(nodes["b"].Port);
        await FaultSuite.ExecuteAsync(a, "CREATE TABLE accounts (id int PRIMARY KEY, owner text)");
        await FaultSuite.ExecuteAsync(a, "INSERT INTO accounts VALUES (1, 'written in a')");
        // Acknowledged in a: a transaction begun afterwards in b has a later snapshot and sees it.
        Assert.Equal("written in a", await FaultSuite.ScalarAsync(b, "SELECT owner FROM accounts WHERE id = 1"));

        // Both transactions start before either commits: the second commit is refused, whichever region it is in.
        await FaultSuite.ExecuteAsync(a, "BEGIN");
        await FaultSuite.ExecuteAsync(b, "BEGIN");
        await FaultSuite.ExecuteAsync(a, "UPDATE accounts SET owner = 'updated in a' WHERE id = 1");
        await FaultSuite.ExecuteAsync(b, "UPDATE accounts SET owner = 'updated in b' WHERE id = 1");
        await FaultSuite.ExecuteAsync(a, "COMMIT");
        var refused = await Assert.ThrowsAsync<PostgresException>(() => FaultSuite.ExecuteAsync(b, "COMMIT"));
        Assert.Equal("40001", refused.SqlState);
        Assert.Contains("OC000", refused.MessageText, StringComparison.Ordinal);
        Assert.Equal("updated in a", await FaultSuite.ScalarAsync(b, "SELECT owner FROM accounts WHERE id = 1"));
        Assert.Equal("updated in a", await FaultSuite.ScalarAsync(a, "SELECT owner FROM accounts WHERE id = 1"));

        // Every cross-region path went through a proxy.
        Assert.All(proxies.Values, proxy => Assert.True(proxy.ConnectionsAccepted > 0));

        // The other way round: a row written in b is read in a.
        await FaultSuite.ExecuteAsync(b, "INSERT INTO accounts VALUES (2, 'written in b')");
        Assert.Equal(2L, await FaultSuite.ScalarAsync(a, "SELECT count(*) FROM accounts"));
    }
}
