using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Log.Integration.Tests.Faults;
using Log.Integration.Tests.Support;
using Npgsql;
using Xunit.Abstractions;

namespace Log.Integration.Tests.Cluster;

/// <summary>
/// The cross-shard bank as processes: a journal node, two adjudicator shards each in its own process (told each other's
/// address with --peers), and two query nodes given both (--adjudicator A,B). Accounts live in two tables on different
/// shards and every transfer moves money from one to the other and records itself, so every transfer is a cross-shard
/// commit coordinated by shard 0. While clients transfer through both query nodes and readers check every snapshot,
/// shard 0 (the coordinator) is killed with SIGKILL mid-run and started again, then shard 1 is stopped (SIGSTOP) and
/// resumed. Every snapshot read must show the constant total, every acknowledged transfer must be present afterwards
/// (through both query nodes), none refused may be, and the balances must be exactly those the transfers present say:
/// no transaction applied in part.
/// </summary>
[Collection(FaultSuite.Name)]
public sealed class CrossShardClusterBankTests(ITestOutputHelper output)
{
    private const int AccountsPerTable = 5;
    private const long InitialBalance = 1_000;
    private const long Total = 2 * AccountsPerTable * InitialBalance;

    /// <summary>Above the query node's adjudicator call timeout (30 s), which a call to a shard that is down waits out.</summary>
    private const int CommandTimeoutSeconds = 75;

    private enum Outcome
    {
        Acknowledged,
        Refused,
        Unknown,
    }

    private sealed record Transfer(long Id, long Source, long Target, long Amount, Outcome Outcome, string? Error);

    private static readonly Regex AdjudicatorReady = new(@"Adjudicator is ready: rpc=\S+:(?<port>\d+)");

