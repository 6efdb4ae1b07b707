using System.Diagnostics;
using Log.Integration.Tests.Support;
using Npgsql;
using Xunit.Abstractions;

namespace Log.Integration.Tests.Faults;

/// <summary>
/// The journal unreachable in the cluster composition: a journal node, an adjudicator process and a query node with
/// --adjudicator, the last two reaching the journal only through a fault proxy. While the journal cannot be reached,
/// a transaction fails at its first statement with a retryable SQLSTATE (its snapshot needs the journal's end), never
/// hangs past a bound; once it is back, transactions begin and commit again within a bound.
/// </summary>
[Collection(FaultSuite.Name)]
public sealed class ClusterJournalFaultTests(ITestOutputHelper output)
{
    private static readonly TimeSpan FaultDuration = TimeSpan.FromSeconds(6);
    private static readonly TimeSpan RecoveryTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan StatementBound = TimeSpan.FromSeconds(45);
    private const int CommandTimeoutSeconds = 40;

    /// <summary>What a client may be told while the journal is away: unavailable (57P03), not committed (58030),
    /// unknown (08007), or a conflict to retry (40001).</summary>
    private static readonly string[] RetryableStates = ["57P03", "58030", "08007", "40001"];

    [Fact]
    public async Task With_the_journal_unreachable_transactions_fail_retryably_and_work_again_after()
    {
        var folder = Directory.CreateTempSubdirectory("log-cluster-journal-faults-").FullName;
        var journalPort = TcpFaultProxy.FreePort();
        await using var proxy = TcpFaultProxy.Start(journalPort);
        RoleProcess? journal = null;
        RoleProcess? adjudicator = null;
        LogProcess? node = null;
        try
        {
            journal = await RoleProcess.StartJournalAsync(Path.Combine(folder, "journal"), journalPort, advertisedPort: proxy.Port);
            var throughProxy = $"127.0.0.1:{proxy.Port}";
            adjudicator = await RoleProcess.StartAdjudicatorAsync(throughProxy);
            node = await LogProcess.StartAsync(null, "--journal", throughProxy, "--adjudicator", $"127.0.0.1:{adjudicator.Port}");
            await using (var setup = await FaultSuite.OpenAsync(node.Port, default, CommandTimeoutSeconds))
            {
                await FaultSuite.ExecuteAsync(setup, "CREATE TABLE journal_away (id int PRIMARY KEY)");
                await FaultSuite.ExecuteAsync(setup, "INSERT INTO journal_away VALUES (0)");
            }

            proxy.RefuseNewConnections = true;
            proxy.Cut();
            var during = Stopwatch.StartNew();
            var outcomes = new List<string>();
            var id = 1;
            while (during.Elapsed < FaultDuration)
            {
                var (outcome, took) = await TryTransactionAsync(node.Port, id++);
                Assert.True(took < StatementBound, $"a transaction took {took} while the journal was away");
                outcomes.Add(outcome);
            }
            proxy.Heal();
            output.WriteLine("while the journal was away: " + string.Join(", ", outcomes.GroupBy(outcome => outcome).Select(group => $"{group.Count()} x {group.Key}")));
            Assert.Contains(outcomes, outcome => RetryableStates.Any(state => outcome.StartsWith(state, StringComparison.Ordinal)));
            Assert.DoesNotContain(outcomes, outcome => outcome.StartsWith("XX", StringComparison.Ordinal));

            var healed = Stopwatch.StartNew();
            string last;
            while ((last = (await TryTransactionAsync(node.Port, ++id)).Outcome) != "committed")
            {
                Assert.True(healed.Elapsed < RecoveryTimeout,
                    $"no transaction committed within {RecoveryTimeout} after the journal came back; last: {last}\n{adjudicator.Output}\n{node.Output}");
                await Task.Delay(200);
            }
            output.WriteLine($"committed again {healed.Elapsed.TotalSeconds:F1} s after the journal came back");
            await using var check = await FaultSuite.OpenAsync(node.Port, default, CommandTimeoutSeconds);
            Assert.Equal(1L, await FaultSuite.ScalarAsync(check, "SELECT count(*) FROM journal_away WHERE id = $1", default, id));
        }
        finally
        {
            proxy.Heal();
            if (node is not null) await node.DisposeAsync();
            if (adjudicator is not null) await adjudicator.DisposeAsync();
            if (journal is not null) await journal.DisposeAsync();
            LogProcess.DeleteDirectory(folder);
        }
    }

    /// <summary>One transaction on a new connection: "committed", a SQLSTATE and message, or "connection: ...".</summary>
    private static async Task<(string Outcome, TimeSpan Took)> TryTransactionAsync(int port, int id)
    {
        var watch = Stopwatch.StartNew();
        try
        {
            await using var connection = await FaultSuite.OpenAsync(port, default, CommandTimeoutSeconds);
            await FaultSuite.ExecuteAsync(connection, "BEGIN");
            await FaultSuite.ScalarAsync(connection, "SELECT count(*) FROM journal_away");
            await FaultSuite.ExecuteAsync(connection, "INSERT INTO journal_away VALUES ($1)", default, id);
            await FaultSuite.ExecuteAsync(connection, "COMMIT");
            return ("committed", watch.Elapsed);
        }
        catch (PostgresException exception)
        {
            return ($"{exception.SqlState} {exception.MessageText}", watch.Elapsed);
        }
        catch (Exception exception) when (exception is NpgsqlException or IOException or TimeoutException)
        {
            return ($"connection: {exception.GetBaseException().Message}", watch.Elapsed);
        }
    }
}
