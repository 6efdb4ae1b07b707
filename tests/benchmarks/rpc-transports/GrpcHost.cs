using System.Net;
using Log.Adjudicator;
using Log.Journal.Time;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Log.Benchmarks.RpcTransports;

/// <summary>ASP.NET Core's gRPC server on Kestrel, HTTP/2 without TLS (h2c, prior knowledge) on a free loopback port,
/// serving <see cref="GrpcCommitService"/> over the given adjudicator. Logging is off (the framed server logs nothing
/// per call either). Dispose stops it.</summary>
internal sealed class GrpcHost : IAsyncDisposable
{
    private readonly WebApplication application;

    private GrpcHost(WebApplication application, int port)
    {
        this.application = application;
        Port = port;
    }

    public int Port { get; }

    public static async Task<GrpcHost> StartAsync(IAdjudicator adjudicator, HybridClock clock, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc(grpc =>
        {
            grpc.MaxReceiveMessageSize = GrpcCommit.MaxMessageBytes;
            grpc.MaxSendMessageSize = GrpcCommit.MaxMessageBytes;
        });
        builder.Services.AddSingleton(adjudicator);
        builder.Services.AddSingleton(clock);
        // One service object for every call, as the framed server has one.
        builder.Services.AddSingleton<GrpcCommitService>();
        var application = builder.Build();
        application.MapGrpcService<GrpcCommitService>();
        await application.StartAsync(cancellationToken);
        var address = application.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!
            .Addresses.Single();
        return new GrpcHost(application, new Uri(address).Port);
    }

    public async ValueTask DisposeAsync()
    {
        await application.StopAsync();
        await application.DisposeAsync();
    }
}
