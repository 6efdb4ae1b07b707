using System.Diagnostics;
using System.Reflection;
using Confluent.Kafka;
using Log.Journal.Client;
using Xunit.Abstractions;

namespace Log.Journal.Tests;

/// <summary>kill -9 of a real journal node process while a producer is writing: every
/// acknowledged record is served after restart at its offset, in order, and the torn tail is not.</summary>
public sealed class CrashTests(ITestOutputHelper output)
{
    private static Process StartNodeProcess(string dataDirectory, out int port)
    {
        var assembly = Assembly.GetExecutingAssembly().Location;
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(assembly);
        start.ArgumentList.Add("journal-node");
        start.ArgumentList.Add(dataDirectory);
        var process = Process.Start(start)!;
        var line = process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30)).GetAwaiter().GetResult();
        if (line is null || !line.StartsWith("PORT ", StringComparison.Ordinal))
        {
            process.Kill();
            throw new InvalidOperationException($"The node process did not start: {line} {process.StandardError.ReadToEnd()}");
        }
        port = int.Parse(line[5..], System.Globalization.CultureInfo.InvariantCulture);
        return process;
    }

    [Fact]
    public async Task Acknowledged_records_survive_kill_9_and_a_torn_tail_is_never_served()
    {
        var dataDirectory = TestNode.NewDataDirectory();
        var acknowledged = new System.Collections.Concurrent.ConcurrentDictionary<long, Guid>();
        try
        {
            using (var process = StartNodeProcess(dataDirectory, out var port))
            {
                var options = new JournalClientOptions { BootstrapServers = $"127.0.0.1:{port}", Region = "crash", MessageTimeoutMs = 5_000 };
                await using var writer = new KafkaJournalWriter(options);
                for (var index = 0; index < 20; index++)
                {
                    var record = JournalClientTests.Commit(index);
                    acknowledged[await writer.AppendAsync(0, record, CancellationToken.None)] = record.TransactionId;
                }
                // Keep appending from several tasks while the process dies.
                using var stop = new CancellationTokenSource();
                var appenders = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
                {
                    var index = 1_000;
                    while (!stop.IsCancellationRequested)
                    {
                        var record = JournalClientTests.Commit(index++);
                        try
                        {
                            acknowledged[await writer.AppendAsync(0, record, stop.Token)] = record.TransactionId;
                        }
                        catch (Exception exception) when (exception is ProduceException<Null, byte[]> or OperationCanceledException)
                        {
                            return;
                        }
                    }
                })).ToList();
                await Task.Delay(300);
                process.Kill(); // SIGKILL
                await process.WaitForExitAsync();
                await stop.CancelAsync();
                await Task.WhenAll(appenders);
            }
            output.WriteLine($"{acknowledged.Count} appends acknowledged before the kill");
            Assert.True(acknowledged.Count >= 20);

            // A torn write at the end of the log file, as a crash mid-write could leave.
            var segment = Directory.GetFiles(Path.Combine(dataDirectory, "log.crash.txn", "0"), "batches.log*").Single();
            await using (var file = new FileStream(segment, FileMode.Append))
            {
                file.Write(System.Text.Encoding.ASCII.GetBytes(new string('x', 333)));
            }

            await using var node = await TestNode.StartAsync(output, dataDirectory);
            var readOptions = new JournalClientOptions { BootstrapServers = node.BootstrapServers, Region = "crash" };
            await using var reader = new KafkaJournalReader(readOptions);
            var highest = acknowledged.Keys.Max();
            var entries = await JournalClientTests.ReadAsync(reader, 0, 0, (int)highest + 1);
            Assert.Equal(Enumerable.Range(0, (int)highest + 1).Select(offset => (long)offset), entries.Select(entry => entry.Offset));
            foreach (var (offset, transactionId) in acknowledged)
            {
                Assert.Equal(transactionId, entries[(int)offset].Record.TransactionId);
            }

            // And the partition goes on from where the committed log ends.
            await using var writerAfter = new KafkaJournalWriter(readOptions);
            var next = await writerAfter.AppendAsync(0, JournalClientTests.Commit(5_000), CancellationToken.None);
            Assert.True(next > highest);
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
