namespace Log.StorageNode.Tests;

/// <summary>
/// Entry point of the test assembly when run as a program (under the test runner, Main is not called):
/// <c>dotnet exec Log.StorageNode.Tests.dll scan-benchmark [--keys N] [--runs N]</c> runs the raw storage scan
/// benchmark (see <see cref="StorageScanBenchmark"/>); <c>rpc-benchmark [--keys N] [--reads N]</c> the cost of the storage
/// RPC against the in-process call (see <see cref="StorageRpcBenchmark"/>); <c>replay-benchmark [--keys N] [--updates N]
/// [--runs N]</c> the apply loop's replay rate (see <see cref="StorageReplayBenchmark"/>); <c>recovery-benchmark [--keys N] [--runs N]
/// [--keep DIR [--reuse]]</c> the storage node's part of a restart (see <see cref="StorageRecoveryBenchmark"/>); <c>compaction-crash-child DIR SEED COMMITS</c> the
/// process <see cref="CompactionCrashTests"/> kills during a compaction.
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] arguments)
    {
        if (arguments.Length >= 1 && arguments[0] == "scan-benchmark")
        {
            return await StorageScanBenchmark.RunAsync(arguments[1..], CancellationToken.None);
        }
        if (arguments.Length >= 1 && arguments[0] == "replay-benchmark")
        {
            return await StorageReplayBenchmark.RunAsync(arguments[1..], CancellationToken.None);
        }
        if (arguments.Length >= 1 && arguments[0] == "recovery-benchmark")
        {
            return await StorageRecoveryBenchmark.RunAsync(arguments[1..], CancellationToken.None);
        }
        if (arguments.Length >= 1 && arguments[0] == "rpc-benchmark")
        {
            return await StorageRpcBenchmark.RunAsync(arguments[1..], CancellationToken.None);
        }
        if (arguments.Length == 4 && arguments[0] == CompactionCrashTests.ChildCommand)
        {
            return await CompactionCrashTests.RunChildAsync(arguments[1..]);
        }
        await Console.Error.WriteLineAsync("usage: scan-benchmark [--keys N] [--runs N] | replay-benchmark [--keys N] [--updates N] [--runs N] | rpc-benchmark [--keys N] [--reads N] | recovery-benchmark [--keys N] [--runs N] [--keep DIR [--reuse]]");
        return 2;
    }
}
