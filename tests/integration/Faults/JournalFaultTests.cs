using System.Collections.Concurrent;
using System.Diagnostics;
using Log.Integration.Tests.Support;
using Npgsql;
using Xunit.Abstractions;

namespace Log.Integration.Tests.Faults;

/// <summary>
/// Network faults between the roles and the journal: the journal node runs alone, advertising the
/// port of a fault-injecting TCP proxy, and the database process reaches it only through that proxy
/// (--journal). While clients commit, the proxy slows the link, partitions it, resets connections,
/// and refuses new ones. Every COMMIT must succeed or fail with a SQLSTATE within a bound (never
/// hang), what was acknowledged must be there and what failed must not, and the database must serve
/// again once the fault ends.
/// </summary>
[Collection(FaultSuite.Name)]
public sealed class JournalFaultTests(ITestOutputHelper output)
{
    private static readonly int ClientCount = FaultSuite.Pick(3, 6);
    private static readonly TimeSpan FaultDuration = FaultSuite.Pick(TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(8));
    private static readonly TimeSpan LongRunDuration = TimeSpan.FromMinutes(4);
    /// <summary>How long the database may take to acknowledge a commit again after a fault ends.</summary>
    private static readonly TimeSpan RecoveryTimeout = TimeSpan.FromSeconds(60);
    /// <summary>No statement may take longer than this, fault or not (Npgsql's command timeout is below it).</summary>
    private static readonly TimeSpan StatementBound = TimeSpan.FromSeconds(45);
    private const int CommandTimeoutSeconds = 40;
    /// <summary>Time after a partition starts for answers already past the proxy to arrive.</summary>
    private static readonly TimeSpan InFlightGrace = TimeSpan.FromMilliseconds(750);

    private enum Outcome
    {
        Acknowledged,
        Failed,
        Unknown,
    }

    private sealed record Attempt(long Id, long Client, Outcome Outcome, string? Error, TimeSpan Longest);

    private sealed record Fault(string Name, Action<TcpFaultProxy> Start, Func<TcpFaultProxy, CancellationToken, Task>? During = null);

