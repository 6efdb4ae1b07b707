using System.Diagnostics;
using System.Globalization;
using Log.Journal.Client;
using Log.Journal.Time;
using Log.StorageNode.Rpc;

namespace Log.StorageNode.Tests;

/// <summary>
/// The cost of the storage RPC hop (a program, not a timed test): a node applies <c>--keys</c> table-like rows, then one
/// caller reads <c>--reads</c> random keys one at a time in process (<see cref="StorageNode.GetAsync"/>) and through
/// <see cref="RemoteStorageReader"/> over loopback TCP to a <see cref="StorageRpcServer"/> in the same process, and scans
/// every row both ways. Prints the latency percentiles of a point read and the scan rates.
/// </summary>
internal static class StorageRpcBenchmark
{
    public static async Task<int> RunAsync(string[] arguments, CancellationToken cancellationToken)
    {
        var keyCount = int.Parse(StorageScanBenchmark.Option(arguments, "--keys") ?? "100000", CultureInfo.InvariantCulture);
        var reads = int.Parse(StorageScanBenchmark.Option(arguments, "--reads") ?? "20000", CultureInfo.InvariantCulture);
        var directory = Path.Combine(Path.GetTempPath(), "log-storage-rpc-benchmark-" + Guid.NewGuid().ToString("N"));
        var journal = new MemoryJournal();
        try
        {
            await using var node = new StorageNode(new StorageNodeOptions { DataDirectory = directory, CheckpointsEnabled = false }, journal);
            await node.StartAsync(cancellationToken);
            (long end, ulong newest) = await StorageScanBenchmark.LoadAsync(journal, keyCount, cancellationToken);
            await node.WaitForOffsetAsync(end, cancellationToken);
            await using var server = new StorageRpcServer(node, new StorageRpcOptions { Port = 0 });
            server.Start();
            await using var remote = new RemoteStorageReader([("127.0.0.1", server.Port)], new StorageRpcOptions());
            var at = ReadPoint.Unfenced(new HybridTimestamp(newest));
            Console.WriteLine($"storage RPC benchmark: {keyCount} keys, {reads} point reads each way, {Environment.ProcessorCount} cores");
            for (var round = 0; round < 2; round++)
            {
                // The first round warms up (tiered compilation, the connection); the second is printed.
                var local = await PointReadsAsync(node, at, keyCount, reads, cancellationToken);
                var overRpc = await PointReadsAsync(remote, at, keyCount, reads, cancellationToken);
                var localScan = await ScanRateAsync(node, at, keyCount, cancellationToken);
                var rpcScan = await ScanRateAsync(remote, at, keyCount, cancellationToken);
                if (round == 0) continue;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"point read in process: p50 {local.P50:F1} us, p99 {local.P99:F1} us; over the RPC: p50 {overRpc.P50:F1} us, p99 {overRpc.P99:F1} us"));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"visiting scan of every row in process: {localScan / 1e6:F2} M rows/s; over the RPC: {rpcScan / 1e6:F2} M rows/s"));
            }
            return 0;
        }
        finally
        {
            try { Directory.Delete(directory, recursive: true); } catch (IOException) { } // best effort: a temp folder
        }
    }

    private static async Task<(double P50, double P99)> PointReadsAsync(IStorageReader reader, ReadPoint at, int keyCount, int reads,
        CancellationToken cancellationToken)
    {
        var random = new Random(5);
        var micros = new double[reads];
        var key = new byte[13];
        key[0] = 0x12;
        for (var index = 0; index < reads; index++)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(key.AsSpan(5), random.Next(keyCount));
            var started = Stopwatch.GetTimestamp();
            var value = await reader.GetAsync(key, at, cancellationToken);
            micros[index] = Stopwatch.GetElapsedTime(started).TotalMicroseconds;
            if (value is null) throw new InvalidOperationException("a loaded key read as missing");
        }
        Array.Sort(micros);
        return (micros[reads / 2], micros[reads * 99 / 100]);
    }

    private static async Task<double> ScanRateAsync(IStorageReader reader, ReadPoint at, int keyCount, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        var count = await StorageScanBenchmark.VisitAllAsync(reader, at, cancellationToken);
        if (count != keyCount) throw new InvalidOperationException($"the scan saw {count} rows, not {keyCount}");
        return count / watch.Elapsed.TotalSeconds;
    }
}
