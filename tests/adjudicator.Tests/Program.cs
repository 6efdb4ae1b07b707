namespace Log.Adjudicator.Tests;

/// <summary>
/// Entry point of the test assembly when run as a program (under the test runner, Main is not called):
/// <c>dotnet exec Log.Adjudicator.Tests.dll earlier-lives-benchmark [--records N] [--recent N] [--runs N]</c> times a
/// restarted shard's background read of its earlier lives' decisions (see <see cref="EarlierLivesReadBenchmark"/>).
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] arguments)
    {
        if (arguments.Length >= 1 && arguments[0] == "earlier-lives-benchmark")
        {
            return await EarlierLivesReadBenchmark.RunAsync(arguments[1..], CancellationToken.None);
        }
        Console.Error.WriteLine("usage: Log.Adjudicator.Tests earlier-lives-benchmark [--records N] [--recent N] [--runs N]");
        return 2;
    }
}
