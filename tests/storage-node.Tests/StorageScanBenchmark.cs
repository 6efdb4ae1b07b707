using System.Diagnostics;
using System.Globalization;
using Log.Journal.Client;
using Log.Journal.Records;
using Log.Journal.Time;

namespace Log.StorageNode.Tests;

/// <summary>
/// The raw storage scan benchmark (a program, not a timed test; issue 11's goal: at least 5,000,000 visible versions
/// per second on one core). A node with the default sizes applies <c>--keys</c> rows shaped like a table's (a 13-byte
/// key, a 30-byte MessagePack-like value) from an in-memory journal, then one thread scans the whole range at the newest
/// timestamp, <c>--runs</c> times after a warm-up, with the visiting scan (<see cref="StorageNode.VisitAsync"/>, bytes
/// handed over in place) and with the copying one (<see cref="StorageNode.ScanAsync"/>). Each run prints versions per
/// second of the scanning thread's CPU time and of wall-clock time; the last line is the median of the visiting runs.
/// With <c>--index-cache BYTES</c> the node takes a checkpoint after the load and keeps at most that many bytes of the
/// ordered index's pages in memory, so a scan reads the pages beyond it from the key file again (the OS's file cache
/// holds the file); without it the whole index stays in memory, never written. <c>--log-memory BYTES</c> sets FASTER's
/// in-memory log (a power of two; default <see cref="StorageNodeOptions.LogMemorySizeBytes"/>); the last line gives how
/// many head records the scans read from disk and the process's resident memory.
/// </summary>
internal static class StorageScanBenchmark
{
    private const int WritesPerCommit = 1_000;
    private const int PageRows = 4_096;
    private const int ValueBytes = 30;