    [Fact]
    public async Task Cross_shard_transfers_between_adjudicator_processes_survive_a_coordinator_kill_and_a_stopped_shard()
    {
        var directory = Directory.CreateTempSubdirectory("log-xshard-").FullName;
        RoleProcess? journal = null;
        var shards = new RoleProcess?[2];
        var queryNodes = new List<LogProcess>();
        int? stoppedShard = null;
        try
        {
            journal = await RoleProcess.StartJournalAsync(Path.Combine(directory, "journal"));
            var journalAddress = $"127.0.0.1:{journal.Port}";
            var ports = new[] { FreePort(), FreePort() };
            var peers = string.Join(",", ports.Select(port => $"127.0.0.1:{port}"));
            Task<RoleProcess> StartShardAsync(int shard) => RoleProcess.StartAsync("Log.Adjudicator.dll", AdjudicatorReady,
                "--journal", journalAddress, "--shard", shard.ToString(), "--shards", "2", "--peers", peers, "--port", ports[shard].ToString());
            shards[0] = await StartShardAsync(0);
            shards[1] = await StartShardAsync(1);
            foreach (var _ in Enumerable.Range(0, 2))
            {
                // Their own storage replicas (no --storage): a replica run alone reads one partition today.
                queryNodes.Add(await LogProcess.StartAsync(null, "--journal", journalAddress, "--adjudicator", peers));
            }
            var nodePorts = queryNodes.Select(node => node.Port).ToArray();

            await using (var setup = await FaultSuite.OpenAsync(nodePorts[0], default, CommandTimeoutSeconds))
            {
                // Consecutive tables alternate shards (table id modulo 2): the accounts are split over both shards.
                await FaultSuite.ExecuteAsync(setup, "CREATE TABLE left_accounts (id bigint PRIMARY KEY, balance bigint NOT NULL)");
                await FaultSuite.ExecuteAsync(setup, "CREATE TABLE right_accounts (id bigint PRIMARY KEY, balance bigint NOT NULL)");
                await FaultSuite.ExecuteAsync(setup,
                    "CREATE TABLE transfers (id bigint PRIMARY KEY, source bigint NOT NULL, target bigint NOT NULL, amount bigint NOT NULL)");
                foreach (var table in new[] { "left_accounts", "right_accounts" })
                {
                    await FaultSuite.ExecuteAsync(setup, $"INSERT INTO {table} VALUES " +
                        string.Join(", ", Enumerable.Range(0, AccountsPerTable).Select(account => $"({account}, {InitialBalance})")));
                }
            }

            var transfers = new ConcurrentBag<Transfer>();
            var wrongSnapshots = new ConcurrentQueue<string>();
            var snapshotsRead = 0;
            using var stop = new CancellationTokenSource();
            var writers = Enumerable.Range(0, 4)
                .Select(client => Task.Run(() => TransferAsync(nodePorts[client % 2], client, transfers, stop.Token))).ToArray();
            var readers = Enumerable.Range(0, 2).Select(reader => Task.Run(async () =>
            {
                NpgsqlConnection? connection = null;
                while (!stop.IsCancellationRequested)
                {
                    try
                    {
                        connection ??= await FaultSuite.OpenAsync(nodePorts[reader], default, CommandTimeoutSeconds);
                        var problem = await CheckSnapshotAsync(connection);
                        if (problem is not null) wrongSnapshots.Enqueue(problem);
                        Interlocked.Increment(ref snapshotsRead);
                    }
                    catch (Exception exception) when (exception is NpgsqlException or IOException or TimeoutException or InvalidOperationException)
                    {
                        // A shard is down or stopped: the snapshot could not be taken. Try again on a new connection.
                        if (connection is not null) await connection.DisposeAsync();
                        connection = null;
                        await Task.Delay(50);
                    }
                }
                if (connection is not null) await connection.DisposeAsync();
            })).ToArray();

            var phase = TimeSpan.FromSeconds(FaultSuite.Pick(4, 15));
            await Task.Delay(phase);
            var beforeKill = Count(transfers, Outcome.Acknowledged);
            Assert.True(beforeKill > 0, "no transfer committed before the kill: " + Errors(transfers));

            // kill -9 of the coordinator of every transfer, mid-run: some transfers die between their prepares and the
            // decision, or between the decision and its acknowledgement.
            await shards[0]!.KillAsync();
            await shards[0]!.DisposeAsync();
            await Task.Delay(TimeSpan.FromSeconds(1));
            shards[0] = await StartShardAsync(0);
            var restartedAt = Count(transfers, Outcome.Acknowledged);
            await WaitForMoreAsync(transfers, restartedAt, "after the coordinator shard restarted");

            // The zombie-shaped fault: shard 1 stops answering (SIGSTOP) while prepares may be held on it, then resumes.
            stoppedShard = 1;
            await SignalAsync("STOP", shards[1]!.ProcessId);
            await Task.Delay(TimeSpan.FromSeconds(2));
            await SignalAsync("CONT", shards[1]!.ProcessId);
            stoppedShard = null;
            var resumedAt = Count(transfers, Outcome.Acknowledged);
            await WaitForMoreAsync(transfers, resumedAt, "after shard 1 resumed");
            await Task.Delay(phase);

            stop.Cancel();
            await Task.WhenAll(writers.Concat(readers)).WaitAsync(TimeSpan.FromSeconds(3 * CommandTimeoutSeconds));
            output.WriteLine($"transfers: {Count(transfers, Outcome.Acknowledged)} acknowledged ({beforeKill} before the kill), " +
                $"{Count(transfers, Outcome.Refused)} refused, {Count(transfers, Outcome.Unknown)} unknown; {snapshotsRead} snapshots read");
            output.WriteLine("errors seen: " + Errors(transfers));

            Assert.True(wrongSnapshots.IsEmpty, string.Join("\n", wrongSnapshots.Take(10)));
            Assert.True(snapshotsRead > 0, "no snapshot was read");
            foreach (var port in nodePorts)
            {
                await using var check = await FaultSuite.OpenAsync(port, default, CommandTimeoutSeconds);
                var problems = await VerifyAsync(check, transfers);
                Assert.True(problems.Count == 0, string.Join("\n", problems.Take(20)));
            }
        }
        catch
        {
            foreach (var (shard, index) in shards.Select((shard, index) => (shard, index)))
            {
                if (shard is not null) output.WriteLine($"--- adjudicator shard {index}\n{shard.Output}");
            }
            foreach (var (node, index) in queryNodes.Select((node, index) => (node, index)))
            {
                output.WriteLine($"--- query node {index}\n{node.Output}");
            }
            throw;
        }
        finally
        {
            if (stoppedShard is { } stopped && shards[stopped] is { } paused)
            {
                await SignalAsync("CONT", paused.ProcessId, mustSucceed: false);
            }
            foreach (var node in queryNodes) await node.DisposeAsync();
            foreach (var shard in shards) if (shard is not null) await shard.DisposeAsync();
            if (journal is not null) await journal.DisposeAsync();
            LogProcess.DeleteDirectory(directory);
        }
    }

