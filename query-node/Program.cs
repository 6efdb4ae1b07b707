// Log: the whole database in one process. The query node is the front door: it hosts the
// journal node (Kafka protocol), one adjudicator shard, one storage node and the PostgreSQL
// protocol server, wired together through the same contracts they use across machines.
// Shutdown (Ctrl+C, SIGTERM) stops accepting connections first, then the roles in reverse
// order of start. A kill -9 loses nothing acknowledged: the journal is fsynced before a COMMIT
// is answered, and everything else is rebuilt from it at start. With --journal and --adjudicator it is instead one
// query node of several: the journal and the adjudicator run alone, and it keeps only its storage replica.
using Log.Journal.Hosting;
using Log.QueryNode.Auth;
using Log.QueryNode.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

// `keys ...` and `token ...` manage and use the access keys of a data folder without starting the database.
if (AuthCommands.IsCommand(args))
{
    return AuthCommands.Run(args, Console.Out, Console.Error);
}

var builder = RoleHost.CreateBuilder(args, LogOptions.CommandLineSwitches);
var options = new LogOptions();
builder.Configuration.Bind(options);
var problem = options.Validate(out _);
if (problem is not null)
{
    Console.Error.WriteLine($"log: {problem}");
    return 2;
}

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