    public static async Task<int> RunAsync(string[] arguments, CancellationToken cancellationToken)
    {
        var keyCount = int.Parse(Option(arguments, "--keys") ?? "1000000", CultureInfo.InvariantCulture);
        var runs = int.Parse(Option(arguments, "--runs") ?? "5", CultureInfo.InvariantCulture);
        var directory = Path.Combine(Path.GetTempPath(), "log-storage-scan-benchmark-" + Guid.NewGuid().ToString("N"));
        var journal = new MemoryJournal();
        var indexCache = Option(arguments, "--index-cache") is { } cacheText ? long.Parse(cacheText, CultureInfo.InvariantCulture) : (long?)null;
        var options = new StorageNodeOptions { DataDirectory = directory, CheckpointsEnabled = indexCache is not null };
        if (Option(arguments, "--log-memory") is { } logMemoryText)
        {
            options = options with { LogMemorySizeBytes = long.Parse(logMemoryText, CultureInfo.InvariantCulture) };
        }
        if (indexCache is { } cacheBytes)
        {
            options = CheckpointTests.Manual(options) with { OrderedIndexCacheBytes = cacheBytes };
        }
        try
        {
            await using var node = new StorageNode(options, journal);
            {
                await node.StartAsync(cancellationToken);
                var loadWatch = Stopwatch.StartNew();
                (long end, ulong newest) = await LoadAsync(journal, keyCount, cancellationToken);
                await node.WaitForOffsetAsync(end, cancellationToken);
                if (indexCache is not null)
                {
                    // The index's pages are clean once written: those beyond the cache leave memory.
                    await node.CheckpointAsync(cancellationToken);
                }
                Console.WriteLine($"storage scan benchmark: {keyCount} keys applied in {loadWatch.Elapsed.TotalSeconds:F1} s, {Environment.ProcessorCount} cores");

                var at = ReadPoint.Unfenced(new HybridTimestamp(newest));
                var visitingRates = new List<double>();
                for (int run = 0; run <= runs; run++)
                {
                    (double visitCpu, double visitWall) = await MeasureAsync(() => VisitAllAsync(node, at, cancellationToken), keyCount);
                    (double copyCpu, double copyWall) = await MeasureAsync(() => ScanAllAsync(node, at, cancellationToken), keyCount);
                    if (run == 0) continue; // warm-up: the code is compiled in tiers as it runs
                    visitingRates.Add(visitCpu);
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"run {run}: visiting {visitCpu / 1e6:F2} M versions/s of CPU ({visitWall / 1e6:F2} M/s wall), copying {copyCpu / 1e6:F2} M/s of CPU ({copyWall / 1e6:F2} M/s wall)"));
                }
                visitingRates.Sort();
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"median visiting scan: {visitingRates[visitingRates.Count / 2] / 1e6:F2} M visible versions/s on one core (goal: 5)"));
                var (inBulk, throughFaster) = node.ColdHeadReads;
                using var process = Process.GetCurrentProcess();
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"log in memory {options.LogMemorySizeBytes >> 20} MiB: head records read from disk {inBulk} in bulk, {throughFaster} through FASTER; resident {process.WorkingSet64 >> 20} MiB, peak {process.PeakWorkingSet64 >> 20} MiB"));
                return 0;
            }
        }
        finally
        {
            try { Directory.Delete(directory, recursive: true); } catch (IOException) { } // best effort: a temp folder
        }
    }

    /// <summary>Keys 0..count-1 as big-endian table-like keys, in commits of <see cref="WritesPerCommit"/> writes; returns
    /// the offset after the last record and the closed timestamp of the heartbeat that ends them (the read timestamp).</summary>
    internal static async Task<(long End, ulong Newest)> LoadAsync(MemoryJournal journal, int keyCount, CancellationToken cancellationToken,
        ulong firstTimestamp = 10)
    {
        ulong timestamp = firstTimestamp;
        var random = new Random(11);
        for (int first = 0; first < keyCount; first += WritesPerCommit)
        {
            var writes = new List<JournalWrite>(WritesPerCommit);
            for (int key = first; key < Math.Min(keyCount, first + WritesPerCommit); key++)
            {
                var keyBytes = new byte[13];
                keyBytes[0] = 0x12;
                System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(keyBytes.AsSpan(5), key);
                var value = new byte[ValueBytes];
                random.NextBytes(value);
                writes.Add(new JournalWrite(keyBytes, value));
            }
            var record = JournalRecord.ForCommit(Guid.NewGuid(), new HybridTimestamp(timestamp - 1), new HybridTimestamp(timestamp), 0, 1, writes);
            await journal.AppendAsync(0, record, cancellationToken);
            timestamp += 10;
        }
        return (await journal.AppendAsync(0, JournalRecord.ForHeartbeat(new HybridTimestamp(timestamp), 0, 1), cancellationToken) + 1, timestamp);
    }

    internal static async Task<long> VisitAllAsync(IStorageReader node, ReadPoint at, CancellationToken cancellationToken)
    {
        var visitor = new CountingVisitor();
        byte[] from = [];
        while (true)
        {
            var visited = await node.VisitAsync(from, null, at, PageRows, visitor, cancellationToken);
            if (visited.Count < PageRows) return visitor.Count;
            from = [.. visited.LastKey!, 0];
        }
    }

    private static async Task<long> ScanAllAsync(StorageNode node, ReadPoint at, CancellationToken cancellationToken)
    {
        long count = 0;
        byte[] from = [];
        while (true)
        {
            var page = await node.ScanAsync(from, null, at, PageRows, cancellationToken);
            count += page.Count;
            if (page.Count < PageRows) return count;
            from = [.. page[^1].Key, 0];
        }
    }

    /// <summary>Versions per second of the calling thread's CPU time and of wall-clock time.</summary>
    private static async Task<(double Cpu, double Wall)> MeasureAsync(Func<Task<long>> scan, int expected)
    {
        TimeSpan cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        long count = await scan();
        watch.Stop();
        TimeSpan cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        if (count != expected) throw new InvalidOperationException($"the scan saw {count} versions, not {expected}");
        return (count / Math.Max(cpu.TotalSeconds, 1e-9), count / watch.Elapsed.TotalSeconds);
    }

    private sealed class CountingVisitor : IKeyValueVisitor
    {
        public long Count { get; private set; }

        public bool Visit(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
        {
            Count += key.Length > 0 && value.Length > 0 ? 1 : 0;
            return true;
        }
    }

    internal static string? Option(string[] arguments, string name)
    {
        int index = Array.IndexOf(arguments, name);
        return index >= 0 && index + 1 < arguments.Length ? arguments[index + 1] : null;
    }
}
