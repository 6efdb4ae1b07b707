using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using Log.Journal.Client;
using Log.Journal.Time;

namespace Log.StorageNode.Tests;

/// <summary>
/// The storage node's own part of a restart (a program, not a timed test; issue 11's goal: a restart within 3 s at
/// 10,000,000 rows): a node with the default sizes applies <c>--keys</c> table-like rows from an in-memory journal
/// (<see cref="StorageScanBenchmark.LoadAsync"/>), takes a checkpoint and stops; then, <c>--runs</c> times, a node
/// starts on the same folder and is timed until it has recovered the checkpoint, caught up with the journal and read
/// the newest and the first row back. Each run prints the node's recovery line (where its time went) and the time;
/// the last line is the median. With <c>--keep DIR</c> the folder is DIR and left there (a later run with
/// <c>--reuse</c> starts on it without loading: the journal is loaded again, the folder is not).
/// </summary>
internal static class StorageRecoveryBenchmark
{
    public static async Task<int> RunAsync(string[] arguments, CancellationToken cancellationToken)
    {
        var keyCount = int.Parse(StorageScanBenchmark.Option(arguments, "--keys") ?? "1000000", CultureInfo.InvariantCulture);
        var runs = int.Parse(StorageScanBenchmark.Option(arguments, "--runs") ?? "3", CultureInfo.InvariantCulture);
        var kept = StorageScanBenchmark.Option(arguments, "--keep");
        var reuse = arguments.Contains("--reuse");
        var directory = kept ?? Path.Combine(Path.GetTempPath(), "log-storage-recovery-benchmark-" + Guid.NewGuid().ToString("N"));
        var options = new StorageNodeOptions
        {
            DataDirectory = directory,
            CheckpointInterval = TimeSpan.FromHours(1),
            CheckpointJournalDistanceMax = long.MaxValue,
            CheckpointWriteDistanceMax = long.MaxValue,
        };
        var journal = new MemoryJournal();
        try
        {
            var loading = Stopwatch.StartNew();
            var (end, newest) = await StorageScanBenchmark.LoadAsync(journal, keyCount, cancellationToken);
            if (!reuse)
            {
                await using var node = new StorageNode(options, journal);
                await node.StartAsync(cancellationToken);
                await node.WaitForOffsetAsync(end, cancellationToken);
                // Stopping takes the checkpoint the runs recover (CheckpointOnShutdown).
            }
            Console.WriteLine($"storage recovery benchmark: {keyCount} keys loaded in {loading.Elapsed.TotalSeconds:F1} s, {Environment.ProcessorCount} cores");
            var at = ReadPoint.Unfenced(new HybridTimestamp(newest));
            var times = new List<double>();
            for (var run = 1; run <= runs; run++)
            {
                var lines = new List<string>();
                var logger = new CompactionCrashTests.LineLogger(line =>
                {
                    lock (lines)
                    {
                        lines.Add(line);
                    }
                }, Microsoft.Extensions.Logging.LogLevel.Information);
                var watch = Stopwatch.StartNew();
                await using (var node = new StorageNode(options with { CheckpointOnShutdown = false }, journal, logger))
                {
                    await node.StartAsync(cancellationToken);
                    await node.WaitForOffsetAsync(end, cancellationToken);
                    foreach (var key in new[] { keyCount - 1, 0 })
                    {
                        if (await node.GetAsync(TableKey(key), at, cancellationToken) is null)
                        {
                            throw new InvalidOperationException($"row {key} is missing after the recovery");
                        }
                    }
                    watch.Stop();
                }
                times.Add(watch.Elapsed.TotalSeconds);
                lock (lines)
                {
                    foreach (var line in lines.Where(line => line.Contains("recovery took", StringComparison.Ordinal) || line.Contains("not used", StringComparison.Ordinal)))
                    {
                        Console.WriteLine("  " + line);
                    }
                }
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"run {run}: recovered and read back in {watch.Elapsed.TotalSeconds:F2} s"));
            }
            times.Sort();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"median recovery: {times[times.Count / 2]:F2} s at {keyCount} keys"));
            return 0;
        }
        finally
        {
            if (kept is null)
            {
                try { Directory.Delete(directory, recursive: true); } catch (IOException) { } // best effort: a temp folder
            }
        }
    }

    /// <summary>The key <see cref="StorageScanBenchmark.LoadAsync"/> gives row <paramref name="row"/>.</summary>
    private static byte[] TableKey(int row)
    {
        var key = new byte[13];
        key[0] = 0x12;
        BinaryPrimitives.WriteInt64BigEndian(key.AsSpan(5), row);
        return key;
    }
}
