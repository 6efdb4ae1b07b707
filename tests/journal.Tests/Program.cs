namespace Log.Journal.Tests;

/// <summary>
/// Entry point of the test assembly when run as a program (under the test runner, Main is not
/// called): <c>dotnet exec Log.Journal.Tests.dll benchmark [--data DIR] [--records N]</c> runs the
/// journal benchmark (see <see cref="JournalBenchmark"/>); <c>quorum-benchmark [--appends N] [--delay-ms D] [--heartbeat-ms H] [--kafka K=V,...]</c> the quorum
/// writer's (see <see cref="QuorumBenchmark"/>); <c>partition-open [--megabytes M]</c> a partition's open with and without
/// its index file (see <see cref="PartitionOpenBenchmark"/>).
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] arguments)
    {
        if (arguments.Length >= 1 && arguments[0] == "benchmark")
        {
            return await JournalBenchmark.RunAsync(arguments[1..], CancellationToken.None);
        }
        if (arguments.Length >= 1 && arguments[0] == "partition-open")
        {
            return await PartitionOpenBenchmark.RunAsync(arguments[1..]);
        }
        if (arguments.Length >= 1 && arguments[0] == "quorum-benchmark")
        {
            return await QuorumBenchmark.RunAsync(arguments[1..]);
        }
        await Console.Error.WriteLineAsync("usage: benchmark [--data DIR] [--records N] [--latency-records N] | quorum-benchmark [--appends N] [--delay-ms D] [--heartbeat-ms H] [--kafka K=V,...] | partition-open [--megabytes M] [--batch-kilobytes K] [--opens N]");
        return 2;
    }
}
