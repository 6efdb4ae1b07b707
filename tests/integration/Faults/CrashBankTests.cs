using System.Collections.Concurrent;
using System.Diagnostics;
using Log.Integration.Tests.Support;
using Npgsql;
using Xunit.Abstractions;

namespace Log.Integration.Tests.Faults;

/// <summary>
/// Concurrent clients move money between accounts and record every transfer in the same
/// transaction, while the server process is killed with SIGKILL several times and restarted on the
/// same data folder. Afterwards: every acknowledged transfer is there, every transfer the client saw
/// fail or roll back is not, a transfer whose COMMIT went unanswered is either wholly there or
/// wholly absent (its row and both balance changes together), and the total never moved.
/// </summary>
[Collection(FaultSuite.Name)]
public sealed class CrashBankTests(ITestOutputHelper output)
{
    private const int AccountCount = 10;
    private const long InitialBalance = 1_000;
    private const int AmountMax = 50;
    /// <summary>One transfer in this many is rolled back by the client instead of committed.</summary>
    private const int RollbackOneIn = 10;

    private static readonly int KillCount = FaultSuite.Pick(3, 15);
    private static readonly int ClientCount = FaultSuite.Pick(4, 12);
    private static readonly TimeSpan WorkBeforeKillMin = FaultSuite.Pick(TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(3));
    private static readonly TimeSpan WorkBeforeKillMax = FaultSuite.Pick(TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(15));
    /// <summary>How long a restarted server may take to acknowledge its first transfer.</summary>
    private static readonly TimeSpan ProgressTimeout = TimeSpan.FromSeconds(30);

    private enum Outcome
    {
        Acknowledged,
        Failed,
        RolledBack,
        Unknown,
    }

    private sealed record Transfer(long Id, long Source, long Target, long Amount, Outcome Outcome, string? Error);

    [Fact]
    public async Task AcknowledgedTransfersSurviveKillNineAndTheTotalNeverMoves()
    {
        var dataDirectory = Directory.CreateTempSubdirectory("log-crash-bank-").FullName;
        var seed = Environment.TickCount;
        var random = new Random(seed);
        output.WriteLine($"seed {seed}, {ClientCount} clients, {KillCount} kills, data {dataDirectory}");
        LogProcess? server = null;
        var transfers = new ConcurrentBag<Transfer>();
        using var stop = new CancellationTokenSource();
        var clients = new List<Task>();
        var port = 0;
        try
        {
            server = await LogProcess.StartAsync(dataDirectory);
            await using (var setup = await FaultSuite.OpenAsync(server.Port))
            {
                await FaultSuite.ExecuteAsync(setup, "CREATE TABLE accounts (id bigint PRIMARY KEY, balance bigint NOT NULL)");
                await FaultSuite.ExecuteAsync(setup, "CREATE TABLE transfers (id bigint PRIMARY KEY, source bigint NOT NULL, target bigint NOT NULL, amount bigint NOT NULL)");
                await FaultSuite.ExecuteAsync(setup, "INSERT INTO accounts VALUES " +
                    string.Join(", ", Enumerable.Range(0, AccountCount).Select(account => $"({account}, {InitialBalance})")));
            }
            Volatile.Write(ref port, server.Port);
            for (var client = 0; client < ClientCount; client++)
            {
                var clientRandom = new Random(random.Next());
                var clientNumber = client;
                clients.Add(Task.Run(() => RunClientAsync(clientNumber, clientRandom, () => Volatile.Read(ref port), transfers, stop.Token)));
            }

            for (var kill = 1; kill <= KillCount; kill++)
            {
                var acknowledgedBefore = Count(transfers, Outcome.Acknowledged);
                await WaitForProgressAsync(transfers, acknowledgedBefore, server);
                var work = WorkBeforeKillMin + (WorkBeforeKillMax - WorkBeforeKillMin) * random.NextDouble();
                await Task.Delay(work);
                Volatile.Write(ref port, 0);
                await server.KillAsync();
                await server.DisposeAsync();
                server = null;
                output.WriteLine($"kill {kill} after {work.TotalSeconds:F1} s: {Count(transfers, Outcome.Acknowledged)} acknowledged so far");
                server = await LogProcess.StartAsync(dataDirectory);
                Volatile.Write(ref port, server.Port);
            }
            await WaitForProgressAsync(transfers, Count(transfers, Outcome.Acknowledged), server);
            await stop.CancelAsync();
            await Task.WhenAll(clients).WaitAsync(TimeSpan.FromSeconds(60));

            await VerifyAsync(server, transfers.ToList());
        }
        finally
        {
            await stop.CancelAsync();
            if (server is not null)
            {
                await server.DisposeAsync();
            }
            await Task.WhenAny(Task.WhenAll(clients), Task.Delay(TimeSpan.FromSeconds(30)));
            LogProcess.DeleteDirectory(dataDirectory);
        }
    }

