using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Log.Journal.Hosting;

/// <summary>
/// The host every role of Log runs in when it runs alone: settings from appsettings.json (beside the executable, then
/// in the working folder), environment variables prefixed LOG__ and the role's command-line switches, in increasing
/// precedence; one line per log entry on the console. A failed start is reported by the role once, plainly, so the
/// host's own stack trace is filtered out.
/// </summary>
public static class RoleHost
{
    public static HostApplicationBuilder CreateBuilder(string[] arguments, IReadOnlyDictionary<string, string> switches)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { Args = arguments });
        builder.Configuration
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true)
            .AddJsonFile("appsettings.json", optional: true)
            .AddEnvironmentVariables("LOG__")
            .AddCommandLine(arguments, switches.ToDictionary());
        builder.Logging.AddSimpleConsole(console =>
        {
            console.SingleLine = true;
            console.TimestampFormat = "HH:mm:ss.fff ";
        });
        builder.Logging.SetMinimumLevel(LogLevel.Information);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting", LogLevel.None);
        return builder;
    }
}
