using System.Diagnostics;
using Log.Adjudicator;
using Log.Adjudicator.Rpc;
using Log.Integration.Tests.Faults;
using Log.Integration.Tests.Support;
using Log.Journal.Client;
using Log.Journal.Time;

namespace Log.Integration.Tests.Cluster;

/// <summary>Read-only transactions take their snapshot from the journal and the local replica: they never reach the
/// adjudicator, so they go on while it is stopped, and they still see every commit acknowledged before they began.</summary>
[Collection(FaultSuite.Name)]
public sealed class ReadOnlyTransactionTests
{
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(20);

    /// <summary>The in-process adjudicator of a test, counting the calls a query node makes to it over the RPC.</summary>
    private sealed class CountingAdjudicator(IAdjudicator inner) : IAdjudicator
    {
        private int commits;
        private int closes;

        public int Calls => Volatile.Read(ref commits) + Volatile.Read(ref closes);

        public Task<CommitResult> CommitAsync(CommitRequest request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref commits);
            return inner.CommitAsync(request, cancellationToken);
        }

        public Task<ReadFence> CloseTimestampAsync(HybridTimestamp timestamp, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref closes);
            return inner.CloseTimestampAsync(timestamp, cancellationToken);
        }
    }

    [Fact]
    public async Task Read_only_transactions_make_no_adjudicator_call_and_writes_do()
    {
        var directory = Directory.CreateTempSubdirectory("log-read-only-").FullName;
        try
        {
            await using var journal = await RoleProcess.StartJournalAsync(Path.Combine(directory, "journal"));
            var clientOptions = new JournalClientOptions { BootstrapServers = $"127.0.0.1:{journal.Port}" };
            await using var writer = new KafkaJournalWriter(clientOptions);
            await using var reader = new KafkaJournalReader(clientOptions);
            var clock = new HybridClock();
            var shardOptions = new AdjudicatorOptions();
            await using var supervisor = new AdjudicatorSupervisor(() => new AdjudicatorShard(shardOptions, writer, reader, clock), shardOptions);
            await supervisor.StartAsync(CancellationToken.None);
            var counting = new CountingAdjudicator(supervisor);
            await using var server = new AdjudicatorRpcServer(counting, clock, new AdjudicatorRpcOptions { Port = 0 });
            await server.StartAsync(CancellationToken.None);
            await using var node = await LogProcess.StartAsync(Path.Combine(directory, "query-node"),
                "--journal", $"127.0.0.1:{journal.Port}", "--adjudicator", $"127.0.0.1:{server.Port}");

            await using var connection = await FaultSuite.OpenAsync(node.Port);
            await FaultSuite.ExecuteAsync(connection, "CREATE TABLE counted (id int PRIMARY KEY, note text)");
            await FaultSuite.ExecuteAsync(connection, "INSERT INTO counted VALUES (1, 'one'), (2, 'two')");
            var afterWrites = counting.Calls;
            Assert.True(afterWrites > 0, "the writes went through the counted adjudicator");

            for (var round = 0; round < 20; round++)
            {
                Assert.Equal(2L, await FaultSuite.ScalarAsync(connection, "SELECT count(*) FROM counted"));
                await using (var transaction = await connection.BeginTransactionAsync())
                {
                    Assert.Equal("one", await FaultSuite.ScalarAsync(connection, "SELECT note FROM counted WHERE id = 1"));
                    Assert.Equal("two", await FaultSuite.ScalarAsync(connection, "SELECT note FROM counted WHERE id = $1", default, 2));
                    await transaction.CommitAsync();
                }
                await using (var transaction = await connection.BeginTransactionAsync())
                {
                    Assert.Equal(2L, await FaultSuite.ScalarAsync(connection, "SELECT count(*) FROM counted"));
                    await transaction.RollbackAsync();
                }
            }
            Assert.Equal(afterWrites, counting.Calls);

            // The counter does count: one more write is one more call.
            await FaultSuite.ExecuteAsync(connection, "INSERT INTO counted VALUES (3, 'three')");
            Assert.True(counting.Calls > afterWrites);
        }
        finally
        {
            LogProcess.DeleteDirectory(directory);
        }
    }

    [Fact]
    public async Task With_the_adjudicator_stopped_read_only_transactions_on_every_query_node_still_see_every_acknowledged_commit()
    {
        await using var cluster = await LocalCluster.StartAsync(queryNodeCount: 2);
        await using (var setup = await FaultSuite.OpenAsync(cluster.QueryNodes[0].Port))
        {
            await FaultSuite.ExecuteAsync(setup, "CREATE TABLE frozen (id int PRIMARY KEY, note text)");
            await FaultSuite.ExecuteAsync(setup, "INSERT INTO frozen VALUES (1, 'before')");
        }
        // The last commit acknowledged before the stop, through the other node.
        await using (var last = await FaultSuite.OpenAsync(cluster.QueryNodes[1].Port))
        {
            await FaultSuite.ExecuteAsync(last, "INSERT INTO frozen VALUES (2, 'last')");
        }

        await SignalAsync("STOP", cluster.Adjudicator.ProcessId);
        try
        {
            foreach (var node in cluster.QueryNodes)
            {
                await using var connection = await FaultSuite.OpenAsync(node.Port);
                for (var round = 0; round < 3; round++)
                {
                    var watch = Stopwatch.StartNew();
                    await using (var transaction = await connection.BeginTransactionAsync())
                    {
                        Assert.Equal("before,last", await FaultSuite.ScalarAsync(connection, "SELECT string_agg(note, ',' ORDER BY id) FROM frozen"));
                        Assert.Equal(2L, await FaultSuite.ScalarAsync(connection, "SELECT count(*) FROM frozen"));
                        await transaction.CommitAsync();
                    }
                    Assert.Equal("last", await FaultSuite.ScalarAsync(connection, "SELECT note FROM frozen WHERE id = 2"));
                    Assert.True(watch.Elapsed < ReadTimeout, $"a read-only transaction took {watch.Elapsed}");
                    await Task.Delay(300);
                }
            }
        }
        finally
        {
            await SignalAsync("CONT", cluster.Adjudicator.ProcessId);
        }

        // Resumed, it commits again, and both nodes read it.
        await using (var write = await FaultSuite.OpenAsync(cluster.QueryNodes[0].Port))
        {
            await FaultSuite.ExecuteAsync(write, "INSERT INTO frozen VALUES (3, 'after')");
        }
        foreach (var node in cluster.QueryNodes)
        {
            await using var connection = await FaultSuite.OpenAsync(node.Port);
            Assert.Equal(3L, await FaultSuite.ScalarAsync(connection, "SELECT count(*) FROM frozen"));
        }
    }

    private static async Task SignalAsync(string signal, int processId)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", $"-{signal} {processId}") { UseShellExecute = false })
            ?? throw new InvalidOperationException("could not run kill");
        await kill.WaitForExitAsync();
        Assert.Equal(0, kill.ExitCode);
    }
}
