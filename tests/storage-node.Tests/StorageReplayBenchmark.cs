using System.Diagnostics;
using System.Globalization;
using Log.Journal.Client;

namespace Log.StorageNode.Tests;

/// <summary>
/// The apply loop's replay rate (a program, not a timed test; issue 11's goal: at least 200,000 writes/s): an in-memory
/// journal of <c>--keys</c> rows shaped like a table's (<see cref="StorageScanBenchmark.LoadAsync"/>: 1,000 writes per
/// commit), then, <c>--updates</c> times over, a new version of every row; a node with the default sizes starts on it
/// and replays it from offset 0. Prints writes per second of wall-clock time and of the process's CPU time (the journal
/// is in memory, so this is the store's side of a replay: no network, no record decoding), <c>--runs</c> times on a new
/// folder each, and the median.
/// </summary>
internal static class StorageReplayBenchmark
{
    public static async Task<int> RunAsync(string[] arguments, CancellationToken cancellationToken)
    {
        var keyCount = int.Parse(StorageScanBenchmark.Option(arguments, "--keys") ?? "1000000", CultureInfo.InvariantCulture);
        var updates = int.Parse(StorageScanBenchmark.Option(arguments, "--updates") ?? "0", CultureInfo.InvariantCulture);
        var runs = int.Parse(StorageScanBenchmark.Option(arguments, "--runs") ?? "3", CultureInfo.InvariantCulture);
        var journal = new MemoryJournal();
        var (end, newest) = await StorageScanBenchmark.LoadAsync(journal, keyCount, cancellationToken);
        for (var round = 0; round < updates; round++)
        {
            (end, newest) = await StorageScanBenchmark.LoadAsync(journal, keyCount, cancellationToken, newest + 10);
        }
        var writes = (long)keyCount * (1 + updates);
        var rates = new List<double>();
        for (var run = 0; run < runs; run++)
        {
            var directory = Path.Combine(Path.GetTempPath(), "log-storage-replay-benchmark-" + Guid.NewGuid().ToString("N"));
            try
            {
                var options = new StorageNodeOptions { DataDirectory = directory, CheckpointsEnabled = false };
                await using var node = new StorageNode(options, journal);
                var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
                var watch = Stopwatch.StartNew();
                await node.StartAsync(cancellationToken);
                await node.WaitForOffsetAsync(end, cancellationToken);
                watch.Stop();
                var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
                if (node.AppliedWriteCount != writes)
                {
                    throw new InvalidOperationException($"the node applied {node.AppliedWriteCount} writes, not {writes}");
                }
                var rate = writes / watch.Elapsed.TotalSeconds;
                rates.Add(rate);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"run {run + 1}: {writes} writes ({keyCount} keys, {updates} updates each) in {watch.Elapsed.TotalSeconds:F2} s: {rate:F0} writes/s wall, {writes / cpu.TotalSeconds:F0} writes/s of CPU"));
            }
            finally
            {
                try { Directory.Delete(directory, recursive: true); } catch (IOException) { } // best effort: a temp folder
            }
        }
        rates.Sort();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"median replay: {rates[rates.Count / 2]:F0} writes/s (goal: 200000)"));
        return 0;
    }
}
