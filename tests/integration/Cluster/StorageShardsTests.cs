using System.Text.RegularExpressions;
using Log.Integration.Tests.Faults;
using Log.Integration.Tests.Support;
using Log.Journal.Time;
using Log.StorageNode;
using Log.StorageNode.Rpc;
using Xunit.Abstractions;

namespace Log.Integration.Tests.Cluster;

/// <summary>
/// Storage replicas run alone over a journal of two partitions (two adjudicator shards): a replica started with
/// --partitions 2 and one that counts the partitions from the journal's metadata both apply every partition; a query node
/// with two shards reads through them (--storage), sys.state_digest and sys.checkpoint included; a third replica
/// bootstraps from the first one's checkpoint over the storage RPC (--bootstrap-from) and then tails the journal; all
/// three reach the same state digest, before and after writes made once the third had started; and a query node reading
/// from the three goes on reading and writing through the others after kill -9 of the replica it read from.
/// </summary>
[Collection(FaultSuite.Name)]
public sealed class StorageShardsTests(ITestOutputHelper output)
{
    private static readonly Regex StorageReady = new(@"Storage node is ready: rpc=\S+:(?<port>\d+)");
    private static readonly Regex HttpLine = new(@"Health and metrics on (?<address>http://\S+)");

    private static Task<RoleProcess> StartReplicaAsync(string journal, string folder, params string[] extra) =>
        RoleProcess.StartAsync("Log.StorageNode.dll", StorageReady, ["serve", "--journal", journal, "--port", "0", "--data", folder, .. extra]);

    [Fact]
    public async Task Replicas_of_every_partition_serve_a_query_node_of_two_shards_and_a_new_one_bootstraps_from_a_checkpoint()
    {
        var directory = Directory.CreateTempSubdirectory("log-it-storage-shards-").FullName;
        var roles = new List<IAsyncDisposable>();
        try
        {
            var journal = await RoleProcess.StartJournalAsync(Path.Combine(directory, "journal"));
            roles.Add(journal);
            var journalAddress = $"127.0.0.1:{journal.Port}";
            // The first replica is told the count (and creates the topic with it); the query node's shards write to it.
            var first = await StartReplicaAsync(journalAddress, Path.Combine(directory, "first"), "--partitions", "2", "--http-port", "0");
            roles.Add(first);
            Assert.Contains("partitions=0,1 offsets=0,0", first.Output);
            using (var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) })
            {
                var ready = await http.GetStringAsync($"{HttpLine.Match(first.Output).Groups["address"].Value}/readyz");
                Assert.Contains("partition 1 offset", ready);
            }

            var queryNode = await LogProcess.StartAsync(null, "--journal", journalAddress, "--shards", "2", "--storage", $"127.0.0.1:{first.Port}");
            roles.Add(queryNode);
            Assert.Contains($"storage=127.0.0.1:{first.Port}", queryNode.Output);
            await using var connection = await FaultSuite.OpenAsync(queryNode.Port);
            foreach (var table in new[] { "left_side", "right_side", "third_side" })
            {
                await FaultSuite.ExecuteAsync(connection, $"CREATE TABLE {table} (id int PRIMARY KEY, body text)");
                await FaultSuite.ExecuteAsync(connection, $"INSERT INTO {table} SELECT g, 'row ' || g FROM generate_series(1, 50) g");
            }
            // One transaction over tables of both shards.
            await FaultSuite.ExecuteAsync(connection,
                "BEGIN; UPDATE left_side SET body = 'moved' WHERE id = 1; UPDATE right_side SET body = 'moved' WHERE id = 1; " +
                "UPDATE third_side SET body = 'moved' WHERE id = 1; COMMIT");
            Assert.Equal("3", (await FaultSuite.ScalarAsync(connection,
                "SELECT count(*) FROM (SELECT body FROM left_side WHERE body = 'moved' UNION ALL SELECT body FROM right_side WHERE body = 'moved' " +
                "UNION ALL SELECT body FROM third_side WHERE body = 'moved') m"))!.ToString());

            var (digest, timestamp) = await DigestAsync(connection);
            var checkpoint = (string?)await FaultSuite.ScalarAsync(connection, "SELECT sys.checkpoint()");
            Assert.NotNull(checkpoint);
            output.WriteLine($"digest {digest} at {timestamp}; {checkpoint}");

            // A replica that counts the partitions itself, and one that copies the first one's checkpoint.
            var counted = await StartReplicaAsync(journalAddress, Path.Combine(directory, "counted"));
            roles.Add(counted);
            Assert.Contains("partitions=0,1", counted.Output);
            Assert.Contains("replaying the journal from offset 0", counted.Output);
            var copied = await StartReplicaAsync(journalAddress, Path.Combine(directory, "copied"), "--bootstrap-from", $"127.0.0.1:{first.Port}");
            roles.Add(copied);
            Assert.Contains("Copied checkpoint", copied.Output);
            Assert.Contains("Storage node recovered checkpoint", copied.Output);
            Assert.Contains("partitions=0,1", copied.Output);

