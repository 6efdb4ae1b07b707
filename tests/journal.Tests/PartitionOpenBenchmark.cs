using System.Diagnostics;
using System.Globalization;
using Log.Journal.Node;
using Log.Journal.Node.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace Log.Journal.Tests;

/// <summary>
/// What an open of a long journal partition costs with its index file and without it (a program, not a timed test):
/// writes a partition of <c>--megabytes</c> MiB in batches of <c>--batch-kilobytes</c> KiB, stops it cleanly (which
/// writes the index), then opens it <c>--opens</c> times with the index and as many times with the index file deleted
/// (every batch checked), each in turn, and prints the wall-clock and CPU time of each open. The OS's page cache holds
/// the files in both cases.
/// </summary>
internal static class PartitionOpenBenchmark
{
    public static async Task<int> RunAsync(string[] arguments)
    {
        var megabytes = int.Parse(Option(arguments, "--megabytes") ?? "512", CultureInfo.InvariantCulture);
        var batchKilobytes = int.Parse(Option(arguments, "--batch-kilobytes") ?? "100", CultureInfo.InvariantCulture);
        var opens = int.Parse(Option(arguments, "--opens") ?? "3", CultureInfo.InvariantCulture);
        var folder = Path.Combine(Path.GetTempPath(), "log-partition-open-benchmark", Guid.NewGuid().ToString("N"));
        var options = new JournalNodeOptions { DataDirectory = folder };
        // The opens measured write no index of their own (a clean stop still does).
        var openOptions = new JournalNodeOptions { DataDirectory = folder, PartitionIndexIntervalBytes = long.MaxValue };
        try
        {
            var log = PartitionLog.Open("t", 0, folder, options, NullLogger.Instance);
            var batches = (int)((long)megabytes * 1024 / batchKilobytes);
            var value = new byte[batchKilobytes * 1024];
            for (var written = 0; written < batches; written++)
            {
                value[written % value.Length] ^= 1;
                var batch = RawKafkaConnection.Batch(value);
                RecordBatch.TryRead(batch, out var header);
                var result = log.Append(batch, header);
                if (written % 64 == 63 || written == batches - 1)
                {
                    log.Flush();
                    await result.Durable;
                }
            }
            await log.DisposeAsync();
            Console.WriteLine($"partition of {batches} batches of {batchKilobytes} KiB ({megabytes} MiB) written");
            var indexPath = Path.Combine(folder, PartitionIndexFile.FileName);
            var index = await File.ReadAllBytesAsync(indexPath);
            for (var open = 0; open < opens; open++)
            {
                foreach (var withIndex in new[] { true, false })
                {
                    if (withIndex)
                    {
                        await File.WriteAllBytesAsync(indexPath, index);
                    }
                    else
                    {
                        File.Delete(indexPath);
                    }
                    var cpu = Process.GetCurrentProcess().TotalProcessorTime;
                    var clock = Stopwatch.StartNew();
                    log = PartitionLog.Open("t", 0, folder, openOptions, NullLogger.Instance);
                    var elapsed = clock.Elapsed;
                    var cpuUsed = Process.GetCurrentProcess().TotalProcessorTime - cpu;
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"open {open + 1} {(withIndex ? "with the index   " : "without the index")}: {elapsed.TotalMilliseconds:F0} ms, CPU {cpuUsed.TotalMilliseconds:F0} ms ({log.BatchesFromIndexAtOpen} batches from the index, {log.BatchesCheckedAtOpen} checked)"));
                    await log.DisposeAsync();
                }
            }
            return 0;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static string? Option(string[] arguments, string name)
    {
        var position = Array.IndexOf(arguments, name);
        return position >= 0 && position + 1 < arguments.Length ? arguments[position + 1] : null;
    }
}