    private static int Count(ConcurrentBag<Transfer> transfers, Outcome outcome) => transfers.Count(transfer => transfer.Outcome == outcome);

    /// <summary>The server (new or restarted) must acknowledge transfers again, within a bound.</summary>
    private static async Task WaitForProgressAsync(ConcurrentBag<Transfer> transfers, int acknowledgedBefore, LogProcess server)
    {
        var waited = Stopwatch.StartNew();
        while (Count(transfers, Outcome.Acknowledged) <= acknowledgedBefore)
        {
            Assert.True(waited.Elapsed < ProgressTimeout,
                $"no transfer acknowledged within {ProgressTimeout} of a (re)start; last errors: " +
                string.Join("; ", transfers.Where(transfer => transfer.Error is not null).TakeLast(5).Select(transfer => transfer.Error)) +
                $"\nserver output:\n{server.Output}");
            await Task.Delay(50);
        }
    }

    private async Task VerifyAsync(LogProcess server, List<Transfer> recorded)
    {
        var byOutcome = recorded.GroupBy(transfer => transfer.Outcome).ToDictionary(group => group.Key, group => group.Count());
        output.WriteLine(string.Join(", ", byOutcome.Select(pair => $"{pair.Value} {pair.Key}")));
        var unexpectedErrors = recorded.Where(transfer => transfer.Error is { } error && !error.StartsWith("40001", StringComparison.Ordinal)
            && !error.StartsWith("connection", StringComparison.Ordinal)).Select(transfer => transfer.Error).Distinct().ToList();
        output.WriteLine($"errors other than conflicts and broken connections: {string.Join("; ", unexpectedErrors)}");

        await using var connection = await FaultSuite.OpenAsync(server.Port);
        var present = new Dictionary<long, (long Source, long Target, long Amount)>();
        await using (var command = new NpgsqlCommand("SELECT id, source, target, amount FROM transfers", connection))
        await using (var rows = await command.ExecuteReaderAsync())
        {
            while (await rows.ReadAsync())
            {
                present[rows.GetInt64(0)] = (rows.GetInt64(1), rows.GetInt64(2), rows.GetInt64(3));
            }
        }
        var balances = new Dictionary<long, long>();
        await using (var command = new NpgsqlCommand("SELECT id, balance FROM accounts", connection))
        await using (var rows = await command.ExecuteReaderAsync())
        {
            while (await rows.ReadAsync())
            {
                balances[rows.GetInt64(0)] = rows.GetInt64(1);
            }
        }

        var problems = new List<string>();
        var recordedIds = recorded.ToDictionary(transfer => transfer.Id);
        foreach (var transfer in recorded)
        {
            var isPresent = present.TryGetValue(transfer.Id, out var row);
            switch (transfer.Outcome)
            {
                case Outcome.Acknowledged when !isPresent:
                    problems.Add($"acknowledged transfer {transfer.Id} is missing");
                    break;
                case Outcome.Failed or Outcome.RolledBack when isPresent:
                    problems.Add($"transfer {transfer.Id} is present although the client saw it {transfer.Outcome} ({transfer.Error})");
                    break;
            }
            if (isPresent && row != (transfer.Source, transfer.Target, transfer.Amount))
            {
                problems.Add($"transfer {transfer.Id} is stored as {row}, not as sent");
            }
        }
        problems.AddRange(present.Keys.Where(id => !recordedIds.ContainsKey(id)).Select(id => $"transfer {id} was never sent"));

        // The balances are exactly the initial ones moved by the transfers present: a transfer of
        // unknown outcome took its balance changes with it, or left them all out.
        var expected = Enumerable.Range(0, AccountCount).ToDictionary(account => (long)account, _ => InitialBalance);
        foreach (var (source, target, amount) in present.Values)
        {
            expected[source] -= amount;
            expected[target] += amount;
        }
        foreach (var (account, balance) in expected)
        {
            if (balances.GetValueOrDefault(account, long.MinValue) != balance)
            {
                problems.Add($"account {account} holds {balances.GetValueOrDefault(account)}, the transfers present say {balance}");
            }
        }
        Assert.Equal(AccountCount, balances.Count);
        Assert.Equal(AccountCount * InitialBalance, balances.Values.Sum());
        Assert.True(problems.Count == 0, string.Join("\n", problems.Take(30)));
        Assert.True(byOutcome.GetValueOrDefault(Outcome.Acknowledged) > KillCount, "too few acknowledged transfers to judge");
        Assert.True(unexpectedErrors.Count == 0, "unexpected errors: " + string.Join("; ", unexpectedErrors));
    }