            foreach (var replica in new[] { first, counted, copied })
            {
                Assert.Equal(digest, await ReplicaDigestAsync(replica.Port, timestamp));
            }

            // Writes after the copy reach it through the journal.
            await FaultSuite.ExecuteAsync(connection, "INSERT INTO right_side SELECT g, 'late ' || g FROM generate_series(51, 80) g");
            await FaultSuite.ExecuteAsync(connection, "DELETE FROM left_side WHERE id <= 10");
            var (later, laterTimestamp) = await DigestAsync(connection);
            Assert.NotEqual(digest, later);
            foreach (var replica in new[] { first, counted, copied })
            {
                Assert.Equal(later, await ReplicaDigestAsync(replica.Port, laterTimestamp));
            }

            // A query node of two shards reading from all three: kill -9 of the one it reads from, and reads and writes
            // go on through the others (a statement in flight may fail with 57P03, retryable).
            await connection.CloseAsync();
            await queryNode.DisposeAsync();
            roles.Remove(queryNode);
            var replicas = string.Join(",", new[] { first, counted, copied }.Select(replica => $"127.0.0.1:{replica.Port}"));
            var again = await LogProcess.StartAsync(null, "--journal", journalAddress, "--shards", "2", "--storage", replicas);
            roles.Add(again);
            await using var reconnected = await FaultSuite.OpenAsync(again.Port);
            Assert.Equal(later, (string?)await FaultSuite.ScalarAsync(reconnected, $"SELECT sys.state_digest({laterTimestamp})"));
            await first.KillAsync();
            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    await FaultSuite.ExecuteAsync(reconnected, "UPDATE left_side SET body = 'after the kill' WHERE id = 20");
                    break;
                }
                catch (Npgsql.PostgresException exception) when (exception.SqlState == "57P03" && attempt < 5)
                {
                    output.WriteLine($"retrying after {exception.MessageText}");
                }
            }
            Assert.Equal("after the kill", (string?)await FaultSuite.ScalarAsync(reconnected, "SELECT body FROM left_side WHERE id = 20"));
            Assert.Equal("30", (await FaultSuite.ScalarAsync(reconnected, "SELECT count(*) FROM right_side WHERE body LIKE 'late%'"))!.ToString());
            var (afterKill, afterKillTimestamp) = await DigestAsync(reconnected);
            foreach (var replica in new[] { counted, copied })
            {
                Assert.Equal(afterKill, await ReplicaDigestAsync(replica.Port, afterKillTimestamp));
            }
        }
        finally
        {
            for (var index = roles.Count - 1; index >= 0; index--) await roles[index].DisposeAsync();
            LogProcess.DeleteDirectory(directory);
        }
    }

    [Fact]
    public async Task A_replica_that_counts_the_partitions_waits_for_the_topic_and_never_creates_it()
    {
        var directory = Directory.CreateTempSubdirectory("log-it-storage-topic-").FullName;
        var roles = new List<IAsyncDisposable>();
        Task<RoleProcess>? waiting = null;
        try
        {
            var journal = await RoleProcess.StartJournalAsync(Path.Combine(directory, "journal"));
            roles.Add(journal);
            var journalAddress = $"127.0.0.1:{journal.Port}";
            // No topic yet: this replica waits (if it created the topic, it would have to guess the count, and guess one).
            waiting = StartReplicaAsync(journalAddress, Path.Combine(directory, "waiting"));
            await Task.Delay(TimeSpan.FromSeconds(5));
            Assert.False(waiting.IsCompleted);
            var told = await StartReplicaAsync(journalAddress, Path.Combine(directory, "told"), "--partitions", "3");
            roles.Add(told);
            var counted = await waiting;
            roles.Add(counted);
            Assert.Contains("Waiting for the journal topic", counted.Output);
            Assert.Contains("partitions=0,1,2", counted.Output);
        }
        finally
        {
            if (waiting is { IsCompletedSuccessfully: true } && await waiting is var started && !roles.Contains(started)) roles.Add(started);
            for (var index = roles.Count - 1; index >= 0; index--) await roles[index].DisposeAsync();
            LogProcess.DeleteDirectory(directory);
        }
    }

    /// <summary>The digest through the query node at its transaction's snapshot, and that snapshot's timestamp.</summary>
    private static async Task<(string Digest, long Timestamp)> DigestAsync(Npgsql.NpgsqlConnection connection)
    {
        await using var command = new Npgsql.NpgsqlCommand("SELECT sys.state_digest(), txid_current()", connection);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        return (reader.GetString(0), reader.GetInt64(1));
    }

    /// <summary>One replica's digest at <paramref name="timestamp"/>, asked of it alone over the storage RPC.</summary>
    private static async Task<string> ReplicaDigestAsync(int port, long timestamp)
    {
        await using var replica = new RemoteStorageReader([("127.0.0.1", port)], new StorageRpcOptions(), partitionCount: 2);
        return Convert.ToHexStringLower(await replica.ComputeStateDigestAsync(ReadPoint.Unfenced(new HybridTimestamp((ulong)timestamp)), default));
    }
}
