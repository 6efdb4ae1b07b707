using System.Collections.Concurrent;
using System.Diagnostics;
using Confluent.Kafka;
using Log.Journal.Client;
using Xunit.Abstractions;

namespace Log.Journal.Tests;

/// <summary>kill -9 of the standalone journal node process (<c>Log.Journal.dll --port 0 --data DIR</c>)
/// at random moments while producers write, several times over one data folder: after each
/// restart every acknowledged record is served at its offset, exactly once, in order, and a torn
/// tail is never served.</summary>
public sealed class CrashTests(ITestOutputHelper output)
{
    private const string ReadyPrefix = "Journal node is ready: kafka=";

    /// <summary>Starts the journal's own entry point as a child process and waits for its ready line.</summary>
    internal static async Task<(Process Process, string BootstrapServers)> StartNodeProcessAsync(string dataDirectory,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Log.Journal.dll"));
        start.ArgumentList.Add("--port");
        start.ArgumentList.Add("0");
        start.ArgumentList.Add("--data");
        start.ArgumentList.Add(dataDirectory);
        // Quiet logs, so the ready line is easy to find and the pipe never fills.
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }
        var process = Process.Start(start)!;
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            while (true)
            {
                var line = await process.StandardOutput.ReadLineAsync(timeout.Token)
                    ?? throw new InvalidOperationException($"The node process ended before it was ready: {await process.StandardError.ReadToEndAsync(timeout.Token)}");
                if (line.StartsWith(ReadyPrefix, StringComparison.Ordinal))
                {
                    var bootstrap = line[ReadyPrefix.Length..].Split(' ')[0];
                    // Keep draining both pipes so the child never blocks on a full one.
                    _ = process.StandardOutput.ReadToEndAsync();
                    _ = process.StandardError.ReadToEndAsync();
                    return (process, bootstrap);
                }
            }
        }
        catch
        {
            process.Kill();
            process.Dispose();
            throw;
        }
    }

    /// <summary>Commit records are written lazily (<see cref="Log.Journal.Node.Storage.LogTailRecovery"/>):
    /// after a kill -9 the newest one on disk covers fewer batches than were acknowledged, and the
    /// rest are found by scanning past it; whatever follows them (here a torn write) is cut off, and
    /// the log goes on from there through a second kill.</summary>
    [Fact]
    public async Task Batches_acknowledged_past_the_last_commit_record_survive_kill_9_and_the_tail_after_them_is_cut()
    {
        const int RecordsPerRound = 20;
        var dataDirectory = TestNode.NewDataDirectory();
        var partitionFolder = Path.Combine(dataDirectory, "log.lazy.txn", "0");
        var acknowledged = new Dictionary<long, Guid>();
        try
        {
            for (var round = 0; round < 2; round++)
            {
                var (process, bootstrap) = await StartNodeProcessAsync(dataDirectory);
                using (process)
                {
                    try
                    {
                        var options = new JournalClientOptions { BootstrapServers = bootstrap, Region = "lazy", MessageTimeoutMs = 5_000 };
                        await using var writer = new KafkaJournalWriter(options);
                        for (var index = 0; index < RecordsPerRound; index++)
                        {
                            var record = JournalClientTests.Commit(acknowledged.Count + 1);
                            acknowledged[await writer.AppendAsync(0, record, CancellationToken.None)] = record.TransactionId;
                        }
                    }
                    finally
                    {
                        process.Kill(); // SIGKILL: no final commit record.
                        await process.WaitForExitAsync();
                    }
                }
                using (var slots = new Log.Journal.Node.Storage.AlternatingSlotCommitManager(partitionFolder))
                {
                    var newest = slots.NewestSlotCommit()!.Value;
                    var committedOffset = Log.Journal.Node.Storage.AlternatingSlotCommitManager.OffsetOf(newest.Info)!.Value;
                    output.WriteLine($"round {round}: {acknowledged.Count} acknowledged, the newest commit record covers {committedOffset}");
                    Assert.True(committedOffset < acknowledged.Count, "every batch was under a commit record: the scan past it was not exercised");
                }
                // A write torn by the crash after the last acknowledged batch.
                var segment = Path.Combine(partitionFolder, "batches.log.0");
                await using (var file = new FileStream(segment, FileMode.Append))
                {
                    file.Write(System.Text.Encoding.ASCII.GetBytes(new string('x', 700)));
                }
            }

            await using var node = await TestNode.StartAsync(output, dataDirectory);
            var readOptions = new JournalClientOptions { BootstrapServers = node.BootstrapServers, Region = "lazy" };
            await using var reader = new KafkaJournalReader(readOptions);
            Assert.Equal(2 * RecordsPerRound, await reader.GetEndOffsetAsync(0, CancellationToken.None));
            var entries = await JournalClientTests.ReadAsync(reader, 0, 0, 2 * RecordsPerRound);
            Assert.Equal(Enumerable.Range(0, 2 * RecordsPerRound).Select(offset => (long)offset), entries.Select(entry => entry.Offset));
            foreach (var (offset, transactionId) in acknowledged)
            {
                Assert.Equal(transactionId, entries[(int)offset].Record.TransactionId);
            }
            await using var writerAfter = new KafkaJournalWriter(readOptions);
            Assert.Equal(2 * RecordsPerRound, await writerAfter.AppendAsync(0, JournalClientTests.Commit(-1), CancellationToken.None));
        }
        finally
        {
            if (Directory.Exists(dataDirectory))
            {
                Directory.Delete(dataDirectory, recursive: true);
            }
        }
    }

    [Fact]
    public Task Acknowledged_records_survive_repeated_kill_9_and_a_torn_tail_is_never_served() => SurviveRepeatedKillsAsync(null);

    /// <summary>The partition writes its index file after every flush (each write replaces the file through a scratch
    /// file, see <see cref="Log.Journal.Node.Storage.PartitionIndexFile"/>), so the kills land during index writes too;
    /// each open takes what an index it finds covers from it, and still serves every acknowledged record.</summary>
    [Fact]
    public Task Acknowledged_records_survive_kill_9_while_the_partition_index_is_written() =>
        SurviveRepeatedKillsAsync(new Dictionary<string, string> { ["LOG__Journal__PartitionIndexIntervalBytes"] = "1" });

    private async Task SurviveRepeatedKillsAsync(IReadOnlyDictionary<string, string>? environment)
    {
        var seed = Environment.TickCount;
        var random = new Random(seed);
        output.WriteLine($"seed {seed}");
        var dataDirectory = TestNode.NewDataDirectory();
        var acknowledged = new ConcurrentDictionary<long, Guid>();
        var nextIndex = 0;
        try
        {
            for (var round = 0; round < 3; round++)
            {
                var (process, bootstrap) = await StartNodeProcessAsync(dataDirectory, environment);
                using (process)
                {
                    try
                    {
                        var options = new JournalClientOptions { BootstrapServers = bootstrap, Region = "crash", MessageTimeoutMs = 1_000 };
                        await using var writer = new KafkaJournalWriter(options);
                        var record = JournalClientTests.Commit(Interlocked.Increment(ref nextIndex));
                        acknowledged[await writer.AppendAsync(0, record, CancellationToken.None)] = record.TransactionId;
                        using var stop = new CancellationTokenSource();
                        var appenders = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
                        {
                            while (!stop.IsCancellationRequested)
                            {
                                var next = JournalClientTests.Commit(Interlocked.Increment(ref nextIndex));
                                try
                                {
                                    acknowledged[await writer.AppendAsync(0, next, stop.Token)] = next.TransactionId;
                                }
                                catch (Exception exception) when (exception is ProduceException<Null, byte[]> or OperationCanceledException)
                                {
                                    return;
                                }
                            }
                        })).ToList();
                        var killAfterMs = random.Next(50, 400);
                        await Task.Delay(killAfterMs);
                        process.Kill(); // SIGKILL
                        await process.WaitForExitAsync();
                        await stop.CancelAsync();
                        await Task.WhenAll(appenders);
                        output.WriteLine($"round {round}: killed after {killAfterMs} ms, {acknowledged.Count} acknowledged so far");
                    }
                    finally
                    {
                        if (!process.HasExited)
                        {
                            process.Kill();
                        }
                    }
                }
            }

            // A torn write at the end of the log file, as a crash mid-write could leave.
            var segment = Directory.GetFiles(Path.Combine(dataDirectory, "log.crash.txn", "0"), "batches.log*").Single();
            await using (var file = new FileStream(segment, FileMode.Append))
            {
                file.Write(System.Text.Encoding.ASCII.GetBytes(new string('x', 333)));
            }

            await using var node = await TestNode.StartAsync(output, dataDirectory);
            var readOptions = new JournalClientOptions { BootstrapServers = node.BootstrapServers, Region = "crash" };
            await using var reader = new KafkaJournalReader(readOptions);
            var end = await reader.GetEndOffsetAsync(0, CancellationToken.None);
            Assert.True(end > acknowledged.Keys.Max());
            var entries = await JournalClientTests.ReadAsync(reader, 0, 0, (int)end);
            Assert.Equal(Enumerable.Range(0, (int)end).Select(offset => (long)offset), entries.Select(entry => entry.Offset));
            foreach (var (offset, transactionId) in acknowledged)
            {
                Assert.Equal(transactionId, entries[(int)offset].Record.TransactionId);
            }
            // Exactly once: no record is in the log twice (a retry never duplicates).
            Assert.Equal(entries.Count, entries.Select(entry => entry.Record.TransactionId).Distinct().Count());

            // And the partition goes on from where the committed log ends.
            await using var writerAfter = new KafkaJournalWriter(readOptions);
            Assert.Equal(end, await writerAfter.AppendAsync(0, JournalClientTests.Commit(-1), CancellationToken.None));
        }
        finally
        {
            if (Directory.Exists(dataDirectory))
            {
                Directory.Delete(dataDirectory, recursive: true);
            }
        }
    }
}