    private static int Count(ConcurrentBag<Transfer> transfers, Outcome outcome) => transfers.Count(transfer => transfer.Outcome == outcome);

    private static string Errors(ConcurrentBag<Transfer> transfers) => string.Join("; ", transfers.Where(transfer => transfer.Error is not null)
        .GroupBy(transfer => transfer.Error!.Length > 60 ? transfer.Error[..60] : transfer.Error).Select(group => $"{group.Count()} x {group.Key}").Take(8));

    /// <summary>Waits until more transfers than <paramref name="acknowledged"/> are acknowledged: the cluster serves again.</summary>
    private static async Task WaitForMoreAsync(ConcurrentBag<Transfer> transfers, int acknowledged, string when)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(2 * CommandTimeoutSeconds);
        while (Count(transfers, Outcome.Acknowledged) <= acknowledged)
        {
            Assert.True(DateTime.UtcNow < deadline, $"no transfer was acknowledged {when}: {Errors(transfers)}");
            await Task.Delay(100);
        }
    }

    /// <summary>One snapshot: the total over both shards' tables, and the balances against the transfers present in the
    /// same snapshot. Null when both hold.</summary>
    private static async Task<string?> CheckSnapshotAsync(NpgsqlConnection connection)
    {
        await FaultSuite.ExecuteAsync(connection, "BEGIN");
        var left = (long)(await FaultSuite.ScalarAsync(connection, "SELECT sum(balance)::bigint FROM left_accounts"))!;
        var right = (long)(await FaultSuite.ScalarAsync(connection, "SELECT sum(balance)::bigint FROM right_accounts"))!;
        var moved = (long)(await FaultSuite.ScalarAsync(connection, "SELECT coalesce(sum(amount), 0)::bigint FROM transfers"))!;
        await FaultSuite.ExecuteAsync(connection, "COMMIT");
        if (left + right != Total)
        {
            return $"a snapshot saw a total of {left + right}, not {Total}";
        }
        // Every transfer moves its amount from the left table to the right one.
        return right - left == moved * 2 ? null : $"a snapshot saw {moved} moved by its transfers but balances of {left} and {right}";
    }

    private static async Task TransferAsync(int port, int client, ConcurrentBag<Transfer> transfers, CancellationToken stop)
    {
        var random = new Random(client);
        long nextId = (client + 1) * 1_000_000L;
        NpgsqlConnection? connection = null;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                connection ??= await FaultSuite.OpenAsync(port, default, CommandTimeoutSeconds);
            }
            catch (Exception exception) when (exception is NpgsqlException or IOException or TimeoutException)
            {
                await Task.Delay(50);
                continue;
            }
            var id = nextId++;
            long source = random.Next(AccountsPerTable);
            long target = random.Next(AccountsPerTable);
            long amount = random.Next(1, 50);
            var commitSent = false;
            try
            {
                await FaultSuite.ExecuteAsync(connection, "BEGIN");
                await FaultSuite.ExecuteAsync(connection, "UPDATE left_accounts SET balance = balance - $1 WHERE id = $2", default, amount, source);
                await FaultSuite.ExecuteAsync(connection, "UPDATE right_accounts SET balance = balance + $1 WHERE id = $2", default, amount, target);
                await FaultSuite.ExecuteAsync(connection, "INSERT INTO transfers VALUES ($1, $2, $3, $4)", default, id, source, target, amount);
                commitSent = true;
                await FaultSuite.ExecuteAsync(connection, "COMMIT");
                transfers.Add(new Transfer(id, source, target, amount, Outcome.Acknowledged, null));
            }
            catch (PostgresException exception)
            {
                // 08007: the server itself does not know whether the commit landed; anything else was not committed.
                var outcome = exception.SqlState == "08007" ? Outcome.Unknown : Outcome.Refused;
                transfers.Add(new Transfer(id, source, target, amount, outcome, $"{exception.SqlState} {exception.MessageText}"));
                connection = await FaultSuite.RollBackOrCloseAsync(connection);
            }
            catch (Exception exception) when (exception is NpgsqlException or IOException or TimeoutException or InvalidOperationException)
            {
                transfers.Add(new Transfer(id, source, target, amount, commitSent ? Outcome.Unknown : Outcome.Refused, exception.Message));
                await connection.DisposeAsync();
                connection = null;
            }
        }
        if (connection is not null) await connection.DisposeAsync();
    }

    /// <summary>Every acknowledged transfer present, none refused, none unknown to the clients, and the balances exactly
    /// the initial ones moved by the transfers present.</summary>
    private static async Task<List<string>> VerifyAsync(NpgsqlConnection connection, ConcurrentBag<Transfer> transfers)
    {
        var present = new Dictionary<long, (long Source, long Target, long Amount)>();
        await using (var command = new NpgsqlCommand("SELECT id, source, target, amount FROM transfers", connection))
        await using (var rows = await command.ExecuteReaderAsync())
        {
            while (await rows.ReadAsync()) present[rows.GetInt64(0)] = (rows.GetInt64(1), rows.GetInt64(2), rows.GetInt64(3));
        }
        var balances = new Dictionary<(string Table, long Id), long>();
        foreach (var table in new[] { "left_accounts", "right_accounts" })
        {
            await using var command = new NpgsqlCommand($"SELECT id, balance FROM {table}", connection);
            await using var rows = await command.ExecuteReaderAsync();
            while (await rows.ReadAsync()) balances[(table, rows.GetInt64(0))] = rows.GetInt64(1);
        }
        var problems = new List<string>();
        var sent = transfers.ToDictionary(transfer => transfer.Id);
        foreach (var transfer in sent.Values)
        {
            var isPresent = present.ContainsKey(transfer.Id);
            if (transfer.Outcome == Outcome.Acknowledged && !isPresent) problems.Add($"acknowledged transfer {transfer.Id} is missing");
            if (transfer.Outcome == Outcome.Refused && isPresent) problems.Add($"transfer {transfer.Id} is present although refused ({transfer.Error})");
        }
        problems.AddRange(present.Keys.Where(id => !sent.ContainsKey(id)).Select(id => $"transfer {id} was never sent"));
        var expected = new Dictionary<(string Table, long Id), long>();
        for (long account = 0; account < AccountsPerTable; account++)
        {
            expected[("left_accounts", account)] = InitialBalance;
            expected[("right_accounts", account)] = InitialBalance;
        }
        foreach (var (source, target, amount) in present.Values)
        {
            expected[("left_accounts", source)] -= amount;
            expected[("right_accounts", target)] += amount;
        }
        problems.AddRange(expected.Where(pair => balances.GetValueOrDefault(pair.Key, long.MinValue) != pair.Value)
            .Select(pair => $"{pair.Key.Table} {pair.Key.Id} holds {balances.GetValueOrDefault(pair.Key)}, the transfers present say {pair.Value}"));
        if (balances.Values.Sum() != Total) problems.Add($"the total is {balances.Values.Sum()}");
        return problems;
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
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
