using System.Text.RegularExpressions;
using Log.Integration.Tests.Faults;
using Npgsql;
using Xunit.Abstractions;

namespace Log.Integration.Tests.Regions;

/// <summary>
/// Two of the three regions lost (adjudicator/README.md, "Regions"): with the witness and region b killed, no record of
/// region a can reach a second journal, so region a's quorum writer fails its appends once they time out
/// (<c>--region-append-timeout-ms</c>) and every commit there is answered with a retryable error (58030 not committed,
/// or 08007 outcome unknown for a record that may have reached a's own copy), never acknowledged by a alone. A
/// transaction whose snapshot is below the last released timestamp still reads.
/// </summary>
[Collection(FaultSuite.Name)]
public sealed class TwoRegionsLostTests(ITestOutputHelper output)
{
    /// <summary>Short, so the commits fail soon; long enough that a live copy is not faulted while the topology starts
    /// on this loaded machine (a fault of one live copy would still leave two).</summary>
    private const string AppendTimeoutMs = "3000";

    /// <summary>Only a bound for a hang: the commit waits at most about the append timeout, nothing asserts how long.</summary>
    private const int CommandTimeoutSeconds = 120;

    private const int CommitsAfterTheLoss = 3;

    [Fact]
    public async Task With_the_witness_and_region_b_killed_commits_in_a_fail_retryably_and_an_older_snapshot_still_reads()
    {
        // No failover: the test is about what a region does when it cannot reach two journals, not about sealing.
        await using var regions = await RegionProcesses.StartAsync("--region-failover-ms", "0", "--region-append-timeout-ms", AppendTimeoutMs);
        var port = regions.QueryNodes["a"].Port;
        await using var setup = await FaultSuite.OpenAsync(port, commandTimeoutSeconds: CommandTimeoutSeconds);
        await using var reader = await FaultSuite.OpenAsync(port, commandTimeoutSeconds: CommandTimeoutSeconds);
        await FaultSuite.ExecuteAsync(setup, "CREATE TABLE notes (id int PRIMARY KEY, body text)");
        await FaultSuite.ExecuteAsync(setup, "INSERT INTO notes VALUES (1, 'before'), (2, 'the loss')");

        // A snapshot taken while every region lives: its timestamp is below the released timestamp the merge reached.
        await FaultSuite.ExecuteAsync(reader, "BEGIN");
        Assert.Equal(2L, await FaultSuite.ScalarAsync(reader, "SELECT count(*) FROM notes"));
        // Writers that began (and read what their INSERT checks) before the loss: a transaction begun after it waits for
        // a released timestamp that no longer moves, so only a commit shows what the writer does.
        var writers = new List<NpgsqlConnection>();
        try
        {
            for (var attempt = 0; attempt < CommitsAfterTheLoss; attempt++)
            {
                var writer = await FaultSuite.OpenAsync(port, commandTimeoutSeconds: CommandTimeoutSeconds);
                writers.Add(writer);
                await FaultSuite.ExecuteAsync(writer, "BEGIN");
                await FaultSuite.ExecuteAsync(writer, $"INSERT INTO notes VALUES ({10 + attempt}, 'in a alone')");
            }
            await regions.KillRegionAsync("w");
            await regions.KillRegionAsync("b");
            await CommitsFailAsync(regions, writers);
        }
        finally
        {
            foreach (var writer in writers)
            {
                await writer.DisposeAsync();
            }
        }

        // The older snapshot still answers from region a's replica, and holds only what was acknowledged before.
        Assert.Equal(2L, await FaultSuite.ScalarAsync(reader, "SELECT count(*) FROM notes"));
        Assert.Equal("the loss", await FaultSuite.ScalarAsync(reader, "SELECT body FROM notes WHERE id = 2"));
        await FaultSuite.ExecuteAsync(reader, "COMMIT");
    }

    /// <summary>Each writer's COMMIT, one after the other: every one is refused with a retryable error that names the
    /// lost quorum, none is acknowledged.</summary>
    private async Task CommitsFailAsync(RegionProcesses regions, List<NpgsqlConnection> writers)
    {
        var failures = new List<PostgresException>();
        for (var attempt = 0; attempt < writers.Count; attempt++)
        {
            var failure = await Assert.ThrowsAsync<PostgresException>(() => FaultSuite.ExecuteAsync(writers[attempt], "COMMIT"));
            output.WriteLine($"commit {attempt}: {failure.SqlState} {failure.MessageText} ({failure.Hint})");
            failures.Add(failure);
        }
        Assert.All(failures, failure =>
        {
            // Both say the transaction may be retried (08007 after reading the data back); neither is a conflict.
            Assert.Contains(failure.SqlState, new[] { "58030", "08007" });
            Assert.Contains("journal quorum is lost", failure.MessageText, StringComparison.Ordinal);
            Assert.Contains("2 must hold each record", failure.MessageText, StringComparison.Ordinal);
        });
        // Once the quorum is lost nothing more is sent: the last commits are certainly not written.
        Assert.Equal("58030", failures[^1].SqlState);
        Assert.Contains("safe to retry", failures[^1].Hint, StringComparison.Ordinal);
        var log = regions.Adjudicators["a"].Output;
        Assert.Contains("The journal quorum is lost", log, StringComparison.Ordinal);
        // The lost quorum fails every heartbeat (one per heartbeat interval, for ever): one warning says so, not each.
        Assert.Single(Regex.Matches(log, "A heartbeat of region a was not appended"));
    }
}