    private static async Task RunClientAsync(int client, Random random, Func<int> currentPort, ConcurrentBag<Transfer> transfers,
        CancellationToken stop)
    {
        long nextId = (client + 1) * 1_000_000_000L;
        NpgsqlConnection? connection = null;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                if (connection is null)
                {
                    var port = currentPort();
                    if (port == 0)
                    {
                        await Task.Delay(50, CancellationToken.None);
                        continue;
                    }
                    try
                    {
                        connection = await FaultSuite.OpenAsync(port, CancellationToken.None);
                    }
                    catch (Exception exception) when (exception is NpgsqlException or IOException or TimeoutException)
                    {
                        await Task.Delay(50, CancellationToken.None);
                        continue;
                    }
                }
                var id = nextId++;
                var source = random.Next(AccountCount);
                var target = (source + 1 + random.Next(AccountCount - 1)) % AccountCount;
                long amount = random.Next(1, AmountMax + 1);
                var rollBack = random.Next(RollbackOneIn) == 0;
                var commitSent = false;
                Outcome outcome;
                string? error = null;
                try
                {
                    await FaultSuite.ExecuteAsync(connection, "BEGIN");
                    Assert.Equal(1, await FaultSuite.ExecuteAsync(connection, "UPDATE accounts SET balance = balance - $1 WHERE id = $2", default, amount, (long)source));
                    Assert.Equal(1, await FaultSuite.ExecuteAsync(connection, "UPDATE accounts SET balance = balance + $1 WHERE id = $2", default, amount, (long)target));
                    await FaultSuite.ExecuteAsync(connection, "INSERT INTO transfers VALUES ($1, $2, $3, $4)", default, id, (long)source, (long)target, amount);
                    if (rollBack)
                    {
                        await FaultSuite.ExecuteAsync(connection, "ROLLBACK");
                        outcome = Outcome.RolledBack;
                    }
                    else
                    {
                        commitSent = true;
                        await FaultSuite.ExecuteAsync(connection, "COMMIT");
                        outcome = Outcome.Acknowledged;
                    }
                }
                catch (PostgresException exception)
                {
                    // The server answered an error: the transaction did not commit.
                    outcome = Outcome.Failed;
                    error = $"{exception.SqlState} {exception.MessageText}";
                    connection = await FaultSuite.RollBackOrCloseAsync(connection);
                }
                catch (Exception exception) when (exception is NpgsqlException or IOException or TimeoutException)
                {
                    // The connection broke (the server was killed). Before COMMIT was sent nothing can
                    // have committed; after it, either may have happened.
                    outcome = commitSent ? Outcome.Unknown : rollBack ? Outcome.RolledBack : Outcome.Failed;
                    error = $"connection: {exception.GetBaseException().Message}";
                    await connection.DisposeAsync();
                    connection = null;
                }
                transfers.Add(new Transfer(id, source, target, amount, outcome, error));
            }
        }
        finally
        {
            if (connection is not null)
            {
                await connection.DisposeAsync();
            }
        }
    }
}
