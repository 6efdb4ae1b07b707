using System.Diagnostics;
using Log.Integration.Tests.Faults;
using Log.Integration.Tests.Support;
using Npgsql;
using Xunit.Abstractions;

namespace Log.Integration.Tests.Cluster;

/// <summary>
/// The zombie adjudicator, as processes: adjudicator A for shard 0 serves query node A; A is stopped (SIGSTOP), a
/// second adjudicator B starts for the same shard with its own query node, commits go through B, then A resumes and a
/// commit goes through A's query node. A must get nothing acknowledged (it steps down), every acknowledged commit is
/// visible through both query nodes, and a replica replaying the journal from offset 0 reaches the same state digest.
/// </summary>
[Collection(FaultSuite.Name)]
public sealed class FencingClusterTests(ITestOutputHelper output)
{
    /// <summary>Above the query node's adjudicator call timeout (30 s), which a commit to a stepped-down adjudicator
    /// waits out before it is answered 57P03.</summary>
    private const int CommandTimeoutSeconds = 75;

    [Fact]
    public async Task A_zombie_adjudicator_resumed_after_a_newer_one_started_gets_no_commit_acknowledged()
    {
        var directory = Directory.CreateTempSubdirectory("log-fencing-").FullName;
        var roles = new List<RoleProcess>();
        var queryNodes = new List<LogProcess>();
        RoleProcess? zombie = null;
        try
        {
            var journal = await RoleProcess.StartJournalAsync(Path.Combine(directory, "journal"));
            roles.Add(journal);
            var journalAddress = $"127.0.0.1:{journal.Port}";
            zombie = await RoleProcess.StartAdjudicatorAsync(journalAddress);
            roles.Add(zombie);
            var nodeA = await StartQueryNodeAsync(journalAddress, zombie, queryNodes);
            await using (var connection = await FaultSuite.OpenAsync(nodeA.Port, default, CommandTimeoutSeconds))
            {
                await FaultSuite.ExecuteAsync(connection, "CREATE TABLE fenced (id int PRIMARY KEY, via text)");
                await FaultSuite.ExecuteAsync(connection, "INSERT INTO fenced VALUES (1, 'a before the stop')");
            }

            await SignalAsync("STOP", zombie.ProcessId);
            var newer = await RoleProcess.StartAdjudicatorAsync(journalAddress);
            roles.Add(newer);
            var nodeB = await StartQueryNodeAsync(journalAddress, newer, queryNodes);
            await using var throughB = await FaultSuite.OpenAsync(nodeB.Port, default, CommandTimeoutSeconds);
            await FaultSuite.ExecuteAsync(throughB, "INSERT INTO fenced VALUES (2, 'b while a is stopped')");

            // A commit through A's node is sent while A is stopped, and decided (if at all) once it resumes.
            await using var throughA = await FaultSuite.OpenAsync(nodeA.Port, default, CommandTimeoutSeconds);
            var inFlight = TryExecuteAsync(throughA, "INSERT INTO fenced VALUES (3, 'a in flight across the resume')");
            await Task.Delay(TimeSpan.FromSeconds(1));
            await SignalAsync("CONT", zombie.ProcessId);
            await FaultSuite.ExecuteAsync(throughB, "INSERT INTO fenced VALUES (4, 'b after a resumed')");
            await using var againThroughA = await FaultSuite.OpenAsync(nodeA.Port, default, CommandTimeoutSeconds);
            var afterResume = await TryExecuteAsync(againThroughA, "INSERT INTO fenced VALUES (5, 'a after it resumed')");
            var acrossResume = await inFlight;
            await FaultSuite.ExecuteAsync(throughB, "INSERT INTO fenced VALUES (6, 'b at the end')");
            output.WriteLine($"through A across the resume: {acrossResume ?? "acknowledged"}; after: {afterResume ?? "acknowledged"}");

            // Never acknowledged: refused (57P03, not committed) or unknown (08007), nothing else.
            foreach (var outcome in new[] { acrossResume, afterResume })
            {
                Assert.True(outcome is not null, "the fenced adjudicator acknowledged a commit");
                Assert.True(outcome.StartsWith("57P03", StringComparison.Ordinal) || outcome.StartsWith("08007", StringComparison.Ordinal)
                    || outcome.StartsWith("40001", StringComparison.Ordinal), outcome);
            }
            await WaitForOutputAsync(zombie, "stepped down");

            // Every acknowledged commit, through either node; the refused one nowhere; unknown ones not counted either
            // (the zombie's record, if it landed, is fenced).
            var expected = "1,2,4,6";
            Assert.Equal(expected, await FaultSuite.ScalarAsync(throughB, "SELECT string_agg(id::text, ',' ORDER BY id) FROM fenced"));
            await using (var readA = await FaultSuite.OpenAsync(nodeA.Port, default, CommandTimeoutSeconds))
            {
                Assert.Equal(expected, await FaultSuite.ScalarAsync(readA, "SELECT string_agg(id::text, ',' ORDER BY id) FROM fenced"));
            }

            // A replica that replays the whole partition from offset 0 reaches the same state.
            var checkpoint = (string)(await FaultSuite.ScalarAsync(throughB, "SELECT sys.checkpoint()"))!;
            var timestamp = long.Parse(checkpoint[(checkpoint.LastIndexOf(' ') + 1)..]);
            var replay = await StartQueryNodeAsync(journalAddress, newer, queryNodes);
            var digests = new List<string>();
            foreach (var node in new[] { nodeA, nodeB, replay })
            {
                await using var connection = await FaultSuite.OpenAsync(node.Port, default, CommandTimeoutSeconds);
                digests.Add((string)(await FaultSuite.ScalarAsync(connection, $"SELECT sys.state_digest({timestamp})"))!);
            }
            Assert.Single(digests.Distinct());
        }
        finally
        {
            if (zombie is not null)
            {
                await SignalAsync("CONT", zombie.ProcessId, mustSucceed: false);
            }
            foreach (var node in queryNodes) await node.DisposeAsync();
            for (var index = roles.Count - 1; index >= 0; index--) await roles[index].DisposeAsync();
            LogProcess.DeleteDirectory(directory);
        }
    }

    private static async Task<LogProcess> StartQueryNodeAsync(string journalAddress, RoleProcess adjudicator, List<LogProcess> started)
    {
        var node = await LogProcess.StartAsync(null, "--journal", journalAddress, "--adjudicator", $"127.0.0.1:{adjudicator.Port}");
        started.Add(node);
        return node;
    }

    /// <summary>Null when the statement succeeded; else its SQLSTATE and message.</summary>
    private static async Task<string?> TryExecuteAsync(NpgsqlConnection connection, string sql)
    {
        try
        {
            await FaultSuite.ExecuteAsync(connection, sql);
            return null;
        }
        catch (PostgresException exception)
        {
            return $"{exception.SqlState} {exception.MessageText}";
        }
    }

    private static async Task WaitForOutputAsync(RoleProcess role, string text)
    {
        var waited = Stopwatch.StartNew();
        while (!role.Output.Contains(text, StringComparison.Ordinal))
        {
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(30), $"the adjudicator never printed '{text}':\n{role.Output}");
            await Task.Delay(100);
        }
    }

    private static async Task SignalAsync(string signal, int processId, bool mustSucceed = true)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", $"-{signal} {processId}") { UseShellExecute = false })
            ?? throw new InvalidOperationException("could not run kill");
        await kill.WaitForExitAsync();
        if (mustSucceed)
        {
            Assert.Equal(0, kill.ExitCode);
        }
    }
}
