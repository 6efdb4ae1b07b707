using Microsoft.Extensions.Logging;

namespace Log.StorageNode.Tools;

/// <summary>
/// The storage node's command line (the project is also the library the query node runs the role from): <c>serve</c>
/// runs one replica alone, served over the storage RPC (<see cref="Hosting.ServeCommand"/>); the tools <c>replay</c> materialises a storage folder from the journal and prints its state digest; <c>digest</c> prints the
/// digest of an existing folder. Both print plain lines a test or script can read (see <see cref="ToolOutput"/>).
/// Exit codes: 0 done, 1 failed, 2 bad usage.
/// </summary>
internal static class Program
{
    public const string Usage = """
        usage: storage-node serve --journal HOST:PORT [--port 7500] --data DIR [--http-port H] [--partition N] [--region R]
               storage-node replay --journal HOST:PORT [--topic T | --region R] [--partition N] [--from OFFSET|beginning]
                                   [--until TIMESTAMP] [--cut-journal] --data DIR
               storage-node digest --data DIR [--at TIMESTAMP] [--topic T | --region R] [--partition N]
        TIMESTAMP is a hybrid timestamp: its 64 bits as one integer, or MILLISECONDS.LOGICAL as the tools print it.
        replay --from beginning (the default for an empty folder) wipes DIR; without --from, or with the offset its
        newest checkpoint covers, it continues the folder. --cut-journal (one shard) also writes DIR/journal, the journal
        cut where the replay stopped: log --data DIR then starts the database on the state as of that point.
        """;

    public static async Task<int> Main(string[] arguments)
    {
        if (arguments.Length == 0 || arguments.Contains("--help") || arguments.Contains("-h"))
        {
            await Console.Out.WriteLineAsync(Usage);
            return arguments.Length == 0 ? 2 : 0;
        }
        if (arguments[0] == "serve")
        {
            return await Hosting.ServeCommand.RunAsync(arguments[1..]);
        }
        ToolArguments parsed;
        try
        {
            parsed = ToolArguments.Parse(arguments);
        }
        catch (ArgumentException exception)
        {
            await Console.Error.WriteLineAsync($"storage-node: {exception.Message}\n{Usage}");
            return 2;
        }
        using var loggerFactory = LoggerFactory.Create(builder => builder
            .AddSimpleConsole(console => { console.SingleLine = true; console.TimestampFormat = "HH:mm:ss "; })
            .SetMinimumLevel(parsed.Verbose ? LogLevel.Information : LogLevel.Warning));
        using var cancellation = new CancellationTokenSource();
        Console.CancelKeyPress += (_, eventArguments) =>
        {
            eventArguments.Cancel = true;
            cancellation.Cancel();
        };
        try
        {
            return parsed.Command switch
            {
                "replay" => await ReplayCommand.RunAsync(parsed, loggerFactory, cancellation.Token),
                _ => await DigestCommand.RunAsync(parsed, loggerFactory, cancellation.Token),
            };
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync("storage-node: cancelled");
            return 1;
        }
        catch (Exception exception) when (exception is InvalidOperationException or IOException or StorageUnavailableException)
        {
            await Console.Error.WriteLineAsync($"storage-node: {exception.Message}");
            return 1;
        }
    }
}
