namespace Log.Journal.Tests;

/// <summary>
/// Entry point of the test assembly when run as a program (under the test runner, Main is not
/// called): <c>dotnet exec Log.Journal.Tests.dll benchmark [--data DIR] [--records N]</c> runs the
/// journal benchmark (see <see cref="JournalBenchmark"/>).
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] arguments)
    {
        if (arguments.Length >= 1 && arguments[0] == "benchmark")
        {
            return await JournalBenchmark.RunAsync(arguments[1..], CancellationToken.None);
        }
        await Console.Error.WriteLineAsync("usage: benchmark [--data DIR] [--records N] [--latency-records N]");
        return 2;
    }
}