    private static readonly Fault[] Faults =
    [
        new("slow link (100 ms per chunk)", proxy => proxy.Delay(TimeSpan.FromMilliseconds(100))),
        new("partition", proxy => proxy.Blackhole()),
        new("connections reset every 300 ms", _ => { }, async (proxy, token) =>
        {
            while (!token.IsCancellationRequested)
            {
                proxy.Cut();
                await Task.Delay(300, token).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }),
        new("journal unreachable (connections reset and refused)", proxy =>
        {
            proxy.RefuseNewConnections = true;
            proxy.Cut();
        }),
    ];

    [Fact]
    public async Task CommitsSucceedOrFailCleanlyAndServiceReturnsAfterJournalFaults()
    {
        var folder = Directory.CreateTempSubdirectory("log-journal-faults-").FullName;
        var seed = Environment.TickCount;
        var random = new Random(seed);
        var attempts = new ConcurrentBag<Attempt>();
        using var stop = new CancellationTokenSource();
        var clients = new List<Task>();
        RoleProcess? journal = null;
        LogProcess? server = null;
        var journalPort = TcpFaultProxy.FreePort();
        await using var proxy = TcpFaultProxy.Start(journalPort);
        try
        {
            journal = await RoleProcess.StartJournalAsync(Path.Combine(folder, "journal"), journalPort, advertisedPort: proxy.Port);
            server = await LogProcess.StartAsync(Path.Combine(folder, "log"), "--journal", $"127.0.0.1:{proxy.Port}");
            output.WriteLine($"seed {seed}; journal on {journalPort}, proxy on {proxy.Port}, database on {server.Port}");
            await using (var setup = await FaultSuite.OpenAsync(server.Port))
            {
                await FaultSuite.ExecuteAsync(setup, "CREATE TABLE counters (id bigint PRIMARY KEY, n bigint NOT NULL)");
                await FaultSuite.ExecuteAsync(setup, "CREATE TABLE events (id bigint PRIMARY KEY, client bigint NOT NULL)");
                await FaultSuite.ExecuteAsync(setup, "INSERT INTO counters VALUES " +
                    string.Join(", ", Enumerable.Range(0, ClientCount).Select(client => $"({client}, 0)")));
            }
            var port = server.Port;
            for (var client = 0; client < ClientCount; client++)
            {
                var clientNumber = client;
                clients.Add(Task.Run(() => RunClientAsync(port, clientNumber, attempts, stop.Token)));
            }
            await WaitForProgressAsync(attempts, server);

            var schedule = FaultSuite.IsLongRun ? LongSchedule(random) : Faults.Select(fault => (fault, FaultDuration));
            foreach (var (fault, duration) in schedule)
            {
                var before = Acknowledged(attempts);
                using var during = new CancellationTokenSource();
                fault.Start(proxy);
                var running = fault.During?.Invoke(proxy, during.Token) ?? Task.CompletedTask;
                await Task.Delay(InFlightGrace);
                var afterGrace = Acknowledged(attempts);
                await Task.Delay(duration - InFlightGrace);
                var atEnd = Acknowledged(attempts);
                await during.CancelAsync();
                await running;
                proxy.Heal();
                output.WriteLine($"{fault.Name} for {duration.TotalSeconds:F1} s: {atEnd - before} acknowledged during it");
                if (fault.Name == "partition")
                {
                    // Proof that the roles reach the journal through the proxy only: while it is partitioned nothing commits.
                    Assert.True(atEnd == afterGrace, $"{atEnd - afterGrace} commits were acknowledged during a partition of the journal");
                }
                await WaitForProgressAsync(attempts, server);
            }
            await stop.CancelAsync();
            await Task.WhenAll(clients).WaitAsync(StatementBound * 2);
            await VerifyAsync(server, attempts.ToList());
            Assert.True(proxy.ConnectionsAccepted > 0, "nothing went through the proxy");
        }
        finally
        {
            await stop.CancelAsync();
            proxy.Heal();
            if (server is not null)
            {
                await server.DisposeAsync();
            }
            if (journal is not null)
            {
                await journal.DisposeAsync();
            }
            await Task.WhenAny(Task.WhenAll(clients), Task.Delay(StatementBound));
            LogProcess.DeleteDirectory(folder);
        }
    }

    private static IEnumerable<(Fault Fault, TimeSpan Duration)> LongSchedule(Random random)
    {
        var total = TimeSpan.Zero;
        while (total < LongRunDuration)
        {
            var duration = TimeSpan.FromSeconds(1 + random.NextDouble() * 9);
            total += duration;
            yield return (Faults[random.Next(Faults.Length)], duration);
        }
    }

    private static int Acknowledged(ConcurrentBag<Attempt> attempts) => attempts.Count(attempt => attempt.Outcome == Outcome.Acknowledged);

    private static async Task WaitForProgressAsync(ConcurrentBag<Attempt> attempts, LogProcess server)
    {
        var before = Acknowledged(attempts);
        var waited = Stopwatch.StartNew();
        while (Acknowledged(attempts) <= before)
        {
            Assert.True(waited.Elapsed < RecoveryTimeout,
                $"no commit acknowledged within {RecoveryTimeout} after the fault ended; last errors: " +
                string.Join("; ", attempts.Where(attempt => attempt.Error is not null).TakeLast(5).Select(attempt => attempt.Error)) +
                $"\nserver output:\n{server.Output}");
            await Task.Delay(50);
        }
    }

    private async Task VerifyAsync(LogProcess server, List<Attempt> recorded)
    {
        output.WriteLine(string.Join(", ", recorded.GroupBy(attempt => attempt.Outcome).Select(group => $"{group.Count()} {group.Key}")));
        foreach (var group in recorded.Where(attempt => attempt.Error is not null).GroupBy(attempt => attempt.Error!.Length > 90 ? attempt.Error[..90] : attempt.Error))
        {
            output.WriteLine($"  {group.Count()} x {group.Key}");
        }
        var longest = recorded.Max(attempt => attempt.Longest);
        output.WriteLine($"longest statement: {longest.TotalSeconds:F1} s");
        Assert.True(longest < StatementBound, $"a statement took {longest}");
        // A failure must carry a SQLSTATE the client can act on, never an internal error or a broken connection.
        var unclean = recorded.Where(attempt => attempt.Error is { } error && (error.StartsWith("XX", StringComparison.Ordinal)
            || error.StartsWith("connection", StringComparison.Ordinal) || error.StartsWith("timeout", StringComparison.Ordinal))).ToList();
        Assert.True(unclean.Count == 0, "unclean failures: " + string.Join("; ", unclean.Select(attempt => attempt.Error).Distinct().Take(10)));

        await using var connection = await FaultSuite.OpenAsync(server.Port);
        var events = new Dictionary<long, long>();
        await using (var command = new NpgsqlCommand("SELECT id, client FROM events", connection))
        await using (var rows = await command.ExecuteReaderAsync())
        {
            while (await rows.ReadAsync())
            {
                events[rows.GetInt64(0)] = rows.GetInt64(1);
            }
        }
        var counters = new Dictionary<long, long>();
        await using (var command = new NpgsqlCommand("SELECT id, n FROM counters", connection))
        await using (var rows = await command.ExecuteReaderAsync())
        {
            while (await rows.ReadAsync())
            {
                counters[rows.GetInt64(0)] = rows.GetInt64(1);
            }
        }
        var problems = new List<string>();
        foreach (var attempt in recorded)
        {
            var present = events.ContainsKey(attempt.Id);
            if (attempt.Outcome == Outcome.Acknowledged && !present)
            {
                problems.Add($"acknowledged commit {attempt.Id} is missing");
            }
            if (attempt.Outcome == Outcome.Failed && present)
            {
                problems.Add($"commit {attempt.Id} is present although it failed with {attempt.Error}");
            }
        }
        var recordedIds = recorded.Select(attempt => attempt.Id).ToHashSet();
        problems.AddRange(events.Keys.Where(id => !recordedIds.Contains(id)).Select(id => $"event {id} was never sent"));
        for (var client = 0L; client < ClientCount; client++)
        {
            var expected = events.Values.LongCount(owner => owner == client);
            if (counters.GetValueOrDefault(client, -1) != expected)
            {
                problems.Add($"counter {client} is {counters.GetValueOrDefault(client, -1)}, but {expected} of its events are present");
            }
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems.Take(30)));
    }

