// Log: the whole database in one process. The query node is the front door: it hosts the
// journal node (Kafka protocol), one adjudicator shard, one storage node and the PostgreSQL
// protocol server, wired together through the same contracts they use across machines.
// Shutdown (Ctrl+C, SIGTERM) stops accepting connections first, then the roles in reverse
// order of start. A kill -9 loses nothing acknowledged: the journal is fsynced before a COMMIT
// is answered, and everything else is rebuilt from it at start.
using Log.QueryNode.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { Args = args });
builder.Configuration
    .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true)
    .AddJsonFile("appsettings.json", optional: true)
    .AddEnvironmentVariables("LOG__")
    .AddCommandLine(args, LogOptions.CommandLineSwitches.ToDictionary());

var options = new LogOptions();
builder.Configuration.Bind(options);
var problem = options.Validate(out _);
if (problem is not null)
{
    Console.Error.WriteLine($"log: {problem}");
    return 2;
}

builder.Logging.AddSimpleConsole(console =>
{
    console.SingleLine = true;
    console.TimestampFormat = "HH:mm:ss.fff ";
});
builder.Logging.SetMinimumLevel(LogLevel.Information);
builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
// A failed start is reported once, plainly, below; the host's own stack trace adds nothing.
builder.Logging.AddFilter("Microsoft.Extensions.Hosting", LogLevel.None);
builder.Services.AddSingleton(options);
builder.Services.AddHostedService<LogServer>();

using var host = builder.Build();
try
{
    await host.RunAsync();
    return 0;
}
catch (Exception exception) when (exception is IOException or System.Net.Sockets.SocketException or InvalidOperationException)
{
    Console.Error.WriteLine($"log: could not start: {exception.Message}");
    return 1;
}
