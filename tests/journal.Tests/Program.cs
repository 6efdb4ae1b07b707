using Log.Journal.Node;

namespace Log.Journal.Tests;

/// <summary>
/// Entry point of the test assembly when run as a process: <c>journal-node DATA_DIRECTORY</c>
/// runs a journal node until the process is killed, printing its port. The crash test uses it to
/// kill -9 a real node. Under the test runner, Main is not called.
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] arguments)
    {
        if (arguments.Length == 2 && arguments[0] == "journal-node")
        {
            await using var node = new JournalNode(new JournalNodeOptions { DataDirectory = arguments[1] });
            await node.StartAsync(CancellationToken.None);
            Console.Out.WriteLine($"PORT {node.Port}");
            Console.Out.Flush();
            await Task.Delay(Timeout.Infinite);
            return 0;
        }
        await Console.Error.WriteLineAsync("usage: journal-node DATA_DIRECTORY");
        return 2;
    }
}