    private static async Task RunClientAsync(int port, int client, ConcurrentBag<Attempt> attempts, CancellationToken stop)
    {
        long nextId = (client + 1) * 1_000_000_000L;
        NpgsqlConnection? connection = null;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                var id = nextId++;
                var commitSent = false;
                var longest = TimeSpan.Zero;
                Outcome outcome;
                string? error = null;
                async Task TimedAsync(string sql, params object[] parameters)
                {
                    var stopwatch = Stopwatch.StartNew();
                    try
                    {
                        await FaultSuite.ExecuteAsync(connection!, sql, CancellationToken.None, parameters);
                    }
                    finally
                    {
                        longest = stopwatch.Elapsed > longest ? stopwatch.Elapsed : longest;
                    }
                }
                try
                {
                    connection ??= await FaultSuite.OpenAsync(port, CancellationToken.None, CommandTimeoutSeconds);
                    await TimedAsync("BEGIN");
                    await TimedAsync("UPDATE counters SET n = n + 1 WHERE id = $1", (long)client);
                    await TimedAsync("INSERT INTO events VALUES ($1, $2)", id, (long)client);
                    commitSent = true;
                    await TimedAsync("COMMIT");
                    outcome = Outcome.Acknowledged;
                }
                catch (PostgresException exception)
                {
                    outcome = Outcome.Failed;
                    error = $"{exception.SqlState} {exception.MessageText}";
                    try
                    {
                        await TimedAsync("ROLLBACK");
                    }
                    // Npgsql closes the connection itself after some errors (57P03, cannot_connect_now, is one it takes
                    // for a server going away): ROLLBACK then finds it closed, and the client connects again.
                    catch (Exception rollbackFailure) when (rollbackFailure is NpgsqlException or IOException or TimeoutException or InvalidOperationException)
                    {
                        await connection!.DisposeAsync();
                        connection = null;
                    }
                }
                catch (Exception exception) when (exception is NpgsqlException or IOException or TimeoutException)
                {
                    // Only the journal link is faulted: the client's own connection should never break.
                    outcome = commitSent ? Outcome.Unknown : Outcome.Failed;
                    error = exception.InnerException is TimeoutException || exception is TimeoutException
                        ? $"timeout: {exception.Message}"
                        : $"connection: {exception.GetBaseException().Message}";
                    if (connection is not null)
                    {
                        await connection.DisposeAsync();
                        connection = null;
                    }
                }
                attempts.Add(new Attempt(id, client, outcome, error, longest));
                if (outcome != Outcome.Acknowledged)
                {
                    await Task.Delay(20, CancellationToken.None);
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
}
