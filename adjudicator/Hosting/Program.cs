using Log.Journal.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Log.Adjudicator.Hosting;

/// <summary>
/// One adjudicator shard alone: <c>dotnet run --project adjudicator -- --journal HOST:PORT --shard N --port P</c>.
/// Settings come from appsettings.json, <c>LOG__</c> environment variables and the command line
/// (<see cref="AdjudicatorHostOptions"/>). Prints <c>Adjudicator is ready: rpc=HOST:PORT ...</c> once it serves; stops
/// cleanly on SIGTERM or Ctrl+C. A kill -9 loses nothing acknowledged: a commit is answered only once it is durable in
/// the journal, and the next start rebuilds everything else from it.
/// </summary>
internal static class Program
{
    public static async Task<int> Main(string[] arguments)
    {
        if (arguments.Contains("--help") || arguments.Contains("-h"))
        {
            await Console.Out.WriteLineAsync(
                "usage: adjudicator --journal HOST:PORT [--shard 0] [--shards N] [--peers HOST:PORT,...] [--port 7400] [--listen 127.0.0.1] [--region local] [--heartbeat-interval-ms 100] [--max-clock-offset-ms 500]\n" +
                "       adjudicator --region A --regions A=HOST:PORT,B=HOST:PORT,W=HOST:PORT [--witness W] [--region-lead-ms 50] [--region-failover-ms 3000] [--region-append-timeout-ms 10000] [--port 7400]");
            return 0;
        }
        var builder = RoleHost.CreateBuilder(arguments, AdjudicatorHostOptions.CommandLineSwitches);
        var options = new AdjudicatorHostOptions();
        builder.Configuration.Bind(options);
        var problem = options.Validate(out _);
        if (problem is not null)
        {
            await Console.Error.WriteLineAsync($"adjudicator: {problem}");
            return 2;
        }
        builder.Services.AddSingleton(options);
        builder.Services.AddHostedService<AdjudicatorService>();
        using var host = builder.Build();
        try
        {
            await host.RunAsync();
            return 0;
        }
        catch (Exception exception) when (exception is IOException or System.Net.Sockets.SocketException or InvalidOperationException)
        {
            await Console.Error.WriteLineAsync($"adjudicator: could not start: {exception.Message}");
            return 1;
        }
    }
}
