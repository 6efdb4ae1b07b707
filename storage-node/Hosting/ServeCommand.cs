using Log.Journal.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Log.StorageNode.Hosting;

/// <summary>
/// One storage replica alone: <c>dotnet run --project storage-node -- serve --journal HOST:PORT --port P --data DIR
/// [--http-port H]</c>. Settings come from appsettings.json, <c>LOG__</c> environment variables and the command line
/// (<see cref="StorageNodeHostOptions"/>). Prints <c>Storage node is ready: rpc=HOST:PORT ...</c> once it has caught up
/// with the journal and serves; stops cleanly (a last checkpoint) on SIGTERM or Ctrl+C. A kill -9 loses nothing: the
/// replica's state is derived from the journal, and the next start recovers its newest checkpoint and replays after it.
/// </summary>
internal static class ServeCommand
{
    public const string Usage =
        "storage-node serve --journal HOST:PORT [--port 7500] --data DIR [--http-port H] [--listen 127.0.0.1] [--region local] [--partition 0] [--snapshot-retention-seconds 300] [--index-cache-mib 32] [--regions A=HOST:PORT,B=HOST:PORT,W=HOST:PORT --witness W]";

    public static async Task<int> RunAsync(string[] arguments)
    {
        var builder = RoleHost.CreateBuilder(arguments, StorageNodeHostOptions.CommandLineSwitches);
        var options = new StorageNodeHostOptions();
        builder.Configuration.Bind(options);
        var problem = options.Validate(out _);
        if (problem is not null)
        {
            await Console.Error.WriteLineAsync($"storage-node: {problem}\nusage: {Usage}");
            return 2;
        }
        builder.Services.AddSingleton(options);
        builder.Services.AddHostedService<StorageNodeService>();
        using var host = builder.Build();
        try
        {
            await host.RunAsync();
            return 0;
        }
        catch (Exception exception) when (exception is IOException or System.Net.Sockets.SocketException or InvalidOperationException
            or StorageUnavailableException)
        {
            await Console.Error.WriteLineAsync($"storage-node: could not start: {exception.Message}");
            return 1;
        }
    }
}
