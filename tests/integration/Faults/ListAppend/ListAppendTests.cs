using System.Diagnostics;
using Log.Integration.Tests.Support;
using Npgsql;
using Xunit.Abstractions;

namespace Log.Integration.Tests.Faults.ListAppend;

/// <summary>
/// Several clients run list-append transactions against the real server (read a few keys, append a
/// unique value to one of them by rewriting its comma-separated list), then the checker builds the
/// dependency graph from what each transaction read and from the final lists. Snapshot isolation
/// allows write skew (G2) and nothing else that the checker finds.
/// </summary>
[Collection(FaultSuite.Name)]
public sealed class ListAppendTests(ITestOutputHelper output)
{
    internal const int KeyCount = 8;
    private const int ReadKeysMax = 3;
    /// <summary>One transaction in this many only reads.</summary>
    private const int ReadOnlyOneIn = 5;

    private static readonly TimeSpan Duration = FaultSuite.Pick(TimeSpan.FromSeconds(12), TimeSpan.FromMinutes(3));
    private static readonly int ClientCount = FaultSuite.Pick(4, 8);

    [Fact]
    public async Task ConcurrentListAppendsShowNoAnomalyBeyondWriteSkew()
    {
        await using var server = await LogProcess.StartAsync();
        await using (var setup = await FaultSuite.OpenAsync(server.Port))
        {
            await FaultSuite.ExecuteAsync(setup, "CREATE TABLE lists (k bigint PRIMARY KEY, v text NOT NULL)");
            await FaultSuite.ExecuteAsync(setup,
                "INSERT INTO lists VALUES " + string.Join(", ", Enumerable.Range(0, KeyCount).Select(key => $"({key}, '')")));
        }

        var seed = Environment.TickCount;
        output.WriteLine($"seed {seed}, {ClientCount} clients for {Duration}");
        var history = new List<ListAppendTransaction>();
        var unexpected = new List<string>();
        var transactionIds = 0;
        using var stop = new CancellationTokenSource(Duration);
        await Task.WhenAll(Enumerable.Range(0, ClientCount).Select(client => Task.Run(() =>
            RunClientAsync(server.Port, client, new Random(seed + client), () => Interlocked.Increment(ref transactionIds),
                history, unexpected, stop.Token))));

        Dictionary<long, IReadOnlyList<long>> final;
        await using (var reader = await FaultSuite.OpenAsync(server.Port))
        {
            final = [];
            await using var command = new NpgsqlCommand("SELECT k, v FROM lists", reader);
            await using var rows = await command.ExecuteReaderAsync();
            while (await rows.ReadAsync())
            {
                final[rows.GetInt64(0)] = ParseList(rows.GetString(1));
            }
        }
        Assert.Equal(KeyCount, final.Count);

        var report = ListAppendChecker.Check(history, final);
        var outcomes = history.GroupBy(transaction => transaction.Outcome).ToDictionary(group => group.Key, group => group.Count());
        output.WriteLine($"{history.Count} transactions: {string.Join(", ", outcomes.Select(pair => $"{pair.Value} {pair.Key}"))}; " +
            $"G2 cycles (allowed) listed: {report.Anomalies.Count(anomaly => anomaly.Kind == AnomalyKind.G2)}");
        output.WriteLine(report.ToString());
        if (unexpected.Count > 0) output.WriteLine("server output:\n" + server.Output);
        Assert.True(unexpected.Count == 0, string.Join("\n", unexpected.Take(20)));
        Assert.True(report.CommittedCount >= 50 * ClientCount / 4, $"too little work to judge: {report}");
        Assert.True(outcomes.GetValueOrDefault(TransactionOutcome.Aborted) > 0,
            "no transaction met a conflict: the workload is not concurrent enough to test isolation");
        Assert.True(!report.Errors.Any(), report.ToString());
    }

    /// <summary>One client's transactions until <paramref name="stop"/>, each added to <paramref name="history"/> (also
    /// the multi-region run's, RegionListAppendTests).</summary>
    internal static async Task RunClientAsync(int port, int client, Random random, Func<int> nextTransactionId,
        List<ListAppendTransaction> history, List<string> unexpected, CancellationToken stop)
    {
        long nextValue = (client + 1) * 10_000_000L;
        NpgsqlConnection? connection = null;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                connection ??= await FaultSuite.OpenAsync(port);
                var operations = new List<MicroOperation>();
                var keys = Enumerable.Range(0, KeyCount).OrderBy(_ => random.Next()).Take(random.Next(1, ReadKeysMax + 1)).ToList();
                long? appendKey = random.Next(ReadOnlyOneIn) == 0 ? null : keys[0];
                var commitSent = false;
                TransactionOutcome outcome;
                try
                {
                    await FaultSuite.ExecuteAsync(connection, "BEGIN");
                    var texts = new Dictionary<long, string>();
                    foreach (var key in keys)
                    {
                        var text = (string)(await FaultSuite.ScalarAsync(connection, "SELECT v FROM lists WHERE k = $1", default, key))!;
                        texts[key] = text;
                        operations.Add(new ReadOperation(key, ParseList(text)));
                    }
                    if (appendKey is { } key1)
                    {
                        var value = nextValue++;
                        var text = texts[key1].Length == 0 ? $"{value}" : $"{texts[key1]},{value}";
                        operations.Add(new AppendOperation(key1, value));
                        Assert.Equal(1, await FaultSuite.ExecuteAsync(connection, "UPDATE lists SET v = $2 WHERE k = $1", default, key1, text));
                    }
                    commitSent = true;
                    await FaultSuite.ExecuteAsync(connection, "COMMIT");
                    outcome = TransactionOutcome.Committed;
                }
                catch (PostgresException exception)
                {
                    outcome = TransactionOutcome.Aborted;
                    if (exception.SqlState != PostgresErrorCodes.SerializationFailure)
                    {
                        lock (unexpected)
                        {
                            unexpected.Add($"client {client}: {exception.SqlState} {exception.MessageText}");
                        }
                    }
                    if (connection.FullState == System.Data.ConnectionState.Open)
                    {
                        await FaultSuite.ExecuteAsync(connection, "ROLLBACK");
                    }
                }
                catch (Exception exception) when (exception is NpgsqlException or IOException or TimeoutException)
                {
                    // The connection broke: before COMMIT nothing can have committed; after it, anything may have.
                    outcome = commitSent ? TransactionOutcome.Unknown : TransactionOutcome.Aborted;
                    lock (unexpected)
                    {
                        unexpected.Add($"client {client}: connection failed without a fault injected: {exception.Message}");
                    }
                    await connection.DisposeAsync();
                    connection = null;
                }
                lock (history)
                {
                    history.Add(new ListAppendTransaction(nextTransactionId(), outcome, operations));
                }
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

    internal static IReadOnlyList<long> ParseList(string text) =>
        text.Length == 0 ? [] : text.Split(',').Select(long.Parse).ToList();
}
