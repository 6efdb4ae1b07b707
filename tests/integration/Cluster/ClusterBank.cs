using System.Collections.Concurrent;
using Log.Integration.Tests.Faults;
using Npgsql;

namespace Log.Integration.Tests.Cluster;

/// <summary>
/// A bank workload spread over several query nodes: each client moves money between accounts through one node and
/// records the transfer in the same transaction. <see cref="VerifyAsync"/> then checks, through every node, that each
/// acknowledged transfer is present, none the server refused is, and the balances are the initial ones moved by
/// exactly the transfers present (so the total never moved).
/// </summary>
internal sealed class ClusterBank(IReadOnlyList<Func<int>> queryNodePorts)
{
    public const int AccountCount = 10;
    public const long InitialBalance = 1_000;

    public enum Outcome
    {
        Acknowledged,
        Refused,
        Unknown,
    }

    public sealed record Transfer(long Id, long Source, long Target, long Amount, Outcome Outcome, string? Error);

    public ConcurrentBag<Transfer> Transfers { get; } = [];

    public int Acknowledged => Transfers.Count(transfer => transfer.Outcome == Outcome.Acknowledged);

    public async Task CreateAsync()
    {
        await using var connection = await FaultSuite.OpenAsync(queryNodePorts[0]());
        await FaultSuite.ExecuteAsync(connection, "CREATE TABLE accounts (id bigint PRIMARY KEY, balance bigint NOT NULL)");
        await FaultSuite.ExecuteAsync(connection, "CREATE TABLE transfers (id bigint PRIMARY KEY, source bigint NOT NULL, target bigint NOT NULL, amount bigint NOT NULL)");
        await FaultSuite.ExecuteAsync(connection, "INSERT INTO accounts VALUES " +
            string.Join(", ", Enumerable.Range(0, AccountCount).Select(account => $"({account}, {InitialBalance})")));
    }

    /// <summary>Runs <paramref name="clients"/> clients, client i on query node i mod nodes, until stopped.</summary>
    public Task RunAsync(int clients, int seed, CancellationToken stop) =>
        Task.WhenAll(Enumerable.Range(0, clients).Select(client =>
            Task.Run(() => RunClientAsync(client, new Random(seed + client), queryNodePorts[client % queryNodePorts.Count], stop))));

    private async Task RunClientAsync(int client, Random random, Func<int> port, CancellationToken stop)
    {
        long nextId = (client + 1) * 1_000_000_000L;
        NpgsqlConnection? connection = null;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    connection ??= await FaultSuite.OpenAsync(port(), CancellationToken.None);
                }
                catch (Exception exception) when (exception is NpgsqlException or IOException or TimeoutException)
                {
                    await Task.Delay(50, CancellationToken.None);
                    continue;
                }
                var id = nextId++;
                var source = random.Next(AccountCount);
                var target = (source + 1 + random.Next(AccountCount - 1)) % AccountCount;
                long amount = random.Next(1, 51);
                var commitSent = false;
                try
                {
                    await FaultSuite.ExecuteAsync(connection, "BEGIN");
                    await FaultSuite.ExecuteAsync(connection, "UPDATE accounts SET balance = balance - $1 WHERE id = $2", default, amount, (long)source);
                    await FaultSuite.ExecuteAsync(connection, "UPDATE accounts SET balance = balance + $1 WHERE id = $2", default, amount, (long)target);
                    await FaultSuite.ExecuteAsync(connection, "INSERT INTO transfers VALUES ($1, $2, $3, $4)", default, id, (long)source, (long)target, amount);
                    commitSent = true;
                    await FaultSuite.ExecuteAsync(connection, "COMMIT");
                    Transfers.Add(new Transfer(id, source, target, amount, Outcome.Acknowledged, null));
                }
                catch (PostgresException exception)
                {
                    // 08007: the server itself does not know whether the commit landed.
                    var outcome = exception.SqlState == "08007" ? Outcome.Unknown : Outcome.Refused;
                    Transfers.Add(new Transfer(id, source, target, amount, outcome, $"{exception.SqlState} {exception.MessageText}"));
                    connection = await FaultSuite.RollBackOrCloseAsync(connection);
                }
                catch (Exception exception) when (exception is NpgsqlException or IOException or TimeoutException)
                {
                    Transfers.Add(new Transfer(id, source, target, amount, commitSent ? Outcome.Unknown : Outcome.Refused, exception.Message));
                    await connection.DisposeAsync();
                    connection = null;
                }
            }
        }
        finally
        {
            if (connection is not null) await connection.DisposeAsync();
        }
    }

    /// <summary>Checks the bank through the query node on <paramref name="port"/>; returns the problems found.</summary>
    public async Task<List<string>> VerifyAsync(int port)
    {
        await using var connection = await FaultSuite.OpenAsync(port);
        var present = new Dictionary<long, (long Source, long Target, long Amount)>();
        await using (var command = new NpgsqlCommand("SELECT id, source, target, amount FROM transfers", connection))
        await using (var rows = await command.ExecuteReaderAsync())
        {
            while (await rows.ReadAsync()) present[rows.GetInt64(0)] = (rows.GetInt64(1), rows.GetInt64(2), rows.GetInt64(3));
        }
        var balances = new Dictionary<long, long>();
        await using (var command = new NpgsqlCommand("SELECT id, balance FROM accounts", connection))
        await using (var rows = await command.ExecuteReaderAsync())
        {
            while (await rows.ReadAsync()) balances[rows.GetInt64(0)] = rows.GetInt64(1);
        }
        var problems = new List<string>();
        var sent = Transfers.ToDictionary(transfer => transfer.Id);
        foreach (var transfer in sent.Values)
        {
            var isPresent = present.ContainsKey(transfer.Id);
            if (transfer.Outcome == Outcome.Acknowledged && !isPresent) problems.Add($"acknowledged transfer {transfer.Id} is missing");
            if (transfer.Outcome == Outcome.Refused && isPresent) problems.Add($"transfer {transfer.Id} is present although refused ({transfer.Error})");
        }
        problems.AddRange(present.Keys.Where(id => !sent.ContainsKey(id)).Select(id => $"transfer {id} was never sent"));
        var expected = Enumerable.Range(0, AccountCount).ToDictionary(account => (long)account, _ => InitialBalance);
        foreach (var (source, target, amount) in present.Values)
        {
            expected[source] -= amount;
            expected[target] += amount;
        }
        problems.AddRange(expected.Where(pair => balances.GetValueOrDefault(pair.Key, long.MinValue) != pair.Value)
            .Select(pair => $"account {pair.Key} holds {balances.GetValueOrDefault(pair.Key)}, the transfers present say {pair.Value}"));
        if (balances.Values.Sum() != AccountCount * InitialBalance) problems.Add($"the total is {balances.Values.Sum()}");
        return problems;
    }
}
