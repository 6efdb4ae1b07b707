using System.Globalization;
using System.Net;
using Log.Journal.Node;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Log.Journal.Hosting;

/// <summary>
/// The journal node alone: <c>dotnet run --project journal -- --port 9092 --data DIR</c>.
/// Settings come from appsettings.json, <c>LOG__Journal__*</c> environment variables and the
/// command line (section <c>Journal</c>; the switches below are shorthands). Prints
/// <c>Journal node is ready: kafka=HOST:PORT data=DIR</c> once it listens (with <c>--http-port H</c>, first
/// <c>Health and metrics on http://HOST:H</c>: /healthz, /readyz and /metrics); stops cleanly on
/// SIGTERM or Ctrl+C (and loses nothing acknowledged on SIGKILL). <c>journal proxy ...</c> runs a delay proxy instead
/// (<see cref="DelayProxyCommand"/>).
/// </summary>
internal static class Program
{
    private static readonly Dictionary<string, string> Switches = new(StringComparer.Ordinal)
    {
        ["--port"] = "Journal:Port",
        ["--data"] = "Journal:DataDirectory",
        ["--listen"] = "Journal:ListenAddress",
        ["--advertised-host"] = "Journal:AdvertisedHost",
        ["--advertised-port"] = "Journal:AdvertisedPort",
        ["--extra-listeners"] = "Journal:ExtraListeners",
        ["--partitions"] = "Journal:DefaultPartitions",
        ["--auto-create-topics"] = "Journal:AutoCreateTopics",
        ["--node-id"] = "Journal:NodeId",
        ["--http-port"] = "Journal:HttpPort",
    };

    public static async Task<int> Main(string[] arguments)
    {
        if (arguments.Length > 0 && arguments[0] == "proxy")
        {
            return await DelayProxyCommand.RunAsync(arguments[1..]);
        }
        if (arguments.Contains("--help") || arguments.Contains("-h"))
        {
            await Console.Out.WriteLineAsync(
                "usage: journal [--port 9092] [--data DIR] [--listen 127.0.0.1] [--advertised-host HOST] [--advertised-port PORT] [--extra-listeners PORT:ADVERTISED_PORT,...] [--partitions 1] [--auto-create-topics true] [--node-id 1] [--http-port H]");
            return 0;
        }
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [] });
        builder.Configuration.AddEnvironmentVariables("LOG__");
        builder.Configuration.AddCommandLine(arguments, Switches);
        var options = ReadOptions(builder.Configuration.GetSection("Journal"));
        builder.Services.AddSingleton(options);
        var httpPort = builder.Configuration.GetSection("Journal")["HttpPort"] is { } http ? int.Parse(http, CultureInfo.InvariantCulture) : (int?)null;
        builder.Services.AddSingleton(provider => new JournalNodeService(options, provider.GetRequiredService<ILoggerFactory>())
        {
            WriteReadyLine = true,
            HttpPort = httpPort,
        });
        builder.Services.AddHostedService(provider => provider.GetRequiredService<JournalNodeService>());
        using var host = builder.Build();
        await host.RunAsync();
        return 0;
    }

    internal static JournalNodeOptions ReadOptions(IConfiguration section)
    {
        var options = new JournalNodeOptions
        {
            Port = 9092,
            DataDirectory = Path.Combine(Environment.CurrentDirectory, "journal-data"),
        };
        if (section["Port"] is { } port)
        {
            options.Port = int.Parse(port, CultureInfo.InvariantCulture);
        }
        if (section["DataDirectory"] is { } data)
        {
            options.DataDirectory = data;
        }
        if (section["ListenAddress"] is { } listen)
        {
            options.ListenAddress = IPAddress.Parse(listen);
        }
        if (section["AdvertisedHost"] is { } advertised)
        {
            options.AdvertisedHost = advertised;
        }
        if (section["AdvertisedPort"] is { } advertisedPort)
        {
            options.AdvertisedPort = int.Parse(advertisedPort, CultureInfo.InvariantCulture);
        }
        if (section["ExtraListeners"] is { } extraListeners)
        {
            options.ExtraListeners = [.. extraListeners.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                .Select(pair => pair.Split(':'))
                .Select(pair => (int.Parse(pair[0], CultureInfo.InvariantCulture), int.Parse(pair[^1], CultureInfo.InvariantCulture)))];
        }
        if (section["DefaultPartitions"] is { } partitions)
        {
            options.DefaultPartitions = int.Parse(partitions, CultureInfo.InvariantCulture);
        }
        if (section["AutoCreateTopics"] is { } autoCreate)
        {
            options.AutoCreateTopics = bool.Parse(autoCreate);
        }
        if (section["PartitionIndexIntervalBytes"] is { } indexInterval)
        {
            options.PartitionIndexIntervalBytes = long.Parse(indexInterval, CultureInfo.InvariantCulture);
        }
        if (section["NodeId"] is { } nodeId)
        {
            options.NodeId = int.Parse(nodeId, CultureInfo.InvariantCulture);
        }
        return options;
    }
}
